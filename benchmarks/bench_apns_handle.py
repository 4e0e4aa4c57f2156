"""How many `ApnsGateway.handle()` calls one core answers: cached provider JWT, an attached phone that acknowledges.

Run: `.venv/bin/python benchmarks/bench_apns_handle.py [count]`.
"""

from __future__ import annotations

import asyncio
import sys

import jwt

from simulator.clock import monotonic
from simulator.devices.delivery import MessageDelivery, PushDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.apns import ApnsGateway, ApnsRequest
from simulator.sandboxes import Sandboxes


class Phone:
    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.sandbox = "prod"
        self.received = 0

    def receive_push(self, delivery: PushDelivery) -> None:
        self.received += 1

    def receive_message(self, delivery: MessageDelivery) -> None:
        """Messages (SMS, email...) are not what this benchmark sends."""


async def main(count: int) -> None:
    sandboxes = Sandboxes()
    hub = DeviceHub(sandboxes)
    gateway = ApnsGateway(sandboxes, hub)
    grant = gateway.register_key("prod", "TEAM000001", ["com.example.app"])
    phones = [Phone(f"phone-{i}") for i in range(1000)]
    tokens = []
    for phone in phones:
        hub.attach(phone)
        tokens.append(gateway.register_device("prod", phone.device_id, "com.example.app", "production"))
    iat = int(sandboxes.get("prod").clock.timestamp())
    bearer = "bearer " + jwt.encode(
        {"iss": grant.team_id, "iat": iat}, grant.private_key_pem, algorithm="ES256", headers={"kid": grant.key_id}
    )
    payload = (
        b'{"aps":{"alert":{"title":"Hello","body":"A journey message"},"sound":"default"},"adb_a_type":"DEEPLINK"}'
    )
    headers = {
        "authorization": bearer,
        "apns-topic": "com.example.app",
        "apns-push-type": "alert",
        "apns-priority": "10",
    }
    requests = [ApnsRequest.from_headers(tokens[i % len(tokens)], headers, payload) for i in range(count)]

    start = monotonic()
    for request in requests:
        await gateway.handle(request)
    handle_only = monotonic() - start

    gateway.reset()
    start = monotonic()
    for i in range(count):
        await gateway.handle(ApnsRequest.from_headers(tokens[i % len(tokens)], headers, payload))
    with_model = monotonic() - start

    assert sum(p.received for p in phones) == 2 * count
    print(f"handle() only:               {count / handle_only:,.0f}/s ({handle_only / count * 1e6:.1f} µs each)")
    print(f"ApnsRequest + handle():      {count / with_model:,.0f}/s ({with_model / count * 1e6:.1f} µs each)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
