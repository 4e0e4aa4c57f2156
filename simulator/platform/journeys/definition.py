"""Journey definitions: the entry, re-entrance, exit criteria and a graph of named steps.

Written in YAML (`fixtures/journeys/*.yaml`), inline in a Gherkin doc string, or as JSON over the API; validated
here (pydantic, unknown keys refused) and in `validation` (the graph). `mjlab schema journey` prints the JSON Schema.

    id: cart-recovery
    name: Abandoned cart recovery
    entry: {type: event, event: commerce.cartAbandoned, when: "event.value > 20"}
    reentrance: {allowed: true, wait: 1d}
    exit: [{event: commerce.purchase}]
    steps:
      remind:   {type: action, channel: push, app: com.acme.shop, message: {title: "…", body: "…"}, next: wait}
      wait:     {type: wait, duration: 1d, next: opened}
      opened:   {type: reaction, on: opened, timeout: 2d, next: done, timeout_next: sms}
      sms:      {type: action, channel: sms, message: {body: "…"}, next: done}
      done:     {type: end}

Expressions (`when`) are Jinja expressions over `profile` (attributes and `identities`), `event` (the entry event's
fields) and `steps` (what earlier steps did).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.platform.durations import DAY, parse_duration
from simulator.platform.models import Category, Channel

MAX_WAIT = 90 * DAY
GLOBAL_TIMEOUT = 91 * DAY
MAX_REENTRANCE_WAIT = 91 * DAY
REACTION_MIN, REACTION_MAX = 40.0, 90 * DAY
STEP_ID = r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$"
JOURNEY_ID = r"^[a-z0-9][a-z0-9\-_.]{0,63}$"
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Duration = Annotated[str | int | float, Field(description="40s, 5m, 2h, 3d, 1w, 1d12h, P3D or seconds")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _seconds(value: Any, *, low: float = 0.0, high: float | None = None, what: str = "duration") -> float:
    seconds = parse_duration(value)
    if seconds < low:
        raise ValueError(f"{what} must be at least {low:g} s")
    if high is not None and seconds > high:
        raise ValueError(f"{what} must be at most {high / DAY:g} days")
    return seconds


# -- entry -----------------------------------------------------------------------------------------------------


class EventEntry(_Strict):
    """Enter on a unitary event (one profile per event), optionally only when a condition holds."""

    type: Literal["event"]
    event: str = Field(min_length=1, description="the event type, e.g. commerce.cartAbandoned")
    when: str | None = Field(default=None, description="a condition on `event` and `profile`")


class AudienceEntry(_Strict):
    """Enter when a profile qualifies for (or leaves) an audience."""

    type: Literal["audience"]
    audience: str = Field(min_length=1)
    on: Literal["enter", "exit"] = "enter"


class ReadAudienceEntry(_Strict):
    """Read a whole audience: once (now, or at a date), or on a daily/weekly schedule."""

    type: Literal["read_audience"]
    audience: str = Field(min_length=1)
    at: datetime | None = None
    every: Literal["daily", "weekly"] | None = None


Entry = Annotated[EventEntry | AudienceEntry | ReadAudienceEntry, Field(discriminator="type")]


class Reentrance(_Strict):
    """Whether a profile may enter again after its previous run ended, and after how long."""

    allowed: bool = True
    wait: Duration = "5m"

    @field_validator("wait")
    @classmethod
    def _wait(cls, value: Duration) -> Duration:
        _seconds(value, high=MAX_REENTRANCE_WAIT, what="the re-entrance wait")
        return value


class ExitCriterion(_Strict):
    """Leave the journey wherever the profile is, when this event comes (and/or this condition holds)."""

    event: str | None = None
    when: str | None = None

    @model_validator(mode="after")
    def _something(self) -> ExitCriterion:
        if self.event is None and self.when is None:
            raise ValueError("an exit criterion names an event, a condition (when), or both")
        return self


# -- steps -----------------------------------------------------------------------------------------------------


class ActionStep(_Strict):
    """Send a message on a channel (inline, or a message file by reference)."""

    type: Literal["action"]
    channel: Channel
    category: Category = Category.MARKETING
    app: str | None = Field(default=None, description="the app (bundle id) of a push or inbound message")
    message: dict[str, Any] | None = None
    message_ref: str | None = Field(default=None, description="a message file under fixtures/messages/")
    next: str | None = None

    @model_validator(mode="after")
    def _one_message(self) -> ActionStep:
        if (self.message is None) == (self.message_ref is None):
            raise ValueError("give exactly one of message and message_ref")
        return self


class WaitStep(_Strict):
    """Wait a duration, until a date, or until a time of day in the profile's time zone."""

    type: Literal["wait"]
    duration: Duration | None = None
    until: datetime | None = None
    time_of_day: str | None = Field(default=None, description="HH:MM in the profile's time zone (else UTC)")
    next: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> WaitStep:
        given = [k for k in ("duration", "until", "time_of_day") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of duration, until and time_of_day")
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("until needs a time zone (e.g. 2026-01-09T09:00:00Z)")
        if self.time_of_day is not None and not TIME_OF_DAY.match(self.time_of_day):
            raise ValueError("time_of_day is HH:MM, e.g. 09:00")
        return self

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: Duration | None) -> Duration | None:
        if value is not None:
            _seconds(value, low=1.0, high=MAX_WAIT, what="a wait")
        return value

    @property
    def seconds(self) -> float | None:
        """The duration in seconds, for a duration wait."""
        return None if self.duration is None else parse_duration(self.duration)


