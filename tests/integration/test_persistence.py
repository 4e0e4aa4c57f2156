"""A served stack with `--state-file` survives SIGKILL in the middle of journeys: every instance resumes, no message
is lost and none is sent twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.client import StackClient
from simulator.clock import monotonic, pause
from simulator.devices.phone import OS, Phone

pytestmark = pytest.mark.network

SANDBOX = "persist"
APP = "com.acme.shop"
JOURNEY = """
id: series
name: Three-part series
entry: {type: event, event: series.start}
steps:
  one: {type: action, channel: push, app: com.acme.shop, message: {title: "Part 1", body: "a"}, next: w1}
  w1: {type: wait, duration: 1d, next: two}
  two: {type: action, channel: push, app: com.acme.shop, message: {title: "Part 2", body: "b"}, next: w2}
  w2: {type: wait, duration: 2d, next: three}
  three: {type: action, channel: push, app: com.acme.shop, message: {title: "Part 3", body: "c"}}
"""


def free_block(size: int = 27) -> int:
    """A base port whose next `size` ports are free."""
    for base in range(23_500, 60_000, 17):
        sockets: list[socket.socket] = []
        try:
            for offset in range(size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free port block")


class Server:
    """`mjlab serve` in a child process."""

    def __init__(self, folder: Path, port: int, clock: str = "virtual") -> None:
        self.folder = folder
        self.port = port
        self.clock = clock
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> dict[str, str]:
        endpoints = self.folder / "endpoints.json"
        endpoints.unlink(missing_ok=True)
        command = [
            sys.executable, "-m", "harness.cli", "serve", "--port", str(self.port), "--clock", self.clock,
            "--state-file", str(self.folder / "state.sqlite"), "--endpoints-file", str(endpoints),
        ]  # fmt: skip
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = monotonic() + 60
        while not endpoints.exists():
            assert self.process.poll() is None, (self.folder / "server.log").read_text()
            assert monotonic() < deadline, "server did not start"
            await pause(0.05)
        return dict(json.loads(endpoints.read_text()))

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


async def _person(client: StackClient, email: str, os_: OS, sender: str) -> tuple[str, Phone]:
    profile = await client.call(
        "core", "POST", "/profiles", sandbox=SANDBOX,
        json={"identities": {"email": email}, "consents": {"marketing": {"push": {"val": "y"}}}},
    )  # fmt: skip
    phone = await client.new_phone(SANDBOX, os_, name=email)
    phone.install(APP, ecid=email.replace("@", "-"), sender=sender)
    phone.app(APP).identities["email"] = email
    await phone.launch(APP)
    return str(profile["id"]), phone


def _titles(phone: Phone) -> list[str]:
    return sorted(n.title for n in phone.banners())


def test_a_killed_server_resumes_journeys_without_losing_or_repeating_a_message(tmp_path: Path) -> None:
    async def main() -> None:
        server = Server(tmp_path, free_block())
        try:
            client = await StackClient.connect(await server.start())
            await client.open_sandbox(SANDBOX, seed="persistence")
            app = await client.provision_app(SANDBOX, APP)
            sender = app["fcm"]["projectId"]
            alice, alice_phone = await _person(client, "alice@example.com", OS.IOS, sender)
            bob, bob_phone = await _person(client, "bob@example.com", OS.ANDROID, sender)
            await client.call("core", "POST", "/journeys", sandbox=SANDBOX, content=JOURNEY)
            for profile in (alice, bob):
                await client.call(
                    "core", "POST", "/events", sandbox=SANDBOX, json={"eventType": "series.start", "profileId": profile}
                )
            await client.advance(SANDBOX, 86_400)
            assert _titles(alice_phone) == ["Part 1", "Part 2"]
            assert _titles(bob_phone) == ["Part 1", "Part 2"]
            await bob_phone.go_offline()

            server.kill()
            endpoints = await server.start()
            assert endpoints == client.endpoints
            journeys = await client.call("core", "GET", f"/profiles/{alice}/journeys", sandbox=SANDBOX)
            assert journeys["instances"][0]["step"] == "w2"
            assert journeys["instances"][0]["status"] == "active"

            await client.advance(SANDBOX, 2 * 86_400)
            assert _titles(alice_phone) == ["Part 1", "Part 2", "Part 3"]
            assert _titles(bob_phone) == ["Part 1", "Part 2"], "Bob is offline: FCM keeps Part 3 for him"
            await bob_phone.go_online()
            await client.settle(SANDBOX)
            assert _titles(bob_phone) == ["Part 1", "Part 2", "Part 3"]
            report = await client.call("core", "GET", "/journeys/series/report", sandbox=SANDBOX)
            assert (report["entered"], report["ended"], report["active"]) == (2, 2, 0)
            delivered = {name: s.get("messages", {}).get("delivered") for name, s in report["steps"].items()}
            assert delivered == {"one": 2, "two": 2, "three": 2, "w1": None, "w2": None}
            await client.aclose()
        finally:
            server.stop()

    asyncio.run(main())


SHORT = """
id: quick
name: Quick series
entry: {type: event, event: quick.start}
steps:
  one: {type: action, channel: push, app: com.acme.shop, message: {title: "Now", body: "a"}, next: wait}
  wait: {type: wait, duration: 3s, next: two}
  two: {type: action, channel: push, app: com.acme.shop, message: {title: "Three seconds later", body: "b"}}
