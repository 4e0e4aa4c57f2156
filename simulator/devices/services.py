"""How phones reach the outside world, in each stack mode (`PhoneServices`).

In-process, a phone calls the gateways' and the platform's own operations directly. Over the network, it calls the
gateways' `/_sim/devices` endpoints (what iOS and the Firebase SDK do to get a token), the platform's Edge endpoint,
the messaging gateways' `/_sim/phones/messages` (a person texting back), and keeps its connection state on the
device link. URLs on the stack's own parts (tracked links, pixels, landing pages) are really fetched; other
addresses are "opened" without loading (this machine has no internet).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urljoin

import httpx

from simulator.devices.delivery import MessageChannel
from simulator.devices.link import LinkClient
from simulator.devices.phone import OS, FetchResult, InstalledApp, Phone

if TYPE_CHECKING:
    from simulator.stack import Stack

#: Which gateway (endpoint name) carries a phone's outgoing messages of each channel.
OUTGOING_GATEWAY = {
    MessageChannel.SMS: "twilio",
    MessageChannel.MMS: "twilio",
    MessageChannel.RCS: "twilio",
    MessageChannel.WHATSAPP: "whatsapp",
}


class PhoneFacingGateway(Protocol):
    """A messaging gateway as phones reach it: it takes what a person sends."""

    async def receive_from_phone(self, sandbox: str, sender: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A message from the phone at `sender` (its number); the payload says to whom and what."""


def _sender(phone: Phone) -> str:
    if not phone.phone_number:
        raise ValueError(f"{phone!r} has no phone number")
    return phone.phone_number


async def _fetch(
    client_for: Callable[[str], httpx.AsyncClient | None], url: str, method: str, data: dict[str, str] | None
) -> FetchResult:
    """Load `url` as a browser does, following redirects while they stay on the stack's parts.

    A redirect anywhere else (another site, an app's deep link) ends there, not loaded (status 0), with the
    redirecting URLs in `history`: this machine has no internet, and a deep link opens an app, not a page.
    """
    history: list[str] = []
    for _ in range(20):
        client = client_for(url)
        if client is None:
            return FetchResult(0, url, "", tuple(history))
        response = await client.request(method, url, data=data)
        location = response.headers.get("location")
        if not response.is_redirect or location is None:
            return FetchResult(response.status_code, str(response.url), response.text, tuple(history))
        history.append(str(response.url))
        url = urljoin(str(response.url), location)
        if response.status_code in (301, 302, 303) and method != "HEAD":
            method, data = "GET", None
    raise httpx.TooManyRedirects(f"more than 20 redirects from {history[0]}")


class DirectPhoneServices:
    """Phones in the same process as the stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def issue_push_token(self, phone: Phone, app: InstalledApp) -> str:
        if phone.os is OS.IOS:
            environment: Literal["production", "sandbox"] = "sandbox" if app.environment == "sandbox" else "production"
            return self.stack.apns.register_device(phone.sandbox, phone.device_id, app.app_id, environment)
        if app.sender is None:
            raise ValueError(f"{app.app_id} on {phone!r} has no Firebase project (sender)")
        return self.stack.fcm.register_device(phone.sandbox, phone.device_id, app.app_id, app.sender)

    async def revoke_push_token(self, phone: Phone, app: InstalledApp) -> None:
        assert app.token is not None
        if phone.os is OS.IOS:
            self.stack.apns.unregister_device(app.token)
        else:
            self.stack.fcm.unregister_device(app.token)

    async def set_online(self, phone: Phone, online: bool) -> None:
        self.stack.hub.set_online(phone.device_id, online)

    async def send_edge(self, phone: Phone, events: list[dict[str, Any]]) -> dict[str, Any]:
        from simulator.platform.models import EdgeRequest

        return self.stack.platform.edge(phone.sandbox, EdgeRequest.model_validate({"events": events}))

    async def send_message(self, phone: Phone, channel: MessageChannel, payload: dict[str, Any]) -> dict[str, Any]:
        gateway: PhoneFacingGateway = self.stack.messaging[OUTGOING_GATEWAY[channel]]
        return await gateway.receive_from_phone(phone.sandbox, _sender(phone), payload)

    async def fetch(
        self, phone: Phone, url: str, *, method: str = "GET", data: dict[str, str] | None = None
    ) -> FetchResult:
        return await _fetch(self._client_for, url, method, data)

    def _client_for(self, url: str) -> httpx.AsyncClient | None:
        for name, base in self.stack.urls.items():
            if url.startswith(base):
                client = self._clients.get(name)
                if client is None:
                    app = self.stack.apps()[name]
                    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)
                    self._clients[name] = client
                return client
        return None


class HttpPhoneServices:
    """Phones in another process than the stack: HTTP to the gateways and the platform, the link for the rest."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], link: LinkClient, endpoints: dict[str, str]) -> None:
        self.clients = clients
        self.link = link
        self.endpoints = endpoints
        self._browser = httpx.AsyncClient(timeout=30.0)

    async def _json(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            request = response.request
            raise RuntimeError(f"{request.method} {request.url} → {response.status_code}: {response.text}")
        return response.json() if response.content else None

    async def issue_push_token(self, phone: Phone, app: InstalledApp) -> str:
        if phone.os is OS.IOS:
            body = {"sandbox": phone.sandbox, "device_id": phone.device_id, "bundle_id": app.app_id,
                    "environment": app.environment}  # fmt: skip
            answer = await self._json(await self.clients["apns"].post("/_sim/devices", json=body))
        else:
            body = {"sandbox": phone.sandbox, "device_id": phone.device_id, "package": app.app_id,
                    "project_id": app.sender or ""}  # fmt: skip
            answer = await self._json(await self.clients["fcm"].post("/_sim/devices", json=body))
        return str(answer["token"])

    async def revoke_push_token(self, phone: Phone, app: InstalledApp) -> None:
        gateway = "apns" if phone.os is OS.IOS else "fcm"
        await self._json(await self.clients[gateway].delete(f"/_sim/devices/{app.token}"))

    async def set_online(self, phone: Phone, online: bool) -> None:
        await self.link.set_online(phone.device_id, online)

    async def send_edge(self, phone: Phone, events: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.clients["core"].post(
            "/ee/v2/interact", json={"events": events}, headers={"x-sandbox-name": phone.sandbox}
        )
        return dict(await self._json(response))

    async def send_message(self, phone: Phone, channel: MessageChannel, payload: dict[str, Any]) -> dict[str, Any]:
        body = {"sandbox": phone.sandbox, "from": _sender(phone), "payload": payload}
        client = self.clients[OUTGOING_GATEWAY[channel]]
        return dict(await self._json(await client.post("/_sim/phones/messages", json=body)))

    async def fetch(
        self, phone: Phone, url: str, *, method: str = "GET", data: dict[str, str] | None = None
    ) -> FetchResult:
        return await _fetch(self._client_for, url, method, data)

    def _client_for(self, url: str) -> httpx.AsyncClient | None:
        return self._browser if any(url.startswith(base) for base in self.endpoints.values()) else None
