"""The Message resource: one SMS, MMS or RCS message as Twilio keeps it, and the log of all of them.

`Message.resource()` is the JSON Twilio answers for it, field for field (`num_segments` and `num_media` are strings,
dates are RFC 2822, `price` stays null). `Message.to_sim_json()` adds what only the fake knows: the sandbox, the
channel it was delivered on (`sms`, `mms` or `rcs`), its status history on the sandbox's clock, the status
callbacks posted and what they answered, and the rich content of an RCS message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from simulator.gateways.twilio.models import API_VERSION
from simulator.gateways.twilio.segments import Segments

#: Statuses a message does not leave.
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "read", "canceled"})


def rfc2822(timestamp: float | None) -> str | None:
    """A Unix time as Twilio writes dates: `Mon, 05 Jan 2026 09:00:00 +0000`."""
    if timestamp is None:
        return None
    return format_datetime(datetime.fromtimestamp(timestamp, UTC))


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One attachment: where it lives, its type and (once fetched) its size in bytes."""

    url: str
    content_type: str = ""
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, as phones receive it."""
        return {"url": self.url, "content_type": self.content_type}


@dataclass(slots=True, eq=False)
class Message:
    """One message and everything that happened to it."""

    sid: str
    account_sid: str
    sandbox: str
    to: str
    from_: str | None
    body: str
    direction: str
    status: str
    segments: Segments
    created_at: float
    media: list[MediaItem] = field(default_factory=list)
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    channel: str = "sms"
    rich: dict[str, Any] | None = None
    fallback: tuple[str, list[MediaItem]] | None = None
    """The SMS/MMS body and media sent instead when an RCS message meets a handset without RCS."""
    error_code: int | None = None
    error_message: str | None = None
    updated_at: float = 0.0
    sent_at: float | None = None
    device_id: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None

    @property
    def path(self) -> str:
        """The resource's URI."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    @property
    def final(self) -> bool:
        """True once the status cannot change any more."""
        return self.status in FINAL_STATUSES

    def resource(self) -> dict[str, Any]:
        """The JSON Twilio answers for this message."""
        base = self.path.removesuffix(".json")
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.created_at),
            "date_sent": rfc2822(self.sent_at),
            "date_updated": rfc2822(self.updated_at or self.created_at),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(len(self.media)),
            "num_segments": str(self.segments.count),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
            "to": self.to,
            "uri": self.path,
        }

    def to_sim_json(self) -> dict[str, Any]:
        """The resource plus what the fake knows about the message."""
        return {
            **self.resource(),
            "sandbox": self.sandbox,
            "channel": self.channel,
            "encoding": self.segments.encoding.value,
            "media": [m.to_json() | {"size": m.size} for m in self.media],
            "rich": self.rich,
            "device_id": self.device_id,
            "status_callback": self.status_callback,
            "history": list(self.history),
            "callbacks": list(self.callbacks),
            "webhook": self.webhook,
        }


class MessageLog:
    """Every message the gateway knows, oldest first, queryable by SID (`latest` accepted) and resettable."""

    def __init__(self) -> None:
        self._by_sid: dict[str, Message] = {}

    def add(self, message: Message) -> Message:
        """Keep a message."""
        self._by_sid[message.sid] = message
        return message

    def get(self, sid: str) -> Message | None:
        """A message by SID; `latest` names the newest."""
        if sid == "latest":
            return next(reversed(self._by_sid.values()), None)
        return self._by_sid.get(sid)

    def filter(self, predicate: Callable[[Message], bool]) -> list[Message]:
        """Messages for which `predicate` holds, oldest first."""
        return [m for m in self._by_sid.values() if predicate(m)]

    def clear(self, sandbox: str | None = None) -> int:
        """Forget messages (of one sandbox, or all); returns how many were dropped."""
        before = len(self._by_sid)
        if sandbox is None:
            self._by_sid.clear()
        else:
            self._by_sid = {sid: m for sid, m in self._by_sid.items() if m.sandbox != sandbox}
        return before - len(self._by_sid)

    def __len__(self) -> int:
        return len(self._by_sid)

    def __iter__(self) -> Iterator[Message]:
        return iter(list(self._by_sid.values()))
