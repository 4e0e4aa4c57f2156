"""The benchmark registry's figures, goals and ratios, and the load plan's bounds (no measurement here)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from benchmarks import REGISTRY, BenchContext, Figure, Measure, at_least, at_most, below, benchmark, load_benchmarks
from benchmarks.load.run import LoadPlan, LoopbackOnly, is_loopback, require_loopback
from harness.commands.load import duration


def test_a_figure_carries_its_ratio_to_the_baseline_and_its_goals() -> None:
    goals = [
        at_least(5_000, "≥ 5,000/s"),
        at_least(0.5, "≥ 50% of raw", on_ratio=True),
        at_most(1.0, "≤ 1x", on_ratio=True),
    ]
    figure = Figure("fanout.x", "fan-out", 9_000.0, "deliveries/s", Measure("raw", 6_000.0, "requests/s"), goals=goals)
    assert figure.ratio == pytest.approx(1.5)
    assert [goal.met(figure) for goal in figure.goals] == [True, True, False]
    assert figure.missed
    written = figure.to_json()
    assert written["ratio"] == 1.5
    assert written["baseline"] == {"label": "raw", "value": 6_000.0, "unit": "requests/s"}
    assert written["met"] is False


def test_a_strict_goal_and_an_unmeasured_figure() -> None:
    assert below(4096, "< 4 KiB").met(Figure("m", "m", 4096, "B", None)) is False
    skipped = Figure("d", "docker", None, "ms", None, goals=[below(1, "x")], skipped="skipped: no engine")
    assert skipped.ratio is None
    assert skipped.to_json()["goals"] == [{"text": "x", "met": None}]
    assert skipped.to_json()["met"] is None


def test_every_benchmark_module_registers_its_functions() -> None:
    names = {bench.name for bench in load_benchmarks()}
    assert {"fanout.inprocess", "fanout.network", "memory", "scenario.cost", "startup.inprocess"} <= names


def test_a_name_is_registered_once() -> None:
    @benchmark("test.once", "once")
    def once(ctx: object) -> list[Figure]:
        return []

    try:
        with pytest.raises(ValueError, match="registered twice"):
            benchmark("test.once", "again")(lambda ctx: [])
    finally:
        REGISTRY.pop("test.once")


@pytest.mark.parametrize(("text", "seconds"), [("20s", 20), ("2m", 120), ("1h", 3600), ("90", 90), ("1.5s", 1.5)])
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == seconds


def test_a_bad_duration_is_refused() -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration("soon")


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8500", True),
        ("http://127.3.2.1:1", True),
        ("http://localhost:8500", True),
        ("http://[::1]:8500", True),
        ("http://10.0.0.1:8500", False),
        ("http://192.168.1.2", False),
        ("http://example.com", False),
    ],
)
def test_loopback_addresses(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_endpoints_off_this_machine_are_refused() -> None:
    with pytest.raises(LoopbackOnly, match=r"fcm http://10\.1\.1\.1:8503"):
        require_loopback({"core": "http://127.0.0.1:8500", "fcm": "http://10.1.1.1:8503"})


@pytest.mark.parametrize(
    "plan",
    [LoadPlan(phones=0, seconds=10), LoadPlan(phones=10, seconds=0), LoadPlan(phones=10, seconds=10, workers=-1)],
)
def test_a_plan_out_of_bounds_is_refused(plan: LoadPlan) -> None:
    with pytest.raises(ValueError):
        plan.check()


def test_short_runs_trigger_campaigns_more_often() -> None:
    assert LoadPlan(phones=10, seconds=60).every == 5.0
    assert LoadPlan(phones=10, seconds=6).every == 1.5
    assert LoadPlan(phones=10, seconds=3, campaign_every=2).every == 2
    assert LoadPlan(phones=2000, seconds=20).rate == 400


def test_a_missed_goal_is_profiled_only_within_the_runs_budget(tmp_path: Path) -> None:
    def missed() -> Figure:
        return Figure("fanout.x", "fan-out", 1.0, "deliveries/s", None, goals=[at_least(2.0, "≥ 2/s")])

    met = Figure("fanout.y", "fan-out", 3.0, "deliveries/s", None, goals=[at_least(2.0, "≥ 2/s")])
    context = BenchContext(quick=False, workdir=tmp_path, features=tmp_path)
    assert context.should_profile(missed())
    assert not context.should_profile(met)
    assert not BenchContext(quick=True, workdir=tmp_path, features=tmp_path).should_profile(missed())
    assert not BenchContext(quick=False, workdir=tmp_path, features=tmp_path, profile=False).should_profile(missed())

    late = BenchContext(quick=False, workdir=tmp_path, features=tmp_path, profile_budget_s=0.0)
    figure = missed()
    assert not late.should_profile(figure)
    assert figure.notes == [
        "not profiled: the run was past its profiling budget (0 s); mjlab bench --only fanout profiles it alone"
    ]


def test_quick_runs_leave_out_the_server_benchmarks_unless_named() -> None:
    from harness.commands.bench import select

    benchmarks = load_benchmarks()
    quick = {bench.name for bench in select(benchmarks, None, quick=True)}
    full = {bench.name for bench in select(benchmarks, None, quick=False)}
    assert full == {bench.name for bench in benchmarks}
    assert full - quick == {"sms.network", "email.smtp"}
    assert [bench.name for bench in select(benchmarks, ["sms"], quick=True)] == ["sms.network"]
    assert {bench.name for bench in select(benchmarks, ["startup"], quick=True)} == {
        "startup.inprocess",
        "startup.network",
        "startup.docker",
    }
