"""Running a fleet load: prepare the stack, run Locust (alone, or a master and its workers), read the results.

Everything stays on this machine: every endpoint must be a loopback address (`LoopbackOnly` otherwise), Locust's
master binds 127.0.0.1, and the run is bounded by a phone count (`MAX_PHONES`) and a time (`MAX_SECONDS`, and a
hard stop a minute after the planned end).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.served import ServedStack

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MAX_PHONES = 100_000
MAX_SECONDS = 3_600
MAX_WORKERS = 64
APP_ID = "com.load.shop"
#: Time past the planned end after which Locust's processes are killed.
GRACE_SECONDS = 60.0


class LoopbackOnly(ValueError):
    """An endpoint is not on this machine: load is only ever sent to loopback addresses."""


class LoadError(RuntimeError):
    """The load run could not be prepared or did not finish."""


@dataclass
class LoadPlan:
    """What to run: how many phones, for how long, on how many Locust workers, against which stack."""

    phones: int
    seconds: float
    workers: int = 0
    spawn_rate: float | None = None
    campaign_every: float | None = None
    endpoints_file: Path | None = None
    url: str | None = None

    def check(self) -> None:
        """Refuse plans outside the bounds."""
        if not 1 <= self.phones <= MAX_PHONES:
            raise ValueError(f"--phones must be between 1 and {MAX_PHONES:,}")
        if not 1 <= self.seconds <= MAX_SECONDS:
            raise ValueError(f"--duration must be between 1 s and {MAX_SECONDS} s")
        if not 0 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"--workers must be between 0 and {MAX_WORKERS}")
        if self.campaign_every is not None and self.campaign_every <= 0:
            raise ValueError("--campaign-every must be positive")
        if self.url is not None:
            require_loopback({"url": self.url})

    @property
    def every(self) -> float:
        """Seconds between campaigns: as told, else every 5 s, more often in short runs (four in the run at least)."""
        return self.campaign_every or min(5.0, max(1.0, self.seconds / 4))

    @property
    def rate(self) -> float:
        """Phones started per second: the whole fleet within the first quarter of the run, unless told."""
        return self.spawn_rate or max(1.0, self.phones / max(1.0, self.seconds / 4))


@dataclass
class LoadResult:
    """What came out: Locust's per-request statistics, deliveries the phones received, the platform's counters."""

    exit_status: int
    stats: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    server_started: bool = False

    @property
    def deliveries(self) -> int:
        """Deliveries the phones received over the device link."""
        return sum(int(s["num_requests"]) for s in self.stats if s.get("method") == "PUSH")

    @property
    def requests(self) -> int:
        """Requests the phones and the campaign trigger made (HTTP and link frames)."""
        return sum(int(s["num_requests"]) for s in self.stats if s.get("method") != "PUSH")

    @property
    def failures(self) -> int:
        """Requests that failed."""
        return sum(int(s["num_failures"]) for s in self.stats)


def is_loopback(url: str) -> bool:
    """True when `url` names this machine: localhost, 127.0.0.0/8 or ::1."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(endpoints: dict[str, str]) -> None:
    """Raise `LoopbackOnly` unless every URL is a loopback address."""
    elsewhere = {name: url for name, url in endpoints.items() if url.startswith("http") and not is_loopback(url)}
    if elsewhere:
        listed = ", ".join(f"{name} {url}" for name, url in sorted(elsewhere.items()))
        raise LoopbackOnly(f"load is only sent to this machine (127.0.0.0/8, localhost, ::1); not to {listed}")


def fetch_endpoints(url: str) -> dict[str, str]:
    """The endpoints a running `mjlab serve` publishes at `/_sim/endpoints`."""
    require_loopback({"url": url})
    with urllib.request.urlopen(url.rstrip("/") + "/_sim/endpoints", timeout=10) as answer:
        return {str(k): str(v) for k, v in json.load(answer).items()}


