"""The rule definitions a sandbox holds (set over the API: `PUT /rules/consent-policies`, `/rules/capping`,
`/rules/quiet-hours`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.platform.models import Category, Channel

CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentPolicy(_Rule):
    """Messages of these categories on these channels need the profile's marketing consent for `consent`."""

    name: str = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    consent: Channel = Field(description="whose consent counts, e.g. push for in-app offers")
    categories: list[Category] = Field(default_factory=lambda: [Category.MARKETING])


class CappingRule(_Rule):
    """At most `count` marketing deliveries per profile in each window of `every` times `period`, across `channels`."""

    name: str = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    count: int = Field(ge=1, le=10_000)
    period: Literal["hour", "day", "week", "month"]
    every: int = Field(default=1, ge=1, le=52)


class DateRange(_Rule):
    """From one local date to another, both included."""

    start: date = Field(alias="from")
    end: date = Field(alias="to")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self


class QuietHours(_Rule):
    """A quiet period: weekly on some days, or on dates; `start` to `end` local times (crossing midnight belongs to the
    start day), in a fixed zone or the recipient's (`timezone: recipient`)."""

    name: str = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    start: str
    end: str
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))  # type: ignore[arg-type]
    dates: list[DateRange] = Field(default_factory=list, description="dated periods instead of weekly days")
    timezone: str = Field(default="recipient", description="'recipient' or an IANA zone such as Europe/Paris")
    action: Literal["queue", "discard"] = "queue"
    categories: list[Category] = Field(default_factory=lambda: [Category.MARKETING])

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError("a time of day is HH:MM, e.g. 22:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value != "recipient":
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are the same time")
        return self


class Rules(BaseModel):
    """Everything a sandbox enforces."""

    consent_policies: list[ConsentPolicy] = Field(default_factory=list)
    capping: list[CappingRule] = Field(default_factory=list)
    quiet_hours: list[QuietHours] = Field(default_factory=list)
