"""Scenario cost: the `features/` suite's time per scenario beside the floor, the same scenarios with no-op steps.

The suite runs as users run it (pytest with the mjlab plugin, in-process stack) in a subprocess; the floor runs
the same feature files under plain pytest-bdd in a generated project whose only steps are catch-all no-ops (data
tables and doc strings accepted), with the mjlab plugin off. Both are timed from inside by `benchmarks.timing`:
the session (collection and every scenario, the stack's start-up included; interpreter start-up and imports
left out). Each is run three times (quick: once) and the fastest run counts. A missed goal is profiled: one more
run of the suite under cProfile.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import BenchContext, BenchError, Figure, Measure, at_most, benchmark
from benchmarks.profiling import load
from benchmarks.timing import PROFILE_ENV, TIMING_ENV

#: What `--quick` runs of the suite, when the suite has it: the channel features, about 40% of the scenarios.
QUICK_FOLDER = "channels"
GOAL = at_most(3.0, "≤ 3x the floor", on_ratio=True)
#: pytest warns that it cannot rewrite plugin modules imported before it starts (see harness/commands/run.py).
ALREADY_IMPORTED = "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"

FLOOR_CONFTEST = '''"""Catch-all no-op steps: the floor of a scenario's cost under plain pytest-bdd."""

from pytest_bdd import given, parsers, then, when

ANY = parsers.re(r"(?s).*")


@given(ANY)
def _given() -> None:
    pass


@when(ANY)
def _when() -> None:
    pass


@then(ANY)
def _then() -> None:
    pass
'''
FLOOR_TEST = 'from pytest_bdd import scenarios\n\nscenarios("features")\n'
FLOOR_INI = "[pytest]\nmarkers =\n"


def floor_project(features: Path, workdir: Path) -> Path:
    """A project holding copies of the feature files, catch-all no-op steps, and one `scenarios()` call."""
    project = Path(tempfile.mkdtemp(prefix="floor-", dir=workdir))
    shutil.copytree(features, project / "features", ignore=lambda folder, names: [
        name for name in names if not name.endswith(".feature") and not (Path(folder) / name).is_dir()
    ])  # fmt: skip
    (project / "conftest.py").write_text(FLOOR_CONFTEST)
    (project / "test_features.py").write_text(FLOOR_TEST)
    (project / "pytest.ini").write_text(FLOOR_INI)
    return project


def timed_pytest(ctx: BenchContext, args: list[str], cwd: Path, *, profile_to: Path | None = None) -> dict[str, Any]:
    """Run pytest in a subprocess with the timing plugin; its figures plus the process's wall time."""
    timing = Path(tempfile.mkstemp(prefix="timing-", suffix=".json", dir=ctx.workdir)[1])
    env = {key: value for key, value in os.environ.items() if key not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env[TIMING_ENV] = str(timing)
    if profile_to is not None:
        env[PROFILE_ENV] = str(profile_to)
    command = [ctx.python, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider", "-p", "benchmarks.timing"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    wall = time.perf_counter() - started
    if timing.stat().st_size == 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise BenchError(f"pytest {' '.join(args)} (in {cwd}) wrote no timing; exit {done.returncode}:\n{tail}")
    figures: dict[str, Any] = json.loads(timing.read_text())
    figures["process_s"] = round(wall, 4)
    return figures


def _fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min(runs, key=lambda run: float(run["session_s"]))


def _per_scenario(run: dict[str, Any], key: str) -> float | None:
    return round(float(run[key]) / run["collected"] * 1000, 3) if run["collected"] else None


@benchmark("scenario.cost", "scenario cost")
def scenario_cost(ctx: BenchContext) -> list[Figure]:
    """The suite's session time per scenario beside the no-op floor's."""
    features = ctx.features.resolve()
    if not features.is_dir() or not any(features.rglob("*.feature")):
        return [
            Figure(
                "scenario.cost", "scenario cost", None, "ms/scenario", None, skipped=f"no feature files in {features}"
            )
        ]
    if ctx.quick and (features / QUICK_FOLDER).is_dir():
        features = features / QUICK_FOLDER  # a share of the suite keeps --quick under a minute
    repeats = 1 if ctx.quick else 3
    suite_args = [str(features), "-W", ALREADY_IMPORTED]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        suite_args += ["-p", "pytest-bdd", "-p", "mjlab"]
    project = floor_project(features, ctx.workdir)
    floor_args = ["-p", "no:mjlab", "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    suite_runs, floor_runs = [], []
    for attempt in range(repeats):
        ctx.log(f"scenario cost: the suite and its no-op floor (run {attempt + 1} of {repeats})")
        suite_runs.append(timed_pytest(ctx, suite_args, Path.cwd()))
        floor_runs.append(timed_pytest(ctx, floor_args, project))
    suite, floor = _fastest(suite_runs), _fastest(floor_runs)
    figure = Figure(
        id="scenario.cost",
        title=f"scenario cost, {suite['collected']} scenarios of {_relative(features)}",
        value=_per_scenario(suite, "session_s"),
        unit="ms/scenario",
        baseline=Measure(
            "floor: the same scenarios, no-op steps, plain pytest-bdd", _per_scenario(floor, "session_s"), "ms/scenario"
        ),
        goals=[GOAL],
        details={
            "suite": suite,
            "floor": floor,
            "suite_loop_ms_per_scenario": _per_scenario(suite, "loop_s"),
            "floor_loop_ms_per_scenario": _per_scenario(floor, "loop_s"),
            "suite_process_ms_per_scenario": _per_scenario(suite, "process_s"),
            "floor_process_ms_per_scenario": _per_scenario(floor, "process_s"),
            "runs": repeats,
        },
    )
    if suite["collected"] != floor["collected"]:
        figure.notes.append(f"the floor collected {floor['collected']} scenarios, the suite {suite['collected']}")
    if suite.get("outcomes", {}).get("passed", 0) != suite["collected"]:
        figure.notes.append(f"not every scenario passed: {suite.get('outcomes')}")
    figure.notes.append(
        "session time: collection and every scenario, the stack's start-up included; "
        "interpreter start-up and imports are in details (process_s)"
    )
    if ctx.should_profile(figure):
        ctx.log("scenario cost: the suite under cProfile (goal missed)")
        profile_to = ctx.workdir / "scenarios.prof"
        timed_pytest(ctx, suite_args, Path.cwd(), profile_to=profile_to)
        figure.profile = {"suite_session": load(str(profile_to))}
    return [figure]


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path)
