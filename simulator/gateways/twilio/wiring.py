"""Put the Twilio gateway and the platform's SMS channel into a stack.

`install(stack)` creates the gateway (sharing the stack's sandboxes, device hub and webhook sender, fetching MMS
media through the stack's parts), registers it as `stack.messaging["twilio"]` (where phones send their texts),
registers `SmsChannel` as the platform's `Channel.SMS` sender — handing the gateway its validated request directly,
as `DirectApns` does, and the gateway handing the platform its signed webhooks directly (`PlatformWebhooks`) —
includes the SMS routes in the core app and adds the gateway's app as the `twilio` part.
Call it right after `Stack.build()`; it builds the stack's apps if they were not built yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI

from simulator.gateways.twilio.app import create_app
from simulator.gateways.twilio.media import MediaFetcher
from simulator.gateways.twilio.models import ContentCreate, MessageCreate
from simulator.gateways.twilio.service import TwilioGateway, basic_authorization
from simulator.gateways.twilio.signature import SIGNATURE_HEADER
from simulator.gateways.webhooks import WebhookAnswer, WebhookSender
from simulator.platform.channels.sms import SmsAnswer, SmsChannel, WebhookKind, sms_router, take_twilio_webhook
from simulator.platform.errors import PlatformError
from simulator.platform.models import Channel

if TYPE_CHECKING:
    from simulator.platform.service import Platform
    from simulator.stack import Stack

#: The base URL the in-process gateway is known by.
INPROCESS_URL = "http://twilio.mjlab.test"


class PlatformWebhooks:
    """The gateway's webhooks, with a fast path to the platform in one process.

    A Twilio webhook to the platform's `/webhooks/twilio/{sandbox}/status|inbound` is handed, signed form and URL as
    they would go over the wire, to the very function that route runs (`take_twilio_webhook`): the signature is
    checked the same way, without serialising HTTP per status callback. Any other URL goes through the stack's
    `WebhookSender`.
    """

    def __init__(self, sender: WebhookSender, platform: Platform, urls: Mapping[str, str]) -> None:
        self.sender = sender
        self.platform = platform
        self.urls = urls

    async def post(
        self, url: str, *, data: Mapping[str, str] | None = None, content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WebhookAnswer:  # fmt: skip
        """POST as `WebhookSender.post` does; the platform's Twilio webhooks are called directly."""
        prefix = self.urls.get("core", "") + "/webhooks/twilio/"
        if data is not None and url.startswith(prefix):
            sandbox, _, kind = url[len(prefix) :].partition("/")
            if kind in ("status", "inbound"):
                wanted = SIGNATURE_HEADER.lower()
                signature = next((v for k, v in (headers or {}).items() if k.lower() == wanted), None)
                try:
                    status, text = take_twilio_webhook(
                        self.platform, sandbox, cast(WebhookKind, kind), url, list(data.items()), signature
                    )
                except PlatformError as error:
                    return WebhookAnswer(error.status, error.message)
                return WebhookAnswer(status, text, "text/xml" if text else "")
        return await self.sender.post(url, data=data, content=content, headers=headers)


class DirectTwilio:
    """The platform's Twilio transport in one process: the gateway's request chain, no HTTP bytes."""

    def __init__(self, gateway: TwilioGateway) -> None:
        self.gateway = gateway

    async def send(self, sandbox: str, account_sid: str, auth_token: str, form: list[tuple[str, str]]) -> SmsAnswer:
        """`POST .../Messages.json`, handed over as the request model the HTTP route builds."""
        authorization = basic_authorization(account_sid, auth_token)
        answer = await self.gateway.create_message(account_sid, authorization, MessageCreate.from_form(form))
        return SmsAnswer(answer.status, answer.body)

    async def create_content(
        self, sandbox: str, account_sid: str, auth_token: str, template: dict[str, Any]
    ) -> SmsAnswer:
        """Content API `POST /v1/Content`, handed over as a validated body."""
        answer = self.gateway.create_content(
            basic_authorization(account_sid, auth_token), ContentCreate.model_validate(template)
        )
        return SmsAnswer(answer.status, answer.body)


def install(stack: Stack) -> None:
    """Add the Twilio gateway, the SMS channel and their routes to `stack`."""
    stack.urls.setdefault("twilio", INPROCESS_URL)
    fetcher = MediaFetcher(stack.urls, stack.apps)
    webhooks = PlatformWebhooks(stack.webhooks, stack.platform, stack.urls)
    gateway = TwilioGateway(stack.sandboxes, stack.hub, webhooks=webhooks, fetch=fetcher, urls=stack.urls)
    stack.messaging["twilio"] = gateway
    stack.platform.channels[Channel.SMS] = SmsChannel(DirectTwilio(gateway))
    apps = stack.apps()
    cast(FastAPI, apps["core"]).include_router(sms_router(stack.platform, lambda: stack.urls["core"]))
    apps["twilio"] = create_app(gateway)
