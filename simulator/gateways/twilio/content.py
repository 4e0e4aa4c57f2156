"""Content templates (Twilio's Content API) as an RCS handset shows them, and the SMS/MMS sent in their place.

A template is resolved with the message's `ContentVariables` (`{{1}}` placeholders; a variable the message does not
give keeps the template's default) into `RichContent`: the text, the media, a rich card (`title`, `description`,
`media`) and suggestions (`reply` with a payload, `url`, `dial`). When the handset cannot take RCS, Twilio sends
SMS or MMS instead: the template's `twilio/text` body when it has one, otherwise the card's title, description and
links as plain text, with the card's media making it an MMS (the exact fallback text Twilio builds is unconfirmed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from simulator.gateways.twilio.errors import TwilioError
from simulator.gateways.twilio.models import ContentCreate

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_SUGGESTION_TYPES = {"QUICK_REPLY": "reply", "URL": "url", "PHONE_NUMBER": "dial", "PHONE": "dial"}


@dataclass(slots=True)
class RichContent:
    """A resolved template."""

    body: str = ""
    media: list[str] = field(default_factory=list)
    card: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    text_fallback: str | None = None

    def payload(self) -> dict[str, Any]:
        """The RCS part of a phone delivery (`card`, `suggestions`)."""
        return {"card": self.card, "suggestions": list(self.suggestions)}

    def fallback(self) -> tuple[str, list[str]]:
        """The SMS/MMS body and media Twilio sends to a handset without RCS."""
        if self.text_fallback is not None:
            return self.text_fallback, list(self.media)
        lines: list[str] = []
        if self.card is not None:
            lines += [self.card.get("title") or "", self.card.get("description") or ""]
        lines.append(self.body)
        lines += [f"{s['label']}: {s['url']}" for s in self.suggestions if s.get("type") == "url"]
        lines += [f"{s['label']}: {s['phone']}" for s in self.suggestions if s.get("type") == "dial"]
        return "\n".join(line for line in lines if line), list(self.media)


def parse_variables(raw: str | None) -> dict[str, str]:
    """`ContentVariables`: a JSON object of strings; anything else is Twilio's 21656."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise TwilioError(21656) from None
    if not isinstance(value, dict):
        raise TwilioError(21656)
    return {str(k): str(v) for k, v in value.items()}


def resolve(template: ContentCreate, variables: dict[str, str]) -> RichContent:
    """The template with its placeholders filled."""
    values = {**template.variables, **variables}

    def fill(text: Any) -> str:
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), str(text or ""))

    content = RichContent()
    types = template.types
    if "twilio/text" in types:
        content.text_fallback = fill(types["twilio/text"].get("body"))
        content.body = content.text_fallback
    for kind in ("twilio/media", "twilio/quick-reply"):
        if kind in types:
            content.body = fill(types[kind].get("body")) or content.body
            content.media = [fill(url) for url in types[kind].get("media") or []] or content.media
            content.suggestions = _suggestions(types[kind].get("actions") or [], fill) or content.suggestions
    card = types.get("twilio/card")
    if card is not None:
        media = [fill(url) for url in card.get("media") or []]
        content.card = {"title": fill(card.get("title")), "description": fill(card.get("subtitle")), "media": media}
        content.media = media or content.media
        content.suggestions = _suggestions(card.get("actions") or [], fill) or content.suggestions
    return content


def _suggestions(actions: list[dict[str, Any]], fill: Any) -> list[dict[str, Any]]:
    suggestions: list[dict[str, Any]] = []
    for action in actions:
        kind = _SUGGESTION_TYPES.get(str(action.get("type", "QUICK_REPLY")).upper(), "reply")
        suggestion: dict[str, Any] = {"type": kind, "label": fill(action.get("title"))}
        if kind == "reply":
            suggestion["payload"] = fill(action.get("id") or action.get("title"))
        elif kind == "url":
            suggestion["url"] = fill(action.get("url"))
        else:
            suggestion["phone"] = fill(action.get("phone"))
        suggestions.append(suggestion)
    return suggestions
