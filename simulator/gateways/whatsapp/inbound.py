"""What a person's phone sends a business, turned into the message object of Meta's incoming-message webhook.

Shapes the phone posts (`payload`, besides `"to": <business number>` and an optional `"profile_name"`):

- `{"type": "text", "text": {"body"}}`;
- `{"type": "button", "button": {"text", "payload"}, "context": {"id"}}`: a template's quick reply;
- `{"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id", "title"}} |
  {"type": "list_reply", "list_reply": {"id", "title", "description"?}}, "context": {"id"}}`;
- `{"type": "reaction", "reaction": {"message_id", "emoji"}}`.

A reply names the message it answers (`context.id`); when the gateway still knows that message, the reply must
match one of its buttons or rows, as only a real tap could. The webhook's `context` is `{"from": <business
number>, "id": <wamid>}`, as Meta puts it.
"""

from __future__ import annotations

from typing import Any

from simulator.gateways.whatsapp.accounts import Business
from simulator.gateways.whatsapp.conversations import OutboundMessage

INBOUND_TYPES = frozenset({"button", "interactive", "reaction", "text"})


class InboundError(ValueError):
    """A phone sent something WhatsApp would never send (answered 422 on `/_sim/`)."""


def inbound_message(
    business: Business,
    wa_id: str,
    message_id: str,
    payload: dict[str, Any],
    replied: OutboundMessage | None,
    from_user_id: str,
) -> dict[str, Any]:
    """The webhook's message object for what the phone sent."""
    kind = payload.get("type")
    if kind not in INBOUND_TYPES:
        raise InboundError(f"a phone cannot send a WhatsApp message of type {kind!r} here ({sorted(INBOUND_TYPES)})")
    message: dict[str, Any] = {}
    context_id = (payload.get("context") or {}).get("id")
    if kind in ("button", "interactive"):
        if not isinstance(context_id, str):
            raise InboundError(f"a {kind} reply names the message it answers (context.id)")
        message["context"] = {"from": business.display_phone_number, "id": context_id}
    elif isinstance(context_id, str):
        message["context"] = {"from": business.display_phone_number, "id": context_id}
    timestamp = str(int(business.sandbox.clock.timestamp()))
    message.update({"from": wa_id, "from_user_id": from_user_id, "id": message_id, "timestamp": timestamp})
    message["type"] = kind
    message[kind] = _content(kind, payload, replied)
    return message


def _content(kind: str, payload: dict[str, Any], replied: OutboundMessage | None) -> dict[str, Any]:
    content = payload.get(kind)
    if not isinstance(content, dict):
        raise InboundError(f"a {kind} message carries a {kind!r} object")
    if kind == "text":
        body = content.get("body")
        if not isinstance(body, str) or not body:
            raise InboundError("a text message has a non-empty text.body")
        return {"body": body}
    if kind == "reaction":
        return {"message_id": str(content.get("message_id", "")), "emoji": str(content.get("emoji", ""))}
    if kind == "button":
        text, button_payload = content.get("text"), content.get("payload")
        if not isinstance(text, str) or not isinstance(button_payload, str):
            raise InboundError("a quick reply carries button.text and button.payload")
        _check_choice(replied, "QUICK_REPLY", button_payload, text)
        return {"payload": button_payload, "text": text}
    reply_type = content.get("type")
    if reply_type not in ("button_reply", "list_reply"):
        raise InboundError("an interactive reply is a button_reply or a list_reply")
    reply = content.get(reply_type)
    if not isinstance(reply, dict) or not isinstance(reply.get("id"), str) or not isinstance(reply.get("title"), str):
        raise InboundError(f"a {reply_type} carries an id and a title")
    _check_choice(replied, reply_type, reply["id"], reply["title"])
    chosen = {"id": reply["id"], "title": reply["title"]}
    if reply_type == "list_reply" and isinstance(reply.get("description"), str):
        chosen["description"] = reply["description"]
    return {"type": reply_type, reply_type: chosen}


def choices(message: OutboundMessage) -> dict[str, list[tuple[str, str]]]:
    """The (id or payload, title) pairs a person can pick in a message, by kind of reply."""
    payload = message.payload
    found: dict[str, list[tuple[str, str]]] = {"QUICK_REPLY": [], "button_reply": [], "list_reply": []}
    if payload.get("type") == "template":
        for button in (payload.get("rendered") or {}).get("buttons", []):
            if button.get("type") == "QUICK_REPLY":
                found["QUICK_REPLY"].append((str(button["payload"]), str(button["text"])))
    elif payload.get("type") == "interactive":
        interactive = payload["interactive"]
        action = interactive.get("action") or {}
        for button in action.get("buttons") or []:
            found["button_reply"].append((button["reply"]["id"], button["reply"]["title"]))
        for section in action.get("sections") or []:
            for row in section.get("rows") or []:
                found["list_reply"].append((row["id"], row["title"]))
    return found


def _check_choice(replied: OutboundMessage | None, kind: str, choice_id: str, title: str) -> None:
    if replied is None:
        return
    offered = choices(replied)[kind]
    if (choice_id, title) not in offered:
        shown = ", ".join(f"{t!r} ({i})" for i, t in offered) or "none"
        raise InboundError(f"message {replied.id} offers no {kind} {title!r} ({choice_id}); it offers {shown}")
