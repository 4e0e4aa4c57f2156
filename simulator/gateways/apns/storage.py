"""Offline storage: what APNs keeps for a phone that cannot be reached.

Apple keeps one notification per app per device, the latest (a newer one replaces it), until its `apns-expiration`;
a notification sent with expiration 0 is never stored. When the phone comes back online, what is stored and not
expired is delivered. The gateway owns the policy (which clock, when to flush); this module only keeps the entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.devices.delivery import PushDelivery
from simulator.gateways.recording import RecordedCall


@dataclass(slots=True, eq=False)
class StoredNotification:
    """One kept notification: for which phone, until when (Unix seconds), and the call that sent it."""

    device_id: str
    delivery: PushDelivery
    expires_at: float
    sandbox: str
    call: RecordedCall | None = None


class OfflineStorage:
    """At most one notification per device token (one app on one device), the latest."""

    def __init__(self) -> None:
        self._by_device: dict[str, dict[str, StoredNotification]] = {}

    def keep(self, stored: StoredNotification) -> StoredNotification | None:
        """Store `stored`, replacing (and returning) the one kept for the same token."""
        kept = self._by_device.setdefault(stored.device_id, {})
        replaced = kept.pop(stored.delivery.token, None)
        kept[stored.delivery.token] = stored
        return replaced

    def take(self, device_id: str) -> list[StoredNotification]:
        """Remove and return everything kept for `device_id`, oldest first."""
        kept = self._by_device.pop(device_id, None)
        return list(kept.values()) if kept else []

    def stored(self, device_id: str) -> list[StoredNotification]:
        """What is kept for `device_id`, without removing it."""
        return list(self._by_device.get(device_id, {}).values())

    def clear(self, sandbox: str | None = None) -> None:
        """Forget everything kept (for one sandbox, or all)."""
        if sandbox is None:
            self._by_device.clear()
            return
        for device_id in list(self._by_device):
            kept = {t: s for t, s in self._by_device[device_id].items() if s.sandbox != sandbox}
            if kept:
                self._by_device[device_id] = kept
            else:
                del self._by_device[device_id]

    def __len__(self) -> int:
        return sum(len(kept) for kept in self._by_device.values())
