"""The maintained `pywa` client against the fake WhatsApp Cloud API served by uvicorn on a loopback port.

pywa sets its session's base URL to graph.facebook.com when it is built; the one change made here is to point that
session at the fake afterwards (`wa.api._session.base_url`), as PROTOCOLS.md says. Its typed errors, its webhook
signature validator and its update parsers then run unchanged against what the fake answers and posts.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pywa import WhatsApp
from pywa.errors import AuthorizationError, ReEngagementMessage, TemplateNotExists
from pywa.types import CallbackButton, Message, MessageStatus, MessageStatusType
from pywa.types.templates import BodyText, HeaderText, QuickReplyButton, TemplateLanguage, URLButton
from pywa.utils import webhook_updates_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from simulator.clock import VirtualClock
from simulator.devices.delivery import MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.webhooks import WebhookSender
from simulator.gateways.whatsapp import WhatsAppGateway, create_app
from simulator.sandboxes import Sandboxes

pytestmark = pytest.mark.network

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp"
PERSON = "+14155550100"
STRANGER = "+14155550111"
BUSINESS = "+15550100100"
VERIFY_TOKEN = "pywa-verify"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class FakePhone:
    device_id: str
    sandbox: str = "prod"
    received: list[MessageDelivery] = field(default_factory=list)

    def receive_push(self, delivery: Any) -> None:
        raise AssertionError("no push expected")

    def receive_message(self, delivery: MessageDelivery) -> None:
        self.received.append(delivery)


@dataclass
class Receiver:
    """The business's webhook endpoint, as its own service would be: handshake, and raw bodies with their headers."""

    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def handshake(request: Request) -> Response:
            query = request.query_params
            if query.get("hub.verify_token") == VERIFY_TOKEN and query.get("hub.mode") == "subscribe":
                return PlainTextResponse(query["hub.challenge"])
            return Response(status_code=403)

        async def notify(request: Request) -> Response:
            self.posts.append((dict(request.headers), await request.body()))
            return Response(status_code=200)

        return Starlette(routes=[Route("/hook", handshake, methods=["GET"]), Route("/hook", notify, methods=["POST"])])

    def wait_for(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + 10
        while len(self.posts) < count:
            assert time.monotonic() < deadline, f"{len(self.posts)} webhooks after 10 s, expected {count}"
            time.sleep(0.01)
        return list(self.posts)


@dataclass
class Served:
    base_url: str
    http: httpx.Client
    gateway: WhatsAppGateway
    receiver: Receiver
    phone: FakePhone
    business: dict[str, Any]
    sessions: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> WhatsApp:
        wa = WhatsApp(phone_id=self.business["phone_number_id"], token=token or self.business["access_token"])
        wa.api._session.base_url = f"{self.base_url}/v21.0"
        self.sessions.append(wa.api._session)
        return wa

    def person_writes(self, text: str) -> None:
        body = {
            "sandbox": "prod",
            "from": PERSON,
            "payload": {"to": BUSINESS, "type": "text", "text": {"body": text}, "profile_name": "Ada Lovelace"},
        }
        assert self.http.post("/_sim/phones/messages", json=body).status_code == 200


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    sandboxes = Sandboxes(clock_factory=lambda: VirtualClock(time.time()))
    hub = DeviceHub(sandboxes)
    receiver = Receiver()
    gateway = WhatsAppGateway(
        sandboxes, hub, WebhookSender({"biz": "http://biz.test"}, lambda: {"biz": receiver.app()})
    )
    phone = FakePhone("phone-1")
    hub.attach(phone)
    hub.register_address("prod", PERSON, phone.device_id)
    hub.register_address("prod", STRANGER, phone.device_id)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(gateway), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    http = httpx.Client(base_url=base_url, timeout=10)
    try:
        created = http.post(
            "/_sim/businesses",
            json={
                "sandbox": "prod",
                "display_phone_number": BUSINESS,
                "callback_url": "http://biz.test/hook",
                "verify_token": VERIFY_TOKEN,
                "window_enforcement": "send_error",
            },
        )
        assert created.status_code == 201 and created.json()["webhook_verified"]
        business = created.json()
        for template in load("templates.json")["templates"]:
            assert http.post("/_sim/templates", json={**template, "waba_id": business["waba_id"]}).status_code == 201
        served = Served(base_url, http, gateway, receiver, phone, business)
        yield served
        for session in served.sessions:
            session.close()
    finally:
        http.close()
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def test_a_text_inside_the_window_reaches_the_phone(served: Served) -> None:
    served.person_writes("Is my order on its way?")
    sent = served.client().send_message(to=PERSON, text="Yes, it left this morning.")
    assert sent.id.startswith("wamid.")
    assert (sent.input, sent.chat.id) == (PERSON, "14155550100")
    [delivery] = served.phone.received
    assert (delivery.message_id, delivery.sender, delivery.recipient) == (sent.id, BUSINESS, PERSON)
    assert delivery.payload["text"]["body"] == "Yes, it left this morning."


def test_a_template_reaches_the_phone_rendered(served: Served) -> None:
    sent = served.client().send_template(
        to=PERSON,
        name="order_update",
        language=TemplateLanguage.ENGLISH_US,
        params=[
            HeaderText.params("A-1042"),
            BodyText.params("Ada", "A-1042"),
            QuickReplyButton.params(callback_data="TRACK_A1042", index=0),
            URLButton.params(url_variable="A-1042", index=2),
        ],
    )
    assert sent.status is not None and sent.status.value == "accepted"
    [delivery] = served.phone.received
    assert delivery.message_id == sent.id
    assert delivery.payload["rendered"] == load("send_template.json")["rendered"]


def test_a_bad_token_raises_the_authorization_error(served: Served) -> None:
    with pytest.raises(AuthorizationError) as raised:
        served.client(token="EAAJnot-a-real-token").send_message(to=PERSON, text="hi")
    assert raised.value.code == 190
    assert raised.value.status_code == 401
    assert served.phone.received == []


def test_a_free_form_text_outside_the_window_raises_re_engagement(served: Served) -> None:
    with pytest.raises(ReEngagementMessage) as raised:
        served.client().send_message(to=STRANGER, text="Long time no see")
    assert raised.value.code == 131047
    assert raised.value.details == load("outside_window.json")["refused"]["body"]["error"]["error_data"]["details"]
    with pytest.raises(TemplateNotExists):
        served.client().send_template(to=STRANGER, name="no_such_template", language=TemplateLanguage.ENGLISH_US)


def test_webhooks_pass_pywas_signature_check_and_parse_as_its_updates(served: Served) -> None:
    served.person_writes("Does it come in blue?")
    wa = served.client()
    sent = wa.send_template(
        to=PERSON,
        name="spring_sale",
        language=TemplateLanguage.ENGLISH_US,
        params=[
            BodyText.params(first_name="Ada", discount="20%"),
            QuickReplyButton.params(callback_data="YES", index=0),
        ],
    )
    tap = {
        "sandbox": "prod",
        "from": PERSON,
        "payload": {
            "to": BUSINESS,
            "type": "button",
            "button": {"text": "Yes please", "payload": "YES"},
            "context": {"id": sent.id},
        },
    }
    assert served.http.post("/_sim/phones/messages", json=tap).status_code == 200
    posts = served.receiver.wait_for(4)
    secret = served.business["app_secret"]
    for headers, raw in posts:
        assert webhook_updates_validator(secret, raw, headers["x-hub-signature-256"])
        assert not webhook_updates_validator("another secret", raw, headers["x-hub-signature-256"])
    inbound, status_sent, status_delivered, button = (json.loads(raw) for _, raw in posts)
    message = Message.from_update(client=wa, update=inbound)
    assert (message.text, message.from_user.wa_id, message.from_user.name) == (
        "Does it come in blue?",
        "14155550100",
        "Ada Lovelace",
    )
    assert [MessageStatus.from_update(client=wa, update=u).status for u in (status_sent, status_delivered)] == [
        MessageStatusType.SENT,
        MessageStatusType.DELIVERED,
    ]
    clicked = CallbackButton.from_update(client=wa, update=button)
    assert (clicked.data, clicked.title, clicked.is_quick_reply) == ("YES", "Yes please", True)
    assert clicked.reply_to_message is not None and clicked.reply_to_message.id == sent.id
