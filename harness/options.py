"""Command-line options of the harness, shared by the pytest plugin and `mjlab run`.

`--stack` selects how the stack is reached (see ARCHITECTURE.md, "Stack modes"): `inprocess` (default),
`network`, `docker`, or `url=http://host:port` for a server that is already running. The parsed value is a
`StackOption`; fixtures read it with `config.getoption("mjlab_stack")`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import pytest

StackMode = Literal["inprocess", "network", "docker", "url"]

#: The modes that take no argument; `url=...` is the fourth.
STACK_MODES: tuple[StackMode, ...] = ("inprocess", "network", "docker")
DEFAULT_STACK: StackMode = "inprocess"
DEFAULT_SEED = "mjlab"


@dataclass(frozen=True)
class StackOption:
    """Where the stack runs: `mode`, and for `url` mode the base URL of the running server."""

    mode: StackMode
    url: str | None = None

    def __str__(self) -> str:
        return f"url={self.url}" if self.mode == "url" else self.mode


def parse_stack(value: str) -> StackOption:
    """Parse a `--stack` value; raise `argparse.ArgumentTypeError` with the accepted forms otherwise."""
    text = value.strip()
    for mode in STACK_MODES:
        if text == mode:
            return StackOption(mode)
    if text.startswith("url="):
        url = text.removeprefix("url=").rstrip("/")
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return StackOption("url", url)
    raise argparse.ArgumentTypeError(
        f"invalid stack {value!r}: use one of {', '.join(STACK_MODES)} or url=http://host:port"
    )


def add_options(parser: pytest.Parser) -> None:
    """Add `--stack` and `--seed` to pytest's command line."""
    group = parser.getgroup("mjlab", "Mobile Journey Lab")
    group.addoption(
        "--stack",
        dest="mjlab_stack",
        metavar="MODE",
        type=parse_stack,
        default=StackOption(DEFAULT_STACK),
        help="where the stack runs: inprocess (default), network, docker or url=http://host:port",
    )
    group.addoption(
        "--seed",
        dest="mjlab_seed",
        metavar="SEED",
        default=DEFAULT_SEED,
        help=f"seed of ids, random choices and fake data; the same seed gives the same run (default {DEFAULT_SEED})",
    )
