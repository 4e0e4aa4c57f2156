"""The WhatsApp channel: consent, the phone identity, rendering, the Cloud API send, and what the webhooks report.

Send-time rules, in order: a marketing message needs the profile's WhatsApp consent (`WhatsAppNoConsent` 050106);
the profile needs a phone identity (`WhatsAppNoPhoneNumberInProfile` 050154); the sandbox needs a configured
business (`RuntimeDispatchError` 050301); the message must render (`RuntimeRenderingError` 050302). The platform
names no codes for WhatsApp, so these two are this module's, in the style of SMS's 050104 and 050153 (when the
platform's own list has `WHATSAPP_NO_CONSENT`, that member is counted instead, under the same name and code).

Outcomes, as a real sender sees them: an accepted send is `sent` and stays `pending` until its status webhook
says `delivered` (then `read` counts as opened) or `failed`; a refused send is an error at once. Errors carry
Meta's message as their reason (e.g. `(#131047) Re-engagement message`, whether it came back from the send or in a
failed status); a 131026 failure (no WhatsApp on that number) counts as a bounce. Throttling and server errors
(429/500/503) are retried with the push channel's backoff. A tap on a button of a sent message counts as a click
(with the button's id among the custom actions), and every message a person sends is a platform event
(`message.inbound`) that journeys can wait for.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, cast

from pydantic import BaseModel, ConfigDict, Field

from simulator.platform.channels import Dispatch, is_templated
from simulator.platform.channels.push import RETRY_DELAYS
from simulator.platform.channels.whatsapp.message import WhatsAppMessage, cloud_api_body, render_body
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Category, Channel
from simulator.platform.personalization import RenderingError
from simulator.platform.state import MessageRecord, SandboxState

if TYPE_CHECKING:
    from simulator.platform.service import Platform

CHANNEL = "whatsapp"
_DIGITS = re.compile(r"\D")
UNDELIVERABLE = 131026


class WhatsAppExclusion(Enum):
    """The WhatsApp channel's own exclusion reasons: (reason name, code), read like `ExclusionReason`."""

    NO_CONSENT = ("WhatsAppNoConsent", "050106")
    NO_PHONE_NUMBER = ("WhatsAppNoPhoneNumberInProfile", "050154")

    @property
    def reason(self) -> str:
        """The name, e.g. `WhatsAppNoConsent`."""
        return self.value[0]

    @property
    def code(self) -> str:
        """The code, e.g. `050106`."""
        return self.value[1]


#: The consent exclusion counted in reports: the platform's own member when its list has one (its send-time rules
#: check WhatsApp consent before any channel does), else this module's, so one reason never makes two report rows.
NO_CONSENT: ExclusionReason | WhatsAppExclusion = getattr(
    ExclusionReason, "WHATSAPP_NO_CONSENT", WhatsAppExclusion.NO_CONSENT
)


class WhatsAppConfig(BaseModel):
    """A sandbox's WhatsApp channel: the business number and the credentials Meta gave for it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    waba_id: str = Field(alias="wabaId", min_length=1)
    phone_number_id: str = Field(alias="phoneNumberId", min_length=1)
    display_phone_number: str = Field(alias="displayPhoneNumber", min_length=5)
    access_token: str = Field(alias="accessToken", min_length=1)
    app_secret: str = Field(alias="appSecret", min_length=1)
    verify_token: str = Field(alias="verifyToken", min_length=1)
    api_version: str = Field(default="v21.0", alias="apiVersion", pattern=r"^v\d+\.\d+$")

    def public_json(self) -> dict[str, Any]:
        """As the API shows it: secrets masked."""
        shown = self.model_dump(by_alias=True)
        shown["accessToken"] = self.access_token[:6] + "…"
        shown["appSecret"] = "…"
        shown["verifyToken"] = "…"
        return shown


@dataclass(frozen=True, slots=True)
class WhatsAppAnswer:
    """The Cloud API's answer to a send, reduced to what a sender acts on."""

    status: int
    message_id: str | None = None
    error_code: int | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        """Accepted."""
        return self.status == 200 and self.message_id is not None

    @property
    def retryable(self) -> bool:
        """Worth trying again later."""
        return self.status in (429, 500, 503)


