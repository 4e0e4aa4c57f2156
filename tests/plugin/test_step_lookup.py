"""The indexed step lookup finds what pytest-bdd's own lookup finds: nearer definitions win, each item sees its own."""

from __future__ import annotations

import pytest

ROOT_STEPS = """
import pytest
from pytest_bdd import given, parsers, step, then

from harness import step_lookup


@given("a greeting", target_fixture="greeting")
def _():
    return "root"


@step(parsers.parse('the greeting is "{word}"'))
def _(greeting, word):
    assert greeting == word


@then(parsers.re(r"the greeting has (?P<count>\\d+) letters"), converters={"count": int})
def _(greeting, count):
    assert len(greeting) == count


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_before_step(request, step):
    # Both lookups, for the same step and item: the same definitions, in the same order.
    manager, node = request._fixturemanager, request.node
    assert step_lookup._original is not None
    theirs = list(step_lookup._original(step, manager, node))
    ours = step_lookup.find_fixturedefs_for_step(step, manager, node)
    assert ours == theirs, (step.name, ours, theirs)
"""

NEARER_STEPS = """
from pytest_bdd import given


@given("a greeting", target_fixture="greeting")
def _():
    return "nearer"
"""

ROOT_FEATURE = """Feature: Greetings at the top
  Scenario: The top folder's definition
    Given a greeting
    Then the greeting is "root"
    And the greeting has 4 letters
"""

NEARER_FEATURE = """Feature: Greetings in a folder with its own conftest
  Scenario: The nearer definition wins
    Given a greeting
    Then the greeting is "nearer"
    And the greeting has 6 letters
"""


@pytest.fixture
def greetings(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\nfilterwarnings = error\n")
    pytester.makeconftest(ROOT_STEPS)
    pytester.mkdir("nearer")
    pytester.makepyfile(**{"nearer/conftest": NEARER_STEPS})
    pytester.makefile(".feature", **{"top": ROOT_FEATURE, "nearer/greeting": NEARER_FEATURE})
    return pytester


def test_a_nearer_conftest_overrides_a_step_and_both_lookups_agree(greetings: pytest.Pytester) -> None:
    # The same step texts in two folders: what the lookup remembers for one item must not decide the other's.
    result = greetings.runpytest("top.feature", "nearer/greeting.feature")

    result.assert_outcomes(passed=2)


def test_an_undefined_step_is_still_reported_as_undefined(greetings: pytest.Pytester) -> None:
    greetings.makefile(".feature", unknown="Feature: Unknown\n  Scenario: A step nobody wrote\n    Given a farewell\n")

    result = greetings.runpytest("unknown.feature")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*StepDefinitionNotFoundError*a farewell*"])
