"""What comes back from an email after it was sent: opens, clicks, unsubscribes and bounce reports.

Each is one operation on the platform, called by the tracking routes (`email_api.py`) or, for bounces, by the MTA's
inbound route in-process; each checks its token, updates the campaign's counters and the profile's message log,
and records an event journeys can react to: `{"xdm": {"eventType": "message.opened" | "message.clicked" |
"message.unsubscribed" | "message.bounced", "channel": "email", "messageId", "source", "_experience": {...}}}`.

- An open (the pixel loaded) counts once per message; later loads are ignored.
- A click counts the message as clicked once (every click is an event) and answers the link's target.
- An unsubscribe (RFC 8058 one-click POST, or the page's form) sets the profile's email consent to `n`, at once:
  the very next marketing email is excluded with `EmailNoConsent` 050101. It counts once per message.
- A bounce report (DSN) names the message in its VERP address (`bounces+<message id>@domain`); each failed
  recipient counts a bounce (moved from delivered), and a permanent one (5.x.x) suppresses the address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.platform.email_tracking import (
    EmailBook,
    SentEmail,
    Suppression,
    TrackingToken,
    email_book,
    read_dsn,
    token_sandbox,
    verify_token,
)
from simulator.platform.errors import NotFound
from simulator.platform.profiles import Profile
from simulator.platform.state import MessageRecord, SandboxState

if TYPE_CHECKING:
    from simulator.platform.service import Platform

EMAIL_CHANNEL_ID = "https://ns.adobe.com/xdm/channels/email"


class Tracked:
    """A verified token with what it points at: the sandbox's state, its email book, the message and the profile."""

    __slots__ = ("book", "profile", "sent", "state", "token")

    def __init__(self, state: SandboxState, book: EmailBook, token: TrackingToken, sent: SentEmail, profile: Profile):
        self.state = state
        self.book = book
        self.token = token
        self.sent = sent
        self.profile = profile

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        """An email tracking event about this message."""
        token = self.token
        return {
            "xdm": {
                "eventType": f"message.{kind}",
                "channel": "email",
                "messageId": token.message_id,
                "source": token.source,
                **fields,
                "_experience": {
                    "customerJourneyManagement": {
                        "messageExecution": {"messageID": token.message_id, "campaignID": token.source},
                        "messageProfile": {"channel": {"_id": EMAIL_CHANNEL_ID}},
                        "profileID": token.profile_id,
                    }
                },
            }
        }

    def remember(self, outcome: str, reason: str | None = None) -> None:
        """Add to the profile's message log."""
        record = MessageRecord(
            self.state.clock.timestamp(), self.token.source, "email", outcome, reason, message_id=self.token.message_id
        )
        self.state.remember(self.profile.id, record)


def resolve(platform: Platform, text: str) -> Tracked:
    """The message a token names; NotFound when it does not verify or names nothing that exists any more."""
    sandbox = token_sandbox(text)
    if sandbox is None or sandbox not in platform.sandboxes:
        raise NotFound("unknown or expired link", field="token")
    state = platform.state(sandbox)
    book = email_book(state)
    token = verify_token(text, book.key)
    sent = book.sent.get(token.message_id) if token is not None else None
    profile = state.profiles.get(token.profile_id) if token is not None else None
    if token is None or sent is None or profile is None:
        raise NotFound("unknown or expired link", field="token")
    return Tracked(state, book, token, sent, profile)


def track_open(platform: Platform, text: str) -> bool:
    """The pixel was loaded: count an open the first time; True when this one counted."""
    tracked = resolve(platform, text)
    if tracked.sent.opened:
        return False
    tracked.sent.opened = True
    tracked.state.report(tracked.token.source).opened += 1
    tracked.remember("opened")
    platform.record_event(tracked.state, tracked.profile, tracked.event("opened"))
    return True


def track_click(platform: Platform, text: str) -> str:
    """A tracked link was followed: count it, record the event, and answer the link's target."""
    tracked = resolve(platform, text)
    index = tracked.token.link
    if index is None or not 0 <= index < len(tracked.sent.links):
        raise NotFound("unknown or expired link", field="token")
    url = tracked.sent.links[index]
    if not tracked.sent.clicked:
        tracked.sent.clicked = True
        tracked.state.report(tracked.token.source).clicked += 1
    tracked.remember("clicked", url)
    platform.record_event(tracked.state, tracked.profile, tracked.event("clicked", url=url))
    return url


def unsubscribe(platform: Platform, text: str) -> Tracked:
    """Opt the profile out of marketing email, effective for the very next send."""
    tracked = resolve(platform, text)
    tracked.profile.consents["email"] = "n"
    if not tracked.sent.unsubscribed:
        tracked.sent.unsubscribed = True
        tracked.state.report(tracked.token.source).unsubscribes += 1
        tracked.remember("unsubscribed")
        platform.record_event(tracked.state, tracked.profile, tracked.event("unsubscribed"))
    return tracked


def take_bounce_report(platform: Platform, sandbox: str | None, raw: bytes) -> int:
    """Read a DSN sent to the bounce address; count each failed recipient; returns how many bounces counted.

    NotFound when the report names no known message (not a DSN, no VERP tag, unknown sandbox or message).
    """
    report = read_dsn(raw)
    if report is None:
        raise NotFound("not a delivery status notification", field="body")
    name = report.sandbox or sandbox
    local = report.to.rpartition("@")[0]
    message_id = local.partition("+")[2]
    if name is None or name not in platform.sandboxes or not message_id:
        raise NotFound("the report names no message of this platform", field="To")
    state = platform.state(name)
    book = email_book(state)
    sent = book.sent.get(message_id)
    profile = state.profiles.get(sent.profile_id) if sent is not None else None
    if sent is None or profile is None:
        raise NotFound(f"no message {message_id!r} in sandbox {name!r}", field="To")
    tracked = Tracked(state, book, TrackingToken(name, sent.profile_id, sent.source, message_id), sent, profile)
    counted = 0
    for failure in report.failures:
        if failure.address.lower() != sent.address.lower() or sent.bounced is not None:
            continue
        kind = "hard" if failure.hard else "soft"
        counters = state.report(sent.source)
        if sent.delivered:
            sent.delivered = False
            counters.delivered -= 1
        counters.bounces += 1
        counters.bounce_reasons[f"{kind} {failure.diagnostic[:3]} {failure.status}".strip()] += 1
        sent.bounced = kind
        if failure.hard:
            book.suppress(
                Suppression(sent.address, "hardBounce", state.clock.timestamp(), failure.diagnostic, sent.source)
            )
        tracked.remember("bounced", f"{kind} bounce: {failure.diagnostic}")
        platform.record_event(state, profile, tracked.event("bounced", bounceType=kind, status=failure.status))
        counted += 1
    return counted
