"""Propositions as the phone's SDK reads them from a fetch, and the tracking events it sends about them.

A proposition `{"id", "scope", "scopeDetails", "items": [...]}` holds one item: a `ruleset-item` whose rule's
consequence is an in-app message or a content card, or a `json-content-item`/`html-content-item` (code-based). The
SDK keeps `id`, `scope` and `scopeDetails` to echo them back in tracking events, as the platform asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.devices.messaging.screen import layout_of

RULESET_ITEM = "https://ns.adobe.com/personalization/ruleset-item"
IN_APP_SCHEMA = "https://ns.adobe.com/personalization/message/in-app"
CONTENT_CARD_SCHEMA = "https://ns.adobe.com/personalization/message/content-card"
JSON_ITEM = "https://ns.adobe.com/personalization/json-content-item"
HTML_ITEM = "https://ns.adobe.com/personalization/html-content-item"
#: Proposition tracking event types by `propositionEventType` key.
EVENT_TYPES = {
    "display": "decisioning.propositionDisplay",
    "interact": "decisioning.propositionInteract",
    "dismiss": "decisioning.propositionDismiss",
    "disqualify": "decisioning.propositionDisqualify",
    "trigger": "decisioning.propositionTrigger",
    "suppressDisplay": "decisioning.propositionSuppressDisplay",
}


@dataclass(frozen=True, slots=True)
class PropositionRef:
    """What the SDK echoes back about a proposition: its id, scope, scope details and item id."""

    id: str
    scope: str
    scope_details: dict[str, Any]
    item_id: str

    @property
    def activity_id(self) -> str:
        """The activity (campaign action) it comes from: the same message across fetches and profiles."""
        return str((self.scope_details.get("activity") or {}).get("id", self.id))

    @property
    def rank(self) -> int:
        """Its rank on its surface (1 first)."""
        return int(self.scope_details.get("rank", 1))

    def tracked(self) -> dict[str, Any]:
        """As it appears in a tracking event's `propositions`."""
        return {"id": self.id, "scope": self.scope, "scopeDetails": self.scope_details, "items": [{"id": self.item_id}]}


@dataclass(slots=True)
class InAppRule:
    """An in-app message: when it shows (`condition`), how often, and its content."""

    ref: PropositionRef
    condition: dict[str, Any]
    html: str
    layout: str
    frequency: str


@dataclass(slots=True)
class Card:
    """A content card as fetched."""

    ref: PropositionRef
    condition: dict[str, Any]
    title: str
    body: str
    image: str | None
    action_url: str | None
    published: float
    expiry: float | None


@dataclass(slots=True)
class Experience:
    """A code-based experience: JSON or HTML content for a surface."""

    ref: PropositionRef
    format: str
    content: Any


@dataclass(slots=True)
class Decisions:
    """One fetch's answer for one surface, by kind."""

    rules: list[InAppRule] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    experiences: list[Experience] = field(default_factory=list)


def _text(value: Any) -> str:
    return str(value.get("content", "")) if isinstance(value, dict) else str(value or "")


def _in_app(decisions: Decisions, ref: PropositionRef, condition: dict[str, Any], data: dict[str, Any]) -> None:
    layout = layout_of(data.get("mobileParameters") or {})
    decisions.rules.append(
        InAppRule(ref, condition, str(data.get("content", "")), layout, str(data.get("frequency", "every")))
    )


def _card(decisions: Decisions, ref: PropositionRef, condition: dict[str, Any], data: dict[str, Any]) -> None:
    content = data.get("content") or {}
    image = (content.get("image") or {}).get("url")
    expiry = data.get("expiryDate")
    decisions.cards.append(Card(
        ref, condition, _text(content.get("title")), _text(content.get("body")), image, content.get("actionUrl"),
        float(data.get("publishedDate", 0)), float(expiry) if expiry is not None else None,
    ))  # fmt: skip


#: What the SDK does with each consequence schema of a ruleset item.
CONSEQUENCES: dict[str, Callable[[Decisions, PropositionRef, dict[str, Any], dict[str, Any]], None]] = {
    IN_APP_SCHEMA: _in_app,
    CONTENT_CARD_SCHEMA: _card,
}


def _ruleset(decisions: Decisions, proposition: dict[str, Any], item: dict[str, Any]) -> None:
    for rule in (item.get("data") or {}).get("rules") or []:
        for consequence in rule.get("consequences") or []:
            detail = consequence.get("detail") or {}
            reader = CONSEQUENCES.get(str(detail.get("schema")))
            if reader is not None:
                ref = PropositionRef(proposition["id"], proposition["scope"], proposition.get("scopeDetails") or {},
                                     str(item.get("id")))  # fmt: skip
                reader(decisions, ref, rule.get("condition") or {}, detail.get("data") or {})


def _content(decisions: Decisions, proposition: dict[str, Any], item: dict[str, Any]) -> None:
    data = item.get("data") or {}
    ref = PropositionRef(
        proposition["id"], proposition["scope"], proposition.get("scopeDetails") or {}, str(item.get("id"))
    )
    kind = "html" if item.get("schema") == HTML_ITEM else "json"
    decisions.experiences.append(Experience(ref, kind, data.get("content")))


#: What the SDK does with each item schema.
ITEMS: dict[str, Callable[[Decisions, dict[str, Any], dict[str, Any]], None]] = {
    RULESET_ITEM: _ruleset,
    JSON_ITEM: _content,
    HTML_ITEM: _content,
}


def read_payload(payload: list[dict[str, Any]], surfaces: list[str]) -> dict[str, Decisions]:
    """The decisions of a `personalization:decisions` payload for each surface asked for (empty when none)."""
    by_surface = {surface: Decisions() for surface in surfaces}
    seen: set[str] = set()
    for proposition in payload:
        if proposition.get("id") in seen:
            continue
        seen.add(str(proposition.get("id")))
        decisions = by_surface.setdefault(str(proposition.get("scope")), Decisions())
        for item in proposition.get("items") or []:
            reader = ITEMS.get(str(item.get("schema")))
            if reader is not None:
                reader(decisions, proposition, item)
    return by_surface


def tracking_event(
    identity_map: dict[str, Any], kind: str, refs: list[PropositionRef], action: dict[str, str] | None = None
) -> dict[str, Any]:
    """A proposition tracking event (`decisioning.proposition<Kind>`) about `refs`."""
    decisioning: dict[str, Any] = {"propositionEventType": {kind: 1}, "propositions": [r.tracked() for r in refs]}
    if action:
        decisioning["propositionAction"] = action
    return {"xdm": {"eventType": EVENT_TYPES[kind], "identityMap": identity_map,
                    "_experience": {"decisioning": decisioning}}}  # fmt: skip
