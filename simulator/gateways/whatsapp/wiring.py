"""Put WhatsApp into a stack: the gateway, the platform's channel and routes, and the gateway's app and URL.

`install(stack)` is called right after `Stack.build()`: it creates the gateway on the stack's sandboxes, hub and
webhook sender, makes it the phones' WhatsApp gateway (`stack.messaging["whatsapp"]`), registers the platform's
`WhatsAppChannel` (sending through `DirectWhatsApp`: the gateway's own chain, no HTTP bytes), adds the WhatsApp
routes to the core app and the gateway's app to `stack.apps()` under `whatsapp`, at `stack.urls["whatsapp"]`
(`http://whatsapp.mjlab.test` in-process unless the stack already names one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from simulator.gateways.whatsapp.app import create_app
from simulator.gateways.whatsapp.models import SendRequest
from simulator.gateways.whatsapp.service import WhatsAppGateway
from simulator.platform.channels.whatsapp import WhatsAppAnswer, WhatsAppChannel, WhatsAppConfig, whatsapp_router
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


def install(stack: Stack) -> None:
    """Add WhatsApp to `stack` (once): gateway, phones' gateway, platform channel and routes, app and URL."""
    if "whatsapp" in stack.messaging:
        return
    gateway = WhatsAppGateway(stack.sandboxes, stack.hub, stack.webhooks)
    stack.messaging["whatsapp"] = gateway
    stack.platform.channels[Channel.WHATSAPP] = WhatsAppChannel(DirectWhatsApp(gateway))
    stack.urls.setdefault("whatsapp", INPROCESS_URL)
    apps = stack.apps()
    core = apps["core"]
    if not isinstance(core, FastAPI):
        raise TypeError("the core app is not the platform's FastAPI app")
    core.include_router(whatsapp_router(stack.platform))
    apps["whatsapp"] = create_app(gateway)
