"""`mjlab steps [--lang fr] [--markdown]`: print the step catalogue, each step with an example.

`--markdown` prints the Markdown of `docs/steps.md` / `docs/steps.fr.md`; `--write` writes both files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands import Subparsers


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab steps`."""
    parser = subparsers.add_parser("steps", help="list the step library (English or French), with examples")
    parser.add_argument("--lang", choices=["en", "fr"], default="en")
    parser.add_argument("--markdown", action="store_true", help="print Markdown (the docs/steps*.md format)")
    parser.add_argument("--write", type=Path, metavar="DIR", help="write steps.md and steps.fr.md into DIR")
    return parser


def run(args: argparse.Namespace) -> int:
    """Print (or write) the catalogue."""
    from harness.docs import render_markdown, render_text

    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        (args.write / "steps.md").write_text(render_markdown("en"), encoding="utf-8")
        (args.write / "steps.fr.md").write_text(render_markdown("fr"), encoding="utf-8")
        print(f"wrote {args.write / 'steps.md'} and {args.write / 'steps.fr.md'}")
        return 0
    print(render_markdown(args.lang) if args.markdown else render_text(args.lang))
    return 0
