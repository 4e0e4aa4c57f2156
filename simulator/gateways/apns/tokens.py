"""Device tokens: what iOS gets from APNs at `registerForRemoteNotifications`, and what APNs knows about each.

A token is 64 lowercase hex digits bound to one device, one app (bundle id), one APNs environment (production or
sandbox) and one sandbox of the stack. Re-registering the same app on the same device in the same environment gives
the same token back, as iOS does; uninstalling the app unregisters it, and APNs then answers 410 `Unregistered` with
the time it learned so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from simulator.gateways.apns.models import Environment
from simulator.sandboxes import Sandbox, Sandboxes

TOKEN_LENGTH = 64
ENVIRONMENTS: tuple[Environment, ...] = ("production", "sandbox")


@dataclass(slots=True, eq=False)
class DeviceToken:
    """One issued device token and what it is bound to."""

    token: str
    device_id: str
    bundle_id: str
    environment: Environment
    sandbox: Sandbox
    unregistered_at_ms: int | None = None


class TokenRegistry:
    """Every device token the gateway issued, by token and by (device, app, environment)."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self._sandboxes = sandboxes
        self._by_token: dict[str, DeviceToken] = {}
        self._live: dict[tuple[str, str, str], DeviceToken] = {}

    def register(self, sandbox: str, device_id: str, bundle_id: str, environment: Environment) -> DeviceToken:
        """Issue (or return the live) token for this app on this device in this environment."""
        owner = self._sandboxes.get(sandbox)
        if environment not in ENVIRONMENTS:
            raise ValueError(f"environment must be 'production' or 'sandbox', not {environment!r}")
        if not device_id or not bundle_id:
            raise ValueError("a device token needs a device id and a bundle id")
        binding = (device_id, bundle_id, environment)
        existing = self._live.get(binding)
        if existing is not None and existing.sandbox is owner:
            return existing
        token = owner.ids.hex(TOKEN_LENGTH)
        while token in self._by_token:
            token = owner.ids.hex(TOKEN_LENGTH)
        issued = DeviceToken(token, device_id, bundle_id, environment, owner)
        self._by_token[token] = issued
        self._live[binding] = issued
        return issued

    def unregister(self, token: str) -> DeviceToken:
        """Mark `token` unregistered (the app was uninstalled) at its sandbox clock's time; KeyError if unknown."""
        issued = self._by_token[token.lower()]
        if issued.unregistered_at_ms is None:
            issued.unregistered_at_ms = int(issued.sandbox.clock.timestamp() * 1000)
            binding = (issued.device_id, issued.bundle_id, issued.environment)
            if self._live.get(binding) is issued:
                del self._live[binding]
        return issued

    def get(self, token: str) -> DeviceToken | None:
        """The record of `token` (any hex case), or None."""
        return self._by_token.get(token) or self._by_token.get(token.lower())

    def forget_sandbox(self, sandbox: str) -> list[DeviceToken]:
        """Drop every token of a closed sandbox; returns what was dropped."""
        gone = [t for t in self._by_token.values() if t.sandbox.name == sandbox]
        for issued in gone:
            del self._by_token[issued.token]
            binding = (issued.device_id, issued.bundle_id, issued.environment)
            if self._live.get(binding) is issued:
                del self._live[binding]
        return gone

    def __len__(self) -> int:
        return len(self._by_token)

    def __iter__(self) -> Iterator[DeviceToken]:
        return iter(list(self._by_token.values()))