async def prepare_run(endpoints: dict[str, str], sandbox: str) -> dict[str, Any]:
    """Open `sandbox` and make the app (an APNs key, a Firebase project) and the campaign the phones receive.

    Returns what the locustfile reads from `$MJLAB_LOAD` besides the endpoints and the campaign interval.
    """
    from simulator.client import StackClient

    client = await StackClient.connect(endpoints, mode="url")
    try:
        await client.open_sandbox(sandbox, seed=sandbox)
        app = await client.provision_app(sandbox, APP_ID, name="Load shop")
        campaign = await client.call(
            "core", "POST", "/campaigns", sandbox=sandbox,
            json={"name": "Load", "appId": APP_ID, "message": {"title": "Flash sale", "body": "Today only"}},
        )  # fmt: skip
        clock = await client.now(sandbox)
    finally:
        await client.aclose()
    return {
        "sandbox": sandbox,
        "app_id": APP_ID,
        "sender": app["fcm"]["projectId"],
        "campaign_id": campaign["id"],
        "virtual_clock": bool(clock.get("virtual")),
    }


async def _finish(endpoints: dict[str, str], sandbox: str, campaign_id: str) -> dict[str, Any]:
    import httpx

    headers = {"x-sandbox-name": sandbox}
    async with httpx.AsyncClient(base_url=endpoints["core"], timeout=30) as core:
        answer = await core.get(f"/campaigns/{campaign_id}/report", headers=headers)
        report: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
        await core.delete(f"/_sim/sandboxes/{sandbox}")
    return report


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def locust_commands(plan: LoadPlan, host: str) -> list[list[str]]:
    """Locust's command lines: one headless process, or a master bound to loopback and its workers."""
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    run = [
        "--headless", "-u", str(plan.phones), "-r", f"{plan.rate:g}", "-t", f"{plan.seconds:g}s",
        "--host", host, "--only-summary", "--stop-timeout", "2",
    ]  # fmt: skip
    if not plan.workers:
        return [locust + run]
    port = _free_port()
    master = [
        *locust, *run, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
        "--expect-workers", str(plan.workers), "--expect-workers-max-wait", "60",
    ]  # fmt: skip
    worker = [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port), "--loglevel", "WARNING"]
    return [master, *[worker] * plan.workers]


def run_load(plan: LoadPlan, log: Callable[[str], None] = print) -> LoadResult:
    """Prepare, run Locust to its time limit, read back what the phones received, clean up."""
    plan.check()
    workdir = Path(tempfile.mkdtemp(prefix="mjlab-load-"))
    server: ServedStack | None = None
    try:
        if plan.endpoints_file is not None:
            endpoints = json.loads(plan.endpoints_file.read_text())
        elif plan.url is not None:
            endpoints = fetch_endpoints(plan.url)
        else:
            log("starting mjlab serve --port 0 (system clock) for this run")
            server = ServedStack(workdir, clock="system").__enter__()
            endpoints = server.endpoints
        require_loopback(endpoints)
        sandbox = f"load-{os.getpid()}-{int(time.time()) % 100_000}"
        setup = asyncio.run(prepare_run(endpoints, sandbox))
        stats_file = workdir / "stats.json"
        config = {"endpoints": endpoints, "campaign_every": plan.every, "stats_file": str(stats_file), **setup}
        commands = locust_commands(plan, endpoints["core"])
        log(
            f"{plan.phones:,} phones for {plan.seconds:g} s"
            + (f" on {plan.workers} Locust workers" if plan.workers else " in one Locust process")
            + f", {plan.rate:g} started/s, campaign every {plan.every:g} s, sandbox {sandbox}"
        )
        env = {**os.environ, "MJLAB_LOAD": json.dumps(config)}
        status = _run_locust(commands, env, plan.seconds + GRACE_SECONDS, workdir)
        stats = json.loads(stats_file.read_text()) if stats_file.exists() else []
        report = asyncio.run(_finish(endpoints, sandbox, setup["campaign_id"]))
        return LoadResult(status, stats, report, server_started=server is not None)
    finally:
        if server is not None:
            server.stop()


def _run_locust(commands: list[list[str]], env: dict[str, str], timeout: float, workdir: Path) -> int:
    """Start Locust's processes (the first is the master, or the only one); wait, stopping them past `timeout`.

    The master (or the single process) prints to this terminal; each worker writes to a log in `workdir`, shown
    when the run fails.
    """
    processes = [subprocess.Popen(commands[0], env=env)]
    logs = [workdir / f"worker-{n}.log" for n in range(1, len(commands))]
    for command, log in zip(commands[1:], logs, strict=True):
        with log.open("wb") as output:
            processes.append(subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT))
    try:
        status = processes[0].wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LoadError(f"Locust did not stop {timeout:.0f} s after starting; stopped it") from None
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if status != 0:
        for log in logs:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            if tail:
                print(f"--- {log.name} ---\n{tail}", file=sys.stderr)
    return status
