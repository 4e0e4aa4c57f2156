"""The push channel: tokens, payloads, and the sender's handling of APNs and FCM answers.

Consent, quiet hours and capping are checked before a dispatch reaches the channel (`platform.rules`). Then, in
order: the profile needs a push token (`PushNoTokenFoundInProfile` 050030) and one valid for this app and its
environment, not denylisted (`PushNoValidTokenFoundForApps` 050031: an apns token for a sandbox app is not valid);
the message must render (`RuntimeRenderingError` 050302). Each valid token is one delivery.

Answers are handled as a real sender must: 200 is delivered; 410 Unregistered / 404 UNREGISTERED denylists the
token and counts a bounce; 429/500/503 are retried with exponential backoff on the sandbox's clock (1, 2, 4, 8,
16 s), then counted as an error (`RuntimeDispatchError` 050301); any other error is permanent and counted at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from simulator.platform.apps import App
from simulator.platform.channels import Dispatch, is_templated
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Channel
from simulator.platform.personalization import RenderingError, render
from simulator.platform.profiles import PushDetail
from simulator.platform.push_message import (
    ActionButton,
    PushMessage,
    apns_headers,
    apns_payload,
    fcm_message,
    tracking_block,
)
from simulator.platform.state import MessageRecord, SandboxState

RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
#: Provider reasons after which the sender mints its credentials again and retries once.
STALE_CREDENTIALS = frozenset({"ExpiredProviderToken", "InvalidProviderToken", "UNAUTHENTICATED"})


@dataclass(frozen=True, slots=True)
class PushAnswer:
    """A push service's answer, reduced to what a sender acts on."""

    status: int
    reason: str | None = None
    message_id: str | None = None

    @property
    def ok(self) -> bool:
        """Accepted."""
        return self.status == 200

    @property
    def gone(self) -> bool:
        """The token is dead (410 Unregistered / 404 UNREGISTERED)."""
        return self.status == 410 or self.reason in ("Unregistered", "ExpiredToken", "UNREGISTERED")

    @property
    def retryable(self) -> bool:
        """Worth trying again later."""
        return self.status in (429, 500, 503)


class ApnsTransport(Protocol):
    """How the platform reaches APNs (directly in-process, or over HTTP/2)."""

    async def send(
        self, sandbox: str, token: str, headers: dict[str, str], body: bytes, environment: str
    ) -> PushAnswer:
        """POST /3/device/{token} to the production or sandbox (development) host."""


class FcmTransport(Protocol):
    """How the platform reaches FCM and Google's token endpoint."""

    async def access_token(self, sandbox: str, token_uri: str, assertion: str) -> tuple[str, float]:
        """Trade a service-account assertion for (access token, expires_in)."""

    async def send(self, sandbox: str, project_id: str, access_token: str, message: dict[str, Any]) -> PushAnswer:
        """POST /v1/projects/{project}/messages:send."""


def _render_message(message: PushMessage, variables: dict[str, Any]) -> PushMessage:
    def text(value: str | None) -> str | None:
        return None if value is None else render(value, variables)

    click = message.click.model_copy(update={"uri": text(message.click.uri)}) if message.click.uri else message.click
    buttons = [
        ActionButton(
            id=b.id, label=render(b.label, variables), click=b.click.model_copy(update={"uri": text(b.click.uri)})
        )
        for b in message.buttons
    ]
    return message.model_copy(
        update={
            "title": render(message.title, variables),
            "body": render(message.body, variables),
            "image": text(message.image),
            "click": click,
            "buttons": buttons,
        }
    )


