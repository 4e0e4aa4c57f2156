"""The fake WhatsApp Cloud API: auth, Meta's validation codes, templates, the 24-hour window on the virtual clock,
interactive limits, signed webhooks and the handshake, statuses, inbound replies, and the `/_sim/` routes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from simulator.clock import VirtualClock
from simulator.devices.delivery import MessageChannel, MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultRule
from simulator.gateways.webhooks import WebhookSender
from simulator.gateways.whatsapp import (
    SIGNATURE_HEADER,
    BusinessCreate,
    SendAnswer,
    SendRequest,
    TemplateCreate,
    WhatsAppGateway,
    create_app,
    sign,
    verify,
)
from simulator.gateways.whatsapp.accounts import Business
from simulator.gateways.whatsapp.inbound import InboundError
from simulator.sandboxes import Sandboxes

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp"
PERSON = "+14155550100"
CALLBACK = "http://biz.test/webhook"
VERIFY_TOKEN = "let-me-in"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def like(actual: Any, expected: Any, path: str = "") -> None:
    """Assert `actual` has exactly `expected`'s shape and values; `"*"` in `expected` matches any present value."""
    if expected == "*":
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert set(actual) == set(expected), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key, value in expected.items():
            like(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            like(got, want, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def fill(template: Any, **values: str) -> Any:
    text = json.dumps(template)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


@dataclass
class FakePhone:
    """A phone as the hub sees it: it keeps every message it receives."""

    device_id: str
    sandbox: str = "prod"
    received: list[MessageDelivery] = field(default_factory=list)

    def receive_push(self, delivery: Any) -> None:
        raise AssertionError("no push expected")

    def receive_message(self, delivery: MessageDelivery) -> None:
        self.received.append(delivery)


@dataclass
class Receiver:
    """The business's own webhook endpoint: answers Meta's handshake and keeps each notification's raw bytes."""

    verify_token: str = VERIFY_TOKEN
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def handshake(request: Request) -> Response:
            query = request.query_params
            if query.get("hub.mode") == "subscribe" and query.get("hub.verify_token") == self.verify_token:
                return PlainTextResponse(query["hub.challenge"])
            return Response(status_code=403)

        async def notify(request: Request) -> Response:
            self.posts.append((dict(request.headers), await request.body()))
            return Response(status_code=200)

        return Starlette(
            routes=[Route("/webhook", handshake, methods=["GET"]), Route("/webhook", notify, methods=["POST"])]
        )

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for _, raw in self.posts]


@dataclass
class World:
    sandboxes: Sandboxes
    hub: DeviceHub
    gateway: WhatsAppGateway
    receiver: Receiver
    business: Business
    phone: FakePhone

    @property
    def clock(self) -> VirtualClock:
        clock = self.sandboxes.get("prod").clock
        assert isinstance(clock, VirtualClock)
        return clock

    def values(self, **extra: str) -> dict[str, str]:
        return {
            "waba_id": self.business.waba_id,
            "phone_number_id": self.business.phone_number_id,
            "display_phone_number": self.business.display_phone_number,
            "timestamp": str(int(self.clock.timestamp())),
            **extra,
        }

    async def send(self, body: dict[str, Any] | bytes, token: str | None = None) -> SendAnswer:
        request = SendRequest(
            phone_number_id=self.business.phone_number_id,
            authorization=f"Bearer {token or self.business.access_token}",
            body=body,
        )
        answer = await self.gateway.handle(request)
        await self.clock.settle()
        return answer

    async def text(self, body: str = "hello", to: str = PERSON) -> SendAnswer:
        return await self.send({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}})

    async def person_writes(self, payload: dict[str, Any] | None = None) -> str:
        payload = payload or {"type": "text", "text": {"body": "Does it come in blue?"}}
        answer = await self.gateway.receive_from_phone(
            "prod", PERSON, {"to": self.business.number, "profile_name": "Ada Lovelace", **payload}
        )
        await self.clock.settle()
        return str(answer["messages"][0]["id"])

    def statuses(self) -> list[tuple[str, str]]:
        found = []
        for payload in self.receiver.payloads:
            for status in payload["entry"][0]["changes"][0]["value"].get("statuses", []):
                found.append((status["id"], status["status"]))
        return found