"""


def test_on_the_system_clock_a_wait_that_fell_due_while_the_server_was_down_fires_once_on_resume(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        server = Server(tmp_path, free_block(), clock="system")
        try:
            client = await StackClient.connect(await server.start())
            await client.open_sandbox(SANDBOX, seed="persistence")
            app = await client.provision_app(SANDBOX, APP)
            alice, phone = await _person(client, "alice@example.com", OS.IOS, app["fcm"]["projectId"])
            await client.call("core", "POST", "/journeys", sandbox=SANDBOX, content=SHORT)
            await client.call(
                "core", "POST", "/events", sandbox=SANDBOX, json={"eventType": "quick.start", "profileId": alice}
            )
            await client.settle(SANDBOX)
            assert _titles(phone) == ["Now"]
            server.kill()
            await pause(4.0)
            await server.start()
            deadline = monotonic() + 10
            while len(phone.banners()) < 2 and monotonic() < deadline:
                await pause(0.05)
            await pause(0.5)
            assert _titles(phone) == ["Now", "Three seconds later"]
            await client.aclose()
        finally:
            server.stop()

    asyncio.run(main())


SMS_JOURNEY = """
id: sms-series
name: SMS series
entry: {type: event, event: sms.start}
steps:
  one: {type: action, channel: sms, category: transactional, message: {body: "First text"}, next: wait}
  wait: {type: wait, duration: 1d, next: two}
  two: {type: action, channel: sms, category: transactional, message: {body: "Second text"}}
"""


def test_an_sms_journey_resumes_after_a_kill_without_repeating_a_text(tmp_path: Path) -> None:
    from simulator.devices.delivery import MessageChannel
    from simulator.gateways.twilio.provision import provision_sms

    async def main() -> None:
        server = Server(tmp_path, free_block())
        try:
            client = await StackClient.connect(await server.start())
            await client.open_sandbox(SANDBOX, seed="persistence-sms")
            config = await provision_sms(client, SANDBOX)
            body = {"identities": {"email": "carol@example.com", "phone": "+14155550177"}}
            carol = (await client.call("core", "POST", "/profiles", sandbox=SANDBOX, json=body))["id"]
            phone = await client.new_phone(SANDBOX, OS.ANDROID, phone_number="+14155550177")
            await client.call("core", "POST", "/journeys", sandbox=SANDBOX, content=SMS_JOURNEY)
            await client.call(
                "core", "POST", "/events", sandbox=SANDBOX, json={"eventType": "sms.start", "profileId": carol}
            )
            await client.advance(SANDBOX, 10)
            texts = phone.inbox(MessageChannel.SMS)
            sender = config["numbers"][0]
            assert texts.thread(sender).bodies() == ["First text"]

            server.kill()
            await server.start()
            await client.advance(SANDBOX, 86_400 + 10)
            assert texts.thread(sender).bodies() == ["First text", "Second text"]
            report = await client.call("core", "GET", "/journeys/sms-series/report", sandbox=SANDBOX)
            assert (report["ended"], report["steps"]["two"]["messages"]["delivered"]) == (1, 1)
            await client.aclose()
        finally:
            server.stop()

    asyncio.run(main())
