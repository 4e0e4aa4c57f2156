"""The phone's messages app: SMS, MMS and RCS, one thread per sender.

A thread is keyed by the other party as the phone sees it: the business number (`+1555…`) for SMS and MMS, the
agent (`rcs:acme`) for RCS, which phones show as a separate, branded conversation. Each message keeps its direction,
text, attachments, when it was sent, whether it was read, and for RCS its rich card and suggested replies.

The person answers with `reply()` (a text, a STOP, a photo) and, on an RCS card, `tap_suggestion()`; both go back
through the phone's services to the gateway, as a real reply does. Asking for something the phone does not show
raises a `PhoneError` saying what it does show.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal

from simulator.devices.delivery import MessageChannel, MessageDelivery
from simulator.devices.phone import PhoneError

if TYPE_CHECKING:
    from simulator.devices.phone import Phone

Direction = Literal["incoming", "outgoing"]


@dataclass(slots=True)
class TextMessage:
    """One message in a thread."""

    id: str
    direction: Direction
    channel: MessageChannel
    body: str
    sent_at: float
    media: list[dict[str, str]] = field(default_factory=list)
    read: bool = False
    card: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    num_segments: int | None = None

    def describe(self) -> str:
        """A short description for error messages."""
        text = self.body if len(self.body) <= 40 else self.body[:37] + "..."
        extra = f" +{len(self.media)} media" if self.media else ""
        card = f" [card {self.card.get('title')!r}]" if self.card else ""
        return f"{self.direction} {self.channel.value} {text!r}{extra}{card}"


@dataclass(slots=True)
class Thread:
    """The conversation with one sender."""

    sender: str
    messages: list[TextMessage] = field(default_factory=list)

    @property
    def unread(self) -> list[TextMessage]:
        """Incoming messages not read yet, oldest first."""
        return [m for m in self.messages if m.direction == "incoming" and not m.read]

    @property
    def incoming(self) -> list[TextMessage]:
        """What the sender sent, oldest first."""
        return [m for m in self.messages if m.direction == "incoming"]

    def latest(self) -> TextMessage:
        """The newest incoming message; PhoneError when the sender sent nothing."""
        incoming = self.incoming
        if not incoming:
            raise PhoneError(f"the thread with {self.sender} has no message from them")
        return incoming[-1]

    def bodies(self) -> list[str]:
        """The text of every message, oldest first."""
        return [m.body for m in self.messages]


class SmsThreads:
    """The messages app of one phone."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self._threads: dict[str, Thread] = {}

    # -- what arrives ---------------------------------------------------------------------------------------

    def receive(self, delivery: MessageDelivery) -> None:
        """Take an SMS, MMS or RCS message from the network into its sender's thread."""
        payload = delivery.payload
        message = TextMessage(
            id=delivery.message_id,
            direction="incoming",
            channel=delivery.channel,
            body=str(payload.get("body") or ""),
            sent_at=delivery.sent_at,
            media=[dict(item) for item in payload.get("media") or []],
            card=payload.get("card"),
            suggestions=list(payload.get("suggestions") or []),
            num_segments=payload.get("num_segments"),
        )
        self._thread(delivery.sender).messages.append(message)

    # -- what the person sees -------------------------------------------------------------------------------

    @property
    def threads(self) -> list[Thread]:
        """Every thread, the one with the newest message first."""
        return sorted(self._threads.values(), key=lambda t: t.messages[-1].sent_at if t.messages else 0, reverse=True)

    def thread(self, sender: str) -> Thread:
        """The thread with `sender`; PhoneError naming the threads there are when there is none."""
        found = self._threads.get(sender)
        if found is None:
            raise PhoneError(f"{self.phone!r} has no message thread with {sender} ({self._summary()})")
        return found

    def latest(self, sender: str | None = None) -> TextMessage:
        """The newest incoming message (from `sender`, or from anyone)."""
        if sender is not None:
            return self.thread(sender).latest()
        incoming = [m for t in self._threads.values() for m in t.incoming]
        if not incoming:
            raise PhoneError(f"{self.phone!r} has received no SMS, MMS or RCS message")
        return max(incoming, key=lambda m: m.sent_at)

    @property
    def unread(self) -> list[TextMessage]:
        """Every unread incoming message, oldest first."""
        return sorted((m for t in self._threads.values() for m in t.unread), key=lambda m: m.sent_at)

    def open(self, sender: str) -> Thread:
        """Open a thread: its messages are read."""
        thread = self.thread(sender)
        for message in thread.messages:
            message.read = True
        return thread

    # -- what the person does -------------------------------------------------------------------------------

    async def reply(self, sender_number: str, body: str, media: list[str] | None = None) -> dict[str, Any]:
        """Text `sender_number` back (a reply, STOP, a photo); returns what the gateway recorded."""
        items = [{"url": url, "content_type": _content_type(url)} for url in media or []]
        channel = (
            MessageChannel.RCS
            if sender_number.startswith("rcs:")
            else MessageChannel.MMS
            if items
            else MessageChannel.SMS
        )
        return await self._send(sender_number, channel, {"to": sender_number, "body": body, "media": items})

    async def tap_suggestion(self, sender: str, label: str) -> dict[str, Any] | None:
        """Tap a suggestion of the sender's newest card or message that has one with this label.

        A suggested reply is sent back as the person's answer (with its payload); a link opens in the browser and a
        dial suggestion calls, neither sends anything (None is returned).
        """
        thread = self.thread(sender)
        offered = next((m for m in reversed(thread.incoming) if m.suggestions), None)
        if offered is None:
            raise PhoneError(f"the thread with {sender} shows no suggestion ({self._describe(thread)})")
        chosen = next((s for s in offered.suggestions if str(s.get("label", "")).casefold() == label.casefold()), None)
        if chosen is None:
            labels = ", ".join(repr(s.get("label")) for s in offered.suggestions)
            raise PhoneError(f"{offered.describe()} has no suggestion {label!r} (suggestions: {labels})")
        offered.read = True
        if chosen.get("type") == "url":
            self.phone.browser.append(str(chosen.get("url")))
            return None
        if chosen.get("type") == "dial":
            return None
        payload = {"to": sender, "body": str(chosen["label"]), "button_payload": str(chosen.get("payload") or label)}
        return await self._send(sender, offered.channel, payload)

    async def _send(self, sender: str, channel: MessageChannel, payload: dict[str, Any]) -> dict[str, Any]:
        answer = await self.phone.services.send_message(self.phone, channel, payload)
        thread = self._thread(sender)
        for message in thread.messages:
            message.read = True
        thread.messages.append(
            TextMessage(
                id=str(answer.get("sid", "")),
                direction="outgoing",
                channel=channel,
                body=str(payload.get("body") or ""),
                sent_at=_sent_at(answer, thread),
                media=list(payload.get("media") or []),
                read=True,
            )
        )
        return answer

    # -- helpers ----------------------------------------------------------------------------------------------

    def _thread(self, sender: str) -> Thread:
        thread = self._threads.get(sender)
        if thread is None:
            thread = self._threads[sender] = Thread(sender)
        return thread

    def _summary(self) -> str:
        if not self._threads:
            return "no thread at all"
        return "threads: " + ", ".join(sorted(self._threads))

    @staticmethod
    def _describe(thread: Thread) -> str:
        if not thread.messages:
            return "it is empty"
        return "it holds " + "; ".join(m.describe() for m in thread.messages[-3:])


def _sent_at(answer: dict[str, Any], thread: Thread) -> float:
    """When the gateway says the message was created (the phone has no clock of its own)."""
    created = answer.get("date_created")
    if isinstance(created, str):
        try:
            return parsedate_to_datetime(created).timestamp()
        except (TypeError, ValueError):
            pass
    return thread.messages[-1].sent_at if thread.messages else 0.0


def _content_type(url: str) -> str:
    guessed, _ = mimetypes.guess_type(url)
    return guessed or "image/jpeg"