async def make_world(**business: Any) -> World:
    sandboxes = Sandboxes()
    hub = DeviceHub(sandboxes)
    receiver = Receiver()
    sender = WebhookSender({"biz": "http://biz.test"}, lambda: {"biz": receiver.app()})
    gateway = WhatsAppGateway(sandboxes, hub, sender)
    body = {
        "sandbox": "prod",
        "display_phone_number": "+1 555 010 0100",
        "callback_url": CALLBACK,
        "verify_token": VERIFY_TOKEN,
        **business,
    }
    created = await gateway.create_business(BusinessCreate.model_validate(body))
    for template in load("templates.json")["templates"]:
        gateway.register_template(TemplateCreate.model_validate({**template, "waba_id": created.waba_id}))
    phone = FakePhone("phone-1")
    hub.attach(phone)
    hub.register_address("prod", PERSON, phone.device_id)
    return World(sandboxes, hub, gateway, receiver, created, phone)


@pytest.fixture
async def world() -> World:
    return await make_world()


# -- signatures and the handshake -------------------------------------------------------------------------------


def test_the_signature_is_the_protocols_test_vector() -> None:
    vector = load("signature.json")
    assert sign(vector["app_secret"], vector["body"].encode()) == vector["signature"]
    assert verify(vector["app_secret"], vector["body"].encode(), vector["signature"])
    assert not verify("other", vector["body"].encode(), vector["signature"])
    assert not verify(vector["app_secret"], b"tampered", vector["signature"])
    assert not verify(vector["app_secret"], vector["body"].encode(), None)


async def test_the_handshake_verifies_the_callback_url(world: World) -> None:
    assert world.business.webhook_verified
    assert world.business.credentials().webhook_verified


async def test_an_unverified_callback_url_gets_no_webhooks() -> None:
    world = await make_world(verify_token="wrong token")
    assert not world.business.webhook_verified
    await world.person_writes()
    assert world.receiver.posts == []
    [logged] = world.gateway.webhooks.log.calls
    assert (logged.delivered, logged.reason) == (False, "callback URL not verified")
    assert await world.gateway.subscribe(world.business, CALLBACK, VERIFY_TOKEN)
    await world.person_writes()
    assert len(world.receiver.posts) == 1


async def test_every_webhook_is_signed_with_the_app_secret(world: World) -> None:
    await world.person_writes()
    await world.text()
    assert len(world.receiver.posts) == 3
    for headers, raw in world.receiver.posts:
        assert headers[SIGNATURE_HEADER.lower()] == sign(world.business.app_secret, raw)
        assert headers["content-type"] == "application/json"
        assert raw.isascii()


# -- authentication ---------------------------------------------------------------------------------------------


async def test_an_invalid_token_is_190_with_http_401_over_http(world: World) -> None:
    case = next(c for c in load("errors.json")["cases"] if c["name"] == "invalid access token")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(world.gateway)), base_url="http://wa"
    ) as client:
        answer = await client.post(
            f"/v21.0/{world.business.phone_number_id}/messages",
            json=fill(case["request"], to=PERSON),
            headers={"authorization": f"Bearer {case['token']}"},
        )
    assert answer.status_code == case["answer"]["status"] == 401
    like(answer.json(), case["answer"]["body"])
    assert answer.headers["www-authenticate"].startswith('OAuth "Facebook Platform" "invalid_token"')
    assert world.phone.received == []


