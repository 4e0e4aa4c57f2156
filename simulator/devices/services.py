"""How phones reach the outside world, in each stack mode (`PhoneServices`).

In-process, a phone calls the gateways' and the platform's own operations directly. Over the network, it calls the
gateways' `/_sim/devices` endpoints (what iOS and the Firebase SDK do to get a token), the platform's Edge endpoint,
and keeps its connection state on the device link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from simulator.devices.link import LinkClient
from simulator.devices.phone import OS, InstalledApp, Phone

if TYPE_CHECKING:
    from simulator.stack import Stack


class DirectPhoneServices:
    """Phones in the same process as the stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    async def issue_push_token(self, phone: Phone, app: InstalledApp) -> str:
        if phone.os is OS.IOS:
            return self.stack.apns.register_device(phone.sandbox, phone.device_id, app.app_id, app.environment)  # type: ignore[arg-type]
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


class HttpPhoneServices:
    """Phones in another process than the stack: HTTP to the gateways and the platform, the link for the rest."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], link: LinkClient) -> None:
        self.clients = clients
        self.link = link

    async def _json(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise RuntimeError(f"{response.request.method} {response.request.url} → {response.status_code}: {response.text}")
        return response.json() if response.content else None

    async def issue_push_token(self, phone: Phone, app: InstalledApp) -> str:
        if phone.os is OS.IOS:
            body = {"sandbox": phone.sandbox, "device_id": phone.device_id, "bundle_id": app.app_id, "environment": app.environment}
            answer = await self._json(await self.clients["apns"].post("/_sim/devices", json=body))
        else:
            body = {"sandbox": phone.sandbox, "device_id": phone.device_id, "package": app.app_id, "project_id": app.sender}
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
