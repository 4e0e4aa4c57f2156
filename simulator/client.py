"""`StackClient`: one way to use a stack, whatever its mode.

The harness, the CLI and the benchmarks talk to the platform and gateways through HTTP clients (in-process,
`AsgiClient` straight into each part's ASGI app; sockets otherwise), move a sandbox's clock through
`/_sim/clock`, and create phones whose services fit the mode. Reading, moving and settling the clock happen
several times per step: in-process they call the code behind those routes (`ClockControl`) directly, and only a
request the model refuses goes through HTTP, for the route's own 422 answer. The per-notification path never
goes through here.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from typing import Any

import httpx
from pydantic import ValidationError

from simulator.asgi_client import AsgiClient
from simulator.devices.link import LinkClient
from simulator.devices.phone import OS, Phone, PhoneServices
from simulator.devices.services import DirectPhoneServices, HttpPhoneServices
from simulator.platform.clock_control import ClockControl
from simulator.platform.errors import PlatformError
from simulator.platform.models import ClockAdvance
from simulator.stack import Stack


class StackError(RuntimeError):
    """A call to the stack was refused; carries the status and the body the part answered with."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        super().__init__(f"{method} {url} answered {status}: {body}")
        self.status = status
        self.body = body


class StackClient:
    """Clients for every part of a stack, plus phones and the clock."""

    def __init__(
        self,
        mode: str,
        http: dict[str, httpx.AsyncClient],
        services: PhoneServices,
        *,
        stack: Stack | None = None,
        link: LinkClient | None = None,
        endpoints: dict[str, str] | None = None,
    ) -> None:
        self.mode = mode
        self.http = http
        self.services = services
        self.stack = stack
        self.link = link
        self.endpoints = endpoints or {}
        self._device_numbers = itertools.count(1)
        self._clock = ClockControl(stack.platform) if stack is not None else None
        # In one process `call` hands requests straight to each part's ASGI app (see simulator.asgi_client);
        # `http` keeps full httpx clients for everything else.
        self._direct_http = (
            {name: AsgiClient(app, stack.urls[name]) for name, app in stack.apps().items()} if stack is not None else {}
        )

    @classmethod
    async def inprocess(cls, stack: Stack) -> StackClient:
        """A client driving `stack` in this process through ASGI transports."""
        http = {
            name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=stack.urls[name])
            for name, app in stack.apps().items()
        }
        return cls("inprocess", http, DirectPhoneServices(stack), stack=stack)

    @classmethod
    async def connect(cls, endpoints: dict[str, str], mode: str = "network") -> StackClient:
        """A client for a stack served elsewhere (`mjlab serve`), from its endpoints file's URLs."""
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        # The apns endpoint speaks HTTP/2 only, as Apple does; admin calls go to the same gateway over HTTP/1.1.
        urls = {**endpoints, "apns": endpoints.get("apns_http1", endpoints["apns"])}
        http = {
            name: httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0)
            for name, url in urls.items()
            if url.startswith("http")
        }
        link = LinkClient(endpoints["core"].replace("http", "ws", 1) + "/_sim/devices/link")
        await link.connect()
        return cls(mode, http, HttpPhoneServices(http, link, endpoints), link=link, endpoints=endpoints)

    async def aclose(self) -> None:
        """Close every connection."""
        if self.link is not None:
            await self.link.close()
        for client in self.http.values():
            await client.aclose()

    # -- raw calls ----------------------------------------------------------------------------------------------

    async def call(
        self,
        part: str,
        method: str,
        path: str,
        *,
        sandbox: str | None = None,
        json: Any = None,
        content: str | None = None,
        ok: bool = True,
    ) -> Any:
        """Call a part's API (a JSON body, or raw `content` such as YAML); raise StackError on a 4xx/5xx unless
        `ok` is False."""
        if self.link is not None:
            await self.link.connected()
        headers = {"x-sandbox-name": sandbox} if sandbox else {}
        if content is not None:
            headers["content-type"] = "application/yaml"
        direct = self._direct_http.get(part)
        client: AsgiClient | httpx.AsyncClient = direct if direct is not None else self.http[part]
        response = await client.request(method, path, json=json, content=content, headers=headers)
        body: Any = (
            response.json()
            if response.content and "json" in response.headers.get("content-type", "")
            else response.text
        )
        if ok and response.status_code >= 400:
            raise StackError(method, str(response.request.url), response.status_code, body)
        return body

    # -- sandboxes and time ---------------------------------------------------------------------------------------

    async def open_sandbox(self, name: str, seed: str | None = None) -> None:
        """Create a sandbox (each scenario gets its own)."""
        await self.call("core", "POST", "/_sim/sandboxes", json={"name": name, "seed": seed})

    async def close_sandbox(self, name: str) -> None:
        """Drop a sandbox and everything in it."""
        await self.call("core", "DELETE", f"/_sim/sandboxes/{name}")

    async def advance(self, sandbox: str, seconds: float) -> dict[str, Any]:
        """Move the sandbox's clock forward, firing what falls due, and settle."""
        return await self._advance(sandbox, {"seconds": seconds})

    async def advance_to(self, sandbox: str, instant: str) -> dict[str, Any]:
        """Move the sandbox's clock to an ISO 8601 instant, and settle."""
        return await self._advance(sandbox, {"to": instant})

    async def settle(self, sandbox: str) -> dict[str, Any]:
        """Wait until nothing is queued and every delivery is acknowledged."""
        if self._clock is not None:
            return await self._direct("POST", "/_sim/settle", self._clock.settle(sandbox))
        return dict(await self.call("core", "POST", "/_sim/settle", sandbox=sandbox))

    async def now(self, sandbox: str) -> dict[str, Any]:
        """The sandbox's clock."""
        if self._clock is not None:
            return await self._direct("GET", "/_sim/clock", self._clock.reading(sandbox))
        return dict(await self.call("core", "GET", "/_sim/clock", sandbox=sandbox))

    async def _advance(self, sandbox: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._clock is not None:
            try:
                request = ClockAdvance.model_validate(body)
            except ValidationError:
                pass  # the route answers it: its 422 body is the one to show
            else:
                return await self._direct("POST", "/_sim/clock/advance", self._clock.advance(sandbox, request))
        return dict(await self.call("core", "POST", "/_sim/clock/advance", sandbox=sandbox, json=body))

    async def _direct(self, method: str, path: str, answer: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        """`answer` from ClockControl; a refusal becomes the StackError the route's error handler would have led to."""
        try:
            return await answer
        except PlatformError as error:
            url = str(self.http["core"].base_url.join(path))
            raise StackError(method, url, error.status, error.to_body()) from None

    # -- apps and phones ------------------------------------------------------------------------------------------

    async def provision_app(
        self,
        sandbox: str,
        app_id: str,
        *,
        platforms: tuple[str, ...] = ("ios", "android"),
        environment: str = "production",
        name: str = "",
    ) -> dict[str, Any]:
        """Create the app with its providers (an APNs key, a Firebase project) and configure it in the platform."""
        body: dict[str, Any] = {"appId": app_id, "name": name or app_id, "environment": environment}
        if "ios" in platforms:
            team = ("T" + sandbox.encode().hex().upper())[:10].ljust(10, "0")
            key = {"sandbox": sandbox, "team_id": team, "topics": [app_id]}
            grant = await self.call("apns", "POST", "/_sim/keys", json=key)
            body["apns"] = {
                "keyId": grant["key_id"],
                "teamId": grant["team_id"],
                "privateKey": grant["private_key_pem"],
            }
        if "android" in platforms:
            project = "mjlab-" + app_id.replace(".", "-").replace("_", "-").lower()[:22]
            account = await self.call("fcm", "POST", "/_sim/projects", json={"sandbox": sandbox, "project_id": project})
            body["fcm"] = {"projectId": project, "serviceAccount": account}
        return dict(await self.call("core", "POST", "/apps", sandbox=sandbox, json=body))

    async def new_phone(
        self, sandbox: str, os: OS, *, name: str = "", phone_number: str | None = None, email: str | None = None
    ) -> Phone:
        """A phone in `sandbox`, attached to the stack and online."""
        device_id = f"{sandbox}/phone-{next(self._device_numbers)}"
        phone = Phone(
            device_id=device_id,
            sandbox=sandbox,
            os=os,
            services=self.services,
            name=name,
            phone_number=phone_number,
            email=email,
        )
        addresses = tuple(a for a in (phone_number, email) if a)
        if self.stack is not None:
            self.stack.hub.attach(phone)
            for address in addresses:
                self.stack.hub.register_address(sandbox, address, device_id)
        else:
            assert self.link is not None
            await self.link.attach(phone, addresses=addresses)
        return phone