class WhatsAppTransport(Protocol):
    """How the platform reaches the Cloud API (the gateway's own chain in-process, or HTTP)."""

    async def send(self, sandbox: str, config: WhatsAppConfig, body: dict[str, Any]) -> WhatsAppAnswer:
        """POST /{version}/{phone_number_id}/messages with the business's bearer token."""


@dataclass(slots=True)
class _Sent:
    """What the platform remembers of an accepted message until its statuses come in."""

    source: str
    profile_id: str
    state: str = "pending"


def config_of(state: SandboxState) -> WhatsAppConfig | None:
    """The sandbox's WhatsApp configuration, if any."""
    config = state.channel_configs.get(CHANNEL)
    return config if isinstance(config, WhatsAppConfig) else None


class WhatsAppChannel:
    """Sends WhatsApp messages through a Cloud API transport and reads back its webhooks."""

    channel = Channel.WHATSAPP
    message_model = WhatsAppMessage

    def __init__(self, transport: WhatsAppTransport) -> None:
        self.transport = transport
        self._sent: weakref.WeakKeyDictionary[SandboxState, dict[str, _Sent]] = weakref.WeakKeyDictionary()

    async def send(self, dispatch: Dispatch) -> None:
        """Apply the send-time rules, render, then send."""
        state, profile, source = dispatch.state, dispatch.profile, dispatch.source
        state.report(source).targeted += 1
        if dispatch.category is Category.MARKETING and not profile.consents_to(CHANNEL):
            _exclude(state, profile.id, source, NO_CONSENT)
            return
        phone = profile.identity("phone")
        if not phone:
            _exclude(state, profile.id, source, WhatsAppExclusion.NO_PHONE_NUMBER)
            return
        config = config_of(state)
        if config is None:
            _exclude(state, profile.id, source, ExclusionReason.DISPATCH_ERROR)
            return
        message: WhatsAppMessage = dispatch.message
        body = cloud_api_body(message, _DIGITS.sub("", phone))
        if dispatch.templated if dispatch.templated is not None else is_templated(message):
            variables = {
                "profile": {**profile.attributes, "identities": profile.identities, "id": profile.id},
                "context": dispatch.context,
                "event": dispatch.context.get("event", {}),
            }
            try:
                body = render_body(body, variables)
            except RenderingError:
                _exclude(state, profile.id, source, ExclusionReason.RENDERING_ERROR)
                return
        state.report(source).sent += 1
        await self._attempt(dispatch, config, body, attempt=0)

    async def _attempt(self, dispatch: Dispatch, config: WhatsAppConfig, body: dict[str, Any], *, attempt: int) -> None:
        state = dispatch.state
        answer = await self.transport.send(state.sandbox.name, config, body)
        counters = state.report(dispatch.source)
        if answer.retryable and attempt < len(RETRY_DELAYS):
            if attempt == 0:
                counters.pending += 1

            async def retry() -> None:
                await self._attempt(dispatch, config, body, attempt=attempt + 1)

            state.clock.call_later(RETRY_DELAYS[attempt], retry)
            return
        if attempt > 0:
            counters.pending -= 1
        if answer.ok:
            assert answer.message_id is not None
            counters.pending += 1
            self._sent.setdefault(state, {})[answer.message_id] = _Sent(dispatch.source, dispatch.profile.id)
            self._remember(state, dispatch.profile.id, dispatch.source, "sent", answer.message_id)
            return
        reason = answer.error_message or f"HTTP {answer.status}"
        counters.errors += 1
        counters.error_reasons[reason] += 1
        self._remember(state, dispatch.profile.id, dispatch.source, "failed", None, reason, failed=True)

    # -- what the webhooks say ----------------------------------------------------------------------------------

    def on_status(self, state: SandboxState, status: dict[str, Any]) -> None:
        """A status of a message this platform sent: move its counters on (each step counted once)."""
        sent = self._sent.get(state, {}).get(str(status.get("id")))
        if sent is None:
            return
        counters = state.report(sent.source)
        kind, message_id = status.get("status"), str(status["id"])
        if kind in ("delivered", "read") and sent.state == "pending":
            counters.pending -= 1
            counters.delivered += 1
            sent.state = "delivered"
            self._remember(state, sent.profile_id, sent.source, "delivered", message_id)
        if kind == "read" and sent.state == "delivered":
            counters.opened += 1
            sent.state = "read"
            self._remember(state, sent.profile_id, sent.source, "opened", message_id, "read")
        if kind == "failed" and sent.state == "pending":
            counters.pending -= 1
            sent.state = "failed"
            error = (status.get("errors") or [{}])[0]
            reason = f"(#{error.get('code')}) {error.get('title', '')}".strip()
            if error.get("code") == UNDELIVERABLE:
                counters.bounces += 1
                counters.bounce_reasons[reason] += 1
                self._remember(state, sent.profile_id, sent.source, "bounced", message_id, reason)
            else:
                counters.errors += 1
                counters.error_reasons[reason] += 1
                self._remember(state, sent.profile_id, sent.source, "failed", message_id, reason, failed=True)

    def on_message(
        self, platform: Platform, state: SandboxState, business: str, message: dict[str, Any]
    ) -> dict[str, Any] | None:
        """A person wrote to the business: record a `message.inbound` event on their profile (returned)."""
        wa_id = str(message.get("from", ""))
        profile = state.profiles.find("phone", "+" + wa_id) or state.profiles.find("phone", wa_id)
        if profile is None:
            return None
        xdm: dict[str, Any] = {
            "eventType": "message.inbound",
            "channel": CHANNEL,
            "from": "+" + wa_id,
            "to": "+" + business,
            "messageId": message.get("id"),
        }
        xdm.update(_content(message))
        replied = (message.get("context") or {}).get("id")
        if replied:
            xdm["replyTo"] = replied
            self._clicked(state, profile.id, str(replied), xdm.get("button"))
        event = {"xdm": xdm}
        platform.record_event(state, profile, event)
        return event

    def _clicked(self, state: SandboxState, profile_id: str, replied: str, button: dict[str, str] | None) -> None:
        sent = self._sent.get(state, {}).get(replied)
        if sent is None or button is None:
            return
        counters = state.report(sent.source)
        counters.clicked += 1
        counters.actions[button["id"]] += 1
        self._remember(state, profile_id, sent.source, "clicked", replied, button["id"])

    @staticmethod
    def _remember(
        state: SandboxState,
        profile_id: str,
        source: str,
        outcome: str,
        message_id: str | None,
        reason: str | None = None,
        *,
        failed: bool = False,
    ) -> None:
        code = None
        if failed:
            failure = ExclusionReason.DISPATCH_ERROR
            reason, code = f"{failure.reason}: {reason}", failure.code
        record = MessageRecord(state.clock.timestamp(), source, CHANNEL, outcome, reason, code, message_id=message_id)
        state.remember(profile_id, record)


def _content(message: dict[str, Any]) -> dict[str, Any]:
    """The event's `body` (what the person wrote or tapped) and `button` (the reply's id and title)."""
    kind = message.get("type")
    if kind == "text":
        return {"body": message["text"]["body"]}
    if kind == "button":
        button = message["button"]
        return {"body": button["text"], "button": {"id": button["payload"], "title": button["text"]}}
    if kind == "interactive":
        interactive = message["interactive"]
        reply = interactive[interactive["type"]]
        return {"body": reply["title"], "button": {"id": reply["id"], "title": reply["title"]}}
    if kind == "reaction":
        return {"body": message["reaction"].get("emoji", ""), "reaction": message["reaction"]}
    return {"body": ""}


def _exclude(state: SandboxState, profile_id: str, source: str, reason: WhatsAppExclusion | ExclusionReason) -> None:
    # The report reads any reason with `.reason` and `.code`; ExclusionReason is the platform's closed list.
    state.exclude(profile_id, source, CHANNEL, cast(ExclusionReason, reason))
