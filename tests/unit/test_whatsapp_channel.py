"""The platform's WhatsApp channel in-process: send-time rules, rendering, the window's outcomes, statuses in the
report, replies as events, the webhook route's signature check and handshake, and the phone's WhatsApp app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from simulator.client import StackClient, StackError
from simulator.devices.delivery import MessageChannel
from simulator.devices.link import LinkClient
from simulator.devices.phone import OS, Phone, PhoneError
from simulator.devices.services import HttpPhoneServices
from simulator.devices.whatsapp import WhatsAppChats
from simulator.gateways.whatsapp import WhatsAppGateway, sign
from simulator.gateways.whatsapp.wiring import install
from simulator.platform.channels.whatsapp import provision_whatsapp
from simulator.stack import Stack

SANDBOX = "wa"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp"
TEMPLATES = json.loads((FIXTURES / "templates.json").read_text())["templates"]


class World:
    """One sandbox with a WhatsApp business, and people with phones."""

    def __init__(self, client: StackClient, stack: Stack, business: dict[str, Any]) -> None:
        self.client = client
        self.stack = stack
        self.business = business
        self.number = "+" + business["display_phone_number"]

    @property
    def gateway(self) -> WhatsAppGateway:
        gateway: WhatsAppGateway = self.stack.messaging["whatsapp"]
        return gateway

    async def person(
        self, number: str = "+14155550100", *, consent: str | None = "y", phone: bool = True, name: str = "Ada"
    ) -> tuple[str, Phone | None]:
        body: dict[str, Any] = {"identities": {"phone": number}, "attributes": {"firstName": name}}
        if consent is not None:
            body["consents"] = {"marketing": {"whatsapp": {"val": consent}}}
        profile = await self.client.call("core", "POST", "/profiles", sandbox=SANDBOX, json=body)
        device = await self.client.new_phone(SANDBOX, OS.IOS, name=name, phone_number=number) if phone else None
        return str(profile["id"]), device

    async def campaign(self, message: dict[str, Any], category: str = "marketing") -> str:
        body = {"name": "c", "channel": "whatsapp", "category": category, "message": message}
        return str((await self.client.call("core", "POST", "/campaigns", sandbox=SANDBOX, json=body))["id"])

    async def send(self, campaign: str, *profiles: str) -> dict[str, Any]:
        recipients = [{"profileId": p} for p in profiles]
        await self.client.call(
            "core", "POST", f"/campaigns/{campaign}/trigger", sandbox=SANDBOX, json={"recipients": recipients}
        )
        await self.client.settle(SANDBOX)
        return await self.report(campaign)

    async def report(self, campaign: str) -> dict[str, Any]:
        return dict(await self.client.call("core", "GET", f"/campaigns/{campaign}/report", sandbox=SANDBOX))

    def events(self) -> list[dict[str, Any]]:
        return [event["xdm"] for _, _, event in self.stack.platform.state(SANDBOX).events]

    async def log(self, profile: str) -> list[tuple[str, str | None, str | None]]:
        answer = await self.client.call("core", "GET", f"/profiles/{profile}/messages", sandbox=SANDBOX)
        return [(m["outcome"], m["reason"], m["code"]) for m in answer["messages"]]


def chats(phone: Phone | None) -> WhatsAppChats:
    assert phone is not None
    inbox = phone.inbox(MessageChannel.WHATSAPP)
    assert isinstance(inbox, WhatsAppChats)
    return inbox


def in_world(test: Callable[[World], Awaitable[None]], **provisioning: Any) -> None:
    async def main() -> None:
        stack = Stack.build(seed="whatsapp-channel-tests")
        install(stack)
        client = await StackClient.inprocess(stack)
        await client.open_sandbox(SANDBOX)
        business = await provision_whatsapp(client, SANDBOX, TEMPLATES, **provisioning)
        try:
            await test(World(client, stack, business))
        finally:
            await client.aclose()

    asyncio.run(main())


def test_provisioning_verifies_the_webhook_and_configures_the_channel() -> None:
    async def test(world: World) -> None:
        assert world.business["webhook_verified"]
        business = world.gateway.businesses.get(world.business["phone_number_id"])
        assert business is not None and business.webhook_verified
        assert business.callback_url == f"http://core.mjlab.test/webhooks/whatsapp/{SANDBOX}"
        shown = await world.client.call("core", "GET", "/channels/whatsapp", sandbox=SANDBOX)
        assert shown["phoneNumberId"] == world.business["phone_number_id"]
        assert shown["appSecret"] == "…" and world.business["access_token"] not in json.dumps(shown)
        assert len(world.business["templates"]) == len(TEMPLATES)

    in_world(test)


def test_a_template_reaches_the_phone_rendered_and_its_statuses_fill_the_report() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person()
        campaign = await world.campaign(
            {
                "template": {
                    "name": "spring_sale",
                    "language": "en_US",
                    "parameters": {"first_name": "{{ profile.firstName }}", "discount": "20%"},
                    "payloads": ["YES", "NO"],
                }
            }
        )
        report = await world.send(campaign, profile)
        assert (report["targeted"], report["sent"], report["delivered"], report["pending"]) == (1, 1, 1, 0)
        chat = chats(phone).chat(world.number)
        [message] = chat.messages
        assert (message.text, message.template) == ("Hello Ada! Spring sale: 20% off today.", "spring_sale")
        assert [(b.kind, b.id, b.title) for b in message.buttons] == [
            ("quick_reply", "YES", "Yes please"),
            ("quick_reply", "NO", "No thanks"),
        ]
        assert chat.unread == [message]
        await chats(phone).open_chat(world.number)
        await world.client.settle(SANDBOX)
        report = await world.report(campaign)
        assert (report["opened"], report["reconciles"]) == (1, True)
        assert [outcome for outcome, _, _ in await world.log(profile)] == ["sent", "delivered", "opened"]
        webhooks = world.gateway.webhooks.log.calls
        assert [(w.status, w.delivered) for w in webhooks] == [(200, True)] * 3
        assert all(w.path == world.business["callback_url"] for w in webhooks)

    in_world(test)


def test_a_button_reply_is_an_event_and_a_click() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person()
        campaign = await world.campaign(
            {
                "template": {
                    "name": "spring_sale",
                    "parameters": {"first_name": "x", "discount": "y"},
                    "payloads": ["YES", "NO"],
                }
            }
        )
        await world.send(campaign, profile)
        sent_id = chats(phone).chat(world.number).messages[0].id
        reply_id = await chats(phone).tap_button(world.number, "yes PLEASE")
        await world.client.settle(SANDBOX)
        [event] = world.events()
        assert event == {
            "eventType": "message.inbound",
            "channel": "whatsapp",
            "from": "+14155550100",
            "to": world.number,
            "messageId": reply_id,
            "body": "Yes please",
            "button": {"id": "YES", "title": "Yes please"},
            "replyTo": sent_id,
        }
        report = await world.report(campaign)
        assert (report["opened"], report["clicked"], report["customActions"]) == (1, 1, {"YES": 1})

    in_world(test)


def test_marketing_needs_consent_and_every_message_a_phone_number() -> None:
    async def test(world: World) -> None:
        refused, _ = await world.person("+14155550101", consent="n")
        unknown, _ = await world.person("+14155550102", consent=None)
        campaign = await world.campaign({"template": {"name": "login_code", "parameters": ["123456"]}})
        report = await world.send(campaign, refused, unknown)
        assert report["exclusions"] == [{"reason": "WhatsAppNoConsent", "code": "050106", "count": 2}]
        assert await world.log(refused) == [("excluded", "WhatsAppNoConsent", "050106")]
        transactional = await world.campaign(
            {"template": {"name": "login_code", "parameters": ["123456"]}}, "transactional"
        )
        report = await world.send(transactional, refused)
        assert (report["sent"], report["delivered"]) == (1, 1)
        no_phone = await world.client.call(
            "core",
            "POST",
            "/profiles",
            sandbox=SANDBOX,
            json={"identities": {"email": "x@example.com"}, "consents": {"marketing": {"whatsapp": {"val": "y"}}}},
        )
        report = await world.send(campaign, str(no_phone["id"]))
        assert {"reason": "WhatsAppNoPhoneNumberInProfile", "code": "050154", "count": 1} in report["exclusions"]
        assert report["reconciles"]

    in_world(test)


def test_a_message_that_does_not_render_is_excluded() -> None:
    async def test(world: World) -> None:
        profile, _ = await world.person()
        campaign = await world.campaign({"text": "Hi {{ profile.lastName }}"})
        report = await world.send(campaign, profile)
        assert report["exclusions"] == [{"reason": "RuntimeRenderingError", "code": "050302", "count": 1}]

    in_world(test)


def test_free_text_inside_the_window_is_delivered_and_outside_it_is_an_error() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person()
        await chats(phone).send_text(world.number, "Where is my order?")
        await world.client.settle(SANDBOX)
        assert world.events()[0]["body"] == "Where is my order?"
        campaign = await world.campaign({"text": "Hi {{ profile.firstName }}, it left today."}, "transactional")
        report = await world.send(campaign, profile)
        assert (report["delivered"], report["errors"]) == (1, 0)
        assert chats(phone).chat(world.number).texts() == ["Hi Ada, it left today."]
        await world.client.advance(SANDBOX, 24 * 3600 + 1)
        report = await world.send(campaign, profile)
        assert (report["sent"], report["delivered"], report["errors"], report["pending"]) == (2, 1, 1, 0)
        assert report["errorReasons"] == {"(#131047) Re-engagement message": 1}
        assert (await world.log(profile))[-1] == (
            "failed",
            "RuntimeDispatchError: (#131047) Re-engagement message",
            "050301",
        )
        assert len(chats(phone).chat(world.number).received()) == 1

    in_world(test)


def test_outside_the_window_a_refused_send_is_the_same_error() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person()
        campaign = await world.campaign({"text": "Hello"}, "transactional")
        report = await world.send(campaign, profile)
        assert (report["errors"], report["errorReasons"], report["pending"]) == (
            1,
            {"(#131047) Re-engagement message": 1},
            0,
        )
        call = world.gateway.calls.last
        assert call is not None and call.status == 400
        with pytest.raises(PhoneError, match="no WhatsApp chat"):
            chats(phone).chat(world.number)

    in_world(test, window_enforcement="send_error")


def test_a_number_without_whatsapp_is_a_bounce() -> None:
    async def test(world: World) -> None:
        profile, _ = await world.person(phone=False)
        campaign = await world.campaign({"template": {"name": "login_code", "parameters": ["123456"]}})
        report = await world.send(campaign, profile)
        assert (report["sent"], report["bounces"], report["bounceReasons"]) == (
            1,
            1,
            {"(#131026) Message undeliverable": 1},
        )
        assert report["reconciles"]

    in_world(test)


def test_an_offline_phone_is_pending_until_it_reconnects() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person()
        assert phone is not None
        await phone.go_offline()
        campaign = await world.campaign({"template": {"name": "login_code", "parameters": ["123456"]}})
        report = await world.send(campaign, profile)
        assert (report["sent"], report["delivered"], report["pending"], report["reconciles"]) == (1, 0, 1, True)
        await world.client.advance(SANDBOX, 3600)
        await phone.go_online()
        await world.client.settle(SANDBOX)
        report = await world.report(campaign)
        assert (report["delivered"], report["pending"]) == (1, 0)
        assert chats(phone).chat(world.number).texts() == ["123456 is your verification code."]

    in_world(test)


def test_interactive_buttons_and_lists_are_tapped_and_chosen() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person()
        await chats(phone).send_text(world.number, "hi")
        ask = await world.campaign(
            {
                "interactive": {
                    "body": "Still coming, {{ profile.firstName }}?",
                    "footer": "Shop",
                    "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}],
                }
            },
            "transactional",
        )
        pick = await world.campaign(
            {
                "interactive": {
                    "body": "When?",
                    "button": "Slots",
                    "sections": [
                        {"title": "Morning", "rows": [{"id": "slot-9", "title": "9:00", "description": "30 min"}]},
                        {"title": "Evening", "rows": [{"id": "slot-18", "title": "18:00"}]},
                    ],
                }
            },
            "transactional",
        )
        await world.send(ask, profile)
        await world.send(pick, profile)
        chat = chats(phone).chat(world.number)
        assert chat.messages[-2].text == "Still coming, Ada?" and chat.messages[-2].footer == "Shop"
        assert chat.messages[-1].list_button == "Slots"
        await chats(phone).tap_button(world.number, "No")
        await chats(phone).choose_from_list(world.number, "9:00")
        await world.client.settle(SANDBOX)
        replies = [(e["body"], e["button"]) for e in world.events() if "button" in e]
        assert replies == [("No", {"id": "no", "title": "No"}), ("9:00", {"id": "slot-9", "title": "9:00"})]
        assert (await world.report(ask))["customActions"] == {"no": 1}
        with pytest.raises(PhoneError, match=r"shows no list item 'Noon' \(it shows .*\[9:00, 18:00\]"):
            await chats(phone).choose_from_list(world.number, "Noon")
        with pytest.raises(PhoneError, match="shows no button 'Maybe'"):
            await chats(phone).tap_button(world.number, "Maybe")

    in_world(test)


def test_an_invalid_message_is_a_422_naming_the_field() -> None:
    async def test(world: World) -> None:
        with pytest.raises(StackError) as caught:
            await world.campaign(
                {"interactive": {"body": "b", "buttons": [{"id": "a", "title": "A title far too long!"}]}}
            )
        assert caught.value.status == 422
        assert caught.value.body["error"]["detail"][0]["field"] == "message.interactive.buttons.0.title"
        with pytest.raises(StackError):
            await world.campaign({"text": "a", "template": {"name": "login_code"}})

    in_world(test)


def test_a_throttled_send_is_retried() -> None:
    async def test(world: World) -> None:
        profile, _ = await world.person()
        await world.client.call("whatsapp", "POST", "/_sim/faults", json={"error": "130429", "status": 429, "times": 2})
        campaign = await world.campaign({"template": {"name": "login_code", "parameters": ["1"]}})
        report = await world.send(campaign, profile)
        assert (report["pending"], report["delivered"]) == (1, 0)
        await world.client.advance(SANDBOX, 3)
        report = await world.report(campaign)
        assert (report["delivered"], report["pending"], report["errors"], report["reconciles"]) == (1, 0, 0, True)

    in_world(test)


def test_the_webhook_route_checks_signatures_and_the_handshake() -> None:
    async def test(world: World) -> None:
        profile, _ = await world.person()
        core = world.client.http["core"]
        url = f"/webhooks/whatsapp/{SANDBOX}"
        token = world.business["verify_token"]
        ok = await core.get(
            url, params={"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": token}
        )
        assert (ok.status_code, ok.text) == (200, "1158201444")
        for params in (
            {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "nope"},
            {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": token},
            {},
        ):
            assert (await core.get(url, params=params)).status_code == 403
        inbound = json.loads((FIXTURES / "webhooks.json").read_text())["inbound_text"]
        raw = json.dumps(json.loads(json.dumps(inbound).replace("{timestamp}", "1767603600"))).encode()
        secret = world.business["app_secret"]
        unsigned = await core.post(url, content=raw)
        wrong = await core.post(url, content=raw, headers={"x-hub-signature-256": sign("not the secret", raw)})
        tampered = await core.post(url, content=raw + b" ", headers={"x-hub-signature-256": sign(secret, raw)})
        assert [r.status_code for r in (unsigned, wrong, tampered)] == [403, 403, 403]
        assert world.events() == []
        signed = await core.post(url, content=raw, headers={"x-hub-signature-256": sign(secret, raw)})
        assert signed.status_code == 200
        [event] = world.events()
        assert (event["body"], event["from"]) == ("Does it come in blue?", "+14155550100")
        assert world.stack.platform.state(SANDBOX).events[0][1] == profile
        elsewhere = await core.post(
            "/webhooks/whatsapp/nosuchsandbox", content=raw, headers={"x-hub-signature-256": sign(secret, raw)}
        )
        assert elsewhere.status_code == 404

    in_world(test)


def test_the_gateway_is_reachable_over_its_own_app() -> None:
    async def test(world: World) -> None:
        app = world.stack.apps()["whatsapp"]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=world.stack.urls["whatsapp"]
        ) as http:
            listed = await http.get("/_sim/businesses", params={"sandbox": SANDBOX})
        [business] = listed.json()["businesses"]
        assert business["webhook_verified"] and business["window_enforcement"] == "failed_status"

    in_world(test)


def test_a_phone_on_http_services_reaches_the_gateway_as_in_network_mode() -> None:
    """`HttpPhoneServices` posts `{"sandbox", "from", "payload"}` to the gateway's `/_sim/phones/messages`."""

    async def test(world: World) -> None:
        profile, _ = await world.person()
        app = world.stack.apps()["whatsapp"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wa") as http:
            services = HttpPhoneServices({"whatsapp": http}, cast(LinkClient, None), {})
            phone = Phone(
                device_id="far-1",
                sandbox=SANDBOX,
                os=OS.ANDROID,
                services=services,
                name="Ada",
                phone_number="+14155550100",
            )
            world.stack.hub.attach(phone)
            world.stack.hub.register_address(SANDBOX, "+14155550100", phone.device_id)
            campaign = await world.campaign(
                {
                    "template": {
                        "name": "spring_sale",
                        "parameters": {"first_name": "Ada", "discount": "5%"},
                        "payloads": ["YES", "NO"],
                    }
                }
            )
            await world.send(campaign, profile)
            reply_id = await chats(phone).tap_button(world.number, "No thanks")
            await world.client.settle(SANDBOX)
        assert reply_id.startswith("wamid.")
        report = await world.report(campaign)
        assert (report["delivered"], report["opened"], report["customActions"]) == (1, 1, {"NO": 1})
        assert world.events()[-1]["button"] == {"id": "NO", "title": "No thanks"}

    in_world(test)


def test_the_phone_refuses_what_a_person_could_not_do() -> None:
    async def test(world: World) -> None:
        _, phone = await world.person()
        with pytest.raises(LookupError, match="no WhatsApp business at '\\+15550009999'"):
            await chats(phone).send_text("+1 555 000 9999", "hello?")
        assert chats(phone).chats == {}
        with pytest.raises(PhoneError, match="empty message"):
            await chats(phone).send_text(world.number, "")
        with pytest.raises(PhoneError, match="no WhatsApp chat with"):
            await chats(phone).open_chat(world.number)
        assert phone is not None
        await phone.go_offline()
        with pytest.raises(PhoneError, match="is offline"):
            await chats(phone).send_text(world.number, "hi")

    in_world(test)
