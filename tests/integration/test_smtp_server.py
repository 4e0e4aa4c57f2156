"""Real SMTP clients against the mail gateway on a loopback port: `smtplib`, and a hand-driven pipelined session."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from simulator.client import StackClient
from simulator.devices.delivery import MessageChannel
from simulator.devices.mailbox import Mailbox
from simulator.devices.phone import OS, Phone
from simulator.gateways.faults import FaultRule
from simulator.gateways.smtp import BounceRule, MailGateway, serve_smtp
from simulator.gateways.smtp.wiring import install
from simulator.stack import Stack

pytestmark = [pytest.mark.network, pytest.mark.anyio]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@dataclass
class Served:
    stack: Stack
    client: StackClient
    server: asyncio.Server
    port: int
    ann: Phone

    @property
    def gateway(self) -> MailGateway:
        gateway: MailGateway = self.stack.messaging["smtp"]
        return gateway

    def mailbox(self, phone: Phone | None = None) -> Mailbox:
        box = (phone or self.ann).inbox(MessageChannel.EMAIL)
        assert isinstance(box, Mailbox)
        return box

    async def run(self, send: object) -> None:
        """Run a blocking smtplib conversation in a thread, while this loop serves it."""
        assert callable(send)
        await asyncio.to_thread(send)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    stack = Stack.build(seed="smtp-server-tests")
    install(stack)
    client = await StackClient.inprocess(stack)
    ann = await client.new_phone("prod", OS.ANDROID, name="Ann", email="ann@example.com")
    server = await serve_smtp(stack.messaging["smtp"], "127.0.0.1", 0)
    try:
        yield Served(stack, client, server, server.sockets[0].getsockname()[1], ann)
    finally:
        server.close()
        await server.wait_closed()
        await client.aclose()


def offer() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Acme <news@acme.example>"
    message["To"] = "ann@example.com"
    message["Subject"] = "Spring offer"
    message.set_content("Our offer: https://acme.example/spring\n")
    message.add_alternative('<p>Our <a href="https://acme.example/spring">spring offer</a></p>', subtype="html")
    return message


async def test_smtplib_send_message_reaches_the_phone_mailbox(served: Served) -> None:
    features: dict[str, str] = {}

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", served.port, timeout=10) as smtp:
            smtp.ehlo("client.test")
            features.update(smtp.esmtp_features)
            assert smtp.send_message(offer()) == {}

    await served.run(send)

    assert features["size"] == "10485760" and "pipelining" in features
    [email] = served.mailbox().emails
    assert (email.subject, email.sender) == ("Spring offer", "Acme <news@acme.example>")
    assert [(link.text, link.url) for link in email.links] == [("spring offer", "https://acme.example/spring")]
    assert email.text == "Our offer: https://acme.example/spring\n"
    recorded = served.gateway.calls.last
    assert recorded is not None and recorded.sandbox == "prod" and recorded.body["mail_from"] == "news@acme.example"


async def test_a_recorded_message_from_another_client_is_delivered_in_its_sandbox(served: Served) -> None:
    await served.client.open_sandbox("boutique")
    zoe = await served.client.new_phone("boutique", OS.IOS, email="zoe@example.fr")
    raw = (FIXTURES / "encoded_headers.eml").read_bytes()

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", served.port, timeout=10) as smtp:
            assert smtp.sendmail("commandes@boutique.example", ["zoe@example.fr"], raw) == {}

    await served.run(send)

    [email] = served.mailbox(zoe).emails
    assert email.subject == "Votre commande n° 88 est prête — retrait en magasin"
    assert served.gateway.raw("latest") == raw
    assert served.mailbox().emails == []


async def test_a_bounce_address_gets_a_550(served: Served) -> None:
    served.gateway.bounces.add(BounceRule(address="ann@example.com", kind="hard"))
    refused: list[smtplib.SMTPException] = []

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", served.port, timeout=10) as smtp:
            for recipients in (["ann@example.com"], ["nobody@example.com"], ["not-an-address"]):
                try:
                    smtp.sendmail("news@acme.example", recipients, offer().as_bytes())
                except smtplib.SMTPException as error:
                    refused.append(error)

    await served.run(send)

    bounce, unknown, syntax = refused
    assert isinstance(bounce, smtplib.SMTPDataError) and bounce.smtp_code == 550
    assert bounce.smtp_error == b"5.1.1 <ann@example.com>: Recipient address rejected: User unknown"
    assert isinstance(unknown, smtplib.SMTPDataError) and unknown.smtp_code == 550
    assert isinstance(syntax, smtplib.SMTPRecipientsRefused)
    assert syntax.recipients == {"not-an-address": (501, b"5.1.3 <not-an-address>: Bad recipient address syntax")}
    assert served.mailbox().emails == []


async def test_the_declared_size_is_checked_against_the_limit(served: Served) -> None:
    small = MailGateway(served.stack.sandboxes, served.stack.hub, max_message_bytes=300)
    server = await serve_smtp(small, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    caught: list[smtplib.SMTPException] = []

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            try:
                smtp.send_message(offer())
            except smtplib.SMTPException as error:
                caught.append(error)

    try:
        await served.run(send)
    finally:
        server.close()
        await server.wait_closed()

    [error] = caught
    assert isinstance(error, smtplib.SMTPSenderRefused) and error.smtp_code == 552
    assert error.smtp_error.startswith(b"5.3.4")


async def _reply(reader: asyncio.StreamReader) -> str:
    lines = []
    while True:
        line = (await reader.readline()).decode()
        lines.append(line.rstrip("\r\n"))
        if len(line) < 4 or line[3] != "-":
            return "\n".join(lines)


async def test_pipelined_commands_are_answered_in_order(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    greeting = await _reply(reader)
    writer.write(b"EHLO pipeline.test\r\n")
    ehlo = await _reply(reader)
    writer.write(b"MAIL FROM:<news@acme.example>\r\nRCPT TO:<ann@example.com>\r\nRCPT TO:<bad>\r\nDATA\r\n")
    replies = [await _reply(reader) for _ in range(4)]
    writer.write(b"From: news@acme.example\r\nSubject: Pipelined\r\n\r\n..dot-stuffed line\r\n.\r\nQUIT\r\n")
    final, bye = await _reply(reader), await _reply(reader)
    writer.close()
    await writer.wait_closed()

    assert greeting == "220 mx.mjlab.test ESMTP mjlab"
    assert "250-PIPELINING" in ehlo
    assert [r[:3] for r in replies] == ["250", "250", "501", "354"]
    assert final.startswith("250 2.0.0 Ok: queued as ") and bye.startswith("221")
    [email] = served.mailbox().emails
    assert email.subject == "Pipelined" and email.text == ".dot-stuffed line\n"


async def test_an_injected_421_is_answered_and_the_connection_closed(served: Served) -> None:
    served.gateway.faults.add(FaultRule(error="ServiceUnavailable", status=421, times=1))
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    await _reply(reader)
    writer.write(b"HELO fault.test\r\nMAIL FROM:<news@acme.example>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n")
    for _ in range(4):
        await _reply(reader)
    writer.write(b"From: news@acme.example\r\nSubject: x\r\n\r\nbody\r\n.\r\n")

    reply = await _reply(reader)
    rest = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()

    assert reply == "421 4.3.2 Service not available, closing transmission channel"
    assert rest == b"", "the server closed the connection"
    assert served.gateway.calls.last is not None and served.gateway.calls.last.extra["outcome"] == "deferred"
