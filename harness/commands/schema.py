"""`mjlab schema journey|openapi`: print the JSON Schema of journey definitions, or the platform's OpenAPI document."""

from __future__ import annotations

import argparse
import json

from harness.commands import Subparsers


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab schema`."""
    parser = subparsers.add_parser("schema", help="print the journey JSON Schema or the platform's OpenAPI document")
    parser.add_argument("what", choices=["journey", "openapi"], help="which schema")
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the schema."""
    if args.what == "journey":
        from simulator.platform.journeys.validation import to_json_schema

        print(to_json_schema())
    else:
        from simulator.stack import Stack

        core = Stack.build().apps()["core"]
        print(json.dumps(core.openapi(), indent=2))  # type: ignore[attr-defined]
    return 0
