"""What a test can ask of the mail server besides faults: bounces for chosen addresses, and a sending rate limit.

`BounceRules` holds the `/_sim/bounces` rules (hard or soft, at RCPT time or as a later DSN, for one sandbox or
all, a number of times or forever). `RateLimiter` counts accepted messages per sandbox in fixed windows of the
sandbox's own clock, so a limit behaves the same however fast the test runs.
"""

from __future__ import annotations

from simulator.devices.hub import normalise_address
from simulator.gateways.smtp.models import BounceRule, RateLimit


class BounceRules:
    """The active bounce rules, newest first when several name the same address."""

    def __init__(self) -> None:
        self._rules: list[BounceRule] = []
        self._fired: list[int] = []

    def add(self, rule: BounceRule) -> None:
        """Activate `rule`."""
        self._rules.insert(0, rule)
        self._fired.insert(0, 0)

    @property
    def rules(self) -> list[BounceRule]:
        """The active rules, newest first."""
        return list(self._rules)

    def match(self, sandbox: str, address: str) -> BounceRule | None:
        """The rule that applies to mail for `address` in `sandbox` (and counts it), or None."""
        wanted = normalise_address(address)
        for index, rule in enumerate(self._rules):
            if rule.sandbox is not None and rule.sandbox != sandbox:
                continue
            if normalise_address(rule.address) != wanted:
                continue
            if rule.times is not None and self._fired[index] >= rule.times:
                continue
            self._fired[index] += 1
            return rule
        return None

    def clear(self, sandbox: str | None = None) -> int:
        """Drop every rule (or the rules of one sandbox); returns how many were dropped."""
        keep = [i for i, rule in enumerate(self._rules) if sandbox is not None and rule.sandbox != sandbox]
        dropped = len(self._rules) - len(keep)
        self._rules = [self._rules[i] for i in keep]
        self._fired = [self._fired[i] for i in keep]
        return dropped


class RateLimiter:
    """At most N accepted messages per window of the sandbox's clock; one limit per sandbox, or one for all."""

    def __init__(self) -> None:
        self._limits: dict[str | None, RateLimit] = {}
        self._windows: dict[str, tuple[float, int]] = {}

    def set(self, limit: RateLimit) -> None:
        """Apply `limit` (replacing the one for the same sandbox); counting starts afresh."""
        self._limits[limit.sandbox] = limit
        self._windows.clear()

    @property
    def limits(self) -> list[RateLimit]:
        """The active limits."""
        return list(self._limits.values())

    def admit(self, sandbox: str, now: float) -> bool:
        """Count one message for `sandbox` at `now` (Unix seconds); False when the window is full."""
        limit = self._limits.get(sandbox) or self._limits.get(None)
        if limit is None:
            return True
        start, count = self._windows.get(sandbox, (now, 0))
        if now >= start + limit.per_seconds:
            start, count = now, 0
        if count >= limit.messages:
            return False
        self._windows[sandbox] = (start, count + 1)
        return True

    def clear(self, sandbox: str | None = None) -> None:
        """Drop every limit (or forget one sandbox's window)."""
        if sandbox is None:
            self._limits.clear()
            self._windows.clear()
        else:
            self._limits.pop(sandbox, None)
            self._windows.pop(sandbox, None)
