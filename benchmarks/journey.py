"""Journeys on the virtual clock: one profile through five actions and 30 days of waits (wall milliseconds), and
10,000 profiles through the same journey (profiles per second), in-process.

`python -m benchmarks.journey [--profiles N]` prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from simulator.client import StackClient
from simulator.clock import monotonic
from simulator.devices.phone import OS
from simulator.platform.journeys.validation import parse_journey
from simulator.platform.models import EdgeRequest, ProfileCreate
from simulator.stack import Stack

APP = "com.bench.shop"
SANDBOX = "journeys"


def thirty_day_journey() -> dict[str, Any]:
    """Five push actions separated by waits adding up to 30 days."""
    steps: dict[str, Any] = {}
    waits = ["1d", "3d", "6d", "10d", "10d"]
    for n in range(5):
        steps[f"send{n}"] = {
            "type": "action", "channel": "push", "app": APP,
            "message": {"title": f"Step {n}", "body": "Hello {{ profile.firstName | default('there') }}"},
            "next": f"wait{n}",
        }  # fmt: skip
        steps[f"wait{n}"] = {"type": "wait", "duration": waits[n], "next": f"send{n + 1}" if n < 4 else "done"}
    steps["done"] = {"type": "end"}
    return {"id": "thirty-days", "name": "Thirty days", "entry": {"type": "event", "event": "bench.start"},
            "steps": steps}  # fmt: skip


async def run(profiles: int) -> dict[str, Any]:
    """Measure both figures in one stack."""
    stack = Stack.build(seed="bench-journeys")
    client = await StackClient.inprocess(stack)
    await client.open_sandbox(SANDBOX, seed="bench")
    app = await client.provision_app(SANDBOX, APP, name="Bench")
    state = stack.platform.state(SANDBOX)
    stack.journeys.publish(state, parse_journey(thirty_day_journey()))
    people = []
    for index in range(profiles + 1):
        email = f"p{index}@bench.example"
        body = ProfileCreate.model_validate(
            {"identities": {"email": email}, "consents": {"marketing": {"push": {"val": "y"}}}}
        )
        profile = stack.platform.create_profile(SANDBOX, body)
        phone = await client.new_phone(SANDBOX, OS.IOS if index % 2 == 0 else OS.ANDROID)
        phone.install(APP, ecid=f"{index:038d}", sender=app["fcm"]["projectId"])
        phone.app(APP).identities["email"] = email
        await phone.launch(APP)
        people.append(profile)
    clock = state.clock
    start_event = EdgeRequest.model_validate({"events": [{"xdm": {"eventType": "bench.start", "identityMap": {}}}]})

    def enter(profile: Any) -> None:
        stack.platform.record_event(state, profile, {"xdm": dict(start_event.events[0].xdm), "data": {}})

    began = monotonic()
    enter(people[0])
    await clock.advance(31 * 86_400)
    one_ms = (monotonic() - began) * 1000
    report = stack.journeys.report(state, "thirty-days")
    assert report["ended"] == 1, report
    began = monotonic()
    for profile in people[1:]:
        enter(profile)
    await clock.advance(31 * 86_400)
    elapsed = monotonic() - began
    report = stack.journeys.report(state, "thirty-days")
    await client.aclose()
    return {
        "one_profile_30_days_ms": round(one_ms, 2),
        "profiles": profiles,
        "profiles_per_second": round(profiles / elapsed, 1),
        "seconds": round(elapsed, 3),
        "ended": report["ended"],
        "messages_delivered": sum(s.get("messages", {}).get("delivered", 0) for s in report["steps"].values()),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.profiles))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
