"""What is live, for whom: the propositions a campaign or journey action made live for a profile, per sandbox.

`make_live()` is what each inbound channel's sender does with a `Dispatch` (and what a journey's inbound action
calls through it): the message becomes a proposition on its surface for that profile, until `withdraw()` (the
journey ends, the profile leaves it) or, for a card, its expiry. The platform keeps every proposition it ever
issued (`by_id`), so late tracking from a phone about a withdrawn one is still counted, and an id it never issued
is refused.

Counting (reconciles as `DeliveryCounters` requires): making live counts targeted, sent and delivered — for an
inbound channel "delivered" means live on the profile's surface; displays, clicks, dismissals and suppressions
come from the phone's tracking. A proposition whose personalization fails at its first fetch moves from
sent/delivered to the `RuntimeRenderingError` 050302 exclusion and is not served again. A message for a surface
whose app the sandbox does not have fails with `RuntimeDispatchError` 050301.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Category, Channel
from simulator.platform.profiles import Profile
from simulator.platform.propositions.messages import ContentCardMessage, InAppMessage, InboundMessage
from simulator.platform.propositions.surfaces import Surface
from simulator.platform.state import MessageRecord, SandboxState

LIVE, WITHDRAWN, DISQUALIFIED, EXCLUDED = "live", "withdrawn", "disqualified", "excluded"


@lru_cache(maxsize=65_536)
def stable_uuid(*parts: str) -> str:
    """A UUID derived from `parts` (the same parts give the same id in every run)."""
    return str(uuid.UUID(bytes=hashlib.sha256("/".join(parts).encode()).digest()[:16], version=4))


@dataclass(slots=True, eq=False)
class LiveProposition:
    """One message made live for one profile on one surface, by one campaign or journey step (`source`)."""

    id: str
    source: str
    channel: Channel
    surface: str
    profile_id: str
    message: InboundMessage
    category: Category
    context: dict[str, Any]
    published: float
    templated: bool
    status: str = LIVE
    served: bool = False
    cached: dict[str, Any] | None = None
    """The proposition as answered, kept when the message holds no expression (the same for every fetch)."""

    @property
    def priority(self) -> int:
        """The message's priority (0-100, higher wins)."""
        return self.message.priority

    @property
    def action_id(self) -> str:
        """The campaign action (or journey step) id, stable per source."""
        return stable_uuid("action", self.source)

    @property
    def item_id(self) -> str:
        """The content item's id: the message of this source on this surface."""
        return stable_uuid("item", self.source, self.surface)

    @property
    def activity_id(self) -> str:
        """`<source>#<action id>`, as the platform names an activity in `scopeDetails.activity.id`."""
        return f"{self.source}#{self.action_id}"

    @property
    def expiry(self) -> float | None:
        """When a content card expires (Unix seconds), else None."""
        if isinstance(self.message, ContentCardMessage) and self.message.expiry_date is not None:
            return self.message.expiry_date.timestamp()
        return None

    def servable(self, now: float) -> bool:
        """Live and not expired."""
        expiry = self.expiry
        return self.status == LIVE and (expiry is None or now < expiry)


@dataclass(eq=False)
class PropositionStore:
    """One sandbox's propositions: every one ever issued by id, and the live ones by profile and surface."""

    by_id: dict[str, LiveProposition] = field(default_factory=dict)
    live: dict[str, dict[str, dict[str, LiveProposition]]] = field(default_factory=dict)
    """profile id → surface → source → proposition."""
    shared: dict[tuple[str, str, float], tuple[Any, dict[str, Any], str]] = field(default_factory=dict)
    """(source, surface, published) → (message, item, event token) of messages without expressions."""

    def on_surface(self, profile_id: str, surface: str) -> list[LiveProposition]:
        """The propositions of a profile on a surface (any status)."""
        return list(self.live.get(profile_id, {}).get(surface, {}).values())

    def of_profile(self, profile_id: str) -> list[LiveProposition]:
        """Every proposition of a profile."""
        return [p for by_source in self.live.get(profile_id, {}).values() for p in by_source.values()]


