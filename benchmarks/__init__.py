"""Benchmarks: each figure measured beside its baseline in the same run (`make bench`, `mjlab bench`).

A figure is worth little alone on a noisy two-core machine, so every `Figure` carries the baseline it was measured
against in the same run (the transport's raw rate, the pytest-bdd floor, the bare identifiers of a phone...), the
ratio of the two, and the goals it is held to. `mjlab bench` runs every registered benchmark, prints the table and
writes the JSON; where a goal is missed the benchmark attaches a profile (`Figure.profile`) that says why.

Adding figures (journeys, propositions, SMS, email...): write a module under `benchmarks/suite/`, register a
function with `@benchmark(...)` that takes the `BenchContext` and returns its `Figure`s, and add the module to
`BENCHMARK_MODULES`. Measure in a subprocess (`BenchContext.worker`) whenever memory or imports could leak from
one figure into another. This module imports nothing from the simulator, so a pytest plugin under `benchmarks/`
can be loaded without importing the harness early.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "BENCHMARK_MODULES",
    "REGISTRY",
    "BenchContext",
    "BenchError",
    "Benchmark",
    "Figure",
    "Goal",
    "Measure",
    "at_least",
    "at_most",
    "below",
    "benchmark",
    "environment",
    "load_benchmarks",
]

#: The modules whose `@benchmark` functions `mjlab bench` runs, in this order.
BENCHMARK_MODULES: tuple[str, ...] = (
    "benchmarks.suite.fanout",
    "benchmarks.suite.memory",
    "benchmarks.suite.scenarios",
    "benchmarks.suite.startup",
    "benchmarks.suite.channels",
)


class BenchError(RuntimeError):
    """A measurement could not be taken; the message says what happened (a worker's output, a timeout)."""


@dataclass(frozen=True)
class Measure:
    """A measured quantity: what was measured, its value and unit."""

    label: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class Goal:
    """A bound a figure is held to: its value (or its ratio to the baseline) at least or at most `bound`."""

    text: str
    bound: float
    at_least: bool
    on_ratio: bool = False
    strict: bool = False

    def met(self, figure: Figure) -> bool | None:
        """True or False once the figure has the number this goal reads; None when it was not measured."""
        number = figure.ratio if self.on_ratio else figure.value
        if number is None:
            return None
        if self.at_least:
            return number > self.bound if self.strict else number >= self.bound
        return number < self.bound if self.strict else number <= self.bound


def at_least(bound: float, text: str, *, on_ratio: bool = False) -> Goal:
    """A goal that the value (or the ratio) reaches `bound`."""
    return Goal(text, bound, at_least=True, on_ratio=on_ratio)


def at_most(bound: float, text: str, *, on_ratio: bool = False) -> Goal:
    """A goal that the value (or the ratio) does not exceed `bound`."""
    return Goal(text, bound, at_least=False, on_ratio=on_ratio)


def below(bound: float, text: str, *, on_ratio: bool = False) -> Goal:
    """A goal that the value (or the ratio) stays strictly under `bound`."""
    return Goal(text, bound, at_least=False, on_ratio=on_ratio, strict=True)


@dataclass
class Figure:
    """One line of the table: a value beside its baseline, the ratio, goals, details and (on a miss) a profile."""

    id: str
    title: str
    value: float | None
    unit: str
    baseline: Measure | None
    goals: list[Goal] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    skipped: str | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline, when both were measured."""
        if self.value is None or self.baseline is None or not self.baseline.value:
            return None
        return self.value / self.baseline.value

    @property
    def missed(self) -> bool:
        """True when some goal was measured and not met."""
        return any(goal.met(self) is False for goal in self.goals)

    def to_json(self) -> dict[str, Any]:
        """The figure as `reports/bench.json` holds it."""
        return {
            "id": self.id,
            "title": self.title,
            "value": self.value,
            "unit": self.unit,
            "baseline": asdict(self.baseline) if self.baseline is not None else None,
            "ratio": float(f"{self.ratio:.6g}") if self.ratio is not None else None,
            "goals": [{"text": goal.text, "met": goal.met(self)} for goal in self.goals],
            "met": None if not self.goals or self.skipped else not self.missed,
            "details": self.details,
            "notes": self.notes,
            "profile": self.profile,
            "skipped": self.skipped,
        }


#: Seconds into a `mjlab bench` run after which missed goals are no longer profiled (see BenchContext).
PROFILE_BUDGET_S = 300.0


@dataclass
class BenchContext:
    """What every benchmark gets: the mode of the run, a scratch folder, where the features are, a logger."""

    quick: bool
    workdir: Path
    features: Path
    profile: bool = True
    python: str = sys.executable
    log: Callable[[str], None] = print
    profile_budget_s: float = PROFILE_BUDGET_S
    """Profiles start only this long after the run began, so a slow machine still finishes `make bench` in time."""
    started: float = field(default_factory=time.monotonic)

    def should_profile(self, figure: Figure) -> bool:
        """True when `figure` missed a goal and a profile may run (not quick, not `--no-profile`, within budget).
        Past the budget the figure gets a note instead."""
        if not figure.missed or not self.profile or self.quick:
            return False
        if time.monotonic() - self.started > self.profile_budget_s:
            figure.notes.append(
                f"not profiled: the run was past its profiling budget ({self.profile_budget_s:.0f} s); "
                f"mjlab bench --only {figure.id.split('.')[0]} profiles it alone"
            )
            return False
        return True

    def worker(self, module: str, *args: str, timeout: float = 600.0) -> dict[str, Any]:
        """Run `python -m module args...` in its own process; return the JSON object it prints last."""
        command = [self.python, "-m", module, *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{' '.join(command)} did not finish within {timeout:.0f} s") from None
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            raise BenchError(f"{' '.join(command)} exited {done.returncode}:\n{tail}")
        result: dict[str, Any] = json.loads(lines[-1])
        return result


BenchmarkFunction = Callable[[BenchContext], Iterable[Figure]]


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: a name, a one-line title, and the function that measures its figures."""

    name: str
    title: str
    function: BenchmarkFunction
    quick: bool = True
    """False: left out of `--quick` (unless named with `--only`), for benchmarks that mostly start servers."""


#: Every registered benchmark, by name, in registration order.
REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, title: str, *, quick: bool = True) -> Callable[[BenchmarkFunction], BenchmarkFunction]:
    """Register the decorated function as benchmark `name` (`quick=False`: not part of `--quick` runs)."""

    def register(function: BenchmarkFunction) -> BenchmarkFunction:
        if name in REGISTRY and REGISTRY[name].function is not function:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name, title, function, quick)
        return function

    return register


def load_benchmarks(modules: Iterable[str] = BENCHMARK_MODULES) -> list[Benchmark]:
    """Import the benchmark modules; return what they registered, in order."""
    for module in modules:
        importlib.import_module(module)
    return list(REGISTRY.values())


def environment() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