class Branch(_Strict):
    """A named branch of a condition."""

    name: str = Field(min_length=1)
    when: str = Field(min_length=1)
    next: str


class ConditionStep(_Strict):
    """Take the first branch whose condition holds, else `otherwise`."""

    type: Literal["condition"]
    branches: list[Branch] = Field(min_length=1)
    otherwise: str | None = Field(default=None, description="the next step when no branch holds")


class SplitBranch(_Strict):
    """A share of a percentage split."""

    name: str = Field(min_length=1)
    percent: float = Field(gt=0, le=100)
    next: str


class SplitStep(_Strict):
    """Send each profile down one branch, by percentage, deterministically under the run's seed."""

    type: Literal["split"]
    branches: list[SplitBranch] = Field(min_length=2)

    @model_validator(mode="after")
    def _hundred(self) -> SplitStep:
        total = sum(b.percent for b in self.branches)
        if abs(total - 100) > 1e-9:
            raise ValueError(f"split percentages add up to {total:g}, not 100")
        return self


class WaitForEventStep(_Strict):
    """Wait for an event of the profile's; without a timeout, forever; with one, then take `timeout_next`."""

    type: Literal["wait_for_event"]
    event: str = Field(min_length=1)
    when: str | None = None
    timeout: Duration | None = None
    next: str | None = None
    timeout_next: str | None = None

    @field_validator("timeout")
    @classmethod
    def _timeout_limits(cls, value: Duration | None) -> Duration | None:
        if value is not None:
            _seconds(value, low=1.0, high=MAX_WAIT, what="an event timeout")
        return value

    @model_validator(mode="after")
    def _timeout(self) -> WaitForEventStep:
        if self.timeout_next is not None and self.timeout is None:
            raise ValueError("timeout_next needs a timeout")
        return self


class ReactionStep(_Strict):
    """React to the previous message being opened or clicked, within 40 seconds to 90 days."""

    type: Literal["reaction"]
    on: Literal["opened", "clicked"]
    timeout: Duration
    next: str | None = None
    timeout_next: str | None = None

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: Duration) -> Duration:
        _seconds(value, low=REACTION_MIN, high=REACTION_MAX, what="a reaction timeout")
        return value


class UpdateProfileStep(_Strict):
    """Set profile attributes (values may hold expressions)."""

    type: Literal["update_profile"]
    attributes: dict[str, Any] = Field(min_length=1)
    next: str | None = None


class EndStep(_Strict):
    """The end of a path."""

    type: Literal["end"]


Step = Annotated[
    ActionStep | WaitStep | ConditionStep | SplitStep | WaitForEventStep | ReactionStep | UpdateProfileStep | EndStep,
    Field(discriminator="type"),
]


class JourneyDefinition(_Strict):
    """A whole journey."""

    id: str = Field(pattern=JOURNEY_ID)
    name: str = Field(min_length=1)
    description: str = ""
    entry: Entry
    reentrance: Reentrance = Field(default_factory=Reentrance)
    exit: list[ExitCriterion] = Field(default_factory=list)
    start: str | None = Field(default=None, description="the first step (default: the first one listed)")
    steps: dict[Annotated[str, Field(pattern=STEP_ID)], Step] = Field(min_length=1)

    @property
    def first_step(self) -> str:
        """Where a profile starts."""
        return self.start or next(iter(self.steps))


def successors(step: Any) -> list[tuple[str, str]]:
    """(field path below the step, next step id) for every way out of `step`."""
    out: list[tuple[str, str]] = []
    for key in ("next", "timeout_next", "otherwise"):
        target = getattr(step, key, None)
        if target:
            out.append((key, target))
    for index, branch in enumerate(getattr(step, "branches", []) or []):
        out.append((f"branches.{index}.next", branch.next))
    return out