async def test_an_expired_token_is_190_with_subcode_463(world: World) -> None:
    world = await make_world(token_lifetime=3600)
    assert (await world.text()).status != 401
    await world.clock.advance(3601)
    answer = await world.text()
    assert answer.status == 401
    error = answer.body["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (190, 463, "OAuthException")
    assert error["message"].startswith(
        "Error validating access token: Session has expired on Monday, 05-Jan-26 10:00:00"
    )


async def test_a_token_for_another_number_is_an_unknown_object(world: World) -> None:
    other = await world.gateway.create_business(BusinessCreate(sandbox="prod", display_phone_number="+15550100999"))
    answer = await world.send(
        {"messaging_product": "whatsapp", "to": PERSON, "text": {"body": "x"}}, token=other.access_token
    )
    assert answer.status == 400
    error = answer.body["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (100, 33, "GraphMethodException")
    assert f"Object with ID '{world.business.phone_number_id}' does not exist" in error["message"]


# -- validation ---------------------------------------------------------------------------------------------------

CASES = [c for c in load("errors.json")["cases"] if "token" not in c]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_refused_sends_answer_as_meta_does(world: World, case: dict[str, Any]) -> None:
    await world.person_writes()
    answer = await world.send(fill(case["request"], to=PERSON))
    assert answer.status == case["answer"]["status"]
    like(answer.body, case["answer"]["body"])
    recorded = world.gateway.calls.last
    assert recorded is not None
    assert (recorded.status, recorded.reason) == (answer.status, answer.body["error"]["message"])
    assert world.phone.received == []


async def test_a_body_that_is_not_json_is_an_invalid_parameter(world: World) -> None:
    answer = await world.send(b"{not json")
    assert (answer.status, answer.error_code) == (400, 100)


@pytest.mark.parametrize(
    ("interactive", "details"),
    [
        (
            {
                "type": "button",
                "body": {"text": "b"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "same", "title": "One"}},
                        {"type": "reply", "reply": {"id": "same", "title": "Two"}},
                    ]
                },
            },
            "Duplicate button id: same",
        ),
        (
            {
                "type": "button",
                "body": {"text": "x" * 1025},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]},
            },
            "Body text length invalid. Min allowed length: 1, Max allowed length: 1024",
        ),
        (
            {
                "type": "list",
                "body": {"text": "b"},
                "action": {"button": "Open the whole menu now", "sections": [{"rows": [{"id": "r", "title": "R"}]}]},
            },
            "Button text length invalid. Min allowed length: 1, Max allowed length: 20",
        ),
        (
            {
                "type": "list",
                "body": {"text": "b"},
                "action": {
                    "button": "Open",
                    "sections": [{"rows": [{"id": "r", "title": "A row title over 24 chars"}]}],
                },
            },
            "Row title length invalid. Min allowed length: 1, Max allowed length: 24",
        ),
        (
            {
                "type": "list",
                "body": {"text": "b"},
                "action": {
                    "button": "Open",
                    "sections": [{"rows": [{"id": "r", "title": "R", "description": "d" * 73}]}],
                },
            },
            "Row description length invalid. Min allowed length: 1, Max allowed length: 72",
        ),
        (
            {
                "type": "list",
                "body": {"text": "b"},
                "action": {
                    "button": "Open",
                    "sections": [{"title": f"S{i}", "rows": [{"id": f"r{i}", "title": "R"}]} for i in range(11)],
                },
            },
            "Invalid sections count. Min allowed sections: 1, Max allowed sections: 10",
        ),
    ],
)
async def test_interactive_limits_are_metas(world: World, interactive: dict[str, Any], details: str) -> None:
    await world.person_writes()
    answer = await world.send(
        {"messaging_product": "whatsapp", "to": PERSON, "type": "interactive", "interactive": interactive}
    )
    assert (answer.status, answer.error_code) == (400, 131009)
    assert answer.body["error"]["error_data"]["details"] == details


