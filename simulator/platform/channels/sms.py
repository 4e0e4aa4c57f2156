"""The SMS channel: SMS, MMS and RCS through Twilio, with consent, STOP, status callbacks and replies.

Send-time rules, in order: a marketing message needs the profile's SMS consent (`SMSNoConsent` 050104); the profile
needs a `phone` identity (`SMSNoToNumberDefinedInProfile` 050153); the message must render (`RuntimeRenderingError`
050302); a (number, sender) pair blocked by an opt-out keyword is excluded even for a transactional message. The
platform reports that last case as `SMSNoConsent` 050104 (detail `opted out by STOP to <sender>`), as the real
platform does once a STOP has revoked consent, rather than sending and collecting Twilio's 21610; if Twilio answers
21610 anyway (a STOP the platform never saw), the send counts as a `RuntimeDispatchError` 050301 with reason 21610
and the pair is blocked from then on.

Accepted messages are `pending` until Twilio's status callback ends them: `delivered` counts a delivery (and the
channel it went out on: `deliveredVia` sms, mms or rcs), `undelivered` a bounce (reason: Twilio's ErrorCode),
`failed` an error. Rate limiting and Twilio's 5xx are retried on the sandbox's clock (1, 2, 4, 8, 16 s).

Twilio reaches the platform on `POST /webhooks/twilio/{sandbox}/status` and `/inbound`, signed with
`X-Twilio-Signature` (an unsigned or wrongly signed request gets 403 and changes nothing). An inbound opt-out
keyword sets `consents.marketing.sms.val` to `n` and blocks the pair at once; an opt-in sets `y` and lifts it; every
inbound message becomes a `message.inbound` event of the profile holding that phone number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol
from urllib.parse import parse_qsl

from fastapi import APIRouter, Header, Request, Response

from simulator.gateways.twilio.keywords import Keyword, classify
from simulator.gateways.twilio.signature import SIGNATURE_HEADER, is_valid_signature
from simulator.platform.channels import Dispatch, is_templated
from simulator.platform.errors import NotFound
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Category, Channel
from simulator.platform.personalization import RenderingError
from simulator.platform.sms_message import SmsChannelConfig, SmsMessage
from simulator.platform.state import MessageRecord, SandboxState
from simulator.sandboxes import DEFAULT_SANDBOX

if TYPE_CHECKING:
    from simulator.platform.service import Platform

RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WebhookKind = Literal["status", "inbound"]
SandboxName = Annotated[str, Header(alias="x-sandbox-name", description="the sandbox to act in")]


@dataclass(frozen=True, slots=True)
class SmsAnswer:
    """Twilio's answer to a request: the HTTP status and its JSON body."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Accepted (2xx)."""
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        """Twilio's error code, as text ("" when accepted)."""
        return "" if self.ok else str(self.body.get("code", self.status))

    @property
    def retryable(self) -> bool:
        """Rate limited or a Twilio-side failure: worth trying again later."""
        return self.status == 429 or self.status >= 500


class SmsTransport(Protocol):
    """How the platform reaches Twilio (in one process: the gateway's own request chain)."""

    async def send(self, sandbox: str, account_sid: str, auth_token: str, form: list[tuple[str, str]]) -> SmsAnswer:
        """`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with these form fields."""

    async def create_content(
        self, sandbox: str, account_sid: str, auth_token: str, template: dict[str, Any]
    ) -> SmsAnswer:
        """Content API `POST /v1/Content`."""


@dataclass(slots=True, eq=False)
class Outbound:
    """A message Twilio accepted, waiting for its final status."""

    profile_id: str
    source: str
    record: MessageRecord
    fallback_kind: str
    final: bool = False


@dataclass(eq=False)
class SmsSettings:
    """The SMS channel of one sandbox: its configuration, the opt-outs it knows, and the messages in flight."""

    config: SmsChannelConfig
    opted_out: set[tuple[str, str]] = field(default_factory=set)
    outbound: dict[str, Outbound] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)

    def scope(self, sender: str | None, *, through_service: bool = False) -> str:
        """Who an opt-out through `sender` blocks: the Messaging Service when there is one, else the number."""
        service = self.config.messaging_service_sid
        if not service:
            return sender or self.config.numbers[0]
        if through_service or sender is None or sender in self.config.numbers or sender.startswith("rcs:"):
            return service
        return sender or self.config.numbers[0]


