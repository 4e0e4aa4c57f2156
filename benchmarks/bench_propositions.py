"""Proposition fetches: 10,000 phones launching the app in-process (goal: 10,000 fetches per second).

Every profile has an in-app message (triggered by an action, so a launch fetches without displaying), a content card
and a code-based experience live. Three figures, each over every phone:

- `launches_per_second`: `Phone.launch` of a killed app — the SDK's push-identifier event, then its fetch of the app
  surface and the surfaces it showed before (the card inbox and the hero), a new session and the launch rules;
- `fetches_per_second`: the SDK's on-demand fetch of those three surfaces (one Edge request, three propositions);
- `edge_fetches_per_second`: the platform alone answering the same fetch (`Platform.edge` with a validated request),
  the ceiling for the two above.

The first two are measured twice: as they come (the collector walks the whole heap of 10,000 idle phones, their
profiles and the sandbox's event log whenever a full collection falls due), and after `gc.freeze()` moved the fleet
out of the collector's sight (`*_frozen`): the cost of the fetch path itself.

`python -m benchmarks.bench_propositions [--phones N]` prints JSON (the last line).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
from typing import Any

from simulator.client import StackClient
from simulator.clock import monotonic
from simulator.devices.phone import OS, Phone
from simulator.platform.models import EdgeRequest, ProfileCreate
from simulator.stack import Stack

APP = "com.bench.shop"
SANDBOX = "propositions"
SURFACES = [f"mobileapp://{APP}", f"mobileapp://{APP}/cards", f"mobileapp://{APP}/home#hero"]
MESSAGES = {
    "inapp": {"title": "Free delivery", "body": "On orders over $50", "trigger": {"event": "action", "name": "cart"}},
    "contentCard": {"surface": SURFACES[1], "title": "Spring sale", "body": "20% off shoes"},
    "codeBased": {"surface": SURFACES[2], "content": {"headline": "Welcome back"}},
}


async def build(phones: int) -> tuple[Stack, StackClient, list[Phone], list[str]]:
    """A stack, the app, `phones` profiles each with a phone that launched the app once, and the campaigns live."""
    stack = Stack.build(seed="bench-propositions")
    client = await StackClient.inprocess(stack)
    await client.open_sandbox(SANDBOX, seed="bench")
    app = await client.provision_app(SANDBOX, APP, name="Bench")
    fleet: list[Phone] = []
    profiles: list[str] = []
    for index in range(phones):
        email = f"p{index}@bench.example"
        profile = stack.platform.create_profile(SANDBOX, ProfileCreate.model_validate({"identities": {"email": email}}))
        phone = await client.new_phone(SANDBOX, OS.IOS if index % 2 == 0 else OS.ANDROID)
        phone.install(APP, ecid=f"{index:038d}", sender=app["fcm"]["projectId"])
        phone.app(APP).identities["email"] = email
        await phone.launch(APP)
        fleet.append(phone)
        profiles.append(profile.id)
    recipients = [{"profileId": p} for p in profiles]
    for channel, message in MESSAGES.items():
        body = {"name": channel, "channel": channel, "appId": APP, "message": message}
        campaign = await client.call("core", "POST", "/campaigns", sandbox=SANDBOX, json=body)
        await client.call("core", "POST", f"/campaigns/{campaign['id']}/trigger", sandbox=SANDBOX,
                          json={"recipients": recipients})  # fmt: skip
    await client.settle(SANDBOX)
    for phone in fleet:  # the app has shown its card inbox and its hero once: its launches fetch them too
        sdk = phone.messaging.app(APP)
        await sdk.view_cards([SURFACES[1]])
        await sdk.view_experience(SURFACES[2])
    return stack, client, fleet, profiles


async def _launches(fleet: list[Phone]) -> float:
    for phone in fleet:
        phone.kill(APP)
    began = monotonic()
    for phone in fleet:
        await phone.launch(APP)
    return len(fleet) / (monotonic() - began)


async def _fetches(fleet: list[Phone]) -> float:
    sdks = [phone.messaging.app(APP) for phone in fleet]
    began = monotonic()
    for sdk in sdks:
        await sdk.fetch(SURFACES)
    rate = len(fleet) / (monotonic() - began)
    assert all(len(sdk.inapp.rules) == 1 and sdk.experiences and sdk.errors == [] for sdk in sdks)
    return rate


async def run(phones: int) -> dict[str, Any]:
    """Measure the figures."""
    stack, client, fleet, _ = await build(phones)
    launches = await _launches(fleet)
    fetches = await _fetches(fleet)
    gc.collect()
    gc.freeze()
    launches_frozen = await _launches(fleet)
    fetches_frozen = await _fetches(fleet)
    requests = [
        EdgeRequest.model_validate(
            {
                "events": [
                    {
                        "xdm": {"eventType": "personalization.request", "identityMap": {"ECID": [{"id": f"{i:038d}"}]}},
                        "query": {"personalization": {"surfaces": SURFACES}},
                    }
                ]
            }
        )
        for i in range(phones)
    ]
    began = monotonic()
    answered = 0
    for request in requests:
        answer = stack.platform.edge(SANDBOX, request)
        answered += sum(len(h.get("payload", [])) for h in answer["handle"] if h["type"] == "personalization:decisions")
    edge = phones / (monotonic() - began)
    assert answered == 3 * phones, answered
    await client.aclose()
    return {
        "phones": phones,
        "launches_per_second": round(launches, 1),
        "fetches_per_second": round(fetches, 1),
        "launches_per_second_frozen": round(launches_frozen, 1),
        "fetches_per_second_frozen": round(fetches_frozen, 1),
        "edge_fetches_per_second": round(edge, 1),
        "propositions_per_fetch": 3,
        "goal_fetches_per_second": 10_000,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phones", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.phones))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
