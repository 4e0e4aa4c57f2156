"""Fault injection: validated rules, drawn with a seeded generator, that make a fake fail as the provider fails.

A rule names the provider's own error (`reason` for APNs, `errorCode` for FCM...) and its HTTP status, how likely
it is, how many times it may fire, an optional match on the token or topic, and an optional latency.
"""

from __future__ import annotations

import random
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class FaultRule(BaseModel):
    """One way to fail, as the gateway's `/_sim/faults` endpoint accepts it."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(min_length=1, description="the provider's own error name or code, e.g. 'Unregistered'")
    status: Annotated[int, Field(ge=400, le=599)] = Field(description="HTTP status to answer with")
    probability: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    times: Annotated[int, Field(ge=1)] | None = Field(default=None, description="fire at most this many times")
    latency_ms: Annotated[int, Field(ge=0, le=60_000)] = 0
    token: str | None = Field(default=None, description="only requests to this token")
    topic: str | None = Field(default=None, description="only requests for this topic / app")


class FaultInjector:
    """The active rules of one gateway; `pick()` decides, with its own seeded generator, whether a request fails."""

    def __init__(self, seed: str = "mjlab-faults") -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._fired: list[int] = []

    def add(self, rule: FaultRule) -> None:
        """Activate `rule`."""
        self._rules.append(rule)
        self._fired.append(0)

    @property
    def rules(self) -> list[FaultRule]:
        """The active rules."""
        return list(self._rules)

    def clear(self) -> None:
        """Drop every rule and reseed."""
        self._rules.clear()
        self._fired.clear()
        self._random = random.Random(self._seed)

    def pick(self, *, token: str | None = None, topic: str | None = None) -> FaultRule | None:
        """The rule that applies to this request, if any."""
        for index, rule in enumerate(self._rules):
            if rule.token is not None and rule.token != token:
                continue
            if rule.topic is not None and rule.topic != topic:
                continue
            if rule.times is not None and self._fired[index] >= rule.times:
                continue
            if rule.probability < 1.0 and self._random.random() >= rule.probability:
                continue
            self._fired[index] += 1
            return rule
        return None
