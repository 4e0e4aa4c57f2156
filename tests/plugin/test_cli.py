"""`mjlab`: one module per subcommand; `mjlab run` runs features in-process and writes three reports."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from bdd_support import PUSH_FEATURE, statuses

from harness.cli import main, package_version
from harness.commands import COMMANDS, Command
from harness.commands.run import add_parser, pytest_args
from harness.options import StackOption, parse_stack

PASSING = "Feature: Push\n  Scenario: Sending a push\n    Given a phone\n    When I send a push\n"


def features(project: pytest.Pytester, **files: str) -> None:
    """Write feature files under `features/`."""
    project.mkdir("features")
    project.makefile(".feature", **{f"features/{name}": text for name, text in files.items()})


def test_run_writes_three_reports_and_fails_when_a_scenario_fails(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    features(project, push=PUSH_FEATURE)

    status = main(["run"])

    assert status == pytest.ExitCode.TESTS_FAILED
    reports = project.path / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["cucumber.json", "junit.xml", "report.html"]
    assert statuses(reports / "cucumber.json")["A failing gateway"] == ["passed", "failed", "skipped"]
    assert 'failures="1"' in (reports / "junit.xml").read_text(encoding="utf-8")
    summary = capsys.readouterr().out
    assert "failed (exit 1)" in summary
    assert "reports/report.html" in summary


def test_run_passes_with_tags_and_custom_report_paths(project: pytest.Pytester) -> None:
    features(project, push=PUSH_FEATURE)

    reports = ["--cucumberjson", "out/c.json", "--junitxml", "out/j.xml", "--html", "out/r.html"]
    status = main(["run", "features", "-t", "@push and not @slow", *reports])

    assert status == 0
    assert sorted(p.name for p in (project.path / "out").iterdir()) == ["c.json", "j.xml", "r.html"]
    assert "A failing gateway" not in statuses(project.path / "out" / "c.json")


def test_run_returns_pytests_status_when_nothing_matches(project: pytest.Pytester) -> None:
    features(project, push=PASSING)

    assert main(["run", "-k", "nothing-is-called-this"]) == pytest.ExitCode.NO_TESTS_COLLECTED


def test_run_translates_its_options_for_pytest() -> None:
    parser = add_parser(argparse.ArgumentParser().add_subparsers())
    options = ["-t", "@push", "-n", "2", "--lang", "fr", "--stack", "url=http://127.0.0.1:8000/", "-x", "-vv"]
    args = parser.parse_args(["features/push.feature", *options, "-t", "not @slow"])

    argv = pytest_args(args)

    assert argv[0] == "features/push.feature"
    assert argv[argv.index("-m") + 1] == "(push) and (not slow)"
    assert argv[argv.index("--stack") + 1] == "url=http://127.0.0.1:8000"
    assert argv[argv.index("-n") :][:4] == ["-n", "2", "-p", "xdist"]
    assert {"-x", "-vv", "--mjlab-lang"} <= set(argv)
    assert argv[argv.index("-p") + 1] == "no:cacheprovider"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0

    out = capsys.readouterr().out
    for name in ("run", "serve", "validate", "steps", "bench", "schema", "load"):
        assert f"    {name}" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0

    assert capsys.readouterr().out.strip() == f"mjlab {package_version()}"


def test_a_command_whose_module_is_missing_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(COMMANDS, "ghost", Command("harness.commands.ghost", "not written yet"))

    assert main(["ghost"]) == 2

    err = capsys.readouterr().err
    assert err.splitlines() == ["mjlab ghost: not available in this installation (harness.commands.ghost is missing)"]


def test_the_console_script_runs(project: pytest.Pytester) -> None:
    features(project, push=PASSING)
    script = Path(sys.executable).with_name("mjlab")

    done = subprocess.run([str(script), "run", "-v"], capture_output=True, text=True, cwd=project.path, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "features/push.feature::Sending a push PASSED" in done.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inprocess", StackOption("inprocess")),
        ("docker", StackOption("docker")),
        ("url=https://lab.example:8443/", StackOption("url", "https://lab.example:8443")),
    ],
)
def test_stack_values(text: str, expected: StackOption) -> None:
    assert parse_stack(text) == expected


@pytest.mark.parametrize("text", ["cloud", "url=", "url=ftp://x", "http://localhost"])
def test_invalid_stack_values(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="use one of inprocess, network, docker or url="):
        parse_stack(text)
