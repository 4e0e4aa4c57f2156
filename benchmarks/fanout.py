"""Push fan-out: one marketing campaign to N phones (half iPhones, half Android phones), through the whole stack.

Measures deliveries per second from the trigger until the stack has settled (every notification accepted by APNs
or FCM, handed to its phone and acknowledged), and the memory a fleet of idle phones costs (RSS growth per phone,
counting the phone, its profile, its push token at the gateway and the platform's push details).

Run one measurement per process, so memory figures do not mix: `python -m benchmarks.fanout --mode inprocess`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
from typing import Any

from simulator.client import StackClient
from simulator.clock import monotonic
from simulator.devices.phone import OS, Phone
from simulator.platform.models import ProfileCreate
from simulator.stack import Stack

APP_ID = "com.bench.shop"
SANDBOX = "bench"


def rss_bytes() -> int:
    """The process's resident set size now."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize()


def peak_rss_bytes() -> int:
    """The process's peak resident set size."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def _profile(client: StackClient, index: int) -> str:
    email = f"person{index}@bench.example"
    if client.stack is not None:
        body = ProfileCreate.model_validate(
            {"identities": {"email": email}, "consents": {"marketing": {"push": {"val": "y"}}}}
        )
        client.stack.platform.create_profile(SANDBOX, body)
    else:
        await client.call(
            "core", "POST", "/profiles", sandbox=SANDBOX,
            json={"identities": {"email": email}, "consents": {"marketing": {"push": {"val": "y"}}}},
        )  # fmt: skip
    return email


async def _phone(client: StackClient, index: int, sender: str) -> Phone:
    email = await _profile(client, index)
    os = OS.IOS if index % 2 == 0 else OS.ANDROID
    phone = await client.new_phone(SANDBOX, os)
    phone.install(APP_ID, ecid=f"{index:038d}", sender=sender)
    phone.app(APP_ID).identities["email"] = email
    await phone.launch(APP_ID)
    return phone


async def build_fleet(client: StackClient, count: int, *, concurrency: int = 64) -> list[Phone]:
    """Open the sandbox, provision the app, and make `count` consenting phones with the app launched."""
    await client.open_sandbox(SANDBOX, seed="bench")
    app = await client.provision_app(SANDBOX, APP_ID, name="Bench shop")
    sender = app["fcm"]["projectId"]
    phones: list[Phone] = []
    for start in range(0, count, concurrency):
        batch = range(start, min(count, start + concurrency))
        phones.extend(await asyncio.gather(*(_phone(client, i, sender) for i in batch)))
    return phones


async def send_campaign(client: StackClient, phones: list[Phone]) -> dict[str, Any]:
    """Trigger one campaign to every phone's profile and wait until the stack has settled."""
    campaign = await client.call(
        "core", "POST", "/campaigns", sandbox=SANDBOX,
        json={"name": "Fan-out", "appId": APP_ID, "message": {"title": "Sale", "body": "15% off today"}},
    )  # fmt: skip
    recipients = [{"namespace": "email", "id": f"person{i}@bench.example"} for i in range(len(phones))]
    started = monotonic()
    await client.call(
        "core", "POST", f"/campaigns/{campaign['id']}/trigger", sandbox=SANDBOX, json={"recipients": recipients}
    )
    await client.settle(SANDBOX)
    elapsed = monotonic() - started
    shown = sum(len(phone.banners()) for phone in phones)
    report = await client.call("core", "GET", f"/campaigns/{campaign['id']}/report", sandbox=SANDBOX)
    return {
        "phones": len(phones),
        "delivered": report["delivered"],
        "shown": shown,
        "seconds": round(elapsed, 4),
        "deliveries_per_second": round(shown / elapsed, 1) if elapsed else None,
    }


async def measure(mode: str, count: int, endpoints: dict[str, str] | None = None) -> dict[str, Any]:
    """Build a fleet in `mode` and fan a campaign out to it."""
    gc.collect()
    before = rss_bytes()
    if mode == "inprocess":
        client = await StackClient.inprocess(Stack.build(seed="bench"))
    else:
        assert endpoints is not None, "network mode needs the endpoints of a served stack"
        client = await StackClient.connect(endpoints)
    build_started = monotonic()
    phones = await build_fleet(client, count)
    build_seconds = monotonic() - build_started
    gc.collect()
    idle = rss_bytes() - before
    result = await send_campaign(client, phones)
    await client.aclose()
    result.update(
        mode=mode,
        fleet_build_seconds=round(build_seconds, 2),
        idle_bytes_per_phone=round(idle / count) if mode == "inprocess" else None,
        peak_rss_mib=round(peak_rss_bytes() / 2**20, 1),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: one measurement, printed as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["inprocess", "network"], default="inprocess")
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--endpoints", help="endpoints file of a served stack (network mode)")
    args = parser.parse_args(argv)
    endpoints = json.load(open(args.endpoints)) if args.endpoints else None
    print(json.dumps(asyncio.run(measure(args.mode, args.phones, endpoints))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
