"""How many SMS sends per second `TwilioGateway` handles in one process, on one core.

Three figures: `create_message()` alone (authenticate, validate, segments, record, schedule the lifecycle); the same
sends carried through their whole lifecycle on the virtual clock (sending, sent, delivered onto 1,000 attached
phones, no status callback); and the platform's SMS channel in front of it (a campaign: consent, rendering, STOP
list, the direct hand-over, then the lifecycle and its status callbacks into the platform through ASGI).

Run: `.venv/bin/python benchmarks/bench_twilio.py [count]`.
"""

from __future__ import annotations

import asyncio
import sys

from simulator.client import StackClient
from simulator.clock import VirtualClock, monotonic
from simulator.devices.delivery import MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.twilio import MessageCreate, NumberCreate, TwilioGateway, basic_authorization
from simulator.gateways.twilio.provision import provision_sms
from simulator.gateways.twilio.wiring import install
from simulator.platform.models import ProfileCreate
from simulator.sandboxes import Sandboxes
from simulator.stack import Stack

BUSINESS = "+15550100001"


class Phone:
    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.sandbox = "prod"
        self.received = 0

    def receive_push(self, delivery: object) -> None:
        raise AssertionError

    def receive_message(self, delivery: MessageDelivery) -> None:
        self.received += 1


async def gateway_only(count: int) -> tuple[float, float]:
    sandboxes = Sandboxes()
    hub = DeviceHub(sandboxes)
    gateway = TwilioGateway(sandboxes, hub)
    grant = gateway.create_account("prod")
    gateway.add_number(NumberCreate(account_sid=grant.account_sid, phone_number=BUSINESS))
    numbers = [f"+1555200{i:04d}" for i in range(1000)]
    phones = [Phone(f"phone-{i}") for i in range(1000)]
    for phone, number in zip(phones, numbers, strict=True):
        hub.attach(phone)
        hub.register_address("prod", number, phone.device_id)
    authorization = basic_authorization(grant.account_sid, grant.auth_token)
    requests = [
        MessageCreate.from_form([("To", numbers[i % 1000]), ("From", BUSINESS), ("Body", f"Your code is {i:06d}")])
        for i in range(count)
    ]
    clock = sandboxes.get("prod").clock
    assert isinstance(clock, VirtualClock)
    start = monotonic()
    for request in requests:
        answer = await gateway.create_message(grant.account_sid, authorization, request)
        assert answer.status == 201
    accepted = monotonic() - start
    await clock.advance(3)
    total = monotonic() - start
    assert sum(p.received for p in phones) == count
    return count / accepted, count / total


async def through_the_platform(count: int) -> float:
    stack = Stack.build(seed="bench-twilio")
    install(stack)
    client = await StackClient.inprocess(stack)
    await client.open_sandbox("bench")
    await provision_sms(client, "bench")
    state = stack.platform.state("bench")
    profiles = []
    for i in range(count):
        number = f"+1555300{i:04d}"
        body = ProfileCreate.model_validate(
            {"identities": {"phone": number}, "consents": {"marketing": {"sms": {"val": "y"}}}}
        )
        profiles.append(stack.platform.create_profile("bench", body).id)
        phone = Phone(f"bench-{i}")
        phone.sandbox = "bench"
        stack.hub.attach(phone)
        stack.hub.register_address("bench", number, phone.device_id)
    campaign = await client.call(
        "core", "POST", "/campaigns", sandbox="bench",
        json={"name": "bench", "channel": "sms", "message": {"body": "Hello {{ profile.id[:4] }}"}},
    )  # fmt: skip
    start = monotonic()
    recipients = [{"profileId": p} for p in profiles]
    path = f"/campaigns/{campaign['id']}/trigger"
    await client.call("core", "POST", path, sandbox="bench", json={"recipients": recipients})
    await client.advance("bench", 3)
    elapsed = monotonic() - start
    assert state.report(campaign["id"]).delivered == count, state.report(campaign["id"]).to_json()
    await client.aclose()
    return count / elapsed


async def main(count: int) -> None:
    accepted, delivered = await gateway_only(count)
    print(f"create_message: {accepted:,.0f} sends/s; with the lifecycle to delivered: {delivered:,.0f}/s ({count:,})")
    platform_count = max(count // 10, 100)
    rate = await through_the_platform(platform_count)
    print(f"platform campaign -> gateway -> phone, with status callbacks: {rate:,.0f} SMS/s ({platform_count:,})")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
