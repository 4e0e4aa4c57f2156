"""Feature files are collected directly, named after their scenarios, selected by tags and language."""

from __future__ import annotations

import pytest
from bdd_support import PUSH_FEATURE

from harness.collect import tags_to_markexpr


def test_a_feature_file_runs_without_a_test_module(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    result = project.runpytest("push.feature")

    result.assert_outcomes(passed=3, failed=1)


def test_items_are_named_after_their_scenarios(project: pytest.Pytester) -> None:
    project.mkdir("features")
    project.makefile(".feature", **{"features/push": PUSH_FEATURE})

    result = project.runpytest("features", "--collect-only", "-q")

    result.stdout.fnmatch_lines(
        [
            "features/push.feature::Sending a push",
            "features/push.feature::A failing gateway",
            "features/push.feature::Several pushes[[]1[]]",
            "features/push.feature::Several pushes[[]3[]]",
        ]
    )


def test_items_are_located_at_their_scenario_line(project: pytest.Pytester) -> None:
    project.makefile(".feature", push="Feature: Push\n\n  Scenario: Sending a push\n    Given a phone\n")

    items, _ = project.inline_genitems("push.feature")

    assert [item.location for item in items] == [("push.feature", 2, "Sending a push")]


def test_a_failure_is_reported_under_the_scenario_name(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    result = project.runpytest("push.feature", "-rf")

    result.stdout.fnmatch_lines(["FAILED push.feature::A failing gateway - AssertionError*"])


def test_a_french_feature_runs(project: pytest.Pytester) -> None:
    project.makefile(
        ".feature",
        envoi="""
        # language: fr
        Fonctionnalité: Notifications
          Scénario: Envoyer une notification
            Soit un téléphone
            Quand j'envoie une notification
            Alors le téléphone l'affiche
        """,
    )

    result = project.runpytest("-v")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["envoi.feature::Envoyer une notification PASSED*"])


@pytest.mark.parametrize(
    ("expression", "passed", "failed"),
    [("push and not slow", 3, 0), ("slow", 0, 1), ("not push", 0, 0)],
)
def test_tags_select_scenarios_under_strict_markers(
    project: pytest.Pytester, expression: str, passed: int, failed: int
) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    result = project.runpytest("-m", expression)

    result.assert_outcomes(passed=passed, failed=failed, deselected=4 - passed - failed)


def test_example_table_tags_are_markers_too(project: pytest.Pytester) -> None:
    project.makefile(
        ".feature",
        push="""
        Feature: Push
          Scenario Outline: Several pushes
            Given a phone
            When I send <count> pushes

            @smoke
            Examples:
              | count |
              | 1     |

            Examples:
              | count |
              | 2     |
        """,
    )

    project.runpytest("-m", "smoke").assert_outcomes(passed=1, deselected=1)


def test_keyword_expressions_match_scenario_names(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    project.runpytest("-k", "Several").assert_outcomes(passed=2, deselected=2)


def test_a_feature_bound_by_a_test_module_runs_once(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)
    project.makepyfile(test_push='from pytest_bdd import scenarios\n\nscenarios("push.feature")\n')

    only_module = project.runpytest("test_push.py")
    both = project.runpytest("-v")

    only_module.assert_outcomes(passed=3, failed=1)
    both.assert_outcomes(passed=3, failed=1, deselected=4)
    both.stdout.fnmatch_lines(["push.feature::Sending a push PASSED*"])
    assert "test_push.py::" not in both.stdout.str()


def test_language_option_keeps_the_features_in_that_language(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)
    project.makefile(
        ".feature",
        envoi="# language: fr\nFonctionnalité: N\n  Scénario: E\n    Soit un téléphone\n",
    )

    project.runpytest("--mjlab-lang", "fr").assert_outcomes(passed=1, deselected=4)


def test_an_empty_feature_file_has_no_scenarios(project: pytest.Pytester) -> None:
    project.makefile(".feature", empty="# nothing here yet\n")

    result = project.runpytest()

    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_gherkin_error_is_a_collection_error(project: pytest.Pytester) -> None:
    project.makefile(".feature", broken="Feature: Broken\n  Scenario: A\n    Given a phone\n  Nonsense here\n")

    result = project.runpytest()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*broken.feature: Unexpected token found*", "Line number: 4"])


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["@push and not @slow"], "push and not slow"),
        (["(@sms or @whatsapp) and not @wip"], "(sms or whatsapp) and not wip"),
        (["@push", "not @slow"], "(push) and (not slow)"),
    ],
)
def test_tag_expressions_become_marker_expressions(tags: list[str], expected: str) -> None:
    assert tags_to_markexpr(*tags) == expected
