"""HTTP clients for the requests a gateway makes itself (webhooks, media downloads), chosen by URL.

A URL on one of the stack's own parts goes through that part's ASGI app when the stack runs in one process (no
socket); any other URL (a team's own service on loopback) is a real HTTP request. Each client is made on first
use: most scenarios never call outside the stack, and an `httpx` network client loads the system's certificates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
from starlette.types import ASGIApp


class OutboundClients:
    """One `httpx.AsyncClient` per part of the stack (ASGI) and one for the network, all made when first needed."""

    def __init__(
        self,
        urls: Mapping[str, str] | None = None,
        apps: Callable[[], Mapping[str, ASGIApp]] | None = None,
        **options: Any,
    ) -> None:
        """`urls` and `apps` are the stack's parts by endpoint name; `options` go to every client (timeout...)."""
        self._urls = urls or {}
        self._apps = apps
        self._options = options
        self._parts: dict[str, httpx.AsyncClient] = {}
        self._network: httpx.AsyncClient | None = None

    def for_url(self, url: str) -> httpx.AsyncClient:
        """The client that reaches `url`."""
        if self._apps is not None:
            for name, base in self._urls.items():
                if url.startswith(base):
                    client = self._parts.get(name)
                    if client is None:
                        transport = httpx.ASGITransport(app=self._apps()[name])
                        client = self._parts[name] = httpx.AsyncClient(
                            transport=transport, base_url=base, **self._options
                        )
                    return client
        return self.network

    @property
    def network(self) -> httpx.AsyncClient:
        """The client for URLs outside the stack."""
        if self._network is None:
            self._network = httpx.AsyncClient(**self._options)
        return self._network

    def is_network(self, client: httpx.AsyncClient) -> bool:
        """True when `client` is the one that leaves the stack."""
        return client is self._network

    async def aclose(self) -> None:
        """Close every client made so far."""
        for client in self._parts.values():
            await client.aclose()
        if self._network is not None:
            await self._network.aclose()