async def test_ten_rows_and_three_buttons_are_accepted(world: World) -> None:
    await world.person_writes()
    rows = [{"id": f"r{i}", "title": f"Row {i}", "description": "d" * 72} for i in range(10)]
    listed = {
        "type": "list",
        "body": {"text": "Pick"},
        "action": {"button": "Open", "sections": [{"title": "All", "rows": rows}]},
    }
    buttons = {
        "type": "button",
        "body": {"text": "Pick"},
        "action": {
            "buttons": [{"type": "reply", "reply": {"id": f"b{i}", "title": "x" * 19 + str(i)}} for i in range(3)]
        },
    }
    for interactive in (listed, buttons):
        answer = await world.send(
            {"messaging_product": "whatsapp", "to": PERSON, "type": "interactive", "interactive": interactive}
        )
        assert answer.ok, answer.body
    assert [d.payload["interactive"]["type"] for d in world.phone.received] == ["list", "button"]


# -- sending and delivering ----------------------------------------------------------------------------------------


async def test_a_text_inside_the_window_reaches_the_phone(world: World) -> None:
    recorded = load("send_text.json")
    await world.person_writes()
    answer = await world.send(recorded["request"]["body"])
    assert answer.status == recorded["answer"]["status"]
    like(answer.body, recorded["answer"]["body"])
    assert answer.message_id is not None and answer.message_id.startswith("wamid.")
    [delivery] = world.phone.received
    assert delivery == MessageDelivery(
        channel=MessageChannel.WHATSAPP,
        sender="+15550100100",
        recipient=PERSON,
        message_id=answer.message_id,
        payload={"type": "text", "text": {"preview_url": False, "body": "Your parcel is at the door."}},
        sent_at=world.clock.timestamp(),
    )
    call = world.gateway.calls.get("latest")
    assert call is not None and call.id == answer.message_id and call.delivered


async def test_a_template_is_rendered_for_the_phone_and_accepted(world: World) -> None:
    recorded = load("send_template.json")
    answer = await world.send(recorded["request"]["body"])
    like(answer.body, recorded["answer"]["body"])
    [delivery] = world.phone.received
    assert delivery.payload["rendered"] == recorded["rendered"]
    assert delivery.payload["template"] == recorded["request"]["body"]["template"]


async def test_named_template_parameters_fill_named_placeholders(world: World) -> None:
    body = {
        "messaging_product": "whatsapp",
        "to": PERSON,
        "type": "template",
        "template": {
            "name": "spring_sale",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "parameter_name": "first_name", "text": "Ada"},
                        {"type": "text", "parameter_name": "discount", "text": "20%"},
                    ],
                }
            ],
        },
    }
    assert (await world.send(body)).ok
    assert world.phone.received[0].payload["rendered"]["body"] == "Hello Ada! Spring sale: 20% off today."
    positional = json.loads(json.dumps(body))
    for parameter in positional["template"]["components"][0]["parameters"]:
        del parameter["parameter_name"]
    answer = await world.send(positional)
    assert (answer.status, answer.error_code) == (400, 132012)


async def test_statuses_go_sent_delivered_read_in_order(world: World) -> None:
    recorded = load("webhooks.json")
    answer = await world.send(load("send_template.json")["request"]["body"])
    message_id = answer.message_id
    assert message_id is not None
    sent, delivered = world.receiver.payloads
    like(sent, fill(recorded["status_sent"], **world.values(message_id=message_id)))
    like(delivered, fill(recorded["status_delivered"], **world.values(message_id=message_id)))
    assert (
        sent["entry"][0]["changes"][0]["value"]["statuses"][0]["conversation"]["id"]
        == (delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["conversation"]["id"])
    )
    await world.clock.advance(60)
    read = world.gateway.read_chat(world.business, "14155550100")
    await world.clock.settle()
    assert read == {"success": True, "read": [message_id]}
    like(world.receiver.payloads[-1], fill(recorded["status_read"], **world.values(message_id=message_id)))
    assert world.statuses() == [(message_id, "sent"), (message_id, "delivered"), (message_id, "read")]
    assert world.gateway.read_chat(world.business, "14155550100")["read"] == []


