"""The platform's email channel in an in-process stack: exclusions, the real MIME message, tracking, unsubscribe
and bounces, as a phone's mail app and the report see them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from simulator.client import StackClient, StackError
from simulator.devices.delivery import MessageChannel
from simulator.devices.mailbox import Mailbox, MailboxError
from simulator.devices.phone import OS, Phone
from simulator.gateways.smtp import MailGateway
from simulator.gateways.smtp.wiring import install
from simulator.platform.email_api import PIXEL_GIF, provision_email
from simulator.platform.email_tracking import read_dsn
from simulator.stack import Stack

pytestmark = pytest.mark.anyio

SANDBOX = "mail"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
OFFER = {
    "subject": "{{ profile.firstName }}, your offer",
    "html": '<html><body><p>Hello {{ profile.firstName }}</p><p><a href="https://shop.example/offer?a=1&amp;b=2">'
    'See the offer</a> or <a href="mailto:care@shop.example">write</a></p></body></html>',
}


class World:
    """An in-process stack with email installed, one sandbox, and helpers for people and campaigns."""

    def __init__(self, stack: Stack, client: StackClient) -> None:
        self.stack = stack
        self.client = client

    @property
    def gateway(self) -> MailGateway:
        gateway: MailGateway = self.stack.messaging["smtp"]
        return gateway

    async def person(
        self, email: str | None = "ann@example.com", consent: str | None = "y", *, phone_email: str | None = None
    ) -> tuple[str, Phone]:
        """A consenting profile, and a phone whose mailbox is `phone_email` (default: the profile's email)."""
        identities = {"email": email} if email else {"crmId": "crm-1"}
        body: dict[str, Any] = {"identities": identities, "attributes": {"firstName": "Ann"}}
        if consent:
            body["consents"] = {"marketing": {"email": {"val": consent}}}
        profile = await self.client.call("core", "POST", "/profiles", sandbox=SANDBOX, json=body)
        phone = await self.client.new_phone(SANDBOX, OS.IOS, email=phone_email or email)
        return str(profile["id"]), phone

    async def campaign(self, message: dict[str, Any], category: str = "marketing") -> str:
        body = {"name": "c", "channel": "email", "category": category, "message": message}
        return str((await self.client.call("core", "POST", "/campaigns", sandbox=SANDBOX, json=body))["id"])

    async def send(self, campaign: str, *profiles: str) -> dict[str, Any]:
        recipients = [{"profileId": p} for p in profiles]
        path = f"/campaigns/{campaign}/trigger"
        await self.client.call("core", "POST", path, sandbox=SANDBOX, json={"recipients": recipients})
        await self.client.settle(SANDBOX)
        return await self.report(campaign)

    async def report(self, campaign: str) -> dict[str, Any]:
        return dict(await self.client.call("core", "GET", f"/campaigns/{campaign}/report", sandbox=SANDBOX))

    async def messages(self, profile: str) -> list[dict[str, Any]]:
        answer = await self.client.call("core", "GET", f"/profiles/{profile}/messages", sandbox=SANDBOX)
        return list(answer["messages"])

    def sent(self) -> EmailMessage:
        raw = self.gateway.raw("latest")
        assert raw is not None
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [e["xdm"] for _, _, e in self.stack.platform.state(SANDBOX).events if e["xdm"]["eventType"] == kind]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    stack = Stack.build(seed="email-tests")
    install(stack)
    client = await StackClient.inprocess(stack)
    await client.open_sandbox(SANDBOX)
    try:
        yield World(stack, client)
    finally:
        await client.aclose()


def mailbox(phone: Phone) -> Mailbox:
    box = phone.inbox(MessageChannel.EMAIL)
    assert isinstance(box, Mailbox)
    return box


def exclusions(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(e["reason"], e["code"], e["count"]) for e in report["exclusions"]]


# -- send-time rules ------------------------------------------------------------------------------------------------


async def test_marketing_without_email_consent_is_excluded_050101_transactional_is_not(world: World) -> None:
    refused, refused_phone = await world.person("ann@example.com", consent="n")
    silent, _ = await world.person("bob@example.com", consent=None)
    marketing = await world.campaign(OFFER)
    receipt = await world.campaign({"subject": "Receipt", "text": "Thanks"}, category="transactional")

    report = await world.send(marketing, refused, silent)
    receipt_report = await world.send(receipt, refused)

    assert exclusions(report) == [("EmailNoConsent", "050101", 2)]
    assert (report["targeted"], report["sent"], report["reconciles"]) == (2, 0, True)
    assert receipt_report["delivered"] == 1
    assert [e.subject for e in mailbox(refused_phone).emails] == ["Receipt"]
    [record] = [m for m in await world.messages(refused) if m["source"] == marketing]
    assert (record["outcome"], record["reason"], record["code"]) == ("excluded", "EmailNoConsent", "050101")


async def test_a_profile_without_an_email_is_excluded_050020(world: World) -> None:
    profile, _ = await world.person(email=None)
    report = await world.send(await world.campaign(OFFER, category="transactional"), profile)

    assert exclusions(report) == [("EmailNoAddressFoundInProfile", "050020", 1)]


async def test_a_message_that_cannot_render_is_excluded_050302(world: World) -> None:
    profile, phone = await world.person()
    campaign = await world.campaign({"subject": "Your tier: {{ profile.tier }}", "text": "Hi"})

    report = await world.send(campaign, profile)

    assert exclusions(report) == [("RuntimeRenderingError", "050302", 1)]
    assert len(mailbox(phone)) == 0


@pytest.mark.parametrize(
    ("message", "field"),
    [({"subject": "No body"}, "message"), ({"subject": "Hi {{ profile.x ", "text": "b"}, "message")],
)
async def test_an_invalid_email_is_a_422(world: World, message: dict[str, Any], field: str) -> None:
    with pytest.raises(StackError) as caught:
        await world.campaign(message)
    assert caught.value.status == 422
    assert caught.value.body["error"]["detail"][0]["field"] == field


# -- the message -------------------------------------------------------------------------------------------------------


async def test_marketing_mail_is_real_mime_with_list_unsubscribe_and_tracking(world: World) -> None:
    profile, phone = await world.person()
    report = await world.send(await world.campaign(OFFER), profile)

    message = world.sent()
    assert report["delivered"] == 1
    assert message["Subject"] == "Ann, your offer"
    assert message["From"] == "Mobile Journey Lab <news@mail.mjlab.test>"
    assert message["Date"] == "Mon, 05 Jan 2026 09:00:00 +0000"
    assert message["X-Mjlab-Sandbox"] == SANDBOX
    assert message.get_content_type() == "multipart/alternative"
    assert message["List-Unsubscribe"].startswith("<http://core.mjlab.test/u/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert 'href="http://core.mjlab.test/t/click/' in html and "shop.example/offer" not in html
    assert 'href="mailto:care@shop.example"' in html, "mailto links are not tracked"
    assert '<img src="http://core.mjlab.test/t/open/' in html
    assert (
        text.replace("\r\n", "\n").startswith("Hello Ann\n")
        and "See the offer (http://core.mjlab.test/t/click/" in text
    )
    [email] = mailbox(phone).emails
    assert email.one_click and email.subject == "Ann, your offer"


async def test_transactional_mail_has_no_list_unsubscribe_and_uses_the_configured_sender(world: World) -> None:
    profile, phone = await world.person()
    configured = await provision_email(
        world.client, SANDBOX, domain="mail.shop.example", from_name="Shop", reply_to="care@shop.example"
    )
    await world.send(
        await world.campaign({"subject": "Receipt", "text": "See https://shop.example/o/1"}, "transactional"), profile
    )

    message = world.sent()
    assert configured["fromAddress"] == "news@mail.shop.example"
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert message["From"] == "Shop <news@mail.shop.example>" and message["Reply-To"] == "care@shop.example"
    assert message["Message-ID"].endswith("@mail.shop.example>")
    assert message.get_content_type() == "text/plain"
    recorded = world.gateway.calls.last
    assert recorded is not None and recorded.body["mail_from"].startswith("bounces+")
    assert recorded.body["mail_from"].endswith("@mail.shop.example")
    [email] = mailbox(phone).emails
    assert email.links[0].url.startswith("http://core.mjlab.test/t/click/")


async def test_the_recorded_channel_configuration_is_applied(world: World) -> None:
    body = json.loads((FIXTURES / "channel.json").read_text())
    profile, _ = await world.person()

    stored = await world.client.call("core", "PUT", "/channels/email", sandbox=SANDBOX, json=body)
    await world.send(await world.campaign(OFFER), profile)

    assert stored == body
    assert await world.client.call("core", "GET", "/channels/email", sandbox=SANDBOX) == body
    message = world.sent()
    assert message["From"] == "Acme Shop <offers@mail.acme-shop.example>"
    recorded = world.gateway.calls.last
    assert recorded is not None and recorded.body["mail_from"].startswith("bounces+")
    assert recorded.body["mail_from"].endswith("@mail.acme-shop.example")


async def test_a_sender_outside_the_domain_is_refused(world: World) -> None:
    with pytest.raises(StackError) as caught:
        await provision_email(world.client, SANDBOX, domain="mail.shop.example", from_address="news@elsewhere.example")
    assert caught.value.status == 422


# -- opens and clicks --------------------------------------------------------------------------------------------------


async def test_the_pixel_counts_an_open_once_and_records_an_event(world: World) -> None:
    profile, phone = await world.person()
    campaign = await world.campaign(OFFER)
    await world.send(campaign, profile)
    box = mailbox(phone)

    await box.open("your offer")
    await box.open(0)
    pixel = await world.client.http["core"].get(box.emails[0].images[0])

    report = await world.report(campaign)
    assert report["opened"] == 1
    assert box.emails[0].read and box.unread == []
    assert pixel.status_code == 200 and pixel.content == PIXEL_GIF and pixel.headers["content-type"] == "image/gif"
    [event] = world.events("message.opened")
    assert (event["channel"], event["source"]) == ("email", campaign)


async def test_a_click_redirects_to_the_target_counts_and_records_the_event(world: World) -> None:
    profile, phone = await world.person()
    campaign = await world.campaign(OFFER)
    await world.send(campaign, profile)
    box = mailbox(phone)

    redirect = await world.client.http["core"].get(box.emails[0].links[0].url)
    result = await box.click("see the offer")

    assert redirect.status_code == 302 and redirect.headers["location"] == "https://shop.example/offer?a=1&b=2"
    assert result.url == "https://shop.example/offer?a=1&b=2" and result.status == 0, "another site: not loaded"
    assert phone.browser == ["https://shop.example/offer?a=1&b=2"]
    report = await world.report(campaign)
    assert report["clicked"] == 1
    events = world.events("message.clicked")
    assert [(e["channel"], e["url"], e["source"]) for e in events] == [
        ("email", "https://shop.example/offer?a=1&b=2", campaign)
    ] * 2
    assert [m["outcome"] for m in await world.messages(profile)] == ["delivered", "clicked", "clicked"]


async def test_a_tampered_or_foreign_token_is_a_404(world: World) -> None:
    profile, phone = await world.person()
    await world.send(await world.campaign(OFFER), profile)
    url = mailbox(phone).emails[0].links[0].url
    payload, _, signature = url.rpartition("/")[2].partition(".")

    forged = await world.client.http["core"].get(f"/t/click/{payload}.{'A' * len(signature)}")
    garbage = await world.client.http["core"].get("/t/open/not-a-token.gif")

    assert forged.status_code == 404 and garbage.status_code == 404


async def test_the_mailbox_names_what_it_holds_when_asked_for_something_else(world: World) -> None:
    profile, phone = await world.person()
    await world.send(await world.campaign(OFFER), profile)

    with pytest.raises(MailboxError, match=r"no email about 'Invoice'; the inbox holds 'Ann, your offer' from"):
        await mailbox(phone).open("Invoice")
    with pytest.raises(MailboxError, match=r"no link 'Buy now'.*'See the offer', 'write', 'Unsubscribe'"):
        await mailbox(phone).click("Buy now")


# -- unsubscribe and bounces -------------------------------------------------------------------------------------------


async def test_one_click_unsubscribe_excludes_the_very_next_marketing_send(world: World) -> None:
    profile, phone = await world.person()
    first = await world.campaign(OFFER)
    await world.send(first, profile)

    answer = await mailbox(phone).unsubscribe()
    second = await world.campaign(OFFER)
    report = await world.send(second, profile)
    receipt = await world.send(await world.campaign({"subject": "Receipt", "text": "t"}, "transactional"), profile)

    assert answer.status == 200 and "no more marketing email" in answer.text
    assert (await world.report(first))["unsubscribes"] == 1
    assert exclusions(report) == [("EmailNoConsent", "050101", 1)]
    assert receipt["delivered"] == 1
    stored = await world.client.call("core", "GET", f"/profiles/{profile}", sandbox=SANDBOX)
    assert stored["consents"]["marketing"]["email"] == {"val": "n"}
    assert len(world.events("message.unsubscribed")) == 1


async def test_the_body_link_unsubscribes_through_the_page_form(world: World) -> None:
    profile, phone = await world.person()
    await world.send(await world.campaign(OFFER), profile)
    box = mailbox(phone)
    box.emails[0].list_unsubscribe_post = None  # a mail app without RFC 8058 support

    page = await world.client.http["core"].get(box.emails[0].unsubscribe_urls[0])
    result = await box.unsubscribe(0)

    assert page.status_code == 200 and '<form method="post"' in page.text
    stored = await world.client.call("core", "GET", f"/profiles/{profile}", sandbox=SANDBOX)
    assert stored["consents"]["marketing"]["email"] == {"val": "n"}, "the GET alone did not unsubscribe"
    assert result.status == 200 and "Unsubscribed" in result.text


async def test_a_hard_bounce_suppresses_the_address_and_the_next_send_is_excluded_050102(world: World) -> None:
    profile, phone = await world.person()
    await world.client.call("smtp_http", "POST", "/_sim/bounces", json={"address": "ann@example.com", "kind": "hard"})
    first = await world.campaign(OFFER)

    bounced = await world.send(first, profile)
    await world.client.call("smtp_http", "DELETE", "/_sim/bounces")
    again = await world.send(await world.campaign(OFFER), profile)

    assert (bounced["sent"], bounced["delivered"], bounced["bounces"]) == (1, 0, 1)
    assert bounced["bounceReasons"] == {"hard 550 5.1.1": 1} and bounced["reconciles"]
    assert exclusions(again) == [("EmailSuppressed", "050102", 1)]
    assert len(mailbox(phone)) == 0
    suppressions = await world.client.call("core", "GET", "/channels/email/suppressions", sandbox=SANDBOX)
    assert [(s["address"], s["reason"]) for s in suppressions["suppressions"]] == [("ann@example.com", "hardBounce")]
    assert [e["bounceType"] for e in world.events("message.bounced")] == ["hard"]


async def test_an_address_no_phone_holds_bounces_and_is_suppressed(world: World) -> None:
    profile, _ = await world.person("ghost@example.com", phone_email="someone.else@example.com")
    missing = await world.client.call(
        "core", "DELETE", "/channels/email/suppressions/ghost@example.com", sandbox=SANDBOX, ok=False
    )

    report = await world.send(await world.campaign(OFFER), profile)

    assert missing["error"]["status"] == 404
    assert report["bounces"] == 1
    await world.client.call("core", "DELETE", "/channels/email/suppressions/ghost@example.com", sandbox=SANDBOX)
    assert (await world.client.call("core", "GET", "/channels/email/suppressions", sandbox=SANDBOX)) == {
        "suppressions": []
    }


async def test_a_later_dsn_moves_the_message_from_delivered_to_bounced(world: World) -> None:
    profile, _ = await world.person()
    await world.client.call(
        "smtp_http", "POST", "/_sim/bounces", json={"address": "ann@example.com", "kind": "hard", "mode": "dsn"}
    )
    campaign = await world.campaign(OFFER)

    report = await world.send(campaign, profile)
    again = await world.send(await world.campaign(OFFER), profile)

    assert (report["sent"], report["delivered"], report["bounces"], report["reconciles"]) == (1, 0, 1, True)
    assert exclusions(again) == [("EmailSuppressed", "050102", 1)]
    outcomes = [(m["outcome"], m["reason"]) for m in await world.messages(profile) if m["source"] == campaign]
    assert outcomes[0] == ("delivered", None) and outcomes[1][0] == "bounced"
    assert "550 5.1.1" in outcomes[1][1]


async def test_a_recorded_dsn_is_read_back() -> None:
    report = read_dsn((FIXTURES / "dsn_user_unknown.eml").read_bytes())

    assert report is not None
    assert report.to == "bounces+b6b58ab83fdb452c8dec937c455e4ede@mail.acme-shop.example"
    assert report.sandbox == "shop"
    assert report.original_message_id == "<b6b58ab83fdb452c8dec937c455e4ede@mail.acme-shop.example>"
    [failure] = report.failures
    assert (failure.address, failure.action, failure.status, failure.hard) == (
        "ann.lee@example.com",
        "failed",
        "5.1.1",
        True,
    )
    assert failure.diagnostic.startswith("550 5.1.1 <ann.lee@example.com>")
    assert read_dsn((FIXTURES / "transactional_receipt.eml").read_bytes()) is None


async def test_the_bounce_intake_takes_a_recorded_dsn_once(world: World) -> None:
    profile, _ = await world.person()
    campaign = await world.campaign(OFFER)
    await world.send(campaign, profile)
    sent = world.gateway.calls.last
    assert sent is not None
    from simulator.gateways.smtp.dsn import FailedRecipient, build_dsn, header_block

    clock = world.stack.sandboxes.get(SANDBOX).clock
    dsn = build_dsn(
        queue_id="ABC",
        return_path=sent.body["mail_from"],
        failed=[FailedRecipient("ann@example.com", "5.1.1", "550 5.1.1 gone")],
        original_headers=header_block(world.gateway.raw("latest") or b""),
        arrived=clock.now(),
        now=clock.now(),
        sandbox=SANDBOX,
    )
    headers = {"content-type": "message/rfc822"}

    first = await world.client.http["core"].post("/email/bounces", content=dsn, headers=headers)
    second = await world.client.http["core"].post("/email/bounces", content=dsn, headers=headers)
    foreign = await world.client.http["core"].post(
        "/email/bounces", content=b"Subject: hi\r\n\r\nhello", headers=headers
    )

    assert (first.json(), second.json()) == ({"bounces": 1}, {"bounces": 0})
    assert foreign.status_code == 404
    report = await world.report(campaign)
    assert (report["delivered"], report["bounces"]) == (0, 1)


async def test_a_soft_bounce_is_retried_then_counted_without_suppression(world: World) -> None:
    profile, phone = await world.person()
    await world.client.call(
        "smtp_http", "POST", "/_sim/bounces", json={"address": "ann@example.com", "kind": "soft", "times": 5}
    )
    campaign = await world.campaign(OFFER)

    pending = await world.send(campaign, profile)
    await world.client.advance(SANDBOX, 2 * 3600)
    final = await world.report(campaign)
    again = await world.send(await world.campaign(OFFER), profile)

    assert (pending["pending"], pending["delivered"], pending["reconciles"]) == (1, 0, True)
    assert (final["pending"], final["bounces"], final["bounceReasons"]) == (0, 1, {"soft 452 4.2.2": 1})
    assert again["delivered"] == 1 and len(mailbox(phone)) == 1
    attempts = [c for c in world.gateway.calls if c.body["rcpt_tos"] == ["ann@example.com"]]
    assert [c.status for c in attempts] == [452] * 5 + [250]


async def test_a_transient_fault_is_retried_and_delivered(world: World) -> None:
    profile, phone = await world.person()
    await world.client.call(
        "smtp_http", "POST", "/_sim/faults", json={"error": "LocalError", "status": 451, "times": 2}
    )
    campaign = await world.campaign(OFFER)

    await world.send(campaign, profile)
    await world.client.advance(SANDBOX, 60)
    after_one = await world.report(campaign)
    await world.client.advance(SANDBOX, 300)
    after_two = await world.report(campaign)

    assert (after_one["pending"], after_one["delivered"]) == (1, 0)
    assert (after_two["pending"], after_two["delivered"], after_two["errors"]) == (0, 1, 0)
    assert len(mailbox(phone)) == 1
