"""The step catalogue: every step has both languages and examples that match, and the docs match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.catalogue import StepEntry
from harness.docs import load_catalogue, render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"
KEYWORD = re.compile(r"^(Given|When|Then|And|But|Soit|Quand|Alors|Et|Mais)\s+")


def _first_line(example: str) -> str:
    return KEYWORD.sub("", example.splitlines()[0]).strip()


@pytest.mark.parametrize("entry", load_catalogue(), ids=lambda e: f"{e.module.rsplit('.', 1)[-1]}:{e.example[:40]}")
def test_each_step_has_an_english_and_a_french_form_and_its_examples_match(entry: StepEntry) -> None:
    assert entry.summary, f"{entry.en} has no docstring"
    assert re.fullmatch(entry.en, _first_line(entry.example)), f"{entry.example!r} does not match {entry.en!r}"
    assert re.fullmatch(entry.fr, _first_line(entry.exemple)), f"{entry.exemple!r} does not match {entry.fr!r}"


@pytest.mark.parametrize(("lang", "name"), [("en", "steps.md"), ("fr", "steps.fr.md")])
def test_the_generated_docs_match_the_code(lang: str, name: str) -> None:
    assert (DOCS / name).read_text(encoding="utf-8") == render_markdown(lang), (
        f"docs/{name} is out of date: run `mjlab steps --write docs`"
    )
