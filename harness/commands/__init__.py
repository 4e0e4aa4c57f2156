"""The `mjlab` subcommands, one module each, imported only when their command runs.

Every command module exposes `add_parser(subparsers)`, which adds its subparser, and `run(args) -> int`, which
runs it and returns the process exit status.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Protocol, TypeAlias

__all__ = ["COMMANDS", "Command", "CommandModule", "Subparsers"]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CommandModule(Protocol):
    """What a command module provides."""

    def add_parser(self, subparsers: Subparsers) -> argparse.ArgumentParser:
        """Add the command's subparser."""
        ...

    def run(self, args: argparse.Namespace) -> int:
        """Run the command; return the exit status."""
        ...


@dataclass(frozen=True)
class Command:
    """A subcommand: its module and the one-line help `mjlab --help` shows without importing it."""

    module: str
    help: str


#: Every subcommand, in the order `mjlab --help` lists them.
COMMANDS: dict[str, Command] = {
    "run": Command("harness.commands.run", "run feature files and write JUnit, Cucumber JSON and HTML reports"),
    "serve": Command("harness.commands.serve", "serve the stack on loopback ports (network mode)"),
    "validate": Command("harness.commands.validate", "check journey definitions (file:line:column and field path)"),
    "steps": Command("harness.commands.steps", "list the step library"),
    "bench": Command("harness.commands.bench", "measure the stack's throughput"),
    "schema": Command("harness.commands.schema", "print the journey JSON Schema or the platform's OpenAPI document"),
    "load": Command("harness.commands.load", "drive a fleet of simulated devices (Locust)"),
}
