"""Webhooks a gateway posts (Twilio status callbacks and inbound messages, WhatsApp notifications).

A `WebhookSender` posts to a URL and returns what it answered. URLs on the stack's own parts (the platform's
webhook endpoints) go through the part's ASGI app when the stack runs in one process, and over the network
otherwise; any other URL (a team's own service on loopback) is a real HTTP call. Callers run `post()` as tracked
work on the sandbox's clock (`clock.spawn`), so settling the stack waits for every webhook and its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

from simulator.gateways.outbound import OutboundClients


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What the receiving end answered (status 0: nobody answered)."""

    status: int
    text: str
    content_type: str = ""


class WebhookSender:
    """Posts webhooks: in-process parts through ASGI, anything else over HTTP."""

    def __init__(self, urls: Mapping[str, str] | None = None, apps: Callable[[], Mapping[str, ASGIApp]] | None = None):
        self._clients = OutboundClients(urls, apps, timeout=15.0)
        self.live = True
        """False while a restarted server replays its journal: webhooks to outside the stack are not sent again."""

    async def post(
        self, url: str, *, data: Mapping[str, str] | None = None, content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WebhookAnswer:  # fmt: skip
        """POST form `data` or raw `content` to `url`; a connection failure is status 0, never an exception."""
        client = self._clients.for_url(url)
        if not self.live and self._clients.is_network(client):
            return WebhookAnswer(200, "", "replayed: not sent again")
        try:
            response = await client.post(url, data=data, content=content, headers=headers)
        except httpx.HTTPError as error:
            return WebhookAnswer(0, f"{type(error).__name__}: {error}")
        return WebhookAnswer(response.status_code, response.text, response.headers.get("content-type", ""))

    async def get(self, url: str, *, params: Mapping[str, str] | None = None) -> WebhookAnswer:
        """GET `url` (a subscription handshake, as Meta's); a connection failure is status 0, never an exception."""
        try:
            response = await self._clients.for_url(url).get(url, params=params)
        except httpx.HTTPError as error:
            return WebhookAnswer(0, f"{type(error).__name__}: {error}")
        return WebhookAnswer(response.status_code, response.text, response.headers.get("content-type", ""))

    async def aclose(self) -> None:
        """Close the HTTP clients."""
        await self._clients.aclose()
