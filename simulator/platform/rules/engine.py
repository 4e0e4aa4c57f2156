"""Evaluating the send-time rules for one dispatch, and counting deliveries for capping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.platform.channels import Dispatch
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Category, Channel
from simulator.platform.profiles import Profile
from simulator.platform.rules.models import WEEKDAYS, CappingRule, QuietHours, Rules
from simulator.platform.state import MessageRecord, SandboxState

QUEUE_LIMIT = 7 * 86_400.0

#: Whose consent a marketing message needs on each outbound channel, and the exclusion when it is missing.
CHANNEL_CONSENT: dict[Channel, tuple[str, ExclusionReason]] = {
    Channel.PUSH: ("push", ExclusionReason.PUSH_NO_CONSENT),
    Channel.SMS: ("sms", ExclusionReason.SMS_NO_CONSENT),
    Channel.EMAIL: ("email", ExclusionReason.EMAIL_NO_CONSENT),
    Channel.WHATSAPP: ("whatsapp", ExclusionReason.WHATSAPP_NO_CONSENT),
}
#: Which consent-policy channel gives the consent reason for an inbound channel.
_REASON_OF = {channel.value: reason for channel, (_, reason) in CHANNEL_CONSENT.items()}


@dataclass(frozen=True)
class Decision:
    """What the rules say about one dispatch."""

    kind: str  # "send" | "exclude" | "queue" | "discard"
    reason: ExclusionReason | None = None
    detail: str = ""
    until: float | None = None

    @property
    def send(self) -> bool:
        """Go ahead."""
        return self.kind == "send"


SEND = Decision("send")


@dataclass
class _Book:
    rules: Rules = field(default_factory=Rules)
    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)


class SendTimeRules:
    """The rules of every sandbox, evaluated before any channel sends."""

    def __init__(self) -> None:
        self._books: dict[str, _Book] = {}

    def book(self, state: SandboxState) -> _Book:
        """The sandbox's rules and capping counters."""
        found = self._books.get(state.sandbox.name)
        if found is None:
            found = self._books[state.sandbox.name] = _Book()
            state.record_listeners.append(lambda profile_id, record: self.on_record(state, profile_id, record))
        return found

    def forget(self, sandbox: str) -> None:
        """Drop a closed sandbox's rules."""
        self._books.pop(sandbox, None)

    def rules(self, state: SandboxState) -> Rules:
        """The sandbox's rules."""
        return self.book(state).rules

    def set_rules(self, state: SandboxState, **changes: Any) -> Rules:
        """Replace some of the sandbox's rule lists."""
        book = self.book(state)
        book.rules = book.rules.model_copy(update=changes)
        return book.rules

    # -- deciding -------------------------------------------------------------------------------------------------

    def decide(self, dispatch: Dispatch, channel: Channel, *, queued_since: float | None = None) -> Decision:
        """Consent, then quiet hours, then capping."""
        state, profile = dispatch.state, dispatch.profile
        book = self.book(state)
        consent = self._consent(book.rules, profile, channel, dispatch.category)
        if consent is not None:
            return consent
        now = state.clock.timestamp()
        for period in book.rules.quiet_hours:
            if channel not in period.channels or dispatch.category not in period.categories:
                continue
            end = quiet_period_end(period, now, _zone(period, profile))
            if end is None:
                continue
            if period.action == "discard":
                return Decision("discard", ExclusionReason.CONTROL_RULES, f"quiet hours {period.name!r}: discarded")
            if end - (queued_since or now) > QUEUE_LIMIT:
                return Decision("exclude", ExclusionReason.CONTROL_RULES, f"quiet hours {period.name!r}: queued 7 days")
            return Decision("queue", None, f"quiet hours {period.name!r}", until=end)
        if dispatch.category is Category.MARKETING:
            for rule in book.rules.capping:
                if channel in rule.channels and self._count(book, rule, profile.id, now) >= rule.count:
                    return Decision("exclude", ExclusionReason.CONTROL_RULES, f"frequency cap {rule.name!r}")
        return SEND

    @staticmethod
    def _consent(rules: Rules, profile: Profile, channel: Channel, category: Category) -> Decision | None:
        if category is Category.MARKETING and channel in CHANNEL_CONSENT:
            key, reason = CHANNEL_CONSENT[channel]
            if not profile.consents_to(key):
                return Decision("exclude", reason, "no marketing consent")
        for policy in rules.consent_policies:
            if (
                channel in policy.channels
                and category in policy.categories
                and not profile.consents_to(policy.consent.value)
            ):
                reason = _REASON_OF.get(policy.consent.value, ExclusionReason.CONTROL_RULES)
                return Decision("exclude", reason, f"consent policy {policy.name!r}")
        return None

    # -- capping counters ----------------------------------------------------------------------------------------

    def _count(self, book: _Book, rule: CappingRule, profile_id: str, at: float) -> int:
        return book.counts.get((rule.name, profile_id, capping_window(rule, at)), 0)

    def on_record(self, state: SandboxState, profile_id: str, record: MessageRecord) -> None:
        """A message log entry: a marketing delivery counts against the caps of its channel."""
        if record.outcome != "delivered" or state.categories.get(record.source) is not Category.MARKETING:
            return
        book = self.book(state)
        for rule in book.rules.capping:
            if record.channel in {c.value for c in rule.channels}:
                key = (rule.name, profile_id, capping_window(rule, record.at))
                book.counts[key] = book.counts.get(key, 0) + 1


def capping_window(rule: CappingRule, at: float) -> int:
    """The calendar window (UTC) `at` falls in: hours, days (ending 23:59:59), weeks (ending Saturday 23:59:59),
    months (ending on their last day), grouped `every` at a time."""
    moment = datetime.fromtimestamp(at, UTC)
    if rule.period == "hour":
        index = int(at // 3600)
    elif rule.period == "day":
        index = int(at // 86_400)
    elif rule.period == "week":
        index = (int(at // 86_400) + 4) // 7  # 1970-01-01 was a Thursday; weeks run Sunday to Saturday
    else:
        index = moment.year * 12 + moment.month - 1
    return index // rule.every


def _zone(period: QuietHours, profile: Profile) -> ZoneInfo | None:
    name = period.timezone
    if name == "recipient":
        found = profile.attributes.get("timezone") or profile.attributes.get("timeZone")
        if not isinstance(found, str):
            return None
        name = found
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def quiet_period_end(period: QuietHours, at: float, zone: ZoneInfo | None) -> float | None:
    """When the quiet period `at` falls in ends (Unix time), or None when `at` is not quiet (or no zone is known)."""
    if zone is None:
        return None
    local = datetime.fromtimestamp(at, UTC).astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = _minutes(period.start), _minutes(period.end)
    crosses = start > end
    for offset in (0, -1) if crosses else (0,):
        day = (local + timedelta(days=offset)).date()
        if not _applies(period, day):
            continue
        if not crosses and start <= minute < end:
            finish = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
        elif crosses and offset == 0 and minute >= start:
            finish = (local + timedelta(days=1)).replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
        elif crosses and offset == -1 and minute < end:
            finish = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
        else:
            continue
        return finish.timestamp()
    return None


def _applies(period: QuietHours, day: Any) -> bool:
    """Whether the period starts on this local date (a period crossing midnight belongs to its start day)."""
    if period.dates:
        return any(r.start <= day <= r.end for r in period.dates)
    return WEEKDAYS[day.weekday()] in period.days
