"""Audience qualification: rule audiences re-evaluated for a profile whenever it changes, and the entries they fire.

When a profile is created or changed (`Platform.profile_listeners`: an API patch, a data-capture form, a journey's
`update_profile` step) or an event about it is recorded (`Platform.event_listeners`), every rule audience of its
sandbox is evaluated for that one profile. When the profile enters an audience (the rule holds now and did not) or
leaves it (the rule held and no longer does), in this order:

1. the audience's membership (`Audience.qualified`) is updated;
2. a platform event `audience.entered` / `audience.exited` is recorded with `{"audience": <name>}` (journeys may
   wait for it, exit on it, or enter on it as on any event);
3. every live journey whose entry is `{type: audience, audience: <name>, on: enter|exit}` is entered through
   `JourneyEngine.enter`, so re-entrance rules apply as for any entry.

Membership starts at the audience's first full evaluation (creating it through the API evaluates it): a profile that
already qualified when the audience was defined does not "enter" it later. A profile created already qualifying
enters at once. Member-list audiences qualify nobody: they change only when their list does. Predictive scores
(`churnScore`, `propensityScore`...) are plain profile attributes a test sets; qualification follows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from simulator.platform.journeys.audiences import audiences
from simulator.platform.journeys.definition import AudienceEntry
from simulator.platform.journeys.engine import event_fields, profile_variables
from simulator.platform.personalization import RenderingError, evaluate
from simulator.platform.profiles import Profile
from simulator.platform.state import SandboxState

if TYPE_CHECKING:
    from simulator.platform.journeys.engine import JourneyEngine
    from simulator.platform.service import Platform

Transition = Literal["enter", "exit"]
#: The platform event recorded for each transition.
EVENT_TYPES: dict[Transition, str] = {"enter": "audience.entered", "exit": "audience.exited"}


class AudienceQualification:
    """Watches profile changes and events; keeps rule audiences' membership and fires audience entries."""

    def __init__(self, platform: Platform, engine: JourneyEngine) -> None:
        self.platform = platform
        self.engine = engine
        platform.profile_listeners.append(self.on_profile)
        platform.event_listeners.append(self.on_event)

    def on_profile(self, state: SandboxState, profile: Profile) -> None:
        """A profile was created or changed."""
        self.evaluate(state, profile)

    def on_event(self, state: SandboxState, profile: Profile, event: dict[str, Any]) -> None:
        """An event about a profile was recorded (rules may look at events; the event may have changed it)."""
        self.evaluate(state, profile)

    def evaluate(self, state: SandboxState, profile: Profile) -> list[tuple[str, Transition]]:
        """Re-evaluate every rule audience for `profile`; fire and return its transitions (audience, enter|exit)."""
        rule_audiences = [a for a in audiences(state).values() if a.rule is not None]
        if not rule_audiences:
            return []
        transitions: list[tuple[str, Transition]] = []
        variables: dict[str, Any] = {"profile": profile_variables(profile), "events": []}
        events_read = False
        for audience in rule_audiences:
            if audience.qualified is None:
                audience.profiles(state)  # its first evaluation: where membership starts, with no transition
                continue
            assert audience.rule is not None
            if not events_read and "events" in audience.rule:  # only rules that look at events pay for reading them
                variables["events"] = [event_fields(e) for _, owner, e in state.events if owner == profile.id]
                events_read = True
            now = _holds(audience.rule, variables)
            if now == (profile.id in audience.qualified):
                continue
            if now:
                audience.qualified.add(profile.id)
            else:
                audience.qualified.discard(profile.id)
            transitions.append((audience.name, "enter" if now else "exit"))
        for name, transition in transitions:
            self._fire(state, profile, name, transition)
        return transitions

    def _fire(self, state: SandboxState, profile: Profile, name: str, transition: Transition) -> None:
        event = {"xdm": {"eventType": EVENT_TYPES[transition]}, "data": {"audience": name}}
        self.platform.record_event(state, profile, event)
        for record in list(self.engine.book(state).journeys.values()):
            entry = record.latest.entry
            if (
                record.status == "live"
                and isinstance(entry, AudienceEntry)
                and entry.audience == name
                and entry.on == transition
            ):
                self.engine.enter(state, record, profile, event)


def _holds(rule: str, variables: dict[str, Any]) -> bool:
    try:
        return bool(evaluate(rule, variables))
    except RenderingError:
        return False