class PushChannel:
    """Sends push messages through APNs and FCM transports."""

    channel = Channel.PUSH
    message_model = PushMessage

    def __init__(self, apns: ApnsTransport, fcm: FcmTransport) -> None:
        self.apns = apns
        self.fcm = fcm

    async def send(self, dispatch: Dispatch) -> None:
        """Apply the send-time rules, then send one delivery per valid token."""
        state, profile, source = dispatch.state, dispatch.profile, dispatch.source
        counters = state.report(source)
        app: App | None = state.apps.get(dispatch.app_id) if dispatch.app_id else None
        if not profile.push:
            counters.targeted += 1
            state.exclude(profile.id, source, "push", ExclusionReason.PUSH_NO_TOKEN)
            return
        targets = [
            d
            for d in profile.push
            if app is not None and d.app_id == app.app_id and d.platform in app.push_platforms and not d.denylisted
        ]
        if app is None or not targets:
            counters.targeted += 1
            state.exclude(profile.id, source, "push", ExclusionReason.PUSH_NO_VALID_TOKEN_FOR_APP)
            return
        message: PushMessage = dispatch.message
        templated = dispatch.templated if dispatch.templated is not None else is_templated(message)
        if templated:
            variables = {
                "profile": {**profile.attributes, "identities": profile.identities, "id": profile.id},
                "context": dispatch.context,
                "event": dispatch.context.get("event", {}),
            }
            try:
                message = _render_message(message, variables)
            except RenderingError:
                counters.targeted += len(targets)
                for _ in targets:
                    state.exclude(profile.id, source, "push", ExclusionReason.RENDERING_ERROR)
                return
        for detail in targets:
            counters.targeted += 1
            counters.sent += 1
            await self._attempt(dispatch, app, detail, message, attempt=0)

    async def _attempt(
        self, dispatch: Dispatch, app: App, detail: PushDetail, message: PushMessage, *, attempt: int
    ) -> None:
        state = dispatch.state
        clock = state.clock
        sandbox = state.sandbox
        message_id = sandbox.ids.uuid()
        tracking = tracking_block(
            campaign_id=dispatch.source,
            message_id=message_id,
            execution_id=sandbox.ids.uuid(),
            profile_id=dispatch.profile.id,
        )
        answer = await self._send(state, app, detail, message, tracking, message_id)
        if answer.reason in STALE_CREDENTIALS:
            app.forget_credentials()
            answer = await self._send(state, app, detail, message, tracking, message_id)
        counters = state.report(dispatch.source)
        if answer.retryable and attempt < len(RETRY_DELAYS):
            if attempt == 0:
                counters.pending += 1

            async def retry() -> None:
                await self._attempt(dispatch, app, detail, message, attempt=attempt + 1)

            clock.call_later(RETRY_DELAYS[attempt], retry)
            return
        if attempt > 0:
            counters.pending -= 1
        record = MessageRecord(clock.timestamp(), dispatch.source, "push", "delivered", token=detail.token)
        record.message_id = answer.message_id or message_id
        if answer.ok:
            counters.delivered += 1
        elif answer.gone:
            detail.denylisted = True
            counters.bounces += 1
            counters.bounce_reasons[answer.reason or str(answer.status)] += 1
            record.outcome, record.reason = "bounced", answer.reason
        else:
            counters.errors += 1
            reason = answer.reason or str(answer.status)
            counters.error_reasons[reason] += 1
            failure = ExclusionReason.DISPATCH_ERROR
            record.outcome, record.reason, record.code = "failed", f"{failure.reason}: {reason}", failure.code
        state.remember(dispatch.profile.id, record)

    async def _send(
        self,
        state: SandboxState,
        app: App,
        detail: PushDetail,
        message: PushMessage,
        tracking: dict[str, Any],
        message_id: str,
    ) -> PushAnswer:
        clock, sandbox, token = state.clock, state.sandbox.name, detail.token
        if detail.platform != "fcm":
            assert app.apns is not None
            headers = apns_headers(message, app.app_id, clock.timestamp())
            headers["apns-id"] = message_id
            headers["authorization"] = f"bearer {app.provider_token(clock)}"
            body = json.dumps(apns_payload(message, tracking), separators=(",", ":"), ensure_ascii=False).encode()
            answer = await self.apns.send(sandbox, token, headers, body, app.environment)
            return PushAnswer(answer.status, answer.reason, answer.message_id or message_id)
        assert app.fcm is not None
        access_token = app.cached_access_token(clock)
        if access_token is None:
            account = app.fcm.service_account
            access_token, expires_in = await self.fcm.access_token(
                sandbox, account["token_uri"], app.fcm_assertion(clock)
            )
            app.keep_access_token(clock, access_token, expires_in)
        return await self.fcm.send(sandbox, app.fcm.project_id, access_token, fcm_message(message, token, tracking))
