"""The platform's SMS channel in a whole in-process stack: send-time rules and exclusions, STOP beating
transactional messages, consent updated by keywords, inbound events, signed webhooks, RCS and its fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from simulator.client import StackClient, StackError
from simulator.devices.delivery import MessageChannel
from simulator.devices.phone import OS, Phone
from simulator.devices.sms import SmsThreads
from simulator.gateways.faults import FaultRule
from simulator.gateways.twilio import SubscriberCreate, TwilioGateway
from simulator.gateways.twilio.keywords import REPLIES, Keyword
from simulator.gateways.twilio.provision import DEFAULT_NUMBER, provision_sms
from simulator.gateways.twilio.wiring import PlatformWebhooks, install
from simulator.stack import Stack

pytestmark = pytest.mark.anyio

SANDBOX = "sms"
BUSINESS = DEFAULT_NUMBER
DELIVERY_SECONDS = 2


class Lab:
    """A stack with the Twilio gateway installed and SMS provisioned in one sandbox."""

    def __init__(self, stack: Stack, client: StackClient, provisioned: dict[str, Any]) -> None:
        self.stack = stack
        self.client = client
        self.provisioned = provisioned

    @property
    def gateway(self) -> TwilioGateway:
        gateway = self.stack.messaging["twilio"]
        assert isinstance(gateway, TwilioGateway)
        return gateway

    async def person(
        self, number: str | None, *, consent: str | None = "y", attributes: dict[str, Any] | None = None
    ) -> tuple[str, Phone]:
        identities = {"phone": number} if number else {"email": "nophone@example.com"}
        consents = {"marketing": {"sms": {"val": consent}}} if consent else {}
        body = {"identities": identities, "attributes": attributes or {}, "consents": consents}
        profile = await self.client.call("core", "POST", "/profiles", sandbox=SANDBOX, json=body)
        phone = await self.client.new_phone(SANDBOX, OS.ANDROID, phone_number=number or "+15550009999")
        return str(profile["id"]), phone

    async def campaign(self, message: dict[str, Any], category: str = "marketing") -> str:
        body = {"name": "sms", "channel": "sms", "category": category, "message": message}
        return str((await self.client.call("core", "POST", "/campaigns", sandbox=SANDBOX, json=body))["id"])

    async def send(self, campaign: str, *profiles: str, wait: float = DELIVERY_SECONDS) -> dict[str, Any]:
        recipients = [{"profileId": p} for p in profiles]
        path = f"/campaigns/{campaign}/trigger"
        await self.client.call("core", "POST", path, sandbox=SANDBOX, json={"recipients": recipients})
        await self.client.advance(SANDBOX, wait)
        return await self.report(campaign)

    async def report(self, campaign: str) -> dict[str, Any]:
        return dict(await self.client.call("core", "GET", f"/campaigns/{campaign}/report", sandbox=SANDBOX))

    async def log(self, profile: str) -> list[dict[str, Any]]:
        return list(
            (await self.client.call("core", "GET", f"/profiles/{profile}/messages", sandbox=SANDBOX))["messages"]
        )

    async def profile(self, profile: str) -> dict[str, Any]:
        return dict(await self.client.call("core", "GET", f"/profiles/{profile}", sandbox=SANDBOX))

    def events(self) -> list[dict[str, Any]]:
        return [event["xdm"] for _, _, event in self.stack.platform.state(SANDBOX).events]


def threads(phone: Phone) -> SmsThreads:
    inbox = phone.inbox(MessageChannel.SMS)
    assert isinstance(inbox, SmsThreads)
    return inbox


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    stack = Stack.build(seed="sms-channel-tests")
    install(stack)
    client = await StackClient.inprocess(stack)
    await client.open_sandbox(SANDBOX)
    provisioned = await provision_sms(client, SANDBOX, rcs_agent="acme")
    try:
        yield Lab(stack, client, provisioned)
    finally:
        await client.aclose()


# -- send-time rules ------------------------------------------------------------------------------------------


async def test_a_personalised_sms_is_delivered_and_reported(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001", attributes={"firstName": "Ann"})
    campaign = await lab.campaign({"body": "Hi {{ profile.firstName }}, your order shipped"})
    report = await lab.send(campaign, profile)
    assert (report["targeted"], report["sent"], report["delivered"], report["pending"]) == (1, 1, 1, 0)
    assert report["deliveredVia"] == {"sms": 1} and report["reconciles"]
    received = threads(phone).latest(BUSINESS)
    assert received.body == "Hi Ann, your order shipped"
    [record] = await lab.log(profile)
    assert (record["outcome"], record["via"], record["messageId"]) == ("delivered", "sms", received.id)


async def test_each_exclusion_is_reported_with_its_code(lab: Lab) -> None:
    no_consent, _ = await lab.person("+15551230001", consent=None)
    no_number, _ = await lab.person(None)
    unrenderable, _ = await lab.person("+15551230002")
    campaign = await lab.campaign({"body": "Hello {{ profile.firstName }}"})
    report = await lab.send(campaign, no_consent, no_number, unrenderable)
    assert (report["targeted"], report["excluded"], report["sent"]) == (3, 3, 0)
    assert report["exclusions"] == [
        {"reason": "SMSNoConsent", "code": "050104", "count": 1},
        {"reason": "SMSNoToNumberDefinedInProfile", "code": "050153", "count": 1},
        {"reason": "RuntimeRenderingError", "code": "050302", "count": 1},
    ]
    assert [(r["reason"], r["code"]) for r in await lab.log(no_number)] == [("SMSNoToNumberDefinedInProfile", "050153")]
    assert len(lab.gateway.messages) == 0


async def test_a_transactional_sms_needs_no_consent(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001", consent=None)
    campaign = await lab.campaign({"body": "Your code is 123456"}, category="transactional")
    assert (await lab.send(campaign, profile))["delivered"] == 1
    assert threads(phone).latest(BUSINESS).body == "Your code is 123456"


# -- keywords -------------------------------------------------------------------------------------------------


async def test_stop_updates_consent_at_once_and_beats_transactional_messages(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001")
    await threads(phone).reply(BUSINESS, "STOP")
    await lab.client.settle(SANDBOX)
    assert (await lab.profile(profile))["consents"]["marketing"]["sms"] == {"val": "n"}
    [event] = lab.events()
    assert (event["eventType"], event["keyword"], event["body"], event["from"]) == (
        "message.inbound", "STOP", "STOP", "+15551230001",
    )  # fmt: skip

    campaign = await lab.campaign({"body": "Your parcel is at the door"}, category="transactional")
    report = await lab.send(campaign, profile)
    assert (report["sent"], report["excluded"]) == (0, 1)
    assert report["exclusions"] == [{"reason": "SMSNoConsent", "code": "050104", "count": 1}]
    [record] = await lab.log(profile)
    assert record["reason"] == "SMSNoConsent"
    assert record["detail"] == f"opted out by STOP to {lab.provisioned['messagingServiceSid']}"
    assert threads(phone).thread(BUSINESS).bodies() == ["STOP", REPLIES[Keyword.OPT_OUT]]

    await threads(phone).reply(BUSINESS, "start")
    await lab.client.settle(SANDBOX)
    assert (await lab.profile(profile))["consents"]["marketing"]["sms"] == {"val": "y"}
    assert (await lab.send(campaign, profile))["delivered"] == 1
    assert threads(phone).latest(BUSINESS).body == "Your parcel is at the door"


async def test_a_stop_the_platform_never_saw_fails_with_21610_then_excludes(lab: Lab) -> None:
    profile, _ = await lab.person("+15551230001")
    account = lab.gateway.account(lab.provisioned["accountSid"])
    account.opted_out.add(("+15551230001", lab.provisioned["messagingServiceSid"]))
    campaign = await lab.campaign({"body": "Hello"}, category="transactional")
    report = await lab.send(campaign, profile)
    assert (report["sent"], report["errors"], report["errorReasons"]) == (1, 1, {"21610": 1})
    [failed] = await lab.log(profile)
    assert (failed["outcome"], failed["code"]) == ("failed", "050301")
    assert failed["reason"] == "RuntimeDispatchError: 21610 Attempt to send to unsubscribed recipient"
    report = await lab.send(campaign, profile)
    assert report["exclusions"] == [{"reason": "SMSNoConsent", "code": "050104", "count": 1}]


async def test_every_inbound_message_is_an_event_a_journey_can_wait_for(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001")
    await threads(phone).reply(BUSINESS, "YES please, book it")
    await lab.client.settle(SANDBOX)
    [event] = lab.events()
    assert {k: event[k] for k in ("eventType", "channel", "via", "body", "from", "to")} == {
        "eventType": "message.inbound",
        "channel": "sms",
        "via": "sms",
        "body": "YES please, book it",
        "from": "+15551230001",
        "to": BUSINESS,
    }
    assert "keyword" not in event
    state = lab.stack.platform.state(SANDBOX)
    assert state.events[0][1] == profile


# -- webhooks ---------------------------------------------------------------------------------------------------


async def test_status_webhooks_without_a_valid_signature_get_403_and_change_nothing(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001")
    await phone.go_offline()
    campaign = await lab.campaign({"body": "Hello"})
    report = await lab.send(campaign, profile)
    assert (report["pending"], report["delivered"]) == (1, 0)
    [record] = await lab.log(profile)
    url = f"{lab.stack.urls['core']}/webhooks/twilio/{SANDBOX}/status"
    form = {
        "MessageSid": record["messageId"], "MessageStatus": "delivered", "SmsSid": record["messageId"],
        "SmsStatus": "delivered", "AccountSid": lab.provisioned["accountSid"], "From": BUSINESS,
        "To": "+15551230001", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    good = RequestValidator(lab.provisioned["authToken"]).compute_signature(url, form)
    forged = RequestValidator("not-the-token").compute_signature(url, form)
    core = lab.client.http["core"]
    for headers in ({}, {"X-Twilio-Signature": forged}, {"X-Twilio-Signature": good + "x"}):
        answer = await core.post(url, data=form, headers=headers)
        assert answer.status_code == 403
    tampered = await core.post(url, data={**form, "To": "+15559999999"}, headers={"X-Twilio-Signature": good})
    assert tampered.status_code == 403
    assert (await lab.report(campaign))["pending"] == 1
    inbound = f"{lab.stack.urls['core']}/webhooks/twilio/{SANDBOX}/inbound"
    unsigned_stop = await core.post(inbound, data={"From": "+15551230001", "To": BUSINESS, "Body": "STOP"})
    assert unsigned_stop.status_code == 403
    assert (await lab.profile(profile))["consents"]["marketing"]["sms"] == {"val": "y"} and lab.events() == []

    accepted = await core.post(url, data=form, headers={"X-Twilio-Signature": good})
    assert accepted.status_code == 204
    report = await lab.report(campaign)
    assert (report["pending"], report["delivered"], report["reconciles"]) == (0, 1, True)


async def test_undelivered_and_failed_statuses_count_as_bounces_and_errors(lab: Lab) -> None:
    bounced, _ = await lab.person("+15551230001")
    failed, _ = await lab.person("+15551230002")
    lab.gateway.set_subscriber(SubscriberCreate(sandbox=SANDBOX, phone_number="+15551230001", failure=30007))
    text = await lab.campaign({"body": "Hello"})
    report = await lab.send(text, bounced)
    assert (report["bounces"], report["bounceReasons"]) == (1, {"30007": 1})
    mms = await lab.campaign({"kind": "mms", "body": "See", "media": ["http://nowhere.invalid/a.png"]})
    report = await lab.send(mms, failed)
    assert (report["errors"], report["errorReasons"], report["reconciles"]) == (1, {"11200": 1}, True)
    assert [r["outcome"] for r in await lab.log(bounced)] == ["bounced"]


async def test_rate_limiting_is_retried_on_the_clock(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001")
    lab.gateway.faults.add(FaultRule(error="20429", status=429, times=2))
    campaign = await lab.campaign({"body": "Hello"})
    report = await lab.send(campaign, profile, wait=0.5)
    assert (report["sent"], report["pending"], report["delivered"]) == (1, 1, 0)
    await lab.client.advance(SANDBOX, 1 + 2 + DELIVERY_SECONDS)
    report = await lab.report(campaign)
    assert (report["pending"], report["delivered"], report["reconciles"]) == (0, 1, True)
    assert [c.status for c in lab.gateway.calls] == [429, 429, 201]
    assert threads(phone).latest(BUSINESS).body == "Hello"


# -- MMS and RCS ------------------------------------------------------------------------------------------------


async def test_an_mms_carries_its_image(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001")
    image = lab.gateway.host_media("image/png", size=2048)
    campaign = await lab.campaign({"kind": "mms", "body": "Your ticket", "media": [image]})
    report = await lab.send(campaign, profile)
    assert report["deliveredVia"] == {"mms": 1}
    assert threads(phone).latest(BUSINESS).media == [{"url": image, "content_type": "image/png"}]


RCS = {
    "kind": "rcs",
    "body": "Your flight",
    "card": {"title": "Boarding pass for {{ profile.firstName }}", "description": "Gate B12"},
    "suggestions": [
        {"label": "Check in", "payload": "checkin"},
        {"label": "Details", "type": "url", "url": "https://acme.test"},
    ],
}


async def test_rcs_reaches_a_capable_phone_and_a_tapped_reply_is_an_event(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001", attributes={"firstName": "Ann"})
    lab.gateway.set_subscriber(SubscriberCreate(sandbox=SANDBOX, phone_number="+15551230001", rcs=True))
    campaign = await lab.campaign(RCS)
    report = await lab.send(campaign, profile)
    assert report["deliveredVia"] == {"rcs": 1}
    [record] = await lab.log(profile)
    assert (record["outcome"], record["via"]) == ("delivered", "rcs")
    card = threads(phone).latest("rcs:acme")
    assert card.card == {"title": "Boarding pass for Ann", "description": "Gate B12", "media": []}
    await threads(phone).tap_suggestion("rcs:acme", "Check in")
    await lab.client.settle(SANDBOX)
    [event] = lab.events()
    assert (event["via"], event["body"], event["buttonPayload"], event["from"]) == (
        "rcs",
        "Check in",
        "checkin",
        "+15551230001",
    )


async def test_rcs_to_a_phone_without_rcs_falls_back_and_the_report_says_so(lab: Lab) -> None:
    profile, phone = await lab.person("+15551230001", attributes={"firstName": "Bob"})
    campaign = await lab.campaign(RCS)
    report = await lab.send(campaign, profile)
    assert report["deliveredVia"] == {"sms": 1}
    [record] = await lab.log(profile)
    assert record["via"] == "sms"
    assert threads(phone).latest(BUSINESS).body == "Boarding pass for Bob\nGate B12\nDetails: https://acme.test"


# -- configuration ----------------------------------------------------------------------------------------------


async def test_the_channel_configuration_is_validated_and_shown_without_its_token(lab: Lab) -> None:
    shown = await lab.client.call("core", "GET", "/channels/sms", sandbox=SANDBOX)
    assert shown["accountSid"] == lab.provisioned["accountSid"]
    assert shown["authToken"] == "***" + lab.provisioned["authToken"][-4:]
    assert shown["statusCallback"] == f"http://core.mjlab.test/webhooks/twilio/{SANDBOX}/status"
    again = {k: lab.provisioned[k] for k in ("accountSid", "authToken", "numbers")}
    redone = await lab.client.call("core", "PUT", "/channels/sms", sandbox=SANDBOX, json=again)
    assert redone["statusCallback"] == f"{lab.stack.urls['core']}/webhooks/twilio/{SANDBOX}/status"
    assert redone["messagingServiceSid"] is None
    with pytest.raises(StackError) as caught:
        await lab.client.call(
            "core", "PUT", "/channels/sms", sandbox=SANDBOX,
            json={"accountSid": "AC1", "authToken": "t", "numbers": ["555"]},
        )  # fmt: skip
    assert caught.value.status == 422
    fields = {d["field"] for d in caught.value.body["error"]["detail"]}
    assert "accountSid" in fields


async def test_an_invalid_sms_message_is_a_422_naming_the_field(lab: Lab) -> None:
    with pytest.raises(StackError) as caught:
        await lab.campaign({"kind": "sms", "body": "x", "media": ["http://a.test/x.png"]})
    assert caught.value.status == 422
    assert "use kind mms" in caught.value.body["error"]["message"]


async def test_an_unconfigured_sandbox_counts_an_error(lab: Lab) -> None:
    await lab.client.open_sandbox("bare")
    body = {"identities": {"phone": "+15551230001"}, "consents": {"marketing": {"sms": {"val": "y"}}}}
    profile = await lab.client.call("core", "POST", "/profiles", sandbox="bare", json=body)
    created = await lab.client.call(
        "core", "POST", "/campaigns", sandbox="bare", json={"name": "x", "channel": "sms", "message": {"body": "hi"}}
    )
    await lab.client.call("core", "POST", f"/campaigns/{created['id']}/trigger", sandbox="bare",
                          json={"recipients": [{"profileId": profile["id"]}]})  # fmt: skip
    await lab.client.settle("bare")
    report = await lab.client.call("core", "GET", f"/campaigns/{created['id']}/report", sandbox="bare")
    assert (report["errors"], report["errorReasons"], report["reconciles"]) == (1, {"SMSChannelNotConfigured": 1}, True)


async def test_the_in_process_webhook_path_checks_the_signature_as_the_route_does(lab: Lab) -> None:
    profile, _ = await lab.person("+15551230001")
    poster = lab.gateway.courier.webhooks
    assert isinstance(poster, PlatformWebhooks)
    url = f"{lab.stack.urls['core']}/webhooks/twilio/{SANDBOX}/inbound"
    form = {"From": "+15551230001", "To": BUSINESS, "Body": "STOP", "MessageSid": "SM" + "1" * 32}
    forged = await poster.post(url, data=form, headers={"X-Twilio-Signature": "AAAA"})
    assert forged.status == 403
    assert (await lab.profile(profile))["consents"]["marketing"]["sms"] == {"val": "y"}
    unknown = await poster.post(url.replace(f"/{SANDBOX}/", "/nowhere/"), data=form, headers={})
    assert unknown.status == 404
    signature = RequestValidator(lab.provisioned["authToken"]).compute_signature(url, form)
    accepted = await poster.post(url, data=form, headers={"x-twilio-signature": signature})
    assert (accepted.status, accepted.content_type) == (200, "text/xml")
    assert "<Response>" in accepted.text
    assert (await lab.profile(profile))["consents"]["marketing"]["sms"] == {"val": "n"}
