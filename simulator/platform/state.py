"""The platform's state for one sandbox: profiles, apps, campaigns, reports and each profile's message log."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.clock import Clock
from simulator.platform.apps import App
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.profiles import ProfileStore
from simulator.platform.reporting import DeliveryCounters
from simulator.sandboxes import Sandbox


@dataclass(slots=True)
class MessageRecord:
    """What happened to one message for one profile: the answer to "why did this person not get it?"."""

    at: float
    source: str
    channel: str
    outcome: str
    reason: str | None = None
    code: str | None = None
    token: str | None = None
    message_id: str | None = None
    detail: str = ""
    via: str | None = None
    """The channel a message was delivered on when it can differ from its own (an RCS message sent as SMS)."""

    def to_json(self) -> dict[str, Any]:
        """As the API serves it."""
        return {
            "at": self.at,
            "source": self.source,
            "channel": self.channel,
            "outcome": self.outcome,
            "reason": self.reason,
            "code": self.code,
            "token": self.token,
            "messageId": self.message_id,
            **({"via": self.via} if self.via else {}),
            **({"detail": self.detail} if self.detail else {}),
        }


@dataclass(eq=False)
class SandboxState:
    """Everything the platform keeps for one sandbox."""

    sandbox: Sandbox
    profiles: ProfileStore = field(default_factory=ProfileStore)
    apps: dict[str, App] = field(default_factory=dict)
    campaigns: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, DeliveryCounters] = field(default_factory=dict)
    log: dict[str, list[MessageRecord]] = field(default_factory=dict)
    seen_events: set[str] = field(default_factory=set)
    events: deque[tuple[float, str, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=10_000))
    """The sandbox's most recent events (at, profile id, event), for journeys and rules that look back."""
    audiences: dict[str, Any] = field(default_factory=dict)
    """Named audiences (`journeys.audiences.Audience`)."""
    categories: dict[str, Any] = field(default_factory=dict)
    """The category (marketing/transactional) of each message source (campaign or journey step)."""
    record_listeners: list[Callable[[str, MessageRecord], None]] = field(default_factory=list)
    """Called with every message-log entry (frequency capping counts deliveries)."""
    channel_configs: dict[str, Any] = field(default_factory=dict)
    """Each channel's configuration in this sandbox (sender numbers, WhatsApp business number, email sender...)."""

    @property
    def clock(self) -> Clock:
        """The sandbox's clock."""
        return self.sandbox.clock

    def report(self, source: str) -> DeliveryCounters:
        """The counters of a campaign (created on first use)."""
        counters = self.reports.get(source)
        if counters is None:
            counters = self.reports[source] = DeliveryCounters()
        return counters

    def remember(self, profile_id: str, record: MessageRecord) -> None:
        """Add to a profile's message log (and tell the listeners)."""
        self.log.setdefault(profile_id, []).append(record)
        for listener in self.record_listeners:
            listener(profile_id, record)

    def exclude(self, profile_id: str, source: str, channel: str, reason: ExclusionReason, detail: str = "") -> None:
        """Count and log an exclusion (`detail` says which rule, when one did)."""
        self.report(source).exclude(reason)
        record = MessageRecord(self.sandbox.clock.timestamp(), source, channel, "excluded", reason.reason, reason.code)
        record.detail = detail
        self.remember(profile_id, record)