def sms_settings(state: SandboxState) -> SmsSettings | None:
    """The sandbox's SMS channel, or None when it was never configured."""
    found = state.channel_configs.get("sms")
    return found if isinstance(found, SmsSettings) else None


class SmsChannel:
    """Sends SMS, MMS and RCS through Twilio."""

    channel = Channel.SMS
    message_model = SmsMessage

    def __init__(self, transport: SmsTransport) -> None:
        self.transport = transport

    async def send(self, dispatch: Dispatch) -> None:
        """Apply the send-time rules in order, then send one message."""
        state, profile, source = dispatch.state, dispatch.profile, dispatch.source
        counters = state.report(source)
        if dispatch.category is Category.MARKETING and not profile.consents_to("sms"):
            counters.targeted += 1
            state.exclude(profile.id, source, "sms", ExclusionReason.SMS_NO_CONSENT)
            return
        phone = profile.identity("phone")
        if not phone:
            counters.targeted += 1
            state.exclude(profile.id, source, "sms", ExclusionReason.SMS_NO_NUMBER)
            return
        message: SmsMessage = dispatch.message
        templated = dispatch.templated if dispatch.templated is not None else is_templated(message)
        if templated:
            variables = {
                "profile": {**profile.attributes, "identities": profile.identities, "id": profile.id},
                "context": dispatch.context,
                "event": dispatch.context.get("event", {}),
            }
            try:
                message = message.rendered(variables)
            except RenderingError:
                counters.targeted += 1
                state.exclude(profile.id, source, "sms", ExclusionReason.RENDERING_ERROR)
                return
        counters.targeted += 1
        settings = sms_settings(state)
        through_service = message.kind == "rcs" or message.messaging_service
        if settings is not None:
            scope = settings.scope(message.sender, through_service=through_service)
            if (phone, scope) in settings.opted_out:
                state.exclude(
                    profile.id, source, "sms", ExclusionReason.SMS_NO_CONSENT, f"opted out by STOP to {scope}"
                )
                return
        counters.sent += 1
        problem = _configuration_problem(settings, message)
        if problem is not None or settings is None:
            self._fail(state, profile.id, source, problem or "SMSChannelNotConfigured", None)
            return
        await self._attempt(dispatch, settings, phone, message, attempt=0)

    async def _attempt(
        self, dispatch: Dispatch, settings: SmsSettings, phone: str, message: SmsMessage, *, attempt: int
    ) -> None:
        state, source = dispatch.state, dispatch.source
        counters = state.report(source)
        answer = await self._send(state, settings, phone, message)
        if answer.retryable and attempt < len(RETRY_DELAYS):
            if attempt == 0:
                counters.pending += 1

            async def retry() -> None:
                await self._attempt(dispatch, settings, phone, message, attempt=attempt + 1)

            state.clock.call_later(RETRY_DELAYS[attempt], retry)
            return
        if attempt > 0:
            counters.pending -= 1
        if not answer.ok:
            if answer.code == "21610":
                settings.opted_out.add((phone, settings.scope(message.sender, through_service=message.kind == "rcs")))
            self._fail(state, dispatch.profile.id, source, answer.code, answer.body.get("message"))
            return
        sid = str(answer.body["sid"])
        via = None if message.kind == "rcs" else message.kind
        record = MessageRecord(state.clock.timestamp(), source, "sms", "sent", message_id=sid, via=via, token=phone)
        state.remember(dispatch.profile.id, record)
        fallback_kind = "mms" if message.media or (message.card is not None and message.card.media) else "sms"
        settings.outbound[sid] = Outbound(dispatch.profile.id, source, record, fallback_kind)
        counters.pending += 1

    async def _send(self, state: SandboxState, settings: SmsSettings, phone: str, message: SmsMessage) -> SmsAnswer:
        config = settings.config
        form: list[tuple[str, str]] = [("To", phone)]
        if message.kind == "rcs" or message.messaging_service:
            form.append(("MessagingServiceSid", config.messaging_service_sid or ""))
        else:
            form.append(("From", message.sender or config.numbers[0]))
        if message.kind == "rcs":
            content_sid = await self._content(state, settings, message)
            if isinstance(content_sid, SmsAnswer):
                return content_sid
            form.append(("ContentSid", content_sid))
        else:
            if message.body:
                form.append(("Body", message.body))
            form += [("MediaUrl", url) for url in message.media]
        if config.status_callback:
            form.append(("StatusCallback", config.status_callback))
        return await self.transport.send(state.sandbox.name, config.account_sid, config.auth_token, form)

    async def _content(self, state: SandboxState, settings: SmsSettings, message: SmsMessage) -> str | SmsAnswer:
        """The Content SID of an RCS message's card (created once per distinct rendered card)."""
        template = message.content_template()
        key = json.dumps(template, sort_keys=True)
        known = settings.contents.get(key)
        if known is not None:
            return known
        config, sandbox = settings.config, state.sandbox.name
        answer = await self.transport.create_content(sandbox, config.account_sid, config.auth_token, template)
        if not answer.ok:
            return answer
        settings.contents[key] = str(answer.body["sid"])
        return settings.contents[key]

    @staticmethod
    def _fail(state: SandboxState, profile_id: str, source: str, code: str, message: str | None) -> None:
        counters = state.report(source)
        counters.errors += 1
        counters.error_reasons[code] += 1
        failure = ExclusionReason.DISPATCH_ERROR
        reason = f"{failure.reason}: {code}" + (f" {message}" if message else "")
        now = state.clock.timestamp()
        state.remember(profile_id, MessageRecord(now, source, "sms", "failed", reason, failure.code))


