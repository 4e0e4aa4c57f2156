"""Messaging TwiML: what a webhook answers to make Twilio reply.

`<Response><Message>Thanks!</Message></Response>` sends one reply; a `<Message>` may hold `<Body>` and `<Media>`
children, and `to`/`from` attributes. An empty `<Response/>`, an empty answer or a non-XML answer sends nothing
(Twilio logs the last one as a warning).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TwimlMessage:
    """One `<Message>` verb."""

    body: str
    media: list[str] = field(default_factory=list)
    to: str | None = None
    from_: str | None = None


class TwimlError(ValueError):
    """An answer that is not a TwiML document (Twilio's 12100, "Document parse failure")."""


def parse_messages(document: str) -> list[TwimlMessage]:
    """The `<Message>` verbs of a TwiML answer, in order; TwimlError when it is not TwiML."""
    if not document.strip():
        return []
    try:
        root = ElementTree.fromstring(document.strip())
    except ElementTree.ParseError as error:
        raise TwimlError(f"not a TwiML document: {error}") from None
    if root.tag != "Response":
        raise TwimlError(f"the root element is <{root.tag}>, not <Response>")
    messages: list[TwimlMessage] = []
    for verb in root.iter("Message"):
        children = list(verb)
        body_node = verb.find("Body")
        body = (body_node.text or "") if body_node is not None else (verb.text or "")
        if not children:
            body = "".join(verb.itertext())
        media = [(node.text or "").strip() for node in verb.findall("Media") if (node.text or "").strip()]
        messages.append(TwimlMessage(body.strip(), media, verb.get("to"), verb.get("from")))
    return messages
