"""Personalization: message text rendered per profile with Jinja2 in its sandbox (no hand-written parsing).

Expressions see `profile` (attributes, with `profile.identities`), `context` (the campaign's or event's context) and
`event`. A missing value is an error unless the author gives a fallback (`{{ profile.firstName | default("there") }}`),
so a message is never sent half-rendered: the profile is excluded with `RuntimeRenderingError` 050302.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class RenderingError(Exception):
    """A template that cannot be rendered for this profile."""


@lru_cache(maxsize=4096)
def _compile(text: str) -> Any:
    return _ENVIRONMENT.from_string(text)


def render(text: str, variables: dict[str, Any]) -> str:
    """Render `text` with `variables`; plain text (no `{{`/`{%`) is returned as is."""
    if "{{" not in text and "{%" not in text:
        return text
    try:
        return str(_compile(text).render(variables))
    except TemplateError as error:
        raise RenderingError(f"cannot render {text!r}: {error}") from None


def validate(text: str) -> str | None:
    """The syntax error in `text`, or None."""
    try:
        _compile(text)
    except TemplateError as error:
        return str(error)
    return None


@lru_cache(maxsize=4096)
def _compile_expression(text: str) -> Any:
    return _ENVIRONMENT.compile_expression(text, undefined_to_none=False)


def expression_error(text: str) -> str | None:
    """The syntax error in a condition expression, or None."""
    try:
        _compile_expression(text)
    except TemplateError as error:
        return str(error)
    return None


def evaluate(text: str, variables: dict[str, Any]) -> Any:
    """The value of a condition expression (`profile.tier == "gold"`); RenderingError when it cannot be evaluated."""
    try:
        return _compile_expression(text)(**variables)
    except TemplateError as error:
        raise RenderingError(f"cannot evaluate {text!r}: {error}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as error:
        raise RenderingError(f"cannot evaluate {text!r}: {error}") from None
