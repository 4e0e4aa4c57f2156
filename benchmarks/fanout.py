"""Push fan-out: one marketing campaign to N phones (half iPhones, half Android phones), through the whole stack.

Measures deliveries per second from the trigger until the stack has settled (every notification accepted by APNs
or FCM, handed to its phone and acknowledged), and the memory a fleet of idle phones costs (RSS growth per phone,
counting the phone, its profile, its push token at the gateway and the platform's push details; the stack's own
fixed cost, with what the first phones pay once, is measured first and left out).

Run one measurement per process, so memory figures do not mix:

    python -m benchmarks.fanout --mode inprocess --phones 10000 [--profile] [--idle-only]
    python -m benchmarks.fanout --mode network --phones 10000 --endpoints endpoints.json

It prints one JSON object. `--profile` adds a cProfile summary of the fan-out window; the collections the garbage
collector ran in that window are always reported (`gc`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import resource
import signal
import sys
from typing import Any

from benchmarks.profiling import GcTimer, summarize
from benchmarks.served import signal_server
from simulator.client import StackClient
from simulator.clock import monotonic
from simulator.devices.phone import OS, Phone
from simulator.platform.models import ProfileCreate
from simulator.stack import Stack

APP_ID = "com.bench.shop"
SANDBOX = "bench"
#: Phones made before the memory baseline is read, so one-off costs (lazy imports, caches) count as the stack's.
WARM_UP_PHONES = 256


def rss_bytes() -> int:
    """The process's resident set size now."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize()


def peak_rss_bytes() -> int:
    """The process's peak resident set size."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def email_of(index: int) -> str:
    """The email identity of the fleet's `index`th person."""
    return f"person{index}@bench.example"


async def _profile(client: StackClient, index: int) -> None:
    body = {"identities": {"email": email_of(index)}, "consents": {"marketing": {"push": {"val": "y"}}}}
    if client.stack is not None:
        client.stack.platform.create_profile(SANDBOX, ProfileCreate.model_validate(body))
    else:
        await client.call("core", "POST", "/profiles", sandbox=SANDBOX, json=body)


async def _phone(client: StackClient, index: int, sender: str) -> Phone:
    await _profile(client, index)
    os = OS.IOS if index % 2 == 0 else OS.ANDROID
    phone = await client.new_phone(SANDBOX, os)
    phone.install(APP_ID, ecid=f"{index:038d}", sender=sender)
    phone.app(APP_ID).identities["email"] = email_of(index)
    await phone.launch(APP_ID)
    return phone


async def prepare(client: StackClient) -> str:
    """Open the sandbox and provision the app (an APNs key, a Firebase project); return the FCM sender id."""
    await client.open_sandbox(SANDBOX, seed="bench")
    app = await client.provision_app(SANDBOX, APP_ID, name="Bench shop")
    return str(app["fcm"]["projectId"])


async def add_phones(
    client: StackClient, count: int, sender: str, *, first: int = 0, concurrency: int = 64
) -> list[Phone]:
    """Make `count` consenting phones (numbered from `first`), each with the app launched and its token known."""
    phones: list[Phone] = []
    for start in range(first, first + count, concurrency):
        batch = range(start, min(first + count, start + concurrency))
        phones.extend(await asyncio.gather(*(_phone(client, i, sender) for i in batch)))
    return phones


async def build_fleet(client: StackClient, count: int, *, concurrency: int = 64) -> list[Phone]:
    """Open the sandbox, provision the app, and make `count` consenting phones with the app launched."""
    sender = await prepare(client)
    return await add_phones(client, count, sender, concurrency=concurrency)


