"""WhatsApp in network mode: the core and the gateway on loopback ports, phones on the device link and HTTP.

The stack is served here the way `mjlab serve` serves it (one event loop, uvicorn per part) after
`wiring.install(stack)`; the client connects from another loop through sockets only.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from simulator.client import StackClient
from simulator.devices.delivery import MessageChannel
from simulator.devices.phone import OS
from simulator.devices.whatsapp import WhatsAppChats
from simulator.gateways.whatsapp.wiring import install
from simulator.platform.channels.whatsapp import provision_whatsapp
from simulator.stack import Stack

pytestmark = pytest.mark.network

TEMPLATES = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp" / "templates.json").read_text())


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    sockets = {"core": _listener(), "whatsapp": _listener()}
    urls = {name: f"http://127.0.0.1:{sock.getsockname()[1]}" for name, sock in sockets.items()}
    loop = asyncio.new_event_loop()
    servers: list[uvicorn.Server] = []
    started = threading.Event()

    failures: list[BaseException] = []

    async def serve() -> None:
        try:
            await run()
        except BaseException as error:
            failures.append(error)
            started.set()
            raise

    async def run() -> None:
        stack = Stack.build(seed="whatsapp-network", urls=dict(urls))
        install(stack)
        apps = stack.apps()
        for name in sockets:
            config = uvicorn.Config(apps[name], log_level="warning", lifespan="off", ws="websockets-sansio")
            servers.append(uvicorn.Server(config))
        tasks = [asyncio.ensure_future(s.serve(sockets=[sockets[n]])) for s, n in zip(servers, sockets, strict=True)]
        while not all(s.started for s in servers):
            await asyncio.sleep(0.01)
        started.set()
        await asyncio.gather(*tasks)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10), "the stack did not start within 10 s"
    assert not failures, f"the stack failed to start: {failures[0]!r}"
    try:
        # The push gateways are not served here; the client needs their names only.
        yield {**urls, "apns": urls["core"], "fcm": urls["core"]}
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(timeout=10)
        for sock in sockets.values():
            sock.close()
        loop.close()


def test_a_template_and_a_button_reply_over_the_network(endpoints: dict[str, str]) -> None:
    async def scenario() -> None:
        client = await StackClient.connect(endpoints)
        try:
            await client.open_sandbox("net")
            business = await provision_whatsapp(client, "net", TEMPLATES["templates"])
            assert business["callback_url"] == endpoints["core"] + "/webhooks/whatsapp/net"
            profile = await client.call(
                "core",
                "POST",
                "/profiles",
                sandbox="net",
                json={"identities": {"phone": "+14155550100"}, "consents": {"marketing": {"whatsapp": {"val": "y"}}}},
            )
            phone = await client.new_phone("net", OS.ANDROID, name="Ada", phone_number="+14155550100")
            campaign = await client.call(
                "core",
                "POST",
                "/campaigns",
                sandbox="net",
                json={
                    "name": "sale",
                    "channel": "whatsapp",
                    "message": {
                        "template": {
                            "name": "spring_sale",
                            "parameters": {"first_name": "Ada", "discount": "10%"},
                            "payloads": ["YES", "NO"],
                        }
                    },
                },
            )
            trigger = {"recipients": [{"profileId": profile["id"]}]}
            await client.call("core", "POST", f"/campaigns/{campaign['id']}/trigger", sandbox="net", json=trigger)
            await client.settle("net")
            chats = phone.inbox(MessageChannel.WHATSAPP)
            assert isinstance(chats, WhatsAppChats)
            assert chats.chat(business["display_phone_number"]).texts() == ["Hello Ada! Spring sale: 10% off today."]
            await chats.tap_button(business["display_phone_number"], "Yes please")
            await client.settle("net")
            report = await client.call("core", "GET", f"/campaigns/{campaign['id']}/report", sandbox="net")
            assert (report["delivered"], report["opened"], report["clicked"], report["reconciles"]) == (1, 1, 1, True)
            webhooks = await client.call("whatsapp", "GET", "/_sim/webhooks", json=None)
            assert {w["status"] for w in webhooks["webhooks"]} == {200}
        finally:
            await client.aclose()

    started = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - started < 30
