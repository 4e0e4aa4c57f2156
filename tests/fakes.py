"""Test doubles shared by the gateway tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.devices.delivery import MessageDelivery, PushDelivery


@dataclass
class RecordingPhone:
    """A phone as the device hub sees it: it keeps every notification and message it receives."""

    device_id: str
    sandbox: str = "prod"
    received: list[PushDelivery] = field(default_factory=list)
    messages: list[MessageDelivery] = field(default_factory=list)

    def receive_push(self, delivery: PushDelivery) -> None:
        self.received.append(delivery)

    def receive_message(self, delivery: MessageDelivery) -> None:
        self.messages.append(delivery)