def warm_up_count(count: int) -> int:
    """How many of the fleet's first phones pay for what the first phones cost once (lazy imports, caches)."""
    return min(WARM_UP_PHONES, count // 10)


async def send_campaign(
    client: StackClient, phones: list[Phone], *, profile: bool = False, server_pid: int | None = None
) -> dict[str, Any]:
    """Trigger one campaign to every phone's profile and wait until the stack has settled.

    With `profile`, the window runs under cProfile with the garbage collector paused: a collection would be charged
    to whatever function allocated when it started; its real cost is what the unprofiled run's `gc` reports.
    `server_pid` names a server run under `benchmarks.served`, told to profile this window alone.
    """
    campaign = await client.call(
        "core", "POST", "/campaigns", sandbox=SANDBOX,
        json={"name": "Fan-out", "appId": APP_ID, "message": {"title": "Sale", "body": "15% off today"}},
    )  # fmt: skip
    recipients = [{"namespace": "email", "id": email_of(i)} for i in range(len(phones))]
    profiler = cProfile.Profile() if profile else None
    with GcTimer() as collections:
        signal_server(server_pid, signal.SIGUSR1)
        if profiler is not None:
            gc.disable()
            profiler.enable()
        started = monotonic()
        await client.call(
            "core", "POST", f"/campaigns/{campaign['id']}/trigger", sandbox=SANDBOX, json={"recipients": recipients}
        )
        await client.settle(SANDBOX)
        elapsed = monotonic() - started
        if profiler is not None:
            profiler.disable()
            gc.enable()
        signal_server(server_pid, signal.SIGUSR2)
    shown = sum(len(phone.banners()) for phone in phones)
    report = await client.call("core", "GET", f"/campaigns/{campaign['id']}/report", sandbox=SANDBOX)
    result: dict[str, Any] = {
        "phones": len(phones),
        "delivered": report["delivered"],
        "shown": shown,
        "seconds": round(elapsed, 4),
        "deliveries_per_second": round(shown / elapsed, 1) if elapsed else None,
        "gc": collections.to_json(),
    }
    if profiler is not None:
        result["profile"] = summarize(profiler)
    return result


async def measure(
    mode: str,
    count: int,
    endpoints: dict[str, str] | None = None,
    *,
    profile: bool = False,
    idle_only: bool = False,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """Build a fleet in `mode`; measure what an idle phone costs (in-process), then fan a campaign out to it."""
    gc.collect()
    started_rss = rss_bytes()
    if mode == "inprocess":
        client = await StackClient.inprocess(Stack.build(seed="bench"))
    else:
        assert endpoints is not None, "network mode needs the endpoints of a served stack"
        client = await StackClient.connect(endpoints)
    try:
        sender = await prepare(client)
        warm = warm_up_count(count)
        build_started = monotonic()
        phones = await add_phones(client, warm, sender)
        gc.collect()
        stack_rss = rss_bytes()
        phones += await add_phones(client, count - warm, sender, first=warm)
        build_seconds = monotonic() - build_started
        gc.collect()
        idle = rss_bytes() - stack_rss
        result: dict[str, Any] = {"phones": count}
        if not idle_only:
            result = await send_campaign(client, phones, profile=profile, server_pid=server_pid)
    finally:
        await client.aclose()
    result.update(
        mode=mode,
        fleet_build_seconds=round(build_seconds, 2),
        stack_bytes=stack_rss - started_rss if mode == "inprocess" else None,
        idle_bytes_per_phone=round(idle / (count - warm)) if mode == "inprocess" else None,
        peak_rss_mib=round(peak_rss_bytes() / 2**20, 1),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: one measurement, printed as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["inprocess", "network"], default="inprocess")
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--endpoints", help="endpoints file of a served stack (network mode)")
    parser.add_argument("--profile", action="store_true", help="profile the fan-out window (cProfile)")
    parser.add_argument("--server-pid", type=int, help="a server under benchmarks.served to profile the window")
    parser.add_argument("--idle-only", action="store_true", help="build the fleet and measure memory; no campaign")
    args = parser.parse_args(argv)
    endpoints = None
    if args.endpoints:
        with open(args.endpoints) as file:
            endpoints = json.load(file)
    result = asyncio.run(
        measure(
            args.mode, args.phones, endpoints,
            profile=args.profile, idle_only=args.idle_only, server_pid=args.server_pid,
        )
    )  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
