"""Reports of a run: Cucumber JSON, JUnit XML (pytest's own `--junitxml`) and a readable HTML page.

- `records`: each process records its scenarios step by step from pytest-bdd's hooks and attaches the record to
  the item's teardown report; under pytest-xdist the reports carry the records to the controller.
- `cucumber`: the controller turns the records into Cucumber JSON (`--cucumberjson-mjlab PATH`).
- `html`: `write_html(cucumber_json_path, html_path)` renders that JSON as one self-contained page.

`--mjlab-reports DIR` asks for all three in DIR: `junit.xml`, `cucumber.json` and `report.html` (an explicit
`--junitxml` or `--cucumberjson-mjlab` path wins).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.reports.cucumber import CucumberJsonWriter
from harness.reports.html import write_html
from harness.reports.records import ScenarioRecorder

__all__ = ["ReportWriter", "ScenarioRecorder", "add_options", "configure"]

JUNIT_NAME = "junit.xml"
CUCUMBER_NAME = "cucumber.json"
HTML_NAME = "report.html"


def add_options(parser: pytest.Parser) -> None:
    """Add `--mjlab-reports` and `--cucumberjson-mjlab`."""
    group = parser.getgroup("mjlab")
    group.addoption(
        "--mjlab-reports",
        dest="mjlab_reports",
        metavar="DIR",
        type=Path,
        default=None,
        help=f"write {JUNIT_NAME}, {CUCUMBER_NAME} and {HTML_NAME} in DIR",
    )
    group.addoption(
        "--cucumberjson-mjlab",
        dest="mjlab_cucumber_json",
        metavar="PATH",
        type=Path,
        default=None,
        help="write a Cucumber JSON report at PATH (failed, undefined and skipped steps reported as such)",
    )


def configure(config: pytest.Config) -> None:
    """Record scenarios in this process; on the controller, also write the reports asked for."""
    config.pluginmanager.register(ScenarioRecorder(), "mjlab-scenario-recorder")
    if hasattr(config, "workerinput"):
        return
    reports_dir: Path | None = config.getoption("mjlab_reports")
    cucumber: Path | None = config.getoption("mjlab_cucumber_json")
    if reports_dir is not None:
        if not config.option.xmlpath:
            # Read by pytest's junitxml plugin in its own pytest_configure, which runs after ours.
            config.option.xmlpath = str(reports_dir / JUNIT_NAME)
        cucumber = cucumber or reports_dir / CUCUMBER_NAME
    if cucumber is not None:
        html = reports_dir / HTML_NAME if reports_dir is not None else None
        config.pluginmanager.register(ReportWriter(cucumber, html), "mjlab-report-writer")


class ReportWriter:
    """Writes the Cucumber JSON (and, if asked, the HTML) report when the session ends."""

    def __init__(self, cucumber_path: Path, html_path: Path | None) -> None:
        self.cucumber = CucumberJsonWriter(cucumber_path)
        self.html_path = html_path
        self.written: list[Path] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect the scenario record a report carries."""
        self.cucumber.pytest_runtest_logreport(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        """Write the reports."""
        self.written = [self.cucumber.write()]
        if self.html_path is not None:
            self.written.append(write_html(self.cucumber.path, self.html_path))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Say where the reports are."""
        for path in self.written:
            terminalreporter.write_sep("-", f"generated report: {path}")
