"""Put WhatsApp into a stack: the gateway, the platform's channel and routes, and the gateway's app and URL.

`install(stack)` is called right after `Stack.build()`: it creates the gateway on the stack's sandboxes, hub and
webhook sender, makes it the phones' WhatsApp gateway (`stack.messaging["whatsapp"]`), registers the platform's
`WhatsAppChannel` (sending through `DirectWhatsApp`: the gateway's own chain, no HTTP bytes; webhooks come back
through `PlatformWebhooks`: the platform route's own handler, no HTTP bytes either), adds the WhatsApp routes to the
core app and the gateway's app to `stack.apps()` under `whatsapp`, at `stack.urls["whatsapp"]`
(`http://whatsapp.mjlab.test` in-process unless the stack already names one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from simulator.gateways.webhooks import WebhookAnswer
from simulator.gateways.whatsapp.app import create_app
from simulator.gateways.whatsapp.models import SendRequest
from simulator.gateways.whatsapp.service import WhatsAppGateway
from simulator.platform.channels.whatsapp import WhatsAppAnswer, WhatsAppChannel, WhatsAppConfig, whatsapp_router
from simulator.platform.channels.whatsapp.router import SIGNATURE_HEADER, handshake, notify
from simulator.platform.errors import PlatformError
from simulator.platform.models import Channel

if TYPE_CHECKING:
    from simulator.stack import Stack

INPROCESS_URL = "http://whatsapp.mjlab.test"


class DirectWhatsApp:
    """The platform's Cloud API transport in one process: the gateway's request chain, no HTTP bytes."""

    def __init__(self, gateway: WhatsAppGateway) -> None:
        self.gateway = gateway

    async def send(self, sandbox: str, config: WhatsAppConfig, body: dict[str, Any]) -> WhatsAppAnswer:
        """POST /{version}/{phone_number_id}/messages, handed over as the request model with a parsed body."""
        request = SendRequest(
            version=config.api_version,
            phone_number_id=config.phone_number_id,
            authorization=f"Bearer {config.access_token}",
            body=body,
        )
        answer = await self.gateway.handle(request)
        return WhatsAppAnswer(answer.status, answer.message_id, answer.error_code, answer.error_message)


class PlatformWebhooks:
    """The gateway's webhook poster in one process: webhooks and handshakes addressed to the platform's own
    `/webhooks/whatsapp/{sandbox}` route run that route's handler (`notify`, `handshake`: signature check included)
    on the raw bytes, with no HTTP round trip; any other URL goes through the stack's `WebhookSender`."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def _sandbox(self, url: str) -> str | None:
        prefix = self.stack.urls["core"].rstrip("/") + "/webhooks/whatsapp/"
        rest = url[len(prefix) :] if url.startswith(prefix) else ""
        return rest if rest and "/" not in rest and "?" not in rest else None

    async def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WebhookAnswer:
        """POST a notification: straight to the platform's handler when it is the platform's route."""
        sandbox = self._sandbox(url)
        if sandbox is None or data is not None:
            return await self.stack.webhooks.post(url, data=data, content=content, headers=headers)
        signature = next((v for k, v in (headers or {}).items() if k.lower() == SIGNATURE_HEADER), None)
        try:
            return WebhookAnswer(notify(self.stack.platform, sandbox, content or b"", signature), "")
        except PlatformError as error:
            return WebhookAnswer(error.status, error.message)

    async def get(self, url: str, *, params: Mapping[str, str] | None = None) -> WebhookAnswer:
        """GET a handshake: straight to the platform's handler when it is the platform's route."""
        sandbox = self._sandbox(url)
        if sandbox is None:
            return await self.stack.webhooks.get(url, params=params)
        try:
            status, text = handshake(self.stack.platform, sandbox, params or {})
        except PlatformError as error:
            return WebhookAnswer(error.status, error.message)
        return WebhookAnswer(status, text, "text/plain")


def install(stack: Stack) -> None:
    """Add WhatsApp to `stack` (once): gateway, phones' gateway, platform channel and routes, app and URL."""
    if "whatsapp" in stack.messaging:
        return
    gateway = WhatsAppGateway(stack.sandboxes, stack.hub, PlatformWebhooks(stack))
    stack.messaging["whatsapp"] = gateway
    stack.platform.channels[Channel.WHATSAPP] = WhatsAppChannel(DirectWhatsApp(gateway))
    stack.urls.setdefault("whatsapp", INPROCESS_URL)
    apps = stack.apps()
    core = apps["core"]
    if not isinstance(core, FastAPI):
        raise TypeError("the core app is not the platform's FastAPI app")
    core.include_router(whatsapp_router(stack.platform))
    apps["whatsapp"] = create_app(gateway)
