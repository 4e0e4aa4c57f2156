"""The platform's WhatsApp routes: the channel's configuration, and the webhook Meta posts to.

- `PUT /channels/whatsapp` (`x-sandbox-name`): the business number and its credentials (`WhatsAppConfig`);
  `GET /channels/whatsapp` shows it with the secrets masked.
- `GET /webhooks/whatsapp/{sandbox}`: Meta's subscription handshake — `hub.mode=subscribe` with the configured
  `hub.verify_token` is answered 200 with `hub.challenge` as plain text, anything else 403.
- `POST /webhooks/whatsapp/{sandbox}`: a notification. The `X-Hub-Signature-256` header must be the HMAC-SHA256 of
  the raw body with the configured app secret; an unsigned or wrongly signed one is 403 and changes nothing.
  Statuses move the sent messages' counters on, incoming messages become `message.inbound` events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from simulator.platform.api import SandboxName
from simulator.platform.channels.whatsapp.channel import CHANNEL, WhatsAppChannel, WhatsAppConfig, config_of
from simulator.platform.errors import InvalidRequest, NotFound
from simulator.platform.models import Channel
from simulator.platform.service import Platform
from simulator.sandboxes import DEFAULT_SANDBOX

SIGNATURE_HEADER = "x-hub-signature-256"


def signature_ok(app_secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` is `sha256=<hex HMAC-SHA256(app secret, body)>` (constant-time comparison)."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return signature is not None and hmac.compare_digest(expected, signature.strip())


def whatsapp_router(platform: Platform) -> APIRouter:
    """The WhatsApp configuration and webhook routes of `platform`, to include in its API."""
    router = APIRouter(tags=["whatsapp"])

    @router.put("/channels/whatsapp")
    async def configure(body: WhatsAppConfig, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        """Set the sandbox's WhatsApp business number and the credentials Meta gave for it."""
        platform.state(sandbox).channel_configs[CHANNEL] = body
        return body.public_json()

    @router.get("/channels/whatsapp")
    async def configuration(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        """The sandbox's WhatsApp configuration, secrets masked."""
        config = config_of(platform.state(sandbox))
        if config is None:
            raise NotFound(f"no WhatsApp channel configured in sandbox {sandbox!r}", field="channel")
        return config.public_json()

    @router.get("/webhooks/whatsapp/{sandbox}", response_model=None)
    async def verify_subscription(sandbox: str, request: Request) -> Response:
        """Meta's subscription handshake: the challenge for the configured verify token, else 403."""
        status, text = handshake(platform, sandbox, request.query_params)
        return PlainTextResponse(text) if status == 200 else Response(status_code=status)

    @router.post("/webhooks/whatsapp/{sandbox}", response_model=None)
    async def notification(sandbox: str, request: Request) -> Response:
        """A signed notification from Meta: statuses and incoming messages (403 when the signature is wrong)."""
        status = notify(platform, sandbox, await request.body(), request.headers.get(SIGNATURE_HEADER))
        return Response(status_code=status)

    return router


def handshake(platform: Platform, sandbox: str, query: Mapping[str, str]) -> tuple[int, str]:
    """Meta's subscription check: (200, the challenge) for the configured verify token, else (403, "")."""
    config = config_of(platform.state(sandbox))
    challenge = query.get("hub.challenge")
    if (
        config is None
        or challenge is None
        or query.get("hub.mode") != "subscribe"
        or not hmac.compare_digest(query.get("hub.verify_token", ""), config.verify_token)
    ):
        return 403, ""
    return 200, challenge


def notify(platform: Platform, sandbox: str, raw: bytes, signature: str | None) -> int:
    """Take one notification (the raw body and its `X-Hub-Signature-256`); the HTTP status to answer.

    This is the whole of `POST /webhooks/whatsapp/{sandbox}`: in one process the gateway may call it directly.
    """
    state = platform.state(sandbox)
    config = config_of(state)
    if config is None or not signature_ok(config.app_secret, raw, signature):
        return 403
    try:
        payload = json.loads(raw)
    except ValueError:
        raise InvalidRequest("the notification is not JSON", field="body") from None
    sender = platform.channels.get(Channel.WHATSAPP)
    if not isinstance(sender, WhatsAppChannel):
        raise NotFound("the WhatsApp channel is not available", field="channel")
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if change.get("field") != "messages":
                continue
            for status in value.get("statuses") or []:
                sender.on_status(state, status)
            business = str((value.get("metadata") or {}).get("display_phone_number", ""))
            for message in value.get("messages") or []:
                sender.on_message(platform, state, business, message)
    return 200
