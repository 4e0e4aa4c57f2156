"""The mail gateway's request chain: MIME parsing, delivery to the right phone, recipient syntax, the size limit,
bounces (hard, soft, unknown, as a DSN), faults and rate limits, recording, `latest`, reset."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiosmtpd.smtp import Envelope, Session

from simulator.clock import VirtualClock
from simulator.devices.delivery import MessageChannel, MessageDelivery, PushDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultRule
from simulator.gateways.smtp import BounceRule, InboundMail, MailGateway, RateLimit, create_app, parse_message
from simulator.gateways.smtp.mime import read_simple
from simulator.sandboxes import Sandboxes

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
SENDER = "bounces+tag@mail.acme-shop.example"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def simple(
    to: str = "ann@example.com", *, sandbox: str | None = None, subject: str = "Hello", body: str = "Hi"
) -> bytes:
    head = f"From: Shop <shop@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n"
    head += "Date: Mon, 05 Jan 2026 09:00:00 +0000\r\nMessage-ID: <m.1@example.org>\r\n"
    if sandbox:
        head += f"X-Mjlab-Sandbox: {sandbox}\r\n"
    return (head + "\r\n" + body + "\r\n").encode()


@dataclass
class FakePhone:
    """A phone as the hub sees it: keeps every message it receives."""

    device_id: str
    sandbox: str = "prod"
    received: list[MessageDelivery] = field(default_factory=list)

    def receive_push(self, delivery: PushDelivery) -> None:
        raise AssertionError("no push expected")

    def receive_message(self, delivery: MessageDelivery) -> None:
        self.received.append(delivery)


@dataclass
class World:
    sandboxes: Sandboxes
    hub: DeviceHub
    gateway: MailGateway
    ann: FakePhone

    def phone(self, device_id: str, address: str, sandbox: str = "prod") -> FakePhone:
        phone = FakePhone(device_id, sandbox)
        self.hub.attach(phone)
        self.hub.register_address(sandbox, address, device_id)
        return phone

    def clock(self, sandbox: str = "prod") -> VirtualClock:
        clock = self.sandboxes.get(sandbox).clock
        assert isinstance(clock, VirtualClock)
        return clock


@pytest.fixture
def world() -> World:
    sandboxes = Sandboxes(seed="smtp-tests")
    hub = DeviceHub(sandboxes)
    gateway = MailGateway(sandboxes, hub)
    world = World(sandboxes, hub, gateway, FakePhone("ann-phone"))
    hub.attach(world.ann)
    hub.register_address("prod", "ann@example.com", "ann-phone")
    return world


@pytest.fixture
async def sim(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://smtp.test") as client:
        yield client


# -- parsing and delivery ----------------------------------------------------------------------------------------------


async def test_a_recorded_marketing_email_reaches_the_phone_of_its_sandbox(world: World) -> None:
    world.sandboxes.open("shop")
    shop_phone = world.phone("shop-phone", "ann.lee@example.com", "shop")
    raw = load("marketing_offer.eml")

    answer = await world.gateway.submit(SENDER, ["ann.lee@example.com"], raw)

    assert (answer.code, answer.enhanced) == (250, "2.0.0")
    assert answer.queue_id is not None and answer.text == f"Ok: queued as {answer.queue_id}"
    [delivery] = shop_phone.received
    assert delivery.channel is MessageChannel.EMAIL
    assert delivery.sender == "offers@mail.acme-shop.example"
    assert delivery.recipient == "ann.lee@example.com"
    payload = delivery.payload
    assert payload["subject"] == "Ann, your spring offer: 20 % off ☀"
    assert payload["from"] == "Acme Shop <offers@mail.acme-shop.example>"
    assert payload["text"].startswith("Hello Ann\n\nOur spring sale starts today.\n")
    assert '<a href="http://core.mjlab.test/t/click/' in payload["html"]
    assert payload["list_unsubscribe"].startswith("<http://core.mjlab.test/u/")
    assert payload["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert delivery.message_id == payload["message_id"] == payload["headers"]["Message-ID"]
    assert payload["headers"]["Return-Path"] == f"<{SENDER}>"
    assert world.ann.received == []


async def test_encoded_words_base64_and_quoted_printable_parts_are_decoded(world: World) -> None:
    mail = parse_message(load("encoded_headers.eml"))

    assert mail.subject == "Votre commande n° 88 est prête — retrait en magasin"
    assert mail.from_header == "Boutique Élégante <commandes@boutique.example>"
    assert mail.from_address == "commandes@boutique.example"
    assert mail.to == ["zoe@example.fr"]
    assert mail.sandbox == "boutique"
    assert mail.text is not None and mail.text.startswith("Bonjour Zoé,\n")
    assert mail.html is not None and '<a href="https://www.boutique.example/commande/88">' in mail.html
    assert "PDF" not in (mail.text + mail.html)


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.eml")))
async def test_the_fast_reader_and_the_standard_parser_agree(name: str) -> None:
    raw = load(name)

    fast, full = parse_message(raw), parse_message(raw, full_parser=True)

    assert fast == full
    assert read_simple(raw) is not None, "every recorded message takes the fast path"


async def test_utf8_headers_are_read_and_other_oddities_go_to_the_standard_parser() -> None:
    utf8 = "From: Zoé <zoe@example.fr>\r\nSubject: Été\r\n\r\nCorps\r\n".encode()
    latin1 = "From: Zoé <zoe@example.fr>\r\nSubject: Été\r\n\r\nCorps\r\n".encode("latin-1")
    no_boundary = b"From: a@example.org\r\nContent-Type: multipart/alternative\r\n\r\nbody\r\n"

    assert read_simple(utf8) is not None, "internationalized headers are UTF-8 (RFC 6532)"
    assert read_simple(latin1) is None and read_simple(no_boundary) is None
    for mail in (parse_message(utf8), parse_message(utf8, full_parser=True)):
        assert (mail.from_header, mail.from_address, mail.subject, mail.text) == (
            "Zoé <zoe@example.fr>",
            "zoe@example.fr",
            "Été",
            "Corps\n",
        )
    assert parse_message(latin1).from_address == "zoe@example.fr"
    assert parse_message(no_boundary).from_address == "a@example.org"


async def test_without_the_sandbox_header_mail_goes_to_the_default_sandbox(world: World) -> None:
    world.sandboxes.open("other")
    other = world.phone("other-phone", "ann@example.com", "other")

    await world.gateway.submit(SENDER, ["ann@example.com"], simple())
    await world.gateway.submit(SENDER, ["ann@example.com"], simple(sandbox="other", subject="For other"))

    assert [d.payload["subject"] for d in world.ann.received] == ["Hello"]
    assert [d.payload["subject"] for d in other.received] == ["For other"]
    assert [c.sandbox for c in world.gateway.calls] == ["prod", "other"]


async def test_a_header_naming_no_sandbox_is_refused_554(world: World) -> None:
    answer = await world.gateway.submit(SENDER, ["ann@example.com"], simple(sandbox="nowhere"))

    assert (answer.code, answer.enhanced) == (554, "5.7.0")
    assert world.ann.received == []
    assert world.gateway.calls.last is not None and world.gateway.calls.last.extra["outcome"] == "rejected"


async def test_a_client_message_without_date_or_message_id_gets_them_added(world: World) -> None:
    answer = await world.gateway.submit("builds@ci.example.org", ["ann@example.com"], load("minimal_client.eml"))

    assert answer.code == 250
    [delivery] = world.ann.received
    added = world.gateway.calls.calls[0].extra["added_headers"]
    assert set(added) == {"Date", "Message-ID"}
    assert added["Date"] == "Mon, 05 Jan 2026 09:00:00 +0000"
    assert delivery.message_id == added["Message-ID"]
    assert delivery.payload["text"].startswith("Build 311 passed.")


async def test_a_message_without_from_is_refused_554_5_6_0(world: World) -> None:
    answer = await world.gateway.submit(SENDER, ["ann@example.com"], load("no_from.eml"))

    assert (answer.code, answer.enhanced) == (554, "5.6.0")
    assert world.ann.received == []


async def test_an_offline_phone_gets_its_mail_when_it_comes_back(world: World) -> None:
    world.hub.set_online("ann-phone", False)
    await world.gateway.submit(SENDER, ["ann@example.com"], simple())

    call = world.gateway.calls.calls[0]
    assert call.extra["recipients"]["ann@example.com"]["outcome"] == "held"
    assert world.ann.received == [] and len(world.gateway.held("ann-phone")) == 1

    world.hub.set_online("ann-phone", True)
    assert [d.payload["subject"] for d in world.ann.received] == ["Hello"]
    assert call.extra["recipients"]["ann@example.com"]["outcome"] == "delivered"


# -- the envelope ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["ann", "ann@", "@example.com", "ann@localhost", "ann@exa mple.com", "a@b@c.com"])
async def test_a_recipient_that_is_not_local_at_domain_is_refused_501(world: World, address: str) -> None:
    answer = await world.gateway.submit(SENDER, [address], simple())

    assert (answer.code, answer.enhanced) == (501, "5.1.3")
    assert answer.refused == {address: f"501 5.1.3 <{address}>: Bad recipient address syntax"}
    assert len(world.gateway.calls) == 0


async def test_good_recipients_are_served_when_others_are_refused_at_rcpt(world: World) -> None:
    answer = await world.gateway.submit(SENDER, ["nobody", "ann@example.com"], simple())

    assert answer.code == 250
    assert list(answer.refused) == ["nobody"]
    assert len(world.ann.received) == 1


async def test_more_than_100_recipients_are_refused_452_4_5_3(world: World) -> None:
    rcpts = [f"p{i}@example.com" for i in range(100)] + ["ann@example.com"]

    answer = await world.gateway.submit(SENDER, rcpts, simple())

    assert answer.refused == {"ann@example.com": "452 4.5.3 Too many recipients"}


async def test_a_message_over_the_size_limit_is_refused_552_at_data_and_recorded(world: World) -> None:
    small = MailGateway(world.sandboxes, world.hub, max_message_bytes=500)
    session, envelope = Session(asyncio.get_running_loop()), Envelope()
    await small.handle_MAIL(None, session, envelope, SENDER, [])  # a client that declares no SIZE
    await small.handle_RCPT(None, session, envelope, "ann@example.com", [])
    envelope.content = envelope.original_content = simple(body="x" * 600)

    reply = await small.handle_DATA(None, session, envelope)

    assert reply == "552 5.3.4 Message size exceeds fixed maximum message size"
    assert world.ann.received == []
    call = small.calls.last
    assert call is not None and call.status == 552 and call.body["subject"] == "Hello"
    assert small.raw(call.id) is None, "an oversized message is not kept"


async def test_a_declared_size_over_the_limit_is_refused_at_mail_from(world: World) -> None:
    session, envelope = Session(asyncio.get_running_loop()), Envelope()
    over = await world.gateway.handle_MAIL(None, session, envelope, SENDER, [f"SIZE={10 * 1024 * 1024 + 1}"])
    fine = await world.gateway.handle_MAIL(None, session, envelope, SENDER, ["SIZE=2000", "BODY=8BITMIME"])
    small = MailGateway(world.sandboxes, world.hub, max_message_bytes=500)
    submitted = await small.submit(SENDER, ["ann@example.com"], simple(body="x" * 600))

    assert over == "552 5.3.4 Message size exceeds fixed maximum message size"
    assert fine == "250 2.1.0 Ok" and envelope.mail_from == SENDER
    assert (submitted.code, submitted.enhanced) == (552, "5.3.4"), "in-process submission declares its size"
    assert len(small.calls) == 0


# -- bounces -----------------------------------------------------------------------------------------------------------


async def test_an_address_no_phone_holds_bounces_hard_550_5_1_1(world: World) -> None:
    answer = await world.gateway.submit(SENDER, ["zed@example.com"], simple("zed@example.com"))

    assert answer.reply == "550 5.1.1 <zed@example.com>: Recipient address rejected: User unknown"
    call = world.gateway.calls.last
    assert call is not None and call.extra["outcome"] == "rejected" and call.delivered is False
    await world.clock().settle()
    assert [c.extra["kind"] for c in world.gateway.calls] == ["message"], "a refusal in the transaction sends no DSN"


@pytest.mark.parametrize(("kind", "reply"), [("hard", (550, "5.1.1")), ("soft", (452, "4.2.2"))])
async def test_a_bounce_rule_refuses_mail_for_its_address(world: World, kind: str, reply: tuple[int, str]) -> None:
    world.gateway.bounces.add(BounceRule.model_validate({"address": "ANN@example.com", "kind": kind}))

    answer = await world.gateway.submit(SENDER, ["ann@example.com"], simple())

    assert (answer.code, answer.enhanced) == reply
    assert world.ann.received == []


async def test_a_bounce_rule_for_another_sandbox_or_used_up_does_not_apply(world: World) -> None:
    world.gateway.bounces.add(BounceRule(address="ann@example.com", sandbox="other"))
    world.gateway.bounces.add(BounceRule(address="ann@example.com", sandbox="prod", times=1))

    first = await world.gateway.submit(SENDER, ["ann@example.com"], simple())
    second = await world.gateway.submit(SENDER, ["ann@example.com"], simple())

    assert (first.code, second.code) == (550, 250)


async def test_a_dsn_rule_accepts_then_bounces_to_the_return_path_route(world: World) -> None:
    routed: list[InboundMail] = []

    async def intake(mail: InboundMail) -> None:
        routed.append(mail)

    world.gateway.routes.add("mail.acme-shop.example", intake)
    world.gateway.bounces.add(BounceRule(address="ann@example.com", kind="hard", mode="dsn"))

    answer = await world.gateway.submit(SENDER, ["ann@example.com"], simple())
    await world.clock().settle()

    assert answer.code == 250 and world.ann.received == []
    [mail] = routed
    assert (mail.sandbox, mail.rcpt_to) == ("prod", SENDER)
    assert b"Content-Type: multipart/report; report-type=delivery-status" in mail.raw
    assert b"Final-Recipient: rfc822; ann@example.com\r\n" in mail.raw
    assert b"Status: 5.1.1\r\n" in mail.raw
    assert b"Message-ID: <m.1@example.org>" in mail.raw, "the DSN carries the original headers"
    dsn = world.gateway.calls.last
    assert dsn is not None and dsn.extra["kind"] == "dsn" and dsn.extra["recipients"][SENDER]["outcome"] == "routed"


async def test_a_partial_failure_sends_a_dsn_to_the_sender_phone(world: World) -> None:
    shop = world.phone("shop-phone", "shop@example.org")

    answer = await world.gateway.submit("shop@example.org", ["ann@example.com", "zed@example.com"], simple())
    await world.clock().settle()

    assert answer.code == 250 and len(world.ann.received) == 1
    [dsn] = shop.received
    assert dsn.payload["subject"] == "Undelivered Mail Returned to Sender"
    assert "<zed@example.com>: host mx.mjlab.test said: 550 5.1.1" in dsn.payload["text"]
    assert dsn.payload["headers"]["Auto-Submitted"] == "auto-replied"


# -- faults and rate limits --------------------------------------------------------------------------------------------


async def test_an_injected_421_is_answered_and_recorded(world: World) -> None:
    world.gateway.faults.add(FaultRule(error="ServiceUnavailable", status=421, times=1))

    first = await world.gateway.submit(SENDER, ["ann@example.com"], simple())
    second = await world.gateway.submit(SENDER, ["ann@example.com"], simple())

    assert first.reply == "421 4.3.2 Service not available, closing transmission channel"
    assert second.code == 250
    assert [c.extra["outcome"] for c in world.gateway.calls] == ["deferred", "accepted"]
    assert len(world.ann.received) == 1


async def test_a_fault_can_target_one_recipient_and_any_enhanced_code(world: World) -> None:
    world.phone("bob-phone", "bob@example.com")
    world.gateway.faults.add(FaultRule(error="4.4.2", status=451, token="bob@example.com"))

    to_ann = await world.gateway.submit(SENDER, ["ann@example.com"], simple())
    to_bob = await world.gateway.submit(SENDER, ["bob@example.com"], simple("bob@example.com"))

    assert to_ann.code == 250
    assert to_bob.reply == "451 4.4.2 Injected failure"


async def test_the_rate_limit_counts_on_the_sandbox_clock(world: World) -> None:
    world.gateway.rate_limits.set(RateLimit(messages=2, per_seconds=60))

    answers = [await world.gateway.submit(SENDER, ["ann@example.com"], simple()) for _ in range(3)]
    await world.clock().advance(60)
    later = await world.gateway.submit(SENDER, ["ann@example.com"], simple())

    assert [a.code for a in answers] == [250, 250, 451]
    assert answers[2].reply == "451 4.7.1 Rate limit exceeded, try again later"
    assert later.code == 250


# -- the /_sim/ routes -------------------------------------------------------------------------------------------------


async def test_messages_are_listed_filtered_fetched_raw_and_cleared(world: World, sim: httpx.AsyncClient) -> None:
    world.sandboxes.open("other")
    world.phone("other-phone", "bob@example.com", "other")
    await world.gateway.submit(SENDER, ["ann@example.com"], simple(subject="Spring offer"))
    await world.gateway.submit(
        SENDER, ["bob@example.com"], simple("bob@example.com", sandbox="other", subject="Receipt")
    )

    everything = (await sim.get("/_sim/messages")).json()
    by_to = (await sim.get("/_sim/messages", params={"to": "BOB@example.com"})).json()
    by_subject = (await sim.get("/_sim/messages", params={"subject": "offer"})).json()
    by_from = (await sim.get("/_sim/messages", params={"from": "shop@example.org", "sandbox": "other"})).json()
    latest = (await sim.get("/_sim/messages/latest")).json()
    raw = await sim.get(f"/_sim/messages/{latest['id']}/raw")

    assert everything["total"] == 2
    assert [m["subject"] for m in by_to["messages"]] == ["Receipt"]
    assert [m["subject"] for m in by_subject["messages"]] == ["Spring offer"]
    assert [m["sandbox"] for m in by_from["messages"]] == ["other"]
    assert latest["subject"] == "Receipt" and latest["outcome"] == "accepted" and latest["status"] == 250
    assert latest["recipients"] == {"bob@example.com": {"outcome": "delivered"}}
    assert raw.headers["content-type"] == "message/rfc822" and raw.content == world.gateway.raw(latest["id"])
    assert (await sim.get("/_sim/messages/nope")).status_code == 404

    assert (await sim.delete("/_sim/messages", params={"sandbox": "other"})).json() == {"deleted": 1}
    assert (await sim.delete("/_sim/messages")).json() == {"deleted": 1}
    assert (await sim.get("/_sim/messages")).json()["total"] == 0


async def test_bounces_faults_and_rate_limits_are_set_over_http(world: World, sim: httpx.AsyncClient) -> None:
    added = await sim.post("/_sim/bounces", json={"address": "ann@example.com", "kind": "soft"})
    bad_kind = await sim.post("/_sim/bounces", json={"address": "ann@example.com", "kind": "medium"})
    fault = await sim.post("/_sim/faults", json={"error": "LocalError", "status": 451, "times": 1})
    bad_fault = await sim.post("/_sim/faults", json={"error": "Nonsense", "status": 451})
    mismatched = await sim.post("/_sim/faults", json={"error": "4.3.0", "status": 550})
    limit = await sim.post("/_sim/rate-limit", json={"messages": 5, "per_seconds": 1})

    assert added.status_code == 201 and added.json()["mode"] == "reject"
    assert bad_kind.status_code == 422
    assert fault.status_code == 201
    assert bad_fault.status_code == 422 and "unknown SMTP reply" in bad_fault.json()["detail"]
    assert mismatched.status_code == 422
    assert limit.status_code == 201
    assert (await world.gateway.submit(SENDER, ["ann@example.com"], simple())).code == 451
    assert (await sim.get("/_sim/bounces")).json()["bounces"][0]["kind"] == "soft"

    assert (await sim.post("/_sim/reset")).json() == {"reset": True}
    assert world.gateway.bounces.rules == [] and world.gateway.faults.rules == [] and len(world.gateway.calls) == 0
    assert (await world.gateway.submit(SENDER, ["ann@example.com"], simple())).code == 250


async def test_routes_are_listed_and_health_answers(world: World, sim: httpx.AsyncClient) -> None:
    created = await sim.post("/_sim/routes", json={"domain": "bounces.example.org", "url": "http://127.0.0.1:9/x"})

    assert created.status_code == 201
    assert (await sim.get("/_sim/routes")).json() == {
        "routes": [{"domain": "bounces.example.org", "url": "http://127.0.0.1:9/x"}]
    }
    assert (await sim.get("/_sim/health")).json() == {"status": "ok", "service": "smtp", "messages": 0}


async def test_a_closed_sandbox_is_forgotten(world: World) -> None:
    world.sandboxes.open("gone")
    world.phone("gone-phone", "ann@example.com", "gone")
    world.gateway.bounces.add(BounceRule(address="zed@example.com", sandbox="gone"))
    await world.gateway.submit(SENDER, ["ann@example.com"], simple(sandbox="gone"))
    await world.gateway.submit(SENDER, ["ann@example.com"], simple())

    world.sandboxes.close("gone")

    assert [c.sandbox for c in world.gateway.calls] == ["prod"]
    assert world.gateway.bounces.rules == []
    assert world.gateway.raw("latest") is not None
