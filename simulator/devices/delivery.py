"""What a gateway hands a phone: one accepted notification, as the provider would put it on the wire to the device."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PushProvider(StrEnum):
    """The push services a phone receives from."""

    APNS = "apns"
    FCM = "fcm"


@dataclass(frozen=True, slots=True)
class PushDelivery:
    """One notification on its way to a phone.

    `payload` is the provider's own wire payload: the APNs JSON (`aps` and custom keys) or the FCM message
    (`notification`, `data`, `android`...). The phone reads it as the OS would.
    """

    provider: PushProvider
    token: str
    app_id: str
    message_id: str
    payload: dict[str, Any]
    sent_at: float
    collapse_id: str | None = None
    push_type: str = "alert"
    priority: int = 10

    def to_wire(self) -> dict[str, Any]:
        """A JSON-ready form for the device link."""
        return {
            "provider": self.provider.value,
            "token": self.token,
            "app_id": self.app_id,
            "message_id": self.message_id,
            "payload": self.payload,
            "sent_at": self.sent_at,
            "collapse_id": self.collapse_id,
            "push_type": self.push_type,
            "priority": self.priority,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> PushDelivery:
        """Read back what `to_wire` wrote."""
        return cls(
            provider=PushProvider(data["provider"]),
            token=data["token"],
            app_id=data["app_id"],
            message_id=data["message_id"],
            payload=data["payload"],
            sent_at=float(data["sent_at"]),
            collapse_id=data.get("collapse_id"),
            push_type=data.get("push_type", "alert"),
            priority=int(data.get("priority", 10)),
        )


class MessageChannel(StrEnum):
    """The person-to-person channels a phone receives on besides push."""

    SMS = "sms"
    MMS = "mms"
    RCS = "rcs"
    WHATSAPP = "whatsapp"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class MessageDelivery:
    """One message a gateway hands to a phone: an SMS/MMS/RCS from a sender number, a WhatsApp message from a
    business, an email.

    `payload` is channel-specific and JSON-ready: SMS/MMS `{"body", "media": [{"url", "content_type"}],
    "num_segments"}`; RCS adds rich cards and suggestions; WhatsApp the Cloud API message object as sent
    (`{"type": "text", "text": {...}}`...); email `{"subject", "from", "to", "text", "html", "headers"}`.
    """

    channel: MessageChannel
    sender: str
    recipient: str
    message_id: str
    payload: dict[str, Any]
    sent_at: float

    def to_wire(self) -> dict[str, Any]:
        """A JSON-ready form for the device link."""
        return {
            "channel": self.channel.value,
            "sender": self.sender,
            "recipient": self.recipient,
            "message_id": self.message_id,
            "payload": self.payload,
            "sent_at": self.sent_at,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> MessageDelivery:
        """Read back what `to_wire` wrote."""
        return cls(
            channel=MessageChannel(data["channel"]),
            sender=data["sender"],
            recipient=data["recipient"],
            message_id=data["message_id"],
            payload=data["payload"],
            sent_at=float(data["sent_at"]),
        )
