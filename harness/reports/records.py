"""What happened to each scenario, step by step, recorded in the process that ran it.

`ScenarioRecorder` listens to pytest-bdd's hooks and to `pytest_runtest_makereport`, keeps a `ScenarioRecord` in
the item's stash, and attaches it as plain JSON data to the item's teardown report (`report.mjlab_scenario`).
Reports carry extra attributes across pytest-xdist, so the controller receives every worker's records in
`pytest_runtest_logreport` and writes the reports (see `harness.reports.cucumber`).

Step statuses follow Cucumber: the step that raised is `failed` (with the error), a step with no definition is
`undefined`, a step that called `pytest.skip()` is `skipped`, and every step after any of those is `skipped`.
A failing fixture setup or teardown is a failed `before` or `after` hook of the scenario.

`attach(item, name, data)` adds plain JSON data to the record (the platform's reports and the phones' timeline,
taken before the sandbox closes): it travels with the record and becomes an embedding of the Cucumber report.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pytest
from pytest_bdd.parser import Feature, Scenario, Step

from harness.collect import example_of, scenario_template
from simulator.clock import monotonic

if TYPE_CHECKING:
    from pytest_bdd.parser import ScenarioTemplate

Status = Literal["passed", "failed", "skipped", "undefined"]

#: The attribute of a teardown report that carries its scenario's record.
REPORT_ATTRIBUTE = "mjlab_scenario"
_RECORD = pytest.StashKey["ScenarioRecord"]()


@dataclass
class StepRecord:
    """One step: where it is, how it ended, how long it took (nanoseconds) and why it failed."""

    keyword: str
    name: str
    line: int
    status: Status | None = None
    duration: int = 0
    error_message: str | None = None
    location: str = ""
    docstring: str | None = None
    rows: list[list[str]] | None = None
    started: float | None = None

    @classmethod
    def of(cls, step: Step) -> StepRecord:
        """The record of a step not run yet."""
        rows = [[str(cell) for cell in row] for row in step.datatable.raw()] if step.datatable is not None else None
        return cls(step.keyword, step.name, step.line_number, docstring=step.docstring, rows=rows)

    def finish(self, status: Status, error_message: str | None = None) -> None:
        """End the step with `status`, timing it if it had started."""
        self.status = status
        self.error_message = error_message
        if self.started is not None:
            self.duration = int((monotonic() - self.started) * 1e9)


@dataclass
class ScenarioRecord:
    """One scenario (or one outline example row) as it ran."""

    nodeid: str
    feature: dict[str, Any]
    keyword: str
    name: str
    line: int
    description: str
    tags: list[str]
    steps: list[StepRecord]
    example_index: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    attachments: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, item: pytest.Item, scenario: Scenario) -> ScenarioRecord:
        """The record of a scenario about to run as `item`."""
        feature = scenario.feature
        rule_tags = scenario.rule.tags if scenario.rule is not None else set()
        return cls(
            nodeid=item.nodeid,
            feature=_feature_data(feature, str(item.config.rootpath)),
            keyword=scenario.keyword,
            name=scenario.name,
            line=scenario.line_number,
            description=scenario.description,
            tags=sorted(scenario.tags | rule_tags),
            steps=[StepRecord.of(step) for step in scenario.steps],
            example_index=example_of(item)[0],
        )

    def step(self, step: Step) -> StepRecord:
        """The record of `step` (steps are told apart by their line)."""
        return next(record for record in self.steps if record.line == step.line_number)

    def running(self) -> StepRecord | None:
        """The step that started and has not finished, if any."""
        return next((s for s in self.steps if s.started is not None and s.status is None), None)

    def to_json(self) -> dict[str, Any]:
        """Plain data: what travels from an xdist worker to the controller."""
        data = asdict(self)
        for step in data["steps"]:
            del step["started"]
        return data


def _feature_data(feature: Feature, rootdir: str) -> dict[str, Any]:
    return {
        "keyword": feature.keyword,
        "name": feature.name,
        "uri": os.path.relpath(feature.filename, rootdir).replace(os.sep, "/"),
        "line": feature.line_number,
        "description": feature.description,
        "language": feature.language,
        "tags": sorted(feature.tags),
    }


def _location(func: Callable[..., object]) -> str:
    code = getattr(func, "__code__", None)
    if code is None:
        return getattr(func, "__qualname__", repr(func))
    return f"{os.path.relpath(code.co_filename)}:{code.co_firstlineno}"


def _record(item: pytest.Item, scenario: Scenario | None = None) -> ScenarioRecord | None:
    record = item.stash.get(_RECORD, None)
    if record is None:
        template: ScenarioTemplate | None = scenario_template(item)
        if scenario is None and template is not None:
            scenario = template.render(example_of(item)[1])
        if scenario is None:
            return None
        record = item.stash[_RECORD] = ScenarioRecord.of(item, scenario)
    return record


def attach(item: pytest.Item, name: str, data: Any) -> bool:
    """Attach JSON data to the scenario record of `item` (False when `item` is not a scenario)."""
    record = _record(item)
    if record is None:
        return False
    record.attachments[name] = data
    return True


def _hook_result(report: pytest.TestReport) -> dict[str, Any]:
    return {
        "match": {"location": report.location[0]},
        "result": {"status": "failed", "duration": int(report.duration * 1e9), "error_message": error_text(report)},
    }


class ScenarioRecorder:
    """Records each scenario's steps from pytest-bdd's hooks; registered in every pytest process."""

    def pytest_bdd_before_scenario(self, request: pytest.FixtureRequest, scenario: Scenario) -> None:
        """Start the scenario's record (an earlier phase may have made it already)."""
        _record(request.node, scenario)

    def pytest_bdd_before_step(
        self, request: pytest.FixtureRequest, scenario: Scenario, step: Step, step_func: Callable[..., object]
    ) -> None:
        """Note where the step's definition is and when it starts."""
        record = _record(request.node, scenario)
        if record is not None:
            step_record = record.step(step)
            step_record.location = _location(step_func)
            step_record.started = monotonic()

    def pytest_bdd_after_step(self, request: pytest.FixtureRequest, scenario: Scenario, step: Step) -> None:
        """The step passed."""
        record = _record(request.node, scenario)
        if record is not None:
            record.step(step).finish("passed")

    def pytest_bdd_step_error(
        self, request: pytest.FixtureRequest, scenario: Scenario, step: Step, exception: Exception
    ) -> None:
        """The step raised: it failed (the full error is filled in from the call report)."""
        record = _record(request.node, scenario)
        if record is not None:
            record.step(step).finish("failed", f"{type(exception).__name__}: {exception}")

    def pytest_bdd_step_func_lookup_error(
        self, request: pytest.FixtureRequest, scenario: Scenario, step: Step, exception: Exception
    ) -> None:
        """No step definition matches: the step is undefined."""
        record = _record(request.node, scenario)
        if record is not None:
            record.step(step).finish("undefined", str(exception))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> object:
        """Complete the record from each phase's report; attach it to the teardown report."""
        report = yield
        if not isinstance(report, pytest.TestReport):
            return report
        record = _record(item)
        if record is None:
            return report
        if report.when == "setup" and report.failed:
            record.before = _hook_result(report)
        elif report.when == "call":
            _complete_call(record, report)
        elif report.when == "teardown":
            if report.failed:
                record.after = _hook_result(report)
            for step in record.steps:
                if step.status is None:
                    step.status = "skipped"
            setattr(report, REPORT_ATTRIBUTE, record.to_json())
        return report


def _complete_call(record: ScenarioRecord, report: pytest.TestReport) -> None:
    running = record.running()
    if report.failed:
        if running is not None:
            running.finish("failed")
        failed = next((s for s in record.steps if s.status == "failed"), None)
        if failed is not None:
            failed.error_message = error_text(report)
        elif not any(s.status == "undefined" for s in record.steps):
            # The scenario failed outside its steps: in a hook before the first step or after the last one.
            if any(s.status is not None for s in record.steps):
                record.after = _hook_result(report)
            else:
                record.before = _hook_result(report)
    elif report.skipped and running is not None:
        running.finish("skipped")


def error_text(report: pytest.TestReport) -> str:
    """The innermost frame of a failure with its message, without the pytest and pytest-bdd frames above it."""
    entries = getattr(getattr(report.longrepr, "reprtraceback", None), "reprentries", None)
    if not entries:
        return report.longreprtext
    last = entries[-1]
    where = getattr(last, "reprfileloc", None)
    lines = [*last.lines, f"{where.path}:{where.lineno}: {where.message}"] if where is not None else last.lines
    return "\n".join(lines)
