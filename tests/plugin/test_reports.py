"""The Cucumber JSON report gives each step its real status, in one process and under pytest-xdist."""

from __future__ import annotations

from pathlib import Path

import pytest
from bdd_support import PUSH_FEATURE, load, statuses


def run_with_report(project: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, Path]:
    """Run pytest asking for the Cucumber JSON report; return the result and the report's path."""
    path = project.path / "out" / "cucumber.json"
    return project.runpytest(f"--cucumberjson-mjlab={path}", *args), path


def test_a_failed_step_is_failed_and_the_steps_after_it_skipped(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    result, path = run_with_report(project)

    result.assert_outcomes(passed=3, failed=1)
    assert statuses(path) == {
        "Sending a push": ["passed", "passed", "passed"],
        "A failing gateway": ["passed", "failed", "skipped"],
        "Several pushes#2": ["passed", "passed", "passed"],
        "Several pushes#3": ["passed", "passed", "passed"],
    }
    failed = load(path)[0]["elements"][1]["steps"][1]["result"]
    assert "AssertionError: the gateway answered 500" in failed["error_message"]
    assert failed["duration"] > 0


def test_a_scenario_whose_first_step_is_undefined_still_appears(project: pytest.Pytester) -> None:
    project.makefile(
        ".feature",
        push="""
        Feature: Push
          Scenario: Nobody wrote the first step
            Given a step nobody wrote
            When I send a push
            Then the phone shows it
        """,
    )

    result, path = run_with_report(project)

    result.assert_outcomes(failed=1)
    assert statuses(path) == {"Nobody wrote the first step": ["undefined", "skipped", "skipped"]}
    undefined = load(path)[0]["elements"][0]["steps"][0]["result"]
    assert "Step definition is not found" in undefined["error_message"]


def test_a_step_that_skips_is_skipped(project: pytest.Pytester) -> None:
    project.makefile(
        ".feature",
        push="Feature: Push\n  Scenario: Not ready\n    Given a phone\n    When the gateway is not ready\n"
        "    Then the phone shows it\n",
    )

    result, path = run_with_report(project)

    result.assert_outcomes(skipped=1)
    assert statuses(path) == {"Not ready": ["passed", "skipped", "skipped"]}


def test_a_step_whose_fixture_fails_is_failed(project: pytest.Pytester) -> None:
    project.makefile(
        ".feature",
        push="Feature: Push\n  Scenario: Broken\n    Given a phone\n    And a broken sandbox\n    Then it shows\n",
    )

    result, path = run_with_report(project)

    result.assert_outcomes(failed=1)
    steps = statuses(path)["Broken"]
    assert steps == ["passed", "failed", "skipped"]
    element = load(path)[0]["elements"][0]
    assert "the sandbox would not start" in element["steps"][1]["result"]["error_message"]


@pytest.mark.parametrize(
    ("fixture", "hook", "steps"),
    [
        ("raise RuntimeError('no sandbox')", "before", ["skipped", "skipped"]),
        ("yield\n    raise RuntimeError('no sandbox')", "after", ["passed", "passed"]),
    ],
)
def test_a_failing_fixture_setup_or_teardown_is_a_failed_hook(
    project: pytest.Pytester, fixture: str, hook: str, steps: list[str]
) -> None:
    project.mkdir("broken")
    project.makepyfile(
        **{"broken/conftest": f"import pytest\n@pytest.fixture(autouse=True)\ndef sandbox():\n    {fixture}\n"}
    )
    project.makefile(
        ".feature", **{"broken/push": "Feature: P\n  Scenario: S\n    Given a phone\n    When I send a push\n"}
    )

    result, path = run_with_report(project)

    result.assert_outcomes(errors=1, passed=1 if hook == "after" else 0)
    [element] = load(path)[0]["elements"]
    assert [step["result"]["status"] for step in element["steps"]] == steps
    assert element[hook][0]["result"]["status"] == "failed"
    assert "RuntimeError: no sandbox" in element[hook][0]["result"]["error_message"]


def test_the_report_carries_the_feature_keywords_and_tags(project: pytest.Pytester) -> None:
    project.mkdir("features")
    project.makefile(".feature", **{"features/push": PUSH_FEATURE})

    _, path = run_with_report(project, "features")

    [feature] = load(path)
    assert feature["uri"] == "features/push.feature"
    assert (feature["keyword"], feature["name"]) == ("Feature", "Push notifications")
    assert feature["tags"] == [{"name": "@push", "line": 1}]
    assert [tag["name"] for tag in feature["elements"][1]["tags"]] == ["@slow"]
    assert [step["keyword"] for step in feature["elements"][0]["steps"]] == ["Given ", "When ", "Then "]


def test_workers_send_their_records_to_the_controller(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    result, path = run_with_report(project, "-n", "2", "-p", "xdist")

    result.assert_outcomes(passed=3, failed=1)
    assert statuses(path)["A failing gateway"] == ["passed", "failed", "skipped"]
    assert len(statuses(path)) == 4


def test_a_reports_folder_gets_all_three_reports(project: pytest.Pytester) -> None:
    project.makefile(".feature", push=PUSH_FEATURE)

    project.runpytest("--mjlab-reports", "reports")

    assert sorted(p.name for p in (project.path / "reports").iterdir()) == ["cucumber.json", "junit.xml", "report.html"]
    html = (project.path / "reports" / "report.html").read_text(encoding="utf-8")
    assert "A failing gateway" in html
    assert "the gateway answered 500" in html
