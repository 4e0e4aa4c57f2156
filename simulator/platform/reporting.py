"""Counters per campaign (and later per journey and step): what was targeted, sent, delivered, opened, lost.

Totals reconcile: targeted = excluded + sent, and sent = delivered + bounces + errors + pending. Inbound channels
(in-app, content cards, code-based) add what the phone reports: displayed, clicked (with `interactions` by action
label), dismissed, and displays suppressed on the phone (`suppressions` by reason, e.g. `Conflict`).
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
    unsubscribes: int = 0
    exclusions: Counter[ExclusionReason] = field(default_factory=Counter)
    error_reasons: Counter[str] = field(default_factory=Counter)
    bounce_reasons: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    displayed: int = 0
    dismissed: int = 0
    interactions: Counter[str] = field(default_factory=Counter)
    suppressions: Counter[str] = field(default_factory=Counter)
    delivered_via: Counter[str] = field(default_factory=Counter)
    """Deliveries by the channel they went out on (SMS: sms, mms or rcs after fallback)."""

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
            "unsubscribes": self.unsubscribes,
            "exclusions": [
                {"reason": r.reason, "code": r.code, "count": n}
                for r, n in sorted(self.exclusions.items(), key=lambda item: item[0].code)
            ],
            "errorReasons": dict(sorted(self.error_reasons.items())),
            "bounceReasons": dict(sorted(self.bounce_reasons.items())),
            "customActions": dict(sorted(self.actions.items())),
            "displayed": self.displayed,
            "dismissed": self.dismissed,
            "interactions": dict(sorted(self.interactions.items())),
            "suppressions": dict(sorted(self.suppressions.items())),
            **({"deliveredVia": dict(sorted(self.delivered_via.items()))} if self.delivered_via else {}),
            "reconciles": self.reconciles(),
        }

    def reconciles(self) -> bool:
        """True when every target is accounted for exactly once."""
        return (
            self.targeted == self.excluded + self.sent
            and self.sent == self.delivered + self.bounces + self.errors + self.pending
        )
