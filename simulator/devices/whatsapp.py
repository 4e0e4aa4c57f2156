"""The phone's WhatsApp: one chat per business number, and a person who reads, types, taps and picks.

`WhatsAppChats(phone)` takes each `MessageDelivery` of the WhatsApp channel (the Cloud API message object as the
business sent it, templates rendered) into the chat of its sender and reads it as the app shows it: the text (a
text body, a template's rendered body, an interactive body, a media caption), a header and footer, reply buttons
(a template's quick replies, an interactive message's reply buttons), a list (its button label and rows), media.

What the person does goes back through `phone.services.send_message(phone, MessageChannel.WHATSAPP, payload)`,
the phone's one way to reach a messaging gateway, with the payload the gateway documents (`inbound.py`):

- `open_chat(business)` marks what arrived as read: `{"to", "type": "read", "message_ids"}` (the business gets
  `read` statuses); being in the chat, the person also reads before sending, tapping or choosing;
- `send_text(business, text)`: `{"to", "type": "text", "text": {"body"}}`;
- `tap_button(business, label)`: the newest message offering that button; a template's quick reply sends
  `{"type": "button", "button": {"text", "payload"}, "context": {"id"}}`, an interactive reply button sends
  `{"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id", "title"}}, "context"}`;
  a template's URL button opens the link in the phone's browser instead;
- `choose_from_list(business, row_title)`: `{"type": "interactive", "interactive": {"type": "list_reply",
  "list_reply": {"id", "title", "description"?}}, "context": {"id"}}`.

Each returns the id the gateway gave the person's message. Errors (`PhoneError`) name what the chat shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.devices.delivery import MessageChannel, MessageDelivery
from simulator.devices.phone import PhoneError

if TYPE_CHECKING:
    from simulator.devices.phone import Phone

_NOT_DIGITS = re.compile(r"\D")
MEDIA_KINDS = ("image", "video", "document", "audio", "sticker")


def _key(number: str) -> str:
    return _NOT_DIGITS.sub("", number)


@dataclass(frozen=True, slots=True)
class ChatButton:
    """A button under a message: `kind` is `quick_reply` (templates), `reply` (interactive) or `url`."""

    kind: str
    id: str
    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ListRow:
    """One choice of a list message."""

    id: str
    title: str
    description: str | None = None
    section: str | None = None


@dataclass(slots=True, eq=False)
class ChatMessage:
    """One message in a chat, as the app shows it."""

    id: str
    direction: str
    type: str
    text: str
    at: float
    header: str | None = None
    footer: str | None = None
    buttons: list[ChatButton] = field(default_factory=list)
    list_button: str | None = None
    rows: list[ListRow] = field(default_factory=list)
    media: dict[str, Any] | None = None
    template: str | None = None
    reply_to: str | None = None
    reactions: list[str] = field(default_factory=list)
    read: bool = False

    def describe(self) -> str:
        """A short description for error messages: `"Your order shipped" [Track, Stop]`."""
        shown = f"{self.text!r}"
        labels = [b.title for b in self.buttons] + [r.title for r in self.rows]
        return shown + (f" [{', '.join(labels)}]" if labels else "")


@dataclass(slots=True, eq=False)
class Chat:
    """The conversation with one business."""

    business: str
    messages: list[ChatMessage] = field(default_factory=list)

    @property
    def unread(self) -> list[ChatMessage]:
        """Messages from the business not read yet."""
        return [m for m in self.messages if m.direction == "received" and not m.read]

    @property
    def last(self) -> ChatMessage | None:
        """The newest message, either way."""
        return self.messages[-1] if self.messages else None

    def received(self) -> list[ChatMessage]:
        """Messages from the business, oldest first."""
        return [m for m in self.messages if m.direction == "received"]

    def texts(self) -> list[str]:
        """The text of every message from the business, oldest first."""
        return [m.text for m in self.received()]


class WhatsAppChats:
    """The WhatsApp app of one phone: one chat per business number."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self.chats: dict[str, Chat] = {}

    # -- arriving -----------------------------------------------------------------------------------------------

    def receive(self, delivery: MessageDelivery) -> None:
        """Take one message from a business into its chat (a reaction attaches to the message it reacts to)."""
        chat = self._open(delivery.sender)
        payload = delivery.payload
        if payload.get("type") == "reaction":
            reaction = payload.get("reaction") or {}
            target = next((m for m in chat.messages if m.id == reaction.get("message_id")), None)
            if target is not None and reaction.get("emoji"):
                target.reactions.append(str(reaction["emoji"]))
            return
        message = read_message(delivery.message_id, payload, delivery.sent_at)
        chat.messages.append(message)

    def _open(self, business: str) -> Chat:
        key = _key(business)
        chat = self.chats.get(key)
        if chat is None:
            chat = self.chats[key] = Chat("+" + key)
        return chat

    def chat(self, business: str) -> Chat:
        """The chat with a business; PhoneError when there is none."""
        chat = self.chats.get(_key(business))
        if chat is None:
            known = ", ".join(c.business for c in self.chats.values()) or "none"
            raise PhoneError(f"{self.phone!r} has no WhatsApp chat with {business} (chats: {known})")
        return chat

    # -- what the person does -----------------------------------------------------------------------------------

    async def open_chat(self, business: str) -> Chat:
        """Open the chat: every unread message is read, and the business is told (read receipts)."""
        chat = self.chat(business)
        unread = chat.unread
        if unread:
            for message in unread:
                message.read = True
            await self._send(chat, {"type": "read", "message_ids": [m.id for m in unread]})
        return chat

    async def send_text(self, business: str, text: str) -> str:
        """Type and send a message to a business (a chat is started if there is none)."""
        if not text:
            raise PhoneError("WhatsApp does not send an empty message")
        chat = self.chats.get(_key(business))
        if chat is None:
            chat = Chat("+" + _key(business))  # kept once the business has taken the message
        else:
            await self.open_chat(chat.business)
        return await self._post(chat, "text", {"type": "text", "text": {"body": text}}, text)

    async def tap_button(self, business: str, label: str) -> str:
        """Tap the button `label` (case-insensitive) of the newest message that shows it."""
        chat = await self.open_chat(business)
        for message in reversed(chat.received()):
            button = next((b for b in message.buttons if b.title.casefold() == label.casefold()), None)
            if button is None:
                continue
            if button.kind == "url":
                self.phone.browser.append(button.url or "")
                return message.id
            kind = "button" if button.kind == "quick_reply" else "interactive"
            payload: dict[str, Any] = {"type": kind, "context": {"id": message.id}}
            if kind == "button":
                payload["button"] = {"text": button.title, "payload": button.id}
            else:
                reply = {"id": button.id, "title": button.title}
                payload["interactive"] = {"type": "button_reply", "button_reply": reply}
            return await self._post(chat, kind, payload, button.title, reply_to=message.id)
        raise PhoneError(f"the WhatsApp chat with {chat.business} shows no button {label!r}{_shown(chat)}")

    async def choose_from_list(self, business: str, row_title: str) -> str:
        """Open the newest list that offers `row_title` (case-insensitive) and pick that row."""
        chat = await self.open_chat(business)
        for message in reversed(chat.received()):
            row = next((r for r in message.rows if r.title.casefold() == row_title.casefold()), None)
            if row is None:
                continue
            chosen: dict[str, Any] = {"id": row.id, "title": row.title}
            if row.description is not None:
                chosen["description"] = row.description
            payload = {
                "type": "interactive",
                "interactive": {"type": "list_reply", "list_reply": chosen},
                "context": {"id": message.id},
            }
            return await self._post(chat, "interactive", payload, row.title, reply_to=message.id)
        raise PhoneError(f"the WhatsApp chat with {chat.business} shows no list item {row_title!r}{_shown(chat)}")

    async def _post(
        self, chat: Chat, kind: str, payload: dict[str, Any], text: str, reply_to: str | None = None
    ) -> str:
        answer = await self._send(chat, payload)
        sent = (answer.get("messages") or [{}])[0]
        message_id = str(sent.get("id", ""))
        at = float(sent.get("timestamp", 0))
        chat.messages.append(ChatMessage(message_id, "sent", kind, text, at, reply_to=reply_to, read=True))
        self.chats.setdefault(_key(chat.business), chat)
        return message_id

    async def _send(self, chat: Chat, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.phone.online:
            raise PhoneError(f"{self.phone!r} is offline: WhatsApp cannot reach {chat.business}")
        body = {"to": chat.business, **payload, "profile_name": self.phone.name}
        return await self.phone.services.send_message(self.phone, MessageChannel.WHATSAPP, body)


def read_message(message_id: str, payload: dict[str, Any], at: float) -> ChatMessage:
    """How the app shows a Cloud API message object (templates carry their rendering under `rendered`)."""
    kind = str(payload.get("type", "text"))
    context = (payload.get("context") or {}).get("message_id")
    message = ChatMessage(message_id, "received", kind, "", at, reply_to=context)
    content = payload.get(kind) or {}
    if kind == "text":
        message.text = str(content.get("body", ""))
    elif kind == "template":
        _read_template(message, content, payload.get("rendered") or {})
    elif kind == "interactive":
        _read_interactive(message, content)
    elif kind in MEDIA_KINDS:
        message.text = str(content.get("caption", ""))
        message.media = {"kind": kind, **{k: content[k] for k in ("link", "id", "filename") if k in content}}
    elif kind == "location":
        message.text = ", ".join(str(content[k]) for k in ("name", "address") if content.get(k))
        message.media = {"kind": "location", "latitude": content.get("latitude"), "longitude": content.get("longitude")}
    return message


def _read_template(message: ChatMessage, content: dict[str, Any], rendered: dict[str, Any]) -> None:
    message.template = str(content.get("name", ""))
    message.text = str(rendered.get("body", ""))
    header = rendered.get("header") or {}
    if header.get("format") == "TEXT":
        message.header = header.get("text")
    elif header:
        message.media = {"kind": str(header["format"]).lower(), **{k: v for k, v in header.items() if k != "format"}}
    message.footer = rendered.get("footer")
    for button in rendered.get("buttons") or []:
        if button.get("type") == "QUICK_REPLY":
            message.buttons.append(ChatButton("quick_reply", str(button["payload"]), str(button["text"])))
        elif button.get("type") == "URL":
            message.buttons.append(ChatButton("url", str(button["index"]), str(button["text"]), button.get("url")))


def _read_interactive(message: ChatMessage, content: dict[str, Any]) -> None:
    message.text = str((content.get("body") or {}).get("text", ""))
    header = content.get("header") or {}
    message.header = header.get("text") if header.get("type") == "text" else None
    message.footer = (content.get("footer") or {}).get("text")
    action = content.get("action") or {}
    for button in action.get("buttons") or []:
        reply = button.get("reply") or {}
        message.buttons.append(ChatButton("reply", str(reply.get("id")), str(reply.get("title"))))
    if action.get("sections"):
        message.list_button = action.get("button")
        for section in action["sections"]:
            for row in section.get("rows") or []:
                message.rows.append(ListRow(row["id"], row["title"], row.get("description"), section.get("title")))


def _shown(chat: Chat) -> str:
    offered = [m for m in chat.received() if m.buttons or m.rows]
    if not offered:
        return " (no message in it has buttons or a list)"
    return " (it shows " + "; ".join(m.describe() for m in offered[-3:]) + ")"
