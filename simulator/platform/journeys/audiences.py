"""Audiences: a list of profiles (from a CSV of identities) or a rule on profile attributes and past events,
evaluated when a journey or campaign reads it.

    {"name": "gold-churners", "rule": "profile.loyalty.tier == 'gold' and profile.churnScore > 0.7"}
    {"name": "vip", "members": [{"namespace": "email", "id": "a@example.com"}, ...]}

A rule sees `profile` (attributes, identities, consents) and `events` (the profile's recent events, newest last,
each with `type` and its fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.platform.journeys.engine import event_fields, profile_variables
from simulator.platform.personalization import RenderingError, evaluate
from simulator.platform.profiles import Profile
from simulator.platform.state import SandboxState

if TYPE_CHECKING:
    from simulator.platform.journeys.engine import JourneyEngine
    from simulator.platform.journeys.instances import JourneyRecord


@dataclass
class Audience:
    """A named audience."""

    name: str
    rule: str | None = None
    members: list[tuple[str, str]] = field(default_factory=list)
    qualified: set[str] | None = None
    """Rule audiences: the ids of the profiles in it, as of its last full evaluation, kept current profile by profile
    by `qualification` (None until first evaluated). Entering or leaving this set is audience qualification."""

    def profiles(self, state: SandboxState) -> list[Profile]:
        """Who is in it now."""
        if self.rule is None:
            found = (state.profiles.find(ns, value) for ns, value in self.members)
            return [p for p in found if p is not None]
        recent: dict[str, list[dict[str, Any]]] = {}
        for _, profile_id, event in state.events:
            recent.setdefault(profile_id, []).append(event_fields(event))
        chosen = []
        for profile in state.profiles:
            variables = {"profile": profile_variables(profile), "events": recent.get(profile.id, [])}
            try:
                if evaluate(self.rule, variables):
                    chosen.append(profile)
            except RenderingError:
                continue
        self.qualified = {p.id for p in chosen}
        return chosen


def audiences(state: SandboxState) -> dict[str, Audience]:
    """The sandbox's audiences by name."""
    found: dict[str, Audience] = state.audiences
    return found


def read_audience_now(engine: JourneyEngine, state: SandboxState, record: JourneyRecord) -> int:
    """Enter everyone in the journey's audience; returns how many entered."""
    entry = record.latest.entry
    name = getattr(entry, "audience", "")
    audience = audiences(state).get(name)
    if audience is None:
        return 0
    return engine.read_audience(state, record, audience.profiles(state))