async def test_an_offline_phone_gets_the_message_when_it_reconnects(world: World) -> None:
    await world.person_writes()
    world.hub.set_online(world.phone.device_id, False)
    answer = await world.text("are you there?")
    assert answer.ok and world.phone.received == []
    assert world.statuses() == [(answer.message_id, "sent")]
    await world.clock.advance(3600)
    world.hub.set_online(world.phone.device_id, True)
    await world.clock.settle()
    assert [d.message_id for d in world.phone.received] == [answer.message_id]
    assert world.statuses() == [(answer.message_id, "sent"), (answer.message_id, "delivered")]


async def test_a_number_without_whatsapp_fails_with_131026(world: World) -> None:
    answer = await world.send(load("send_template.json")["request"]["body"] | {"to": "+49 1511 2345678"})
    assert answer.ok
    [payload] = world.receiver.payloads
    like(
        payload, fill(load("webhooks.json")["status_undeliverable"], **world.values(message_id=str(answer.message_id)))
    )


async def test_a_test_number_only_reaches_its_allowed_list() -> None:
    world = await make_world(allowed_recipients=["+49 1511 2345678"])
    answer = await world.send(load("send_template.json")["request"]["body"])
    assert (answer.status, answer.error_code) == (400, 131030)
    assert answer.body["error"]["error_data"]["details"].startswith("Recipient phone number not in allowed list")
    world.gateway.businesses.set_allowed(world.business, [PERSON])
    assert (await world.send(load("send_template.json")["request"]["body"])).ok


# -- the 24-hour window -------------------------------------------------------------------------------------------


async def test_the_window_refuses_free_form_on_the_send_call_with_send_error() -> None:
    recorded = load("outside_window.json")
    world = await make_world(window_enforcement="send_error")
    refused = await world.send(recorded["request"])
    assert refused.status == recorded["refused"]["status"]
    like(refused.body, recorded["refused"]["body"])
    await world.person_writes()
    await world.clock.advance(24 * 3600 - 1)
    assert (await world.send(recorded["request"])).ok
    await world.clock.advance(1)
    assert (await world.send(recorded["request"])).error_code == 131047
    assert (await world.send(load("send_template.json")["request"]["body"])).ok
    assert len(world.phone.received) == 2


async def test_the_window_accepts_then_fails_by_default(world: World) -> None:
    recorded = load("outside_window.json")
    assert world.business.window_enforcement == "failed_status"
    answer = await world.send(recorded["request"])
    assert answer.ok and answer.message_id is not None
    assert world.phone.received == []
    [payload] = world.receiver.payloads
    like(payload, fill(recorded["failed_status"], **world.values(message_id=answer.message_id)))
    call = world.gateway.calls.get(answer.message_id)
    assert call is not None and call.extra["status"] == "failed" and call.reason == "(#131047) Re-engagement message"


async def test_writing_again_reopens_the_window(world: World) -> None:
    await world.person_writes()
    await world.clock.advance(30 * 3600)
    assert world.statuses() == []
    await world.text()
    assert world.statuses()[-1][1] == "failed"
    await world.person_writes({"type": "text", "text": {"body": "back!"}})
    await world.text()
    assert world.statuses()[-2:][0][1] == "sent"


# -- what the person sends ----------------------------------------------------------------------------------------


async def test_an_incoming_text_is_posted_as_metas_webhook(world: World) -> None:
    message_id = await world.person_writes()
    [payload] = world.receiver.payloads
    like(payload, fill(load("webhooks.json")["inbound_text"], **world.values()))
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["id"] == message_id
    assert value["messages"][0]["from_user_id"] == value["contacts"][0]["user_id"]


