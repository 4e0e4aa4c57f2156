"""Getting MMS media, as Twilio does before it sends an MMS, and hosting test media on the gateway.

`MediaFetcher` GETs a `MediaUrl`: a URL on one of the stack's own parts goes through that part's ASGI app when the
stack runs in one process (no socket), anything else is a real HTTP request (a team's own server on loopback; this
machine has no internet, so a public URL is unreachable, as it would be for Twilio behind a firewall).
`HostedMedia` keeps files tests upload (`POST /_sim/media`) and serves them at `/_sim/media/{id}`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx
from starlette.types import ASGIApp

from simulator.gateways.outbound import OutboundClients


@dataclass(frozen=True, slots=True)
class FetchedMedia:
    """What a media URL answered (status 0: nobody answered)."""

    status: int
    content_type: str = ""
    size: int = 0


class MediaFetch(Protocol):
    """How the gateway gets a media URL."""

    async def __call__(self, url: str) -> FetchedMedia:
        """GET `url`; a connection failure is status 0, never an exception."""


class MediaFetcher:
    """GETs media: the stack's in-process parts through ASGI, anything else over HTTP."""

    def __init__(self, urls: Mapping[str, str] | None = None, apps: Callable[[], Mapping[str, ASGIApp]] | None = None):
        self._clients = OutboundClients(urls, apps, timeout=15.0, follow_redirects=True)

    async def __call__(self, url: str) -> FetchedMedia:
        """GET `url` and report its status, content type and size."""
        try:
            response = await self._clients.for_url(url).get(url)
        except httpx.HTTPError:
            return FetchedMedia(0)
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        return FetchedMedia(response.status_code, content_type, len(response.content))

    async def aclose(self) -> None:
        """Close the HTTP clients."""
        await self._clients.aclose()


@dataclass(frozen=True, slots=True)
class HostedFile:
    """A file served under `/_sim/media/{id}`."""

    id: str
    content_type: str
    data: bytes


class HostedMedia:
    """Files uploaded for tests, by id."""

    def __init__(self) -> None:
        self._files: dict[str, HostedFile] = {}

    def add(self, file_id: str, content_type: str, *, size: int | None = None, data: str | None = None) -> HostedFile:
        """Keep a file: base64 `data`, or `size` bytes of filler."""
        raw = base64.b64decode(data) if data is not None else b"\0" * (size or 0)
        hosted = HostedFile(file_id, content_type, raw)
        self._files[file_id] = hosted
        return hosted

    def get(self, file_id: str) -> HostedFile | None:
        """A hosted file, or None."""
        return self._files.get(file_id)

    def clear(self) -> None:
        """Forget every file."""
        self._files.clear()
