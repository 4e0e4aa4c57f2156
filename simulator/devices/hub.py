"""The device hub: where gateways find phones.

A gateway that accepted a notification for a token asks the hub to put it on the phone holding that token. The hub
knows which phones are attached and online; a phone that is offline gets nothing until it comes back, and the
gateways, which listen for phones coming online, then hand over what they kept for it.

Phones attach through an endpoint: in-process the `Phone` object itself; in network mode a proxy that writes to the
phone's websocket link and resolves when the phone acknowledges. Either way `deliver()` is tracked on the
sandbox's clock, so settling the stack waits for every acknowledgement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from simulator.devices.delivery import MessageDelivery, PushDelivery
from simulator.sandboxes import Sandboxes


class DeviceEndpoint(Protocol):
    """A phone as the hub sees it."""

    device_id: str
    sandbox: str

    def receive_push(self, delivery: PushDelivery) -> Awaitable[None] | None:
        """Take one notification; return an awaitable when acknowledgement comes later."""

    def receive_message(self, delivery: MessageDelivery) -> Awaitable[None] | None:
        """Take one SMS/MMS/RCS/WhatsApp message or email; an awaitable when acknowledgement comes later."""


OnlineListener = Callable[[str], None]


def normalise_address(address: str) -> str:
    """Addresses compare without case (emails), spaces or a `whatsapp:` prefix (Twilio's WhatsApp form)."""
    return address.strip().removeprefix("whatsapp:").replace(" ", "").lower()


class DeviceHub:
    """Routes accepted notifications to attached phones and tells gateways when a phone comes online."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self._sandboxes = sandboxes
        self._endpoints: dict[str, DeviceEndpoint] = {}
        self._online: set[str] = set()
        self._listeners: list[OnlineListener] = []
        self._addresses: dict[tuple[str, str], str] = {}
        sandboxes.on_close(lambda sandbox: self.forget_sandbox(sandbox.name))

    def attach(self, endpoint: DeviceEndpoint, *, online: bool = True) -> None:
        """Make `endpoint` reachable; an online phone gets what was kept for it."""
        self._endpoints[endpoint.device_id] = endpoint
        self.set_online(endpoint.device_id, online)

    def detach(self, device_id: str) -> None:
        """Forget a phone (its link closed) and the addresses it answered to."""
        self._endpoints.pop(device_id, None)
        self._online.discard(device_id)
        for key in [k for k, d in self._addresses.items() if d == device_id]:
            del self._addresses[key]

    def register_address(self, sandbox: str, address: str, device_id: str) -> None:
        """Say that `address` (an E.164 phone number, an email address) reaches this phone in `sandbox`."""
        self._addresses[(sandbox, normalise_address(address))] = device_id

    def device_for(self, sandbox: str, address: str) -> str | None:
        """The phone an address reaches in a sandbox, or None (no such subscriber)."""
        return self._addresses.get((sandbox, normalise_address(address)))

    def disconnect(self, which: Callable[[DeviceEndpoint], bool]) -> None:
        """Mark the phones whose endpoint matches as offline (they stay attached)."""
        for device_id, endpoint in self._endpoints.items():
            if which(endpoint):
                self._online.discard(device_id)

    def forget_sandbox(self, sandbox: str) -> None:
        """Detach every phone of a closed sandbox."""
        for device_id in [d for d, e in self._endpoints.items() if e.sandbox == sandbox]:
            self.detach(device_id)

    def is_online(self, device_id: str) -> bool:
        """True when the phone is attached and has a connection."""
        return device_id in self._online

    def set_online(self, device_id: str, online: bool) -> None:
        """Record the phone's connectivity; going online lets gateways flush what they kept."""
        if not online:
            self._online.discard(device_id)
            return
        if device_id not in self._endpoints:
            raise LookupError(f"unknown device {device_id!r}")
        was_online = device_id in self._online
        self._online.add(device_id)
        if not was_online:
            for listener in self._listeners:
                listener(device_id)

    def on_online(self, listener: OnlineListener) -> None:
        """Call `listener(device_id)` whenever a phone comes online."""
        self._listeners.append(listener)

    def sandbox_of(self, device_id: str) -> str | None:
        """The sandbox an attached phone belongs to."""
        endpoint = self._endpoints.get(device_id)
        return endpoint.sandbox if endpoint else None

    def deliver(self, device_id: str, delivery: PushDelivery) -> bool:
        """Put `delivery` on the phone; False when the phone is offline or gone (the caller keeps it)."""
        if device_id not in self._online:
            return False
        endpoint = self._endpoints[device_id]
        pending = endpoint.receive_push(delivery)
        if pending is not None:
            clock = self._sandboxes.get(endpoint.sandbox).clock
            clock.track(asyncio.ensure_future(pending))
        return True

    def deliver_message(self, device_id: str, delivery: MessageDelivery) -> bool:
        """Put an SMS/WhatsApp message or email on the phone; False when it is offline or gone."""
        if device_id not in self._online:
            return False
        endpoint = self._endpoints[device_id]
        pending = endpoint.receive_message(delivery)
        if pending is not None:
            clock = self._sandboxes.get(endpoint.sandbox).clock
            clock.track(asyncio.ensure_future(pending))
        return True

    def __len__(self) -> int:
        return len(self._endpoints)
