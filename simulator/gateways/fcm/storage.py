"""What FCM keeps for a phone that is offline, and hands over when it comes back.

- A message waits until its TTL runs out on its sandbox's clock (default and maximum 28 days); TTL 0 means now or
  never, so such a message is never stored.
- A message with an `android.collapse_key` replaces the stored message of the same app and collapse key.
- At most 100 messages wait per device. Storing one more discards every stored message, and on reconnect the app
  receives FCM's "deleted messages" notice instead (a delivery with `push_type="deleted_messages"` and payload
  `{"message_type": "deleted_messages"}`), as Android's `onDeletedMessages()` reports it.

Each stored message keeps the `RecordedCall` of its send, whose `delivered` and `extra["dropped"]` (expired,
collapsed, too_many_pending) tell what became of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.clock import Clock
from simulator.devices.delivery import PushDelivery, PushProvider
from simulator.gateways.recording import RecordedCall

MAX_PENDING_PER_DEVICE = 100
DELETED_MESSAGES = "deleted_messages"


@dataclass(slots=True, eq=False)
class StoredMessage:
    """A message waiting for its phone."""

    delivery: PushDelivery
    expires_at: float
    clock: Clock
    call: RecordedCall


@dataclass(slots=True, eq=False)
class DeviceQueue:
    """The messages one device has waiting, oldest first, and the apps whose stored messages were discarded."""

    sandbox: str
    messages: list[StoredMessage] = field(default_factory=list)
    overflowed: dict[str, StoredMessage] = field(default_factory=dict)


class PendingStore:
    """Per-device queues of undelivered messages (only devices with something waiting have one)."""

    def __init__(self) -> None:
        self._queues: dict[str, DeviceQueue] = {}

    def keep(self, device_id: str, sandbox: str, stored: StoredMessage) -> None:
        """Store a message for an offline device, applying collapse keys and the 100-message limit."""
        queue = self._queues.get(device_id)
        if queue is None:
            queue = self._queues[device_id] = DeviceQueue(sandbox)
        delivery = stored.delivery
        if delivery.collapse_id is not None:
            for index, waiting in enumerate(queue.messages):
                same_app = waiting.delivery.app_id == delivery.app_id
                if same_app and waiting.delivery.collapse_id == delivery.collapse_id:
                    waiting.call.extra["dropped"] = "collapsed"
                    del queue.messages[index]
                    break
        if len(queue.messages) >= MAX_PENDING_PER_DEVICE:
            for waiting in queue.messages:
                waiting.call.extra["dropped"] = "too_many_pending"
                queue.overflowed[waiting.delivery.app_id] = waiting
            queue.messages.clear()
        queue.messages.append(stored)

    def pending(self, device_id: str) -> list[StoredMessage]:
        """What waits for `device_id`, oldest first."""
        queue = self._queues.get(device_id)
        return list(queue.messages) if queue else []

    def flush(self, device_id: str, deliver: Callable[[PushDelivery], bool]) -> int:
        """Hand a device what waits for it, dropping what expired; returns how many messages were delivered."""
        queue = self._queues.pop(device_id, None)
        if queue is None:
            return 0
        for app_id, last in list(queue.overflowed.items()):
            notice = PushDelivery(
                provider=PushProvider.FCM,
                token=last.delivery.token,
                app_id=app_id,
                message_id=DELETED_MESSAGES,
                payload={"message_type": DELETED_MESSAGES},
                sent_at=last.clock.timestamp(),
                push_type=DELETED_MESSAGES,
                priority=5,
            )
            if not deliver(notice):
                self._queues[device_id] = queue
                return 0
            del queue.overflowed[app_id]
        delivered = 0
        while queue.messages:
            stored = queue.messages[0]
            now = stored.clock.timestamp()
            if now >= stored.expires_at:
                stored.call.extra["dropped"] = "expired"
            elif deliver(stored.delivery):
                stored.call.delivered = True
                stored.call.extra["delivered_at"] = now
                delivered += 1
            else:
                self._queues[device_id] = queue
                return delivered
            queue.messages.pop(0)
        return delivered

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop what waits for the devices of a closed sandbox."""
        for device_id in [d for d, q in self._queues.items() if q.sandbox == sandbox]:
            del self._queues[device_id]

    def clear(self) -> None:
        """Drop everything stored."""
        self._queues.clear()

    def __len__(self) -> int:
        return sum(len(q.messages) for q in self._queues.values())
