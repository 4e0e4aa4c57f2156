"""A small in-process world for the inbound-channel tests: one app, profiles with phones, campaigns, raw Edge calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from simulator.client import StackClient
from simulator.devices.messaging import AppMessaging
from simulator.devices.phone import OS, Phone
from simulator.stack import Stack

SANDBOX = "inbound"
APP = "com.acme.shop"


class World:
    """Helpers over an in-process stack."""

    def __init__(self, client: StackClient, sender: str) -> None:
        self.client = client
        self.sender = sender
        self._people = 0

    @property
    def stack(self) -> Stack:
        assert self.client.stack is not None
        return self.client.stack

    async def person(self, name: str, os: OS = OS.IOS, **attributes: Any) -> tuple[str, Phone]:
        """A profile with a phone on which the app is installed and launched."""
        self._people += 1
        email = f"{name.lower()}@acme.test"
        profile = await self.call("POST", "/profiles", {"identities": {"email": email},
                                                         "attributes": {"firstName": name, **attributes}})  # fmt: skip
        phone = await self.client.new_phone(SANDBOX, os, name=name)
        phone.install(APP, ecid=f"{self._people:038d}", sender=self.sender)
        phone.app(APP).identities["email"] = email
        await phone.launch(APP)
        return str(profile["id"]), phone

    async def call(self, method: str, path: str, body: Any = None, *, ok: bool = True) -> Any:
        """Call the platform API in the sandbox."""
        return await self.client.call("core", method, path, sandbox=SANDBOX, json=body, ok=ok)

    async def campaign(self, channel: str, message: dict[str, Any], *profiles: str) -> str:
        """Create a campaign and send it to `profiles`."""
        body = {"name": f"c-{channel}", "channel": channel, "appId": APP, "message": message}
        campaign = str((await self.call("POST", "/campaigns", body))["id"])
        if profiles:
            recipients = [{"profileId": p} for p in profiles]
            await self.call("POST", f"/campaigns/{campaign}/trigger", {"recipients": recipients})
            await self.client.settle(SANDBOX)
        return campaign

    async def report(self, campaign: str) -> dict[str, Any]:
        """A campaign's report."""
        return dict(await self.call("GET", f"/campaigns/{campaign}/report"))

    async def edge(self, *events: dict[str, Any], ok: bool = True) -> Any:
        """POST /ee/v2/interact."""
        return await self.call("POST", "/ee/v2/interact", {"events": list(events)}, ok=ok)

    @staticmethod
    def sdk(phone: Phone) -> AppMessaging:
        """The app's messaging SDK state on a phone."""
        return phone.messaging.app(APP)


def fetch_event(ecid: str, *surfaces: str) -> dict[str, Any]:
    """A personalization request as the SDK sends it."""
    return {"xdm": {"eventType": "personalization.request", "identityMap": {"ECID": [{"id": ecid}]}},
            "query": {"personalization": {"surfaces": list(surfaces)}}}  # fmt: skip


def in_world(test: Callable[[World], Awaitable[None]]) -> None:
    """Run `test` against a fresh in-process stack with the app provisioned."""

    async def main() -> None:
        client = await StackClient.inprocess(Stack.build(seed="inbound-tests"))
        await client.open_sandbox(SANDBOX)
        app = await client.provision_app(SANDBOX, APP)
        try:
            await test(World(client, app["fcm"]["projectId"]))
        finally:
            await client.aclose()

    asyncio.run(main())
