"""Emails per second: over SMTP on loopback (goal: 1,000/s, five times Mailpit's published 100-200/s), and in-process
through the platform's email channel.

Run: `.venv/bin/python benchmarks/bench_smtp.py [count]`.

Over SMTP the server runs in this process's event loop (`serve_smtp`, the whole stack behind it: parsing, recording,
delivery to a phone's mailbox); the clients run in other processes, so that client and server do not share a core
more than the machine forces. Each message is a real marketing email the platform wrote (`fixtures/email/`, 2.6 KB,
multipart/alternative, quoted-printable). Client modes:

- `send_message`: `smtplib.SMTP.send_message(EmailMessage)` on one connection (the message rendered per send);
- `sendmail`: `smtplib.SMTP.sendmail` with pre-rendered bytes, on 1 or more connections;
- `pipelined`: a raw client that pipelines MAIL, RCPT and DATA (the server advertises PIPELINING; RFC 2920).

In-process: a campaign triggered for `count` consenting profiles, each with a phone, until the stack settles
(consent, rendering, MIME composition, tracking, the gateway's chain, the mailbox), and the gateway's
`submit()` alone with pre-rendered bytes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import smtplib
import socket
import sys
from email import message_from_bytes, policy
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from simulator.clock import monotonic

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "email" / "marketing_offer.eml"
SANDBOX = "shop"
PHONES = 1000


class _CountingPhone:
    """A phone as the hub sees it: counts what reaches its mailbox."""

    received = 0

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.sandbox = SANDBOX

    def receive_push(self, delivery: Any) -> None:
        raise AssertionError("no push expected")

    def receive_message(self, delivery: Any) -> None:
        _CountingPhone.received += 1


def _client(port: int, count: int, offset: int, mode: str, start: Event, done: Any) -> None:
    """One client process: wait for the start signal, send `count` messages, report."""
    raw = FIXTURE.read_bytes()
    message = message_from_bytes(raw, policy=policy.SMTP)
    start.wait()
    if mode == "pipelined":
        _pipelined(port, count, offset, raw)
    else:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for i in range(offset, offset + count):
                rcpt = f"u{i % PHONES}@example.com"
                if mode == "send_message":
                    smtp.send_message(message, "offers@mail.acme-shop.example", [rcpt])
                else:
                    smtp.sendmail("offers@mail.acme-shop.example", [rcpt], raw)
    done.put(count)


def _pipelined(port: int, count: int, offset: int, raw: bytes) -> None:
    data = raw.replace(b"\r\n.", b"\r\n..") + b".\r\n"
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = sock.makefile("rb")

    def replies(n: int) -> None:
        for _ in range(n):
            while True:
                line = stream.readline()
                if line[:1] not in (b"2", b"3") or len(line) < 4:
                    raise RuntimeError(f"unexpected reply {line!r}")
                if line[3:4] != b"-":
                    break

    replies(1)
    sock.sendall(b"EHLO bench.test\r\n")
    replies(1)
    for i in range(offset, offset + count):
        rcpt = f"u{i % PHONES}@example.com".encode()
        sock.sendall(b"MAIL FROM:<offers@mail.acme-shop.example>\r\nRCPT TO:<" + rcpt + b">\r\nDATA\r\n")
        replies(3)
        sock.sendall(data)
        replies(1)
    sock.sendall(b"QUIT\r\n")
    sock.close()


async def smtp_rate(count: int, connections: int, mode: str) -> float:
    """Emails/s accepted and delivered over SMTP by `connections` client processes in `mode`."""
    from simulator.gateways.smtp import serve_smtp
    from simulator.gateways.smtp.wiring import install
    from simulator.stack import Stack

    stack = Stack.build(seed="bench-smtp", clock="system")
    install(stack)
    stack.sandboxes.open(SANDBOX)
    for i in range(PHONES):
        phone = _CountingPhone(f"phone-{i}")
        stack.hub.attach(phone)
        stack.hub.register_address(SANDBOX, f"u{i}@example.com", phone.device_id)
    _CountingPhone.received = 0
    server = await serve_smtp(stack.messaging["smtp"], "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    share = count // connections
    workers = [
        context.Process(target=_client, args=(port, share, n * share, mode, start, done)) for n in range(connections)
    ]
    for worker in workers:
        worker.start()
    await asyncio.to_thread(lambda: __import__("time").sleep(1.0))  # let the workers import and connect
    began = monotonic()
    start.set()
    for _ in workers:
        await asyncio.to_thread(done.get)
    elapsed = monotonic() - began
    for worker in workers:
        await asyncio.to_thread(worker.join)
    server.close()
    await server.wait_closed()
    assert _CountingPhone.received == share * connections, (_CountingPhone.received, share * connections)
    return share * connections / elapsed


async def inprocess_rates(count: int) -> tuple[float, float, float]:
    """(campaign sends/s through the EmailChannel, the same with personalization, gateway submit()/s)."""
    from simulator.client import StackClient
    from simulator.devices.phone import OS
    from simulator.gateways.smtp.wiring import install
    from simulator.stack import Stack

    stack = Stack.build(seed="bench-email")
    install(stack)
    client = await StackClient.inprocess(stack)
    await client.open_sandbox(SANDBOX)
    profiles = []
    for i in range(count):
        body = {
            "identities": {"email": f"u{i}@example.com"},
            "attributes": {"firstName": f"P{i}"},
            "consents": {"marketing": {"email": {"val": "y"}}},
        }
        profiles.append(stack.platform.create_profile(SANDBOX, _profile(body)).id)
        await client.new_phone(SANDBOX, OS.ANDROID, email=f"u{i}@example.com")
    rates = []
    html = (
        '<html><body><h1>Hello {name}</h1><p>Our spring sale starts today.</p><p><a href="https://shop.example/s">Shop'
        ' the sale</a> or <a href="acmeshop://offers/spring">open the app</a>.</p></body></html>'
    )
    for name in ("there", "{{ profile.firstName }}"):
        message = {"subject": f"Hello {name}, our offer", "html": html.format(name=name)}
        campaign = await client.call(
            "core", "POST", "/campaigns", sandbox=SANDBOX, json={"name": "b", "channel": "email", "message": message}
        )
        recipients = [{"profileId": p} for p in profiles]
        began = monotonic()
        await client.call(
            "core", "POST", f"/campaigns/{campaign['id']}/trigger", sandbox=SANDBOX, json={"recipients": recipients}
        )
        await client.settle(SANDBOX)
        rates.append(count / (monotonic() - began))
        report = await client.call("core", "GET", f"/campaigns/{campaign['id']}/report", sandbox=SANDBOX)
        assert report["delivered"] == count, report
    gateway = stack.messaging["smtp"]
    raw = FIXTURE.read_bytes().replace(b"X-Mjlab-Sandbox: shop", f"X-Mjlab-Sandbox: {SANDBOX}".encode())
    began = monotonic()
    for i in range(count):
        answer = await gateway.submit("offers@mail.acme-shop.example", [f"u{i}@example.com"], raw)
        assert answer.ok
    rates.append(count / (monotonic() - began))
    await client.aclose()
    return rates[0], rates[1], rates[2]


def _profile(body: dict[str, Any]) -> Any:
    from simulator.platform.models import ProfileCreate

    return ProfileCreate.model_validate(body)


async def main(count: int) -> None:
    print(f"bench_smtp: {count} messages per run, {FIXTURE.stat().st_size} bytes each over SMTP")
    for mode, connections in (
        ("send_message", 1),
        ("sendmail", 1),
        ("sendmail", 4),
        ("pipelined", 1),
        ("pipelined", 4),
    ):
        rate = await smtp_rate(count, connections, mode)
        print(f"SMTP  {mode:<12} x{connections} connection(s): {rate:>8,.0f} emails/s")
    channel, personalised, submit = await inprocess_rates(count)
    print(f"in-process campaign through EmailChannel:        {channel:>8,.0f} emails/s")
    print(f"in-process campaign, personalised subject/body:  {personalised:>8,.0f} emails/s")
    print(f"in-process MailGateway.submit(), pre-rendered:   {submit:>8,.0f} emails/s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
