"""`mjlab`: the command line of Mobile Journey Lab (`mjlab --help` lists the subcommands).

Each subcommand lives in its own module (`harness.commands`), imported only when that command runs, so
`mjlab run` never pays for what `mjlab serve` imports, and a command whose module is absent fails alone.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import cast

from harness.commands import COMMANDS, CommandModule

DISTRIBUTION = "mobile-journey-lab"
#: The exit status of a command that cannot run (argparse uses it for usage errors too).
UNAVAILABLE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run `mjlab` with `argv` (default: the process arguments); return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    name = next((a for a in arguments if not a.startswith("-")), None)
    loaded: dict[str, CommandModule] = {}
    if name in COMMANDS:
        module_name = COMMANDS[name].module
        try:
            loaded[name] = cast(CommandModule, importlib.import_module(module_name))
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            print(f"mjlab {name}: not available in this installation ({module_name} is missing)", file=sys.stderr)
            return UNAVAILABLE
    try:
        args = build_parser(loaded).parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else UNAVAILABLE
    return loaded[args.command].run(args)


def build_parser(loaded: dict[str, CommandModule]) -> argparse.ArgumentParser:
    """The `mjlab` parser: the loaded commands with their own options, the others with their help line only."""
    parser = argparse.ArgumentParser(
        prog="mjlab", description="Mobile Journey Lab: test multi-channel mobile journeys end to end on one machine."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        if name in loaded:
            loaded[name].add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=command.help, description=command.help)
    return parser


def package_version() -> str:
    """The installed version of Mobile Journey Lab."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
