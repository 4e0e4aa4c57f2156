"""Journey instances: one profile's run through one version of a journey, with the path it took.

The path answers "why did this profile not get the SMS?": every step entered, every branch decision, every message
with its outcome (delivered, excluded with its code...), every wait and how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.clock import Timer
from simulator.platform.journeys.definition import JourneyDefinition


@dataclass(slots=True)
class PathEntry:
    """One thing that happened to an instance."""

    at: float
    step: str
    kind: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """As the API serves it."""
        return {"at": self.at, "step": self.step, "kind": self.kind, "detail": self.detail}


@dataclass(slots=True)
class Waiting:
    """What a parked instance waits for."""

    kind: str  # "wait" | "event" | "reaction"
    step: str
    until: float | None = None
    event: str | None = None
    when: str | None = None
    reaction: str | None = None
    source: str | None = None


@dataclass(eq=False)
class Instance:
    """A profile's run through a journey version."""

    id: str
    journey_id: str
    version: int
    definition: JourneyDefinition
    profile_id: str
    entered_at: float
    event: dict[str, Any]
    status: str = "active"
    step: str | None = None
    ended_at: float | None = None
    exit_reason: str | None = None
    path: list[PathEntry] = field(default_factory=list)
    waiting: Waiting | None = None
    timers: list[Timer] = field(default_factory=list)
    last_action: str | None = None
    branches: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Still in the journey."""
        return self.status == "active"

    def note(self, at: float, step: str, kind: str, detail: str = "") -> None:
        """Add to the path."""
        self.path.append(PathEntry(at, step, kind, detail))

    def cancel_timers(self) -> None:
        """Drop the instance's pending timers (it left, or what it waited for came)."""
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def _waiting_json(self) -> dict[str, Any] | None:
        if self.waiting is None:
            return None
        return {"kind": self.waiting.kind, "step": self.waiting.step, "until": self.waiting.until}

    def to_json(self) -> dict[str, Any]:
        """As the API serves it."""
        return {
            "id": self.id,
            "journeyId": self.journey_id,
            "version": self.version,
            "profileId": self.profile_id,
            "status": self.status,
            "step": self.step,
            "enteredAt": self.entered_at,
            "endedAt": self.ended_at,
            "exitReason": self.exit_reason,
            "waiting": self._waiting_json(),
            "branches": dict(self.branches),
            "path": [p.to_json() for p in self.path],
        }


@dataclass(eq=False)
class JourneyRecord:
    """A journey's published versions and whether it is live."""

    id: str
    versions: list[JourneyDefinition] = field(default_factory=list)
    status: str = "live"

    @property
    def latest(self) -> JourneyDefinition:
        """The newest published version: where new entries go."""
        return self.versions[-1]


@dataclass(eq=False)
class JourneyBook:
    """One sandbox's journeys and their instances."""

    journeys: dict[str, JourneyRecord] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    active: dict[tuple[str, str], Instance] = field(default_factory=dict)
    last_run: dict[tuple[str, str], Instance] = field(default_factory=dict)
    by_profile: dict[str, list[Instance]] = field(default_factory=dict)

    def start(self, instance: Instance) -> None:
        """Record a new active instance."""
        key = (instance.journey_id, instance.profile_id)
        self.instances[instance.id] = instance
        self.active[key] = instance
        self.last_run[key] = instance
        self.by_profile.setdefault(instance.profile_id, []).append(instance)

    def stop(self, instance: Instance) -> None:
        """Record that an instance is no longer active."""
        self.active.pop((instance.journey_id, instance.profile_id), None)
        running = self.by_profile.get(instance.profile_id)
        if running is not None and instance in running:
            running.remove(instance)

    def of_profile(self, profile_id: str) -> list[Instance]:
        """The profile's active instances."""
        return list(self.by_profile.get(profile_id, ()))
