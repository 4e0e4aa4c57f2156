"""The email channel: consent, addresses, suppression, MIME messages, and the sender's handling of SMTP replies.

Send-time rules, in order: a marketing email needs the profile's email consent (`EmailNoConsent` 050101); the
profile needs an email identity (`EmailNoAddressFoundInProfile` 050020); the address must not be on the sandbox's
suppression list (`EmailSuppressed` 050102: a hard bounce put it there; an unsubscribe does not, it sets the
consent to `n`); the message must render (`RuntimeRenderingError` 050302). Then the platform builds the real
message (`email_compose`: tracked links, an open pixel, `List-Unsubscribe` on marketing mail) and hands it to its
MTA with the envelope sender `bounces+<message id>@<domain>` (VERP), so a later bounce names the message.

SMTP replies are handled as a real sender must: 250 is delivered; a permanent refusal of the recipient (5.1.x,
e.g. 550 5.1.1 user unknown) is a hard bounce: counted, and the address suppressed; a transient reply (4xx: 421,
451, 452) is retried on the sandbox's clock after 1, 5, 15 and 60 minutes; when those are spent a 4.2.x reply
(452 4.2.2 mailbox full) counts as a soft bounce (not suppressed), anything else as an error
(`RuntimeDispatchError` 050301), as is any other permanent refusal. A bounce that comes later as a DSN
(`email_feedback.take_bounce_report`) moves the message from delivered to bounced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import format_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from simulator.platform.channels import Dispatch, is_templated
from simulator.platform.email_compose import (
    UNTRACKED_SCHEMES,
    Addressing,
    before_body_end,
    compose,
    pixel,
    track_links,
    track_text_links,
    unsubscribe_footer,
)
from simulator.platform.email_feedback import Tracked, take_bounce_report
from simulator.platform.email_message import DEFAULT_DOMAIN, EmailMessage, EmailSettings, html_to_text
from simulator.platform.email_tracking import (
    EmailBook,
    SentEmail,
    Suppression,
    TrackingToken,
    email_book,
    sign_token,
)
from simulator.platform.errors import NotFound
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Category, Channel
from simulator.platform.personalization import RenderingError, render
from simulator.platform.state import MessageRecord, SandboxState

if TYPE_CHECKING:
    from simulator.platform.service import Platform

#: Seconds between attempts after a transient (4xx) reply: 1, 5, 15 and 60 minutes.
RETRY_DELAYS = (60.0, 300.0, 900.0, 3600.0)

BounceIntake = Callable[[str | None, bytes], Awaitable[int]]
"""Takes a bounce report: (the sandbox it was routed for, or None; the raw DSN) → how many bounces it counted."""


@dataclass(frozen=True, slots=True)
class MailAnswer:
    """An MTA's final reply to one message, reduced to what a sender acts on."""

    code: int
    enhanced: str | None
    text: str

    @property
    def ok(self) -> bool:
        """Accepted (2xx)."""
        return 200 <= self.code < 300

    @property
    def retryable(self) -> bool:
        """Transient (4xx): try again later."""
        return 400 <= self.code < 500

    @property
    def hard_bounce(self) -> bool:
        """The recipient itself was refused for good (5xx with a 5.1.x status)."""
        return self.code >= 500 and (self.enhanced or "").startswith("5.1.")

    @property
    def soft_bounce(self) -> bool:
        """The mailbox could not take it for now (4.2.x: full, over quota, disabled)."""
        return self.retryable and (self.enhanced or "").startswith("4.2.")

    @property
    def reply(self) -> str:
        """The reply line."""
        return " ".join(p for p in (str(self.code), self.enhanced, self.text) if p)