_STORES: WeakKeyDictionary[SandboxState, PropositionStore] = WeakKeyDictionary()


def store_of(state: SandboxState) -> PropositionStore:
    """The proposition store of a sandbox (created on first use, dropped with the sandbox's state)."""
    store = _STORES.get(state)
    if store is None:
        store = _STORES[state] = PropositionStore()
    return store


def _fail(state: SandboxState, profile: Profile, source: str, channel: Channel, why: str) -> None:
    counters = state.report(source)
    counters.targeted += 1
    counters.sent += 1
    counters.errors += 1
    counters.error_reasons[why] += 1
    failure = ExclusionReason.DISPATCH_ERROR
    record = MessageRecord(
        state.clock.timestamp(), source, channel.value, "failed", f"{failure.reason}: {why}", failure.code
    )
    state.remember(profile.id, record)


def surface_of(message: InboundMessage, app_id: str | None) -> str | None:
    """Where a message goes: its own surface, else (in-app) the surface of the campaign's app."""
    if message.surface is not None:
        return message.surface
    if isinstance(message, InAppMessage) and app_id:
        return Surface.of_app(app_id).uri
    return None


def make_live(
    state: SandboxState,
    profile: Profile,
    channel: Channel,
    message: InboundMessage,
    source: str,
    *,
    app_id: str | None = None,
    context: dict[str, Any] | None = None,
    category: Category = Category.MARKETING,
    templated: bool | None = None,
) -> LiveProposition | None:
    """Make `message` live for `profile` on its surface, from `source` (a campaign id or a journey step).

    Making the same source live again for the same profile and surface replaces the message and keeps the
    proposition's id (the phone keeps what it remembers about it: read, dismissed, clicked through). Returns the
    proposition, or None when the message cannot go anywhere (counted as a dispatch error).
    """
    surface = surface_of(message, app_id)
    if surface is None:
        _fail(state, profile, source, channel, "no surface: give the message a surface or the campaign an app")
        return None
    app = Surface.parse(surface).app_id
    if app not in state.apps:
        _fail(state, profile, source, channel, f"unknown app {app}")
        return None
    store = store_of(state)
    by_source = store.live.setdefault(profile.id, {}).setdefault(surface, {})
    now = state.clock.timestamp()
    if templated is None:
        text = message.model_dump_json()
        templated = "{{" in text or "{%" in text or bool(getattr(message, "variants", ()))
    proposition = by_source.get(source)
    if proposition is None:
        proposition = LiveProposition(
            id=state.sandbox.ids.uuid(), source=source, channel=channel, surface=surface, profile_id=profile.id,
            message=message, category=category, context=dict(context or {}), published=now, templated=templated,
        )  # fmt: skip
        by_source[source] = proposition
        store.by_id[proposition.id] = proposition
    else:
        proposition.message, proposition.context, proposition.templated = message, dict(context or {}), templated
        proposition.status, proposition.served, proposition.cached, proposition.published = LIVE, False, None, now
    counters = state.report(source)
    counters.targeted += 1
    counters.sent += 1
    counters.delivered += 1
    state.remember(profile.id, MessageRecord(now, source, channel.value, "delivered", message_id=proposition.id))
    return proposition


def withdraw(state: SandboxState, profile: Profile | str, source: str | Callable[[str], bool]) -> list[LiveProposition]:
    """Stop serving what `source` made live for `profile` (a source id, or a predicate on source ids).

    The phone stops showing a withdrawn in-app message or card at its next fetch. Returns what was withdrawn.
    """
    profile_id = profile if isinstance(profile, str) else profile.id
    matches = source if callable(source) else source.__eq__
    withdrawn = []
    for proposition in store_of(state).of_profile(profile_id):
        if proposition.status == LIVE and matches(proposition.source):
            proposition.status = WITHDRAWN
            withdrawn.append(proposition)
            record = MessageRecord(
                state.clock.timestamp(), proposition.source, proposition.channel.value, "withdrawn",
                message_id=proposition.id,
            )  # fmt: skip
            state.remember(profile_id, record)
    return withdrawn
