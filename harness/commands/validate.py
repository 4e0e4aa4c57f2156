"""`mjlab validate PATH...`: check journey definitions (files and folders of .yaml/.yml/.json).

Every problem is printed as `file:line:column: field.path: message` — unknown keys (typos), types and limits, and
graph errors (unknown or unreachable steps, cycles, a reaction not right after an action, waits over the limits,
expressions that do not parse, messages their channel refuses). Exit status 1 when anything is wrong, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands import Subparsers


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab validate`."""
    parser = subparsers.add_parser(
        "validate", help="check journey definitions (file:line:column and field path for each problem)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: fixtures/journeys)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Check the paths; print each problem; 1 if any."""
    from simulator.platform.journeys.validation import check_paths

    paths = args.paths or [Path("fixtures/journeys")]
    files, problems = check_paths(paths)
    for problem in problems:
        print(problem)
    if not files:
        print(f"mjlab validate: no journey files under {', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    broken = len({p.file for p in problems})
    summary = f"{len(files)} file(s) checked, {broken} with problems ({len(problems)} problem(s))"
    print(summary if problems else f"{len(files)} file(s) checked, all valid", file=sys.stderr)
    return 1 if problems else 0