async def test_webhooks_carry_the_persons_business_scoped_user_id(world: World) -> None:
    await world.person_writes()
    await world.text()
    await world.text(to="+49 1511 2345678")
    inbound, sent, delivered, failed = (p["entry"][0]["changes"][0]["value"] for p in world.receiver.payloads)
    bsuid = inbound["contacts"][0]["user_id"]
    assert bsuid.startswith("US.") and len(bsuid) == 22
    for status in (sent, delivered):
        assert status["contacts"] == [{"wa_id": "14155550100", "user_id": bsuid}]
        assert status["statuses"][0]["recipient_user_id"] == bsuid
    assert "contacts" not in failed and "recipient_user_id" not in failed["statuses"][0]
    other = await world.gateway.create_business(BusinessCreate(sandbox="prod", display_phone_number="+15550100999"))
    await world.gateway.receive_from_phone("prod", PERSON, {"to": other.number, "type": "text", "text": {"body": "x"}})
    await world.clock.settle()
    assert (
        world.gateway.webhooks.log.calls[-1].body["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] != bsuid
    )


async def test_a_template_quick_reply_arrives_as_a_button_with_context(world: World) -> None:
    answer = await world.send(load("send_template.json")["request"]["body"])
    message_id = str(answer.message_id)
    await world.person_writes(
        {"type": "button", "button": {"text": "Track it", "payload": "TRACK_A1042"}, "context": {"id": message_id}}
    )
    like(
        world.receiver.payloads[-1],
        fill(load("webhooks.json")["inbound_button"], **world.values(message_id=message_id)),
    )
    assert world.gateway.conversations.window_open(world.business, "14155550100")


async def test_interactive_replies_arrive_with_their_context(world: World) -> None:
    await world.person_writes()
    buttons = {
        "type": "button",
        "body": {"text": "Still coming?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                {"type": "reply", "reply": {"id": "no", "title": "No"}},
            ]
        },
    }
    listed = {
        "type": "list",
        "body": {"text": "When?"},
        "action": {
            "button": "Slots",
            "sections": [
                {"title": "Morning", "rows": [{"id": "slot-9", "title": "9:00", "description": "Morning, 30 min"}]}
            ],
        },
    }
    ask = await world.send(
        {"messaging_product": "whatsapp", "to": PERSON, "type": "interactive", "interactive": buttons}
    )
    pick = await world.send(
        {"messaging_product": "whatsapp", "to": PERSON, "type": "interactive", "interactive": listed}
    )
    reply = {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}
    await world.person_writes({"type": "interactive", "interactive": reply, "context": {"id": ask.message_id}})
    like(
        world.receiver.payloads[-1],
        fill(load("webhooks.json")["inbound_button_reply"], **world.values(message_id=str(ask.message_id))),
    )
    chosen = {"type": "list_reply", "list_reply": {"id": "slot-9", "title": "9:00", "description": "Morning, 30 min"}}
    await world.person_writes({"type": "interactive", "interactive": chosen, "context": {"id": pick.message_id}})
    like(
        world.receiver.payloads[-1],
        fill(load("webhooks.json")["inbound_list_reply"], **world.values(message_id=str(pick.message_id))),
    )


async def test_a_reply_must_match_what_the_message_offered(world: World) -> None:
    answer = await world.send(load("send_template.json")["request"]["body"])
    with pytest.raises(InboundError, match="offers no QUICK_REPLY 'Maybe'"):
        await world.person_writes(
            {"type": "button", "button": {"text": "Maybe", "payload": "MAYBE"}, "context": {"id": answer.message_id}}
        )
    with pytest.raises(InboundError, match="names the message it answers"):
        await world.person_writes({"type": "button", "button": {"text": "Stop", "payload": "Stop"}})
    with pytest.raises(LookupError, match="no WhatsApp business"):
        await world.gateway.receive_from_phone(
            "prod", PERSON, {"to": "+15550009999", "type": "text", "text": {"body": "hi"}}
        )


