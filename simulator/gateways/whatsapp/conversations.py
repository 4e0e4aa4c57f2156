"""What the gateway remembers about conversations: the 24-hour windows, and every message in and out.

The customer service window of a (business number, person) pair opens, or is refreshed, whenever the person sends
the business anything, and lasts 24 hours by the sandbox's clock; a free-form message is allowed only inside it.
Statuses name the conversation a message belongs to (`conversation.id`, its `origin.type`: `service` for
free-form messages, the template's category otherwise) and its `pricing` (per-message pricing: `regular`, or
`free_customer_service` for free-form messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.gateways.recording import RecordedCall
from simulator.gateways.whatsapp.accounts import Business

WINDOW_SECONDS = 24 * 3600


@dataclass(slots=True, eq=False)
class OutboundMessage:
    """A message a business sent: where it is (`accepted` → `sent` → `delivered` → `read`, or `failed`)."""

    id: str
    business: Business
    wa_id: str
    type: str
    payload: dict[str, Any]
    category: str
    call: RecordedCall
    status: str = "accepted"
    device_id: str | None = None


@dataclass(slots=True, eq=False)
class InboundMessage:
    """A message a person sent to a business, as its webhook carried it."""

    id: str
    business: Business
    wa_id: str
    message: dict[str, Any]
    call: RecordedCall
    read: bool = False


@dataclass(slots=True)
class Conversations:
    """Windows, conversations and messages of every business."""

    last_inbound: dict[tuple[str, str], float] = field(default_factory=dict)
    opened: dict[tuple[str, str, str], tuple[str, float]] = field(default_factory=dict)
    outbound: dict[str, OutboundMessage] = field(default_factory=dict)
    inbound: dict[str, InboundMessage] = field(default_factory=dict)
    waiting: dict[str, list[OutboundMessage]] = field(default_factory=dict)
    chats: dict[tuple[str, str], list[OutboundMessage]] = field(default_factory=dict)

    def window_open(self, business: Business, wa_id: str) -> bool:
        """True while the person's last message to this business is less than 24 hours old."""
        last = self.last_inbound.get((business.phone_number_id, wa_id))
        return last is not None and business.sandbox.clock.timestamp() - last < WINDOW_SECONDS

    def touch(self, business: Business, wa_id: str) -> None:
        """The person wrote: the window opens (or starts again) now."""
        self.last_inbound[(business.phone_number_id, wa_id)] = business.sandbox.clock.timestamp()

    def conversation(self, message: OutboundMessage, *, first: bool) -> dict[str, Any]:
        """The `conversation` block of a status; `first` adds its expiration (Meta sends it with `sent`)."""
        business = message.business
        now = business.sandbox.clock.timestamp()
        key = (business.phone_number_id, message.wa_id, message.category)
        current = self.opened.get(key)
        if current is None or now >= current[1]:
            current = (business.sandbox.ids.hex(32), now + WINDOW_SECONDS)
            self.opened[key] = current
        block: dict[str, Any] = {"id": current[0]}
        if first:
            block["expiration_timestamp"] = str(int(current[1]))
        block["origin"] = {"type": message.category}
        return block

    @staticmethod
    def pricing(message: OutboundMessage) -> dict[str, Any]:
        """The `pricing` block of a status."""
        service = message.category == "service"
        return {
            "billable": not service,
            "pricing_model": "PMP",
            "type": "free_customer_service" if service else "regular",
            "category": message.category,
        }

    def add(self, message: OutboundMessage) -> None:
        """Remember a message a business sent."""
        self.outbound[message.id] = message
        self.chats.setdefault((message.business.phone_number_id, message.wa_id), []).append(message)

    def keep_for(self, device_id: str, message: OutboundMessage) -> None:
        """Hold a message for a phone that is offline."""
        self.waiting.setdefault(device_id, []).append(message)

    def take_for(self, device_id: str) -> list[OutboundMessage]:
        """Everything held for a phone, oldest first."""
        return self.waiting.pop(device_id, [])

    def chat(self, business: Business, wa_id: str) -> list[OutboundMessage]:
        """A business's messages to one person, oldest first."""
        return list(self.chats.get((business.phone_number_id, wa_id), ()))

    def clear_messages(self, sandbox: str | None = None) -> None:
        """Forget messages (of one sandbox, or all); windows stay open."""
        self.outbound = {k: m for k, m in self.outbound.items() if sandbox and m.business.sandbox.name != sandbox}
        self.chats = {
            key: kept
            for key, msgs in self.chats.items()
            if (kept := [m for m in msgs if sandbox and m.business.sandbox.name != sandbox])
        }
        self.inbound = {k: m for k, m in self.inbound.items() if sandbox and m.business.sandbox.name != sandbox}
        self.waiting = {
            d: kept for d, msgs in self.waiting.items()
            if (kept := [m for m in msgs if sandbox and m.business.sandbox.name != sandbox])
        }  # fmt: skip

    def forget(self, phone_number_ids: set[str], sandbox: str) -> None:
        """Drop everything of a closed sandbox's businesses."""
        self.last_inbound = {k: t for k, t in self.last_inbound.items() if k[0] not in phone_number_ids}
        self.opened = {k: c for k, c in self.opened.items() if k[0] not in phone_number_ids}
        self.clear_messages(sandbox)
