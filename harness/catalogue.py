"""The step catalogue: every step in English and French, with an example of each, registered with pytest-bdd.

A step module declares each step once with `step(kind, en=..., fr=..., example=..., exemple=...)`; both patterns
become pytest-bdd step definitions of the same function, and the entry feeds `mjlab steps` and `docs/steps*.md`.
Patterns are regular expressions matched against the whole step text; named groups become arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from pytest_bdd import given, parsers, then, when

F = TypeVar("F", bound=Callable[..., object])
Kind = Literal["given", "when", "then"]

_REGISTER = {"given": given, "when": when, "then": then}


@dataclass(frozen=True)
class StepEntry:
    """One step of the catalogue."""

    kind: Kind
    en: str
    fr: str
    example: str
    exemple: str
    summary: str
    module: str


CATALOGUE: list[StepEntry] = []


def step(
    kind: Kind,
    *,
    en: str,
    fr: str,
    example: str,
    exemple: str,
    target_fixture: str | None = None,
) -> Callable[[F], F]:
    """Register a step in both languages; `example`/`exemple` are full step lines that match."""

    def decorate(function: F) -> F:
        register = _REGISTER[kind]
        for pattern in (en, fr):
            register(parsers.re(pattern), target_fixture=target_fixture, stacklevel=2)(function)
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        CATALOGUE.append(StepEntry(kind, en, fr, example, exemple, summary, function.__module__))
        return function

    return decorate