def _configuration_problem(settings: SmsSettings | None, message: SmsMessage) -> str | None:
    if settings is None:
        return "SMSChannelNotConfigured"
    config = settings.config
    if (message.kind == "rcs" or message.messaging_service) and not config.messaging_service_sid:
        return "NoMessagingServiceConfigured"
    if message.sender is not None and message.sender not in config.numbers:
        return "SenderNotConfigured"
    return None


# -- what Twilio posts back ---------------------------------------------------------------------------------------


def apply_status(state: SandboxState, settings: SmsSettings, form: dict[str, str]) -> None:
    """A status callback: end a pending message as delivered, bounced (undelivered) or failed."""
    outbound = settings.outbound.get(form.get("MessageSid", ""))
    if outbound is None or outbound.final:
        return
    status = form.get("MessageStatus", "")
    sender = form.get("From", "")
    record = outbound.record
    if sender:
        record.via = "rcs" if sender.startswith("rcs:") else (record.via or outbound.fallback_kind)
    if status not in ("delivered", "undelivered", "failed"):
        return
    outbound.final = True
    counters = state.report(outbound.source)
    counters.pending -= 1
    code = form.get("ErrorCode") or status
    record.at = state.clock.timestamp()
    if status == "delivered":
        counters.delivered += 1
        counters.delivered_via[record.via or outbound.fallback_kind] += 1
        record.outcome = "delivered"
    elif status == "undelivered":
        counters.bounces += 1
        counters.bounce_reasons[code] += 1
        record.outcome, record.reason = "bounced", code
    else:
        counters.errors += 1
        counters.error_reasons[code] += 1
        failure = ExclusionReason.DISPATCH_ERROR
        record.outcome, record.reason, record.code = "failed", f"{failure.reason}: {code}", failure.code


