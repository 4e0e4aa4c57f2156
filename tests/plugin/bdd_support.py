"""What the plugin tests share: step definitions, a feature, and readers of the Cucumber JSON report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STEPS = """
import pytest
from pytest_bdd import given, parsers, then, when


@pytest.fixture
def broken():
    raise RuntimeError("the sandbox would not start")


@given("a phone")
def _():
    pass


@given("a broken sandbox")
def _(broken):
    pass


@when("I send a push")
def _():
    pass


@when(parsers.parse("I send {count:d} pushes"))
def _(count):
    assert count > 0


@when("the gateway fails")
def _():
    assert 500 == 200, "the gateway answered 500"


@when("the gateway is not ready")
def _():
    pytest.skip("gateway not ready")


@then("the phone shows it")
def _():
    pass


@given("un téléphone")
def _():
    pass


@when("j'envoie une notification")
def _():
    pass


@then("le téléphone l'affiche")
def _():
    pass
"""

PUSH_FEATURE = """
@push
Feature: Push notifications
  Scenario: Sending a push
    Given a phone
    When I send a push
    Then the phone shows it

  @slow
  Scenario: A failing gateway
    Given a phone
    When the gateway fails
    Then the phone shows it

  Scenario Outline: Several pushes
    Given a phone
    When I send <count> pushes
    Then the phone shows it

    Examples:
      | count |
      | 1     |
      | 3     |
"""


def statuses(path: Path) -> dict[str, list[str]]:
    """Each scenario's step statuses in a Cucumber JSON report, keyed by scenario name (and row)."""
    result: dict[str, list[str]] = {}
    for feature in load(path):
        for element in feature["elements"]:
            row = element["id"].rpartition(";;")[2] if ";;" in element["id"] else ""
            key = f"{element['name']}#{row}" if row else element["name"]
            result[key] = [step["result"]["status"] for step in element["steps"]]
    return result


def load(path: Path) -> list[dict[str, Any]]:
    """A Cucumber JSON report."""
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data
