"""Counters per campaign (and later per journey and step): what was targeted, sent, delivered, opened, lost.

Totals reconcile: targeted = excluded + sent, and sent = delivered + bounces + errors + pending.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from simulator.platform.exclusions import ExclusionReason


@dataclass(slots=True)
class DeliveryCounters:
    """The figures of one campaign or message."""

    targeted: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    bounces: int = 0
    errors: int = 0
    pending: int = 0
    exclusions: Counter[ExclusionReason] = field(default_factory=Counter)
    error_reasons: Counter[str] = field(default_factory=Counter)
    bounce_reasons: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)

    @property
    def excluded(self) -> int:
        """How many targets were excluded, all reasons together."""
        return sum(self.exclusions.values())

    def exclude(self, reason: ExclusionReason) -> None:
        """Count one exclusion."""
        self.exclusions[reason] += 1

    def to_json(self) -> dict[str, Any]:
        """The report as the API serves it."""
        return {
            "targeted": self.targeted,
            "excluded": self.excluded,
            "sent": self.sent,
            "delivered": self.delivered,
            "opened": self.opened,
            "clicked": self.clicked,
            "bounces": self.bounces,
            "errors": self.errors,
            "pending": self.pending,
            "exclusions": [
                {"reason": r.reason, "code": r.code, "count": n}
                for r, n in sorted(self.exclusions.items(), key=lambda item: item[0].code)
            ],
            "errorReasons": dict(sorted(self.error_reasons.items())),
            "bounceReasons": dict(sorted(self.bounce_reasons.items())),
            "customActions": dict(sorted(self.actions.items())),
            "reconciles": self.reconciles(),
        }

    def reconciles(self) -> bool:
        """True when every target is accounted for exactly once."""
        return (
            self.targeted == self.excluded + self.sent
            and self.sent == self.delivered + self.bounces + self.errors + self.pending
        )
