"""A pytest plugin that times a run from inside: `pytest -p benchmarks.timing`, results in `$MJLAB_BENCH_TIMING`.

It writes one JSON object: the session's wall time (collection and every test, the stack's start-up included,
interpreter start-up and imports left out), the test loop's alone, how many tests ran and how, and how many
Gherkin steps ran. With `$MJLAB_BENCH_PROFILE` set it also profiles the session (cProfile, in every thread: the
in-process stack runs its event loop in a thread of its own behind a portal) and writes the merged stats there.
Used by `benchmarks.suite.scenarios` for the suite and for its no-op floor alike, so both are timed the same way.
It imports nothing from the project, so loading it never imports the harness early.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import threading
import time
from collections import Counter
from collections.abc import Generator
from types import FrameType
from typing import Any

import pytest

TIMING_ENV = "MJLAB_BENCH_TIMING"
PROFILE_ENV = "MJLAB_BENCH_PROFILE"


class ThreadProfiles:
    """cProfile in this thread and in every thread started after `start()`, merged at `dump()`."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Profile this thread, and each new thread from its first event on."""
        threading.setprofile(self._bootstrap)
        main = cProfile.Profile()
        self.profiles.append(main)
        main.enable()

    def _bootstrap(self, frame: FrameType, event: str, arg: Any) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()

    def dump(self, path: str) -> None:
        """Stop profiling and write the merged stats to `path`."""
        self.profiles[0].disable()
        threading.setprofile(None)
        stats = pstats.Stats(self.profiles[0])
        for profile in self.profiles[1:]:
            stats.add(profile)
        stats.dump_stats(path)


class _Timing:
    def __init__(self) -> None:
        self.session_started = 0.0
        self.loop_seconds = 0.0
        self.collected = 0
        self.steps = 0
        self.outcomes: Counter[str] = Counter()
        self.profiles: ThreadProfiles | None = None


_timing = _Timing()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the clock (and the profiler)."""
    if os.environ.get(PROFILE_ENV):
        _timing.profiles = ThreadProfiles()
        _timing.profiles.start()
    _timing.session_started = time.perf_counter()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Count the tests that will run."""
    _timing.collected = len(session.items)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, Any, Any]:
    """Time the test loop."""
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _timing.loop_seconds = time.perf_counter() - started


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_after_step() -> None:
    """Count a Gherkin step that ran."""
    _timing.steps += 1


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each test's outcome (its call, or a failed setup or teardown)."""
    if report.when == "call" or not report.passed:
        _timing.outcomes["error" if report.failed and report.when != "call" else report.outcome] += 1


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the clock and write the figures."""
    session_seconds = time.perf_counter() - _timing.session_started
    if _timing.profiles is not None:
        _timing.profiles.dump(os.environ[PROFILE_ENV])
    path = os.environ.get(TIMING_ENV)
    if not path:
        return
    figures = {
        "session_s": round(session_seconds, 4),
        "loop_s": round(_timing.loop_seconds, 4),
        "collected": _timing.collected,
        "steps": _timing.steps,
        "outcomes": dict(_timing.outcomes),
        "exit_status": int(exitstatus),
    }
    with open(path, "w") as file:
        json.dump(figures, file)
