"""The checks of a send's body, in Meta's order and with Meta's codes.

The envelope first (`messaging_product`, `recipient_type`, `to`, `type`, `context`: 100 Invalid parameter), then the
message object of its type: a missing field is 131008, a value out of range 131009. Limits are Meta's documented
ones: text ≤ 4096 characters; media by `link` (http or https) or `id`, never both, captions ≤ 1024 on images,
videos and documents only; reply buttons 1 to 3, unique, titles ≤ 20 characters and ids ≤ 256; lists with a
button label ≤ 20, 1 to 10 sections, 1 to 10 rows in all, section and row titles ≤ 24, row descriptions ≤ 72, row
ids ≤ 200 and unique; interactive bodies ≤ 1024 (4096 for lists), headers and footers ≤ 60. Templates are checked
against the registry (`templates.py`). The wording of `details` follows the answers recorded from Meta where there
is one (e.g. `Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3`) and the same pattern elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from simulator.gateways.whatsapp.accounts import wa_digits
from simulator.gateways.whatsapp.errors import invalid_parameter, missing, not_valid

MESSAGE_TYPES = (
    "audio",
    "document",
    "image",
    "interactive",
    "location",
    "reaction",
    "sticker",
    "template",
    "text",
    "video",
)
MEDIA_TYPES = frozenset({"audio", "document", "image", "sticker", "video"})
CAPTIONED = frozenset({"document", "image", "video"})
MAX_TEXT = 4096
MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class CheckedSend:
    """A send whose envelope passed: who to, which type, and the message object as the recipient gets it."""

    to: str
    wa_id: str
    type: str
    content: dict[str, Any]
    context_id: str | None

    def message(self) -> dict[str, Any]:
        """The message object as sent: `{"type", "<type>": {...}, "context"?: {"message_id"}}`."""
        message: dict[str, Any] = {"type": self.type, self.type: self.content}
        if self.context_id:
            message["context"] = {"message_id": self.context_id}
        return message


def read_body(body: bytes | dict[str, Any]) -> dict[str, Any]:
    """The JSON object of a send; 100 when it is not one."""
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    return parsed


def check_envelope(body: dict[str, Any]) -> CheckedSend:
    """The fields around the message: 100 (or 131008 for a missing message object) when wrong."""
    product = body.get("messaging_product")
    if product is None:
        raise invalid_parameter("The parameter messaging_product is required.")
    if product != "whatsapp":
        raise invalid_parameter(f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid_parameter(f'Param recipient_type must be one of {{INDIVIDUAL}} - got "{recipient_type}".')
    to = body.get("to")
    if not isinstance(to, str | int) or str(to) == "":
        raise invalid_parameter("The parameter to is required.")
    wa_id = wa_digits(str(to))
    if not wa_id.isdigit() or not 7 <= len(wa_id) <= 15:
        raise not_valid(f"Invalid WhatsApp ID: the phone number {to} is malformed.")
    kind = body.get("type", "text")
    if kind not in MESSAGE_TYPES:
        allowed = ", ".join(t.upper() for t in MESSAGE_TYPES)
        raise invalid_parameter(f'Param type must be one of {{{allowed}}} - got "{kind}".')
    content = body.get(kind)
    if not isinstance(content, dict):
        raise missing(f"The parameter {kind} is required.")
    context = body.get("context")
    context_id: str | None = None
    if context is not None:
        if not isinstance(context, dict) or not isinstance(context.get("message_id"), str):
            raise invalid_parameter("Param context['message_id'] must be a message id string.")
        context_id = context["message_id"]
    return CheckedSend(str(to), wa_id, kind, content, context_id)


def check_content(kind: str, content: dict[str, Any]) -> None:
    """The message object of a non-template type."""
    if kind == "text":
        _check_text(content)
    elif kind in MEDIA_TYPES:
        _check_media(kind, content)
    elif kind == "location":
        _check_location(content)
    elif kind == "reaction":
        _required_str(content, "message_id", "reaction['message_id']")
        if not isinstance(content.get("emoji", ""), str):
            raise not_valid("Param reaction['emoji'] must be a string.")
    elif kind == "interactive":
        _check_interactive(content)


def _required_str(holder: Any, key: str, path: str) -> str:
    value = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(value, str) or value == "":
        raise missing(f"The parameter {path} is required.")
    return value


def _at_most(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise not_valid(f"{what} length invalid. Min allowed length: 1, Max allowed length: {limit}")


def _check_text(content: dict[str, Any]) -> None:
    body = _required_str(content, "body", "text['body']")
    if len(body) > MAX_TEXT:
        raise not_valid(f"Param text['body'] must be at most {MAX_TEXT} characters long.")
    if not isinstance(content.get("preview_url", False), bool):
        raise not_valid("Param text['preview_url'] must be a boolean.")


def _check_media(kind: str, content: dict[str, Any]) -> None:
    link, media_id = content.get("link"), content.get("id")
    if not link and not media_id:
        raise missing(f"The parameter {kind}['link'] or {kind}['id'] is required.")
    if link and media_id:
        raise invalid_parameter(f"Param {kind} must have either a link or an id, not both.")
    if link and (not isinstance(link, str) or not link.startswith(("http://", "https://"))):
        raise not_valid(f"Param {kind}['link'] must be a valid http or https URL.")
    caption = content.get("caption")
    if caption is not None:
        if kind not in CAPTIONED:
            raise invalid_parameter(f"Param caption is not supported for {kind} messages.")
        if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
            raise not_valid(f"Param {kind}['caption'] must be a string of at most {MAX_CAPTION} characters.")
    if "filename" in content and kind != "document":
        raise invalid_parameter(f"Param filename is not supported for {kind} messages.")


def _check_location(content: dict[str, Any]) -> None:
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value = content.get(key)
        if value is None:
            raise missing(f"The parameter location['{key}'] is required.")
        if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
            raise not_valid(f"Param location['{key}'] must be a number between -{bound} and {bound}.")


def _check_interactive(content: dict[str, Any]) -> None:
    kind = content.get("type")
    if kind is None:
        raise missing("The parameter interactive['type'] is required.")
    if kind not in ("button", "list"):
        raise invalid_parameter(f"Param interactive['type'] must be one of {{BUTTON, LIST}} - got \"{kind}\".")
    body = _required_str(content.get("body"), "text", "interactive['body']['text']")
    _at_most(body, 4096 if kind == "list" else 1024, "Body text")
    header = content.get("header")
    if header is not None:
        header_type = header.get("type") if isinstance(header, dict) else None
        if kind == "list" and header_type != "text":
            raise not_valid("A list message's header must be of type text.")
        if header_type == "text":
            _at_most(_required_str(header, "text", "interactive['header']['text']"), 60, "Header text")
        elif header_type in ("document", "image", "video"):
            assert isinstance(header, dict)
            _check_media(header_type, header.get(header_type) or {})
        else:
            raise invalid_parameter(f"Invalid interactive header type: {header_type}")
    footer = content.get("footer")
    if footer is not None:
        _at_most(_required_str(footer, "text", "interactive['footer']['text']"), 60, "Footer text")
    action = content.get("action")
    if not isinstance(action, dict):
        raise missing("The parameter interactive['action'] is required.")
    if kind == "button":
        _check_reply_buttons(action)
    else:
        _check_list(action)


def _check_reply_buttons(action: dict[str, Any]) -> None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise not_valid("Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3")
    ids: set[str] = set()
    titles: set[str] = set()
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") != "reply":
            raise not_valid("Each button must be of type reply.")
        reply = button.get("reply")
        button_id = _required_str(reply, "id", "interactive['action']['buttons'][]['reply']['id']")
        title = _required_str(reply, "title", "interactive['action']['buttons'][]['reply']['title']")
        _at_most(button_id, 256, "Button id")
        _at_most(title, 20, "Button title")
        if button_id in ids:
            raise not_valid(f"Duplicate button id: {button_id}")
        if title in titles:
            raise not_valid(f"Button title must be unique: {title}")
        ids.add(button_id)
        titles.add(title)


def _check_list(action: dict[str, Any]) -> None:
    label = _required_str(action, "button", "interactive['action']['button']")
    _at_most(label, 20, "Button text")
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
        raise not_valid("Invalid sections count. Min allowed sections: 1, Max allowed sections: 10")
    row_ids: set[str] = set()
    for section in sections:
        if not isinstance(section, dict):
            raise not_valid("Each section must be an object.")
        title = section.get("title")
        if title is None and len(sections) > 1:
            raise missing("The parameter interactive['action']['sections'][]['title'] is required (several sections).")
        if title is not None:
            _at_most(str(title), 24, "Section title")
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise missing("The parameter interactive['action']['sections'][]['rows'] is required.")
        for row in rows:
            row_id = _required_str(row, "id", "interactive['action']['sections'][]['rows'][]['id']")
            _at_most(row_id, 200, "Row id")
            row_title = _required_str(row, "title", "interactive['action']['sections'][]['rows'][]['title']")
            _at_most(row_title, 24, "Row title")
            description = row.get("description")
            if description is not None:
                _at_most(str(description), 72, "Row description")
            if row_id in row_ids:
                raise not_valid(f"Duplicate row id: {row_id}")
            row_ids.add(row_id)
    if len(row_ids) > 10:
        raise not_valid("Invalid rows count. Min allowed rows: 1, Max allowed rows: 10")
