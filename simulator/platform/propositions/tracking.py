"""Tracking events from the phone: validated, then counted per campaign (or journey step) and logged per profile.

A tracking event is `{"xdm": {"eventType": "decisioning.proposition<Kind>", "_experience": {"decisioning": {
"propositionEventType": {"<kind>": 1}, "propositions": [{"id", "scope", "scopeDetails", "items"?}],
"propositionAction": {"id", "label"} (interact) | {"reason"} (suppressDisplay)}}}}`. Every proposition it names must
be one the platform issued in this sandbox (withdrawn ones included: a phone may report late).

What each kind does: display → `displayed`; interact → `clicked` and `interactions[<label>]`; dismiss → `dismissed`;
suppressDisplay → `suppressions[<reason>]`; disqualify → the proposition is not served again to the profile;
trigger → logged. The raw event is also a platform event (the Edge endpoint records it), which is what journeys'
reaction steps wait on; `proposition_source()` says which campaign or journey step it is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.platform.profiles import Profile
from simulator.platform.propositions.errors import MalformedEvent, UnknownProposition
from simulator.platform.propositions.store import DISQUALIFIED, LiveProposition, store_of
from simulator.platform.propositions.surfaces import SurfaceError, canonical
from simulator.platform.reporting import DeliveryCounters
from simulator.platform.state import MessageRecord, SandboxState

#: Each tracking event type and its `propositionEventType` key.
TRACKING_KINDS = {
    "decisioning.propositionDisplay": "display",
    "decisioning.propositionInteract": "interact",
    "decisioning.propositionDismiss": "dismiss",
    "decisioning.propositionDisqualify": "disqualify",
    "decisioning.propositionTrigger": "trigger",
    "decisioning.propositionSuppressDisplay": "suppressDisplay",
}
#: The outcome written in the profile's message log for each kind.
OUTCOMES = {
    "display": "displayed",
    "interact": "clicked",
    "dismiss": "dismissed",
    "disqualify": "disqualified",
    "trigger": "triggered",
    "suppressDisplay": "suppressed",
}


@dataclass(frozen=True, slots=True)
class Tracking:
    """A validated tracking event."""

    kind: str
    propositions: tuple[LiveProposition, ...]
    action_id: str | None = None
    label: str | None = None
    reason: str | None = None

    @property
    def detail(self) -> str | None:
        """The action's label (interact) or the reason (suppressDisplay)."""
        return self.label or self.action_id or self.reason


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_tracking(state: SandboxState, kind: str, xdm: dict[str, Any]) -> Tracking:
    """Validate a tracking event's xdm; MalformedEvent or UnknownProposition say what is wrong."""
    base = "xdm._experience.decisioning"
    decisioning = (
        (xdm.get("_experience") or {}).get("decisioning") if isinstance(xdm.get("_experience"), dict) else None
    )
    if not isinstance(decisioning, dict):
        raise MalformedEvent(f"a {kind} tracking event carries {base}", field=base)
    event_type = decisioning.get("propositionEventType")
    if not isinstance(event_type, dict) or event_type.get(kind) != 1:
        raise MalformedEvent(
            f"{base}.propositionEventType must be {{{kind!r}: 1}}", field=f"{base}.propositionEventType"
        )
    raw = decisioning.get("propositions")
    if not isinstance(raw, list) or not raw:
        raise MalformedEvent(f"{base}.propositions must list the propositions tracked", field=f"{base}.propositions")
    store = store_of(state)
    found: list[LiveProposition] = []
    for index, entry in enumerate(raw):
        where = f"{base}.propositions.{index}"
        if not isinstance(entry, dict) or not _text(entry.get("id")) or not isinstance(entry.get("scopeDetails"), dict):
            raise MalformedEvent(f"{where} needs an id, a scope and the scopeDetails it was answered with", field=where)
        try:
            scope = canonical(entry.get("scope"))  # type: ignore[arg-type]
        except SurfaceError as error:
            raise MalformedEvent(f"{where}.scope: {error}", field=f"{where}.scope") from None
        proposition = store.by_id.get(entry["id"])
        if proposition is None:
            raise UnknownProposition(f"no proposition {entry['id']!r} was issued in this sandbox", field=f"{where}.id")
        if proposition.surface != scope:
            raise MalformedEvent(
                f"proposition {entry['id']!r} is on {proposition.surface}, not {scope}", field=f"{where}.scope"
            )
        found.append(proposition)
    action = decisioning.get("propositionAction")
    action = action if isinstance(action, dict) else {}
    tracking = Tracking(
        kind, tuple(found), _text(action.get("id")), _text(action.get("label")), _text(action.get("reason"))
    )
    if kind == "interact" and not (tracking.action_id or tracking.label):
        raise MalformedEvent(f"an interact event names its action: {base}.propositionAction {{id, label}}",
                             field=f"{base}.propositionAction")  # fmt: skip
    if kind == "suppressDisplay" and not tracking.reason:
        raise MalformedEvent(f"a suppressDisplay event gives {base}.propositionAction.reason",
                             field=f"{base}.propositionAction.reason")  # fmt: skip
    return tracking


def _display(counters: DeliveryCounters, tracking: Tracking) -> None:
    counters.displayed += 1


def _interact(counters: DeliveryCounters, tracking: Tracking) -> None:
    counters.clicked += 1
    counters.interactions[tracking.label or tracking.action_id or ""] += 1


def _dismiss(counters: DeliveryCounters, tracking: Tracking) -> None:
    counters.dismissed += 1


def _suppress(counters: DeliveryCounters, tracking: Tracking) -> None:
    counters.suppressions[tracking.reason or ""] += 1


#: What each kind adds to the counters of the proposition's source (kinds not listed are only logged).
COUNTERS: dict[str, Callable[[DeliveryCounters, Tracking], None]] = {
    "display": _display,
    "interact": _interact,
    "dismiss": _dismiss,
    "suppressDisplay": _suppress,
}


def count(state: SandboxState, profile: Profile, tracking: Tracking) -> None:
    """Count a tracking event for each proposition it names, and log it on the profile."""
    counter = COUNTERS.get(tracking.kind)
    now = state.clock.timestamp()
    for proposition in tracking.propositions:
        if counter is not None:
            counter(state.report(proposition.source), tracking)
        if tracking.kind == "disqualify":
            proposition.status = DISQUALIFIED
        record = MessageRecord(now, proposition.source, proposition.channel.value, OUTCOMES[tracking.kind],
                               tracking.detail, message_id=proposition.id)  # fmt: skip
        state.remember(profile.id, record)


def proposition_source(event: dict[str, Any]) -> str | None:
    """The campaign or journey step a proposition tracking event is about (from `scopeDetails.activity.id`)."""
    xdm = event.get("xdm") or {}
    decisioning = (xdm.get("_experience") or {}).get("decisioning") or {}
    propositions = decisioning.get("propositions") if isinstance(decisioning, dict) else None
    if not isinstance(propositions, list) or not propositions or not isinstance(propositions[0], dict):
        return None
    activity = (propositions[0].get("scopeDetails") or {}).get("activity") or {}
    activity_id = activity.get("id") if isinstance(activity, dict) else None
    return activity_id.rsplit("#", 1)[0] if isinstance(activity_id, str) and "#" in activity_id else None