def apply_inbound(platform: Platform, state: SandboxState, settings: SmsSettings, form: dict[str, str]) -> None:
    """An inbound message: keywords update consent and the opt-out list at once; the profile gets an event."""
    sender = form.get("From", "")
    phone = sender.removeprefix("rcs:")
    to = form.get("To", "")
    body = form.get("Body", "")
    keyword = _keyword(form.get("OptOutType"), body)
    pair = (phone, settings.scope(to))
    profile = state.profiles.find("phone", phone)
    if keyword is Keyword.OPT_OUT:
        settings.opted_out.add(pair)
        if profile is not None:
            profile.consents["sms"] = "n"
    elif keyword is Keyword.OPT_IN:
        settings.opted_out.discard(pair)
        if profile is not None:
            profile.consents["sms"] = "y"
    if profile is None:
        return
    xdm: dict[str, Any] = {
        "eventType": "message.inbound",
        "channel": "sms",
        "via": "rcs" if sender.startswith("rcs:") else ("mms" if form.get("NumMedia", "0") != "0" else "sms"),
        "body": body,
        "from": phone,
        "to": to,
        "messageId": form.get("MessageSid"),
    }
    if keyword is not None:
        xdm["keyword"] = keyword.value
    if form.get("ButtonPayload"):
        xdm["buttonPayload"] = form["ButtonPayload"]
    platform.record_event(state, profile, {"xdm": xdm, "data": {}})


def _keyword(opt_out_type: str | None, body: str) -> Keyword | None:
    """Twilio's own classification when it sends one (`OptOutType`), else the keyword lists."""
    if opt_out_type:
        try:
            return Keyword(opt_out_type.upper())
        except ValueError:
            return None
    return classify(body)


def sms_router(platform: Platform, base_url: Callable[[], str] | None = None) -> APIRouter:
    """The SMS channel's configuration API and Twilio's webhooks, for the platform app.

    `base_url` gives the platform's URL as the server itself knows it (what a gateway beside it reaches, also in a
    container); without it the default status callback is built from the configuring request's URL.
    """
    router = APIRouter(tags=["sms"])

    @router.put("/channels/sms")
    async def configure(
        body: SmsChannelConfig, request: Request, sandbox: SandboxName = DEFAULT_SANDBOX
    ) -> dict[str, Any]:
        state = platform.state(sandbox)
        if body.status_callback is None:
            base = base_url() if base_url is not None else str(request.base_url)
            callback = f"{base.rstrip('/')}/webhooks/twilio/{sandbox}/status"
            body = body.model_copy(update={"status_callback": callback})
        settings = sms_settings(state)
        if settings is None:
            state.channel_configs["sms"] = SmsSettings(body)
        else:
            settings.config = body
        return body.public()

    @router.get("/channels/sms")
    async def configuration(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        settings = sms_settings(platform.state(sandbox))
        if settings is None:
            raise NotFound("the SMS channel is not configured in this sandbox", field="channel")
        opt_outs = [{"phone": phone, "sender": sender} for phone, sender in sorted(settings.opted_out)]
        return {**settings.config.public(), "optOuts": opt_outs}

    @router.post("/webhooks/twilio/{sandbox}/{kind}", include_in_schema=False)
    async def webhook(sandbox: str, kind: WebhookKind, request: Request) -> Response:
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        signature = request.headers.get(SIGNATURE_HEADER)
        status, text = take_twilio_webhook(platform, sandbox, kind, str(request.url), pairs, signature)
        return Response(text or None, status_code=status, media_type="text/xml" if text else None)

    return router


def take_twilio_webhook(
    platform: Platform, sandbox: str, kind: WebhookKind, url: str, pairs: list[tuple[str, str]], signature: str | None
) -> tuple[int, str]:
    """What `POST /webhooks/twilio/{sandbox}/{kind}` answers (status, TwiML): the route runs it on the request, and
    the gateway may hand it the same signed form directly when both run in one process.

    An unsigned or wrongly signed request (or one for a sandbox without SMS configured) is 403 and changes nothing.
    """
    state = platform.state(sandbox)
    settings = sms_settings(state)
    if settings is None or not is_valid_signature(settings.config.auth_token, url, pairs, signature):
        return 403, ""
    if kind == "status":
        apply_status(state, settings, dict(pairs))
        return 204, ""
    apply_inbound(platform, state, settings, dict(pairs))
    return 200, EMPTY_TWIML