async def test_the_business_marks_an_incoming_message_read(world: World) -> None:
    message_id = await world.person_writes()
    answer = await world.send({"messaging_product": "whatsapp", "status": "read", "message_id": message_id})
    assert (answer.status, answer.body) == (200, {"success": True})
    assert world.gateway.conversations.inbound[message_id].read
    assert (
        await world.send({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.nope"})
    ).error_code == 100


# -- faults, recording, `/_sim/` -----------------------------------------------------------------------------------


async def test_an_injected_rate_limit_answers_130429(world: World) -> None:
    await world.person_writes()
    world.gateway.faults.add(FaultRule(error="130429", status=429, times=1))
    answer = await world.text()
    assert (answer.status, answer.error_code, answer.error_message) == (429, 130429, "(#130429) Rate limit hit")
    assert (await world.text()).ok


async def test_the_sim_routes_create_query_and_reset(world: World) -> None:
    app = create_app(world.gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wa") as client:
        created = await client.post(
            "/_sim/businesses", json={"sandbox": "prod", "display_phone_number": "+15550100200"}
        )
        assert created.status_code == 201
        credentials = created.json()
        assert set(credentials) >= {"waba_id", "phone_number_id", "access_token", "app_secret"}
        assert credentials["access_token"].startswith("EAA") and not credentials["webhook_verified"]
        duplicate = await client.post(
            "/_sim/businesses", json={"sandbox": "prod", "display_phone_number": "+15550100200"}
        )
        assert duplicate.status_code == 422
        template = {
            "waba_id": credentials["waba_id"],
            "name": "hello",
            "language": "en_US",
            "components": [{"type": "BODY", "text": "Hello {{1}}"}],
        }
        assert (await client.post("/_sim/templates", json=template)).status_code == 201
        listed = await client.get("/_sim/templates", params={"waba_id": credentials["waba_id"]})
        assert [t["name"] for t in listed.json()["data"]] == ["hello"]
        subscribed = await client.put(
            f"/_sim/businesses/{credentials['phone_number_id']}/webhook",
            json={"callback_url": CALLBACK, "verify_token": "wrong"},
        )
        assert subscribed.status_code == 400
        send = await client.post(
            f"/v21.0/{credentials['phone_number_id']}/messages",
            headers={"authorization": f"Bearer {credentials['access_token']}"},
            json={
                "messaging_product": "whatsapp",
                "to": PERSON,
                "type": "template",
                "template": {
                    "name": "hello",
                    "language": {"code": "en_US"},
                    "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]}],
                },
            },
        )
        assert send.status_code == 200
        message_id = send.json()["messages"][0]["id"]
        latest = await client.get("/_sim/messages/latest")
        assert latest.json()["id"] == message_id
        assert (await client.get(f"/_sim/messages/{message_id}")).json()["extra"]["status"] == "delivered"
        found = await client.get(
            "/_sim/messages", params={"to": PERSON, "direction": "outbound", "status": "delivered"}
        )
        assert [m["id"] for m in found.json()["messages"]] == [message_id]
        bad_fault = await client.post("/_sim/faults", json={"error": "RateLimit", "status": 429})
        assert bad_fault.status_code == 422
        assert (await client.post("/_sim/faults", json={"error": "131016", "status": 503})).status_code == 201
        read = await client.post("/_sim/phones/read", json={"sandbox": "prod", "from": PERSON, "to": "+15550100200"})
        assert read.json() == {"success": True, "read": [message_id]}
        inbound = await client.post(
            "/_sim/phones/messages",
            json={"sandbox": "prod", "from": PERSON, "payload": {"to": "+15550100200", "type": "sticker"}},
        )
        assert inbound.status_code == 422
        assert (await client.delete("/_sim/messages")).json()["deleted"] >= 1
        assert (await client.get("/_sim/messages")).json()["total"] == 0
        assert (await client.get("/_sim/health")).json() == {"status": "ok", "service": "whatsapp"}
        unknown = await client.post("/v21.0/nope")
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 2500


async def test_a_closed_sandbox_is_forgotten(world: World) -> None:
    world.sandboxes.open("other")
    other = await world.gateway.create_business(BusinessCreate(sandbox="other", display_phone_number="+15550100100"))
    world.gateway.register_template(
        TemplateCreate(waba_id=other.waba_id, name="hi", language="en_US", components=[{"type": "BODY", "text": "hi"}])
    )
    world.sandboxes.close("other")
    assert world.gateway.businesses.get(other.phone_number_id) is None
    assert world.gateway.templates.of(other.waba_id) == []
    assert world.gateway.businesses.get(world.business.phone_number_id) is world.business