class MailTransport(Protocol):
    """How the platform reaches its MTA (the gateway's handler in-process, or SMTP)."""

    async def submit(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> MailAnswer:
        """One mail transaction: MAIL FROM, RCPT TO each, DATA; the final reply."""

    def route_bounces(self, domain: str, intake: BounceIntake) -> None:
        """Have mail for `domain` (the bounce domain) handed to `intake`, as an inbound route does."""


class EmailChannel:
    """Sends emails through an MTA; tracks opens, clicks, unsubscribes and bounces (`email_feedback`)."""

    channel = Channel.EMAIL
    message_model = EmailMessage

    def __init__(self, transport: MailTransport, platform: Platform, urls: Mapping[str, str]) -> None:
        self.transport = transport
        self.platform = platform
        self._urls = urls
        self._routed: set[str] = set()
        self.route(DEFAULT_DOMAIN)

    @property
    def base_url(self) -> str:
        """Where the platform serves its tracking and unsubscribe URLs (read at each send: ports come late)."""
        return self._urls["core"].rstrip("/")

    def route(self, domain: str) -> None:
        """Receive the bounces sent to `domain` (once per domain)."""
        if domain.lower() not in self._routed:

            async def intake(sandbox: str | None, raw: bytes) -> int:
                try:
                    return take_bounce_report(self.platform, sandbox, raw)
                except NotFound:
                    return 0  # not ours (a stale or foreign report): an MTA drops it, so does the platform

            self.transport.route_bounces(domain, intake)
            self._routed.add(domain.lower())

    def configure(self, state: SandboxState, settings: EmailSettings) -> EmailSettings:
        """Set the sandbox's email configuration and receive bounces on its domain."""
        email_book(state).settings = settings
        self.route(settings.domain)
        return settings

    # -- sending ------------------------------------------------------------------------------------------------

    async def send(self, dispatch: Dispatch) -> None:
        """Apply the send-time rules, build the message, and hand it to the MTA."""
        state, profile, source = dispatch.state, dispatch.profile, dispatch.source
        counters = state.report(source)
        counters.targeted += 1
        book = email_book(state)
        address = profile.identity("email")
        if dispatch.category is Category.MARKETING and not profile.consents_to("email"):
            state.exclude(profile.id, source, "email", ExclusionReason.EMAIL_NO_CONSENT)
            return
        if not address:
            state.exclude(profile.id, source, "email", ExclusionReason.EMAIL_NO_ADDRESS)
            return
        if book.suppression(address) is not None:
            state.exclude(profile.id, source, "email", ExclusionReason.EMAIL_SUPPRESSED)
            return
        message: EmailMessage = dispatch.message
        templated = dispatch.templated if dispatch.templated is not None else is_templated(message)
        if templated:
            try:
                message = _render(message, dispatch)
            except RenderingError:
                state.exclude(profile.id, source, "email", ExclusionReason.RENDERING_ERROR)
                return
        message_id = state.sandbox.ids.uuid().replace("-", "")
        content, sent = self._build(state, book, dispatch, message, address, message_id)
        book.sent[message_id] = sent
        counters.sent += 1
        await self._attempt(state, sent, message_id, book.settings.return_path(message_id), content, attempt=0)

    def _build(
        self,
        state: SandboxState,
        book: EmailBook,
        dispatch: Dispatch,
        message: EmailMessage,
        address: str,
        message_id: str,
    ) -> tuple[bytes, SentEmail]:
        settings, base = book.settings, self.base_url
        token = TrackingToken(state.sandbox.name, dispatch.profile.id, dispatch.source, message_id)
        signed = sign_token(token, book.key)
        links: list[str] = []

        def tracked(url: str) -> str | None:
            if not settings.track_clicks or url.startswith(UNTRACKED_SCHEMES) or url.startswith(f"{base}/u/"):
                return None
            links.append(url)
            return f"{base}/t/click/{sign_token(replace(token, link=len(links) - 1), book.key)}"

        marketing = dispatch.category is Category.MARKETING
        unsubscribe_url = f"{base}/u/{signed}" if marketing else None
        sender = message.from_name or settings.from_name
        footer_html, footer_text = unsubscribe_footer(unsubscribe_url, sender) if unsubscribe_url else ("", "")
        html, text = message.html, message.text
        if html is not None:
            text = track_text_links(_text_of(html) if text is None else text, tracked) + footer_text
            html = before_body_end(track_links(html, tracked), footer_html)
            if settings.track_opens:
                html = before_body_end(html, pixel(f"{base}/t/open/{signed}.gif"))
        else:
            text = track_text_links(text or "", tracked) + footer_text
        addressing = Addressing(
            from_name=sender,
            from_address=message.from_address or settings.from_address,
            to=address,
            subject=message.subject,
            message_id=f"<{message_id}@{settings.domain}>",
            date=format_datetime(state.clock.now()),
            sandbox=state.sandbox.name,
            reply_to=message.reply_to or settings.reply_to,
            list_unsubscribe=unsubscribe_url,
        )
        sent = SentEmail(dispatch.profile.id, dispatch.source, address, dispatch.category, tuple(links))
        return compose(addressing, html, text), sent

    async def _attempt(
        self, state: SandboxState, sent: SentEmail, message_id: str, return_path: str, content: bytes, *, attempt: int
    ) -> None:
        answer = await self.transport.submit(return_path, [sent.address], content)
        counters = state.report(sent.source)
        if answer.retryable and attempt < len(RETRY_DELAYS):
            if attempt == 0:
                counters.pending += 1

            async def retry() -> None:
                await self._attempt(state, sent, message_id, return_path, content, attempt=attempt + 1)

            state.clock.call_later(RETRY_DELAYS[attempt], retry)
            return
        if attempt > 0:
            counters.pending -= 1
        record = MessageRecord(state.clock.timestamp(), sent.source, "email", "delivered", message_id=message_id)
        if answer.ok:
            counters.delivered += 1
            sent.delivered = True
        elif answer.hard_bounce or answer.soft_bounce:
            kind = "hard" if answer.hard_bounce else "soft"
            counters.bounces += 1
            counters.bounce_reasons[f"{kind} {answer.code} {answer.enhanced}"] += 1
            sent.bounced = kind
            record.outcome, record.reason = "bounced", f"{kind} bounce: {answer.reply}"
            if answer.hard_bounce:
                email_book(state).suppress(
                    Suppression(sent.address, "hardBounce", state.clock.timestamp(), answer.reply, sent.source)
                )
            self._bounced(state, sent, message_id, kind, answer)
        else:
            counters.errors += 1
            counters.error_reasons[f"{answer.code} {answer.enhanced or ''}".strip()] += 1
            failure = ExclusionReason.DISPATCH_ERROR
            record.outcome, record.reason, record.code = "failed", f"{failure.reason}: {answer.reply}", failure.code
        state.remember(sent.profile_id, record)

    def _bounced(self, state: SandboxState, sent: SentEmail, message_id: str, kind: str, answer: MailAnswer) -> None:
        profile = state.profiles.get(sent.profile_id)
        if profile is not None:
            token = TrackingToken(state.sandbox.name, sent.profile_id, sent.source, message_id)
            tracked = Tracked(state, email_book(state), token, sent, profile)
            event = tracked.event("bounced", bounceType=kind, status=answer.enhanced or str(answer.code))
            self.platform.record_event(state, profile, event)


@lru_cache(maxsize=512)
def _text_of(html: str) -> str:
    """The text alternative of an HTML body (the same for every recipient of an unpersonalised message)."""
    return html_to_text(html)


def _render(message: EmailMessage, dispatch: Dispatch) -> EmailMessage:
    profile = dispatch.profile
    variables = {
        "profile": {**profile.attributes, "identities": profile.identities, "id": profile.id},
        "context": dispatch.context,
        "event": dispatch.context.get("event", {}),
    }

    def text(value: str | None) -> str | None:
        return None if value is None else render(value, variables)

    return message.model_copy(
        update={
            "subject": render(message.subject, variables),
            "html": text(message.html),
            "text": text(message.text),
            "from_name": text(message.from_name),
        }
    )
