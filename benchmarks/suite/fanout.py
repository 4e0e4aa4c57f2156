"""Push fan-out: a campaign to a fleet of phones (half iOS, half Android), in-process and over the network.

Baselines: in-process, the rate of a trivial request through the in-process HTTP transport (`httpx.ASGITransport`
into the same core), which a fan-out that paid one HTTP round trip per notification could not beat; over the
network, the served core's rate for a trivial POST on loopback, the transport's limit (the fan-out goal is half of
it). A missed goal is profiled: the fan-out window under cProfile, in the worker (and in the server, over the
network), with the garbage collector's share measured apart.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks import BenchContext, Figure, Measure, at_least, benchmark
from benchmarks.profiling import load
from benchmarks.served import ServedStack

IN_PROCESS_GOAL = at_least(20_000, "≥ 20,000/s")
NETWORK_GOALS = (at_least(5_000, "≥ 5,000/s"), at_least(0.5, "≥ 50% of raw", on_ratio=True))
UNIT = "deliveries/s"
#: A missed goal is profiled on a smaller fleet: the same code per delivery, in a fraction of the time (the
#: network fleet is built over HTTP, which takes most of that benchmark's minutes).
PROFILED_PHONES = 20_000
PROFILED_NETWORK_PHONES = 2_000


def _details(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("phones", "delivered", "shown", "seconds", "fleet_build_seconds", "peak_rss_mib", "gc")
    return {key: result[key] for key in keys if key in result}


def _gc_note(result: dict[str, Any]) -> str | None:
    collections = result.get("gc") or {}
    seconds, window = collections.get("total_s", 0.0), result.get("seconds") or 0.0
    if not window or seconds < 0.05 * window:
        return None
    per_generation = ", ".join(
        f"gen {g}: {n} in {s * 1000:.0f} ms"
        for g, (n, s) in enumerate(zip(collections["collections"], collections["seconds"], strict=True))
    )
    return (
        f"the garbage collector took {seconds * 1000:.0f} ms of the {window * 1000:.0f} ms window "
        f"({seconds / window:.0%}; {per_generation}; {collections['tracked_objects']:,} objects tracked)"
    )


@benchmark("fanout.inprocess", "push fan-out in-process")
def inprocess_fanout(ctx: BenchContext) -> list[Figure]:
    """A campaign to 10,000 and 100,000 phones (quick: 1,000) on the in-process stack."""
    ctx.log("in-process transport: trivial POST through httpx.ASGITransport")
    raw = ctx.worker("benchmarks.transport", "inprocess", "--seconds", "0.5" if ctx.quick else "2")
    baseline = Measure(
        "in-process HTTP (httpx.ASGITransport), trivial POST /ee/v2/interact",
        raw["trivial_post"]["per_second"],
        "requests/s",
    )
    figures = []
    for figure_id, phones in (
        [("fanout.inprocess", 1_000)]
        if ctx.quick
        else [("fanout.inprocess", 10_000), ("fanout.inprocess.100k", 100_000)]
    ):
        ctx.log(f"in-process fan-out: {phones:,} phones")
        result = ctx.worker("benchmarks.fanout", "--mode", "inprocess", "--phones", str(phones))
        figure = Figure(
            id=figure_id,
            title=f"push fan-out in-process, {phones:,} phones",
            value=result["deliveries_per_second"],
            unit=UNIT,
            baseline=baseline,
            goals=[IN_PROCESS_GOAL],
            details=_details(result),
        )
        note = _gc_note(result)
        if note:
            figure.notes.append(note)
        if ctx.should_profile(figure):
            size = min(phones, PROFILED_PHONES)
            ctx.log(f"in-process fan-out: {size:,} phones, profiled (goal missed)")
            profiled = ctx.worker("benchmarks.fanout", "--mode", "inprocess", "--phones", str(size), "--profile")
            figure.profile = {"phones": size, "fanout_window": profiled["profile"], "gc": profiled["gc"]}
            figure.notes.append(f"profiled on {size:,} phones")
        figures.append(figure)
    return figures


@benchmark("fanout.network", "push fan-out over the network")
def network_fanout(ctx: BenchContext) -> list[Figure]:
    """A campaign to 10,000 phones (quick: 300) living in another process than `mjlab serve`."""
    phones = 300 if ctx.quick else 10_000  # the fleet is built over HTTP: 300 phones take seconds
    with ServedStack(ctx.workdir) as served:
        core = served.endpoints["core"]
        ctx.log(f"loopback transport: trivial POST and GET on {core}")
        raw = ctx.worker("benchmarks.transport", "loopback", "--url", core, "--seconds", "0.75" if ctx.quick else "3")
        ctx.log(f"network fan-out: {phones:,} phones (building the fleet over HTTP takes a while)")
        result = ctx.worker(
            "benchmarks.fanout", "--mode", "network", "--phones", str(phones), "--endpoints", str(served.endpoints_file)
        )
    post, get = raw["trivial_post"], raw["health_get"]
    figure = Figure(
        id="fanout.network",
        title=f"push fan-out over the network, {phones:,} phones",
        value=result["deliveries_per_second"],
        unit=UNIT,
        baseline=Measure(
            f"served core on loopback, trivial POST /ee/v2/interact ({post['connections']} keep-alive connections)",
            post["per_second"],
            "requests/s",
        ),
        goals=list(NETWORK_GOALS),
        details={
            **_details(result),
            "raw_post_per_second": post["per_second"],
            "raw_get_health_per_second": get["per_second"],
            "ratio_to_raw_get": round(result["deliveries_per_second"] / get["per_second"], 4)
            if get["per_second"]
            else None,
        },
    )
    figure.notes.append(
        "deliveries travel the device link (one websocket, batched JSON frames), not one HTTP request each; "
        "the raw rate is uvicorn's on the h11 parser (no httptools/uvloop installed)"
    )
    if ctx.should_profile(figure):
        figure.profile = _profile_network(ctx, min(phones, PROFILED_NETWORK_PHONES))
        figure.notes.append(f"profiled on {figure.profile['phones']:,} phones")
    return [figure]


def _profile_network(ctx: BenchContext, phones: int) -> dict[str, Any]:
    """The fan-out window profiled on both sides: the server (under benchmarks.served) and the phones' process."""
    ctx.log(f"network fan-out: {phones:,} phones, profiled (goal missed)")
    server_profile = Path(ctx.workdir) / "network-server.prof"
    with ServedStack(ctx.workdir, profile_to=server_profile) as served:
        result = ctx.worker(
            "benchmarks.fanout", "--mode", "network", "--phones", str(phones),
            "--endpoints", str(served.endpoints_file), "--profile", "--server-pid", str(served.pid),
        )  # fmt: skip
        deadline = time.perf_counter() + 10
        while not server_profile.exists() and time.perf_counter() < deadline:
            time.sleep(0.05)
    profile: dict[str, Any] = {
        "phones": phones,
        "phones_process": result.get("profile"),
        "phones_process_gc": result.get("gc"),
    }
    profile["server"] = load(str(server_profile)) if server_profile.exists() else None
    return profile
