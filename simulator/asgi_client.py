"""`AsgiClient`: a request handed straight to a part's ASGI app, answered as an `httpx.Response`.

In one process the harness calls the platform and the gateways through their ASGI apps, about thirty times per
scenario. `httpx.AsyncClient` over `httpx.ASGITransport` spends as long in the client (URL merging, cookies,
auth and redirect handling, streams) as the app spends answering; this client builds the ASGI scope itself and
hands the app the body in one message. The app, its middleware, validation and error handlers are untouched:
only the client around them is smaller. `StackClient.call` uses it in one process; `StackClient.http` keeps
full `httpx` clients for everything else, and over sockets `httpx` does it all.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
from starlette.types import ASGIApp, Message


class AsgiClient:
    """Requests to one ASGI app under `base_url`, as `httpx.AsyncClient.request` makes them (the subset used)."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = httpx.URL(base_url)
        self._base = str(self.base_url).rstrip("/")
        self._host = self.base_url.host
        self._server = (self._host, self.base_url.port or 80)

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request to `url` (a path and its query); what the app raises is raised here, as httpx does."""
        body = b""
        fields = [(b"host", self._host.encode())]
        if content is not None:
            body = content.encode() if isinstance(content, str) else content
        elif json is not None:
            # The encoding httpx uses for `json=`: compact, UTF-8, no NaN.
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            fields.append((b"content-type", b"application/json"))
        for name, value in (headers or {}).items():
            fields.append((name.lower().encode(), value.encode()))
        if body or method in ("POST", "PUT", "PATCH"):
            fields.append((b"content-length", str(len(body)).encode()))
        split = urlsplit(url)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": split.path,
            "raw_path": split.path.encode(),
            "query_string": split.query.encode(),
            "root_path": "",
            "headers": fields,
            "client": ("127.0.0.1", 123),
            "server": self._server,
            "extensions": {},
        }
        sent = False
        complete = anyio.Event()
        status = 500
        answer_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent
            if sent:
                await complete.wait()  # as httpx does: a streaming response is not told the client left
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self.app(scope, receive, send)
        finally:
            complete.set()
        request = httpx.Request(method, self._base + url)  # a path under the part's URL: no URL join needed
        return httpx.Response(status, headers=answer_headers, content=b"".join(chunks), request=request)

    async def aclose(self) -> None:
        """Nothing to close: there is no connection."""
