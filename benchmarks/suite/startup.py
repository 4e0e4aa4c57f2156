"""Start-up: how long until a stack answers, in-process, served on loopback, and in a container.

Each is compared to a floor measured the same way in the same run: in-process, one FastAPI app with one route and
its `httpx.ASGITransport` client; on the network, a one-route uvicorn server in a fresh process (interpreter and
imports included, as for `mjlab serve`); in Docker, a container of the same image that only starts Python and
exits. Processes and containers are fresh each time; the fastest of three runs counts (quick: one).
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

from benchmarks import BenchContext, BenchError, Figure, Measure, below, benchmark
from benchmarks.served import ServedStack

IMAGE = "mjlab/mjlab:dev"
IN_PROCESS_GOAL = below(100, "< 100 ms")
DOCKER_TIMEOUT = 60.0


def _runs(ctx: BenchContext) -> int:
    return 1 if ctx.quick else 3


@benchmark("startup.inprocess", "in-process stack start-up")
def inprocess_startup(ctx: BenchContext) -> list[Figure]:
    """`Stack.build` + `StackClient.inprocess`, in a fresh process, imports apart."""
    ctx.log("start-up: in-process stack and its floor")
    stacks = [ctx.worker("benchmarks.startup", "inprocess") for _ in range(_runs(ctx))]
    floors = [ctx.worker("benchmarks.startup", "floor-inprocess") for _ in range(_runs(ctx))]
    stack = min(stacks, key=lambda run: float(run["cold_ms"]))
    floor = min(floors, key=lambda run: float(run["cold_ms"]))
    figure = Figure(
        id="startup.inprocess",
        title="start-up, in-process stack (Stack.build + StackClient.inprocess)",
        value=stack["cold_ms"],
        unit="ms",
        baseline=Measure("floor: one FastAPI app, one route, its ASGITransport client", floor["cold_ms"], "ms"),
        goals=[IN_PROCESS_GOAL],
        details={"stack": stack, "floor": floor},
    )
    figure.notes.append("cold: the first build in a fresh process, after imports (import_ms in details)")
    if ctx.should_profile(figure):
        ctx.log("start-up: the in-process stack's cold build under cProfile (goal missed)")
        figure.profile = {"cold_build": ctx.worker("benchmarks.startup", "inprocess", "--profile")["profile"]}
    return [figure]


@benchmark("startup.network", "network stack start-up")
def network_startup(ctx: BenchContext) -> list[Figure]:
    """`mjlab serve --port 0` from process start until its core answers."""
    ctx.log("start-up: mjlab serve and a one-route uvicorn server")
    served, floors = [], []
    for _ in range(_runs(ctx)):
        with ServedStack(ctx.workdir) as stack:
            served.append(stack.startup_seconds * 1000)
        with ServedStack(ctx.workdir, floor=True) as floor:
            floors.append(floor.startup_seconds * 1000)
    return [
        Figure(
            id="startup.network",
            title="start-up, network stack (mjlab serve until its endpoints file and /_sim/health)",
            value=round(min(served), 1),
            unit="ms",
            baseline=Measure(
                "floor: a one-route uvicorn server in a fresh Python process", round(min(floors), 1), "ms"
            ),
            details={"runs_ms": [round(s, 1) for s in served], "floor_runs_ms": [round(f, 1) for f in floors]},
        )
    ]


@benchmark("startup.docker", "docker stack start-up")
def docker_startup(ctx: BenchContext) -> list[Figure]:
    """`docker run mjlab/mjlab:dev` until its core answers, when an engine and the image are there."""
    title = f"start-up, docker stack ({IMAGE} until /_sim/health)"
    reason = _docker_missing()
    if reason is not None:
        return [Figure("startup.docker", title, None, "ms", None, skipped=reason)]
    ctx.log(f"start-up: docker run {IMAGE} and a container that only starts Python")
    started, floors = [], []
    for _ in range(_runs(ctx)):
        started.append(_container_until_healthy() * 1000)
        floors.append(_container_floor() * 1000)
    return [
        Figure(
            id="startup.docker",
            title=title,
            value=round(min(started), 1),
            unit="ms",
            baseline=Measure(
                f"floor: docker run --rm {IMAGE} starting Python and exiting", round(min(floors), 1), "ms"
            ),
            details={"runs_ms": [round(s, 1) for s in started], "floor_runs_ms": [round(f, 1) for f in floors]},
        )
    ]


def _docker(*args: str, timeout: float = DOCKER_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


def _docker_missing() -> str | None:
    """Why the docker figure cannot be measured, or None."""
    try:
        if _docker("version", "--format", "{{.Server.Version}}", timeout=10).returncode != 0:
            return "skipped: no engine"
    except (OSError, subprocess.TimeoutExpired):
        return "skipped: no engine"
    if _docker("image", "inspect", IMAGE, timeout=10).returncode != 0:
        return f"skipped: no image {IMAGE} (docker/build.sh makes it)"
    return None


def _container_until_healthy() -> float:
    started = time.perf_counter()
    run = _docker("run", "-d", "--rm", "-p", "127.0.0.1::8500", IMAGE, "--clock", "virtual")
    if run.returncode != 0:
        raise BenchError(f"docker run {IMAGE} failed: {run.stderr.strip()}")
    container = run.stdout.strip()
    try:
        port = _docker("port", container, "8500/tcp").stdout.split()[0].rsplit(":", 1)[1]
        health = f"http://127.0.0.1:{port}/_sim/health"
        while True:
            if time.perf_counter() - started > DOCKER_TIMEOUT:
                raise BenchError(f"{IMAGE} did not answer {health} within {DOCKER_TIMEOUT:.0f} s")
            if _answers(health):
                return time.perf_counter() - started
            time.sleep(0.01)
    finally:
        _docker("rm", "-f", container)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            status: Any = answer.status
            return bool(status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _container_floor() -> float:
    started = time.perf_counter()
    done = _docker("run", "--rm", "--entrypoint", "/opt/mjlab/bin/python", IMAGE, "-c", "pass")
    if done.returncode != 0:
        raise BenchError(f"docker run {IMAGE} python failed: {done.stderr.strip()}")
    return time.perf_counter() - started
