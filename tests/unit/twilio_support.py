"""A small world for the Twilio gateway tests: sandboxes, a hub, the gateway, a phone, and a webhook receiver.

The receiver is an ASGI app at `http://hooks.test` that records every form posted to it (status callbacks, inbound
messages) and answers inbound messages with the TwiML the test sets; webhooks and media fetches reach it and the
gateway's own app through the same in-process transports the stack uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from simulator.clock import VirtualClock
from simulator.devices.delivery import MessageChannel
from simulator.devices.hub import DeviceHub
from simulator.devices.phone import OS, FetchResult, Phone
from simulator.devices.sms import SmsThreads
from simulator.gateways.twilio import TwilioGateway, basic_authorization, create_app
from simulator.gateways.twilio.media import MediaFetcher
from simulator.gateways.twilio.models import MessageCreate, NumberCreate
from simulator.gateways.twilio.service import TwilioAnswer
from simulator.gateways.webhooks import WebhookSender
from simulator.sandboxes import Sandboxes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "twilio"
URLS = {"hooks": "http://hooks.test", "twilio": "http://twilio.test"}
BUSINESS = "+15550100001"
PERSON = "+15551230001"
STATUS_URL = "http://hooks.test/status"
INBOUND_URL = "http://hooks.test/inbound"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Posted:
    """One webhook the receiver got."""

    url: str
    form: dict[str, str]
    signature: str | None


@dataclass
class Hooks:
    """The team's webhook receiver."""

    posted: list[Posted] = field(default_factory=list)
    twiml: str = "<Response/>"
    inbound_status: int = 200

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
            self.posted.append(Posted(str(request.url), form, request.headers.get("x-twilio-signature")))
            if request.url.path == "/inbound":
                return Response(self.twiml, status_code=self.inbound_status, media_type="text/xml")
            return Response(status_code=204)

        async def image(request: Request) -> Response:
            return Response(b"\x89PNG" + b"\0" * 1000, media_type="image/png")

        return Starlette(
            routes=[
                Route("/status", receive, methods=["POST"]),
                Route("/inbound", receive, methods=["POST"]),
                Route("/cat.png", image, methods=["GET"]),
            ]
        )

    def statuses(self, sid: str) -> list[str]:
        return [p.form["MessageStatus"] for p in self.posted if p.form.get("MessageSid") == sid and p.url == STATUS_URL]

    def inbound(self) -> list[Posted]:
        return [p for p in self.posted if p.url == INBOUND_URL]


class GatewayServices:
    """A phone's services reduced to texting through the gateway."""

    def __init__(self, gateway: TwilioGateway, hub: DeviceHub) -> None:
        self.gateway = gateway
        self.hub = hub

    async def send_message(self, phone: Phone, channel: MessageChannel, payload: dict[str, Any]) -> dict[str, Any]:
        assert phone.phone_number is not None
        return await self.gateway.receive_from_phone(phone.sandbox, phone.phone_number, payload)

    async def set_online(self, phone: Phone, online: bool) -> None:
        self.hub.set_online(phone.device_id, online)

    async def fetch(self, phone: Phone, url: str, **_: Any) -> FetchResult:
        return FetchResult(0, url, "")


class World:
    """The gateway with one account, one business number, and one phone."""

    def __init__(self) -> None:
        self.sandboxes = Sandboxes(clock_factory=VirtualClock, seed="twilio-tests")
        self.hub = DeviceHub(self.sandboxes)
        self.hooks = Hooks()
        apps: dict[str, Any] = {"hooks": self.hooks.app()}
        self.webhooks = WebhookSender(URLS, lambda: apps)
        self.gateway = TwilioGateway(
            self.sandboxes, self.hub, webhooks=self.webhooks, fetch=MediaFetcher(URLS, lambda: apps), urls=URLS
        )
        self.app = create_app(self.gateway)
        apps["twilio"] = self.app
        self.grant = self.gateway.create_account("prod")
        self.gateway.add_number(
            NumberCreate(account_sid=self.grant.account_sid, phone_number=BUSINESS, sms_url=INBOUND_URL)
        )
        self.services = GatewayServices(self.gateway, self.hub)
        self.phone = Phone(device_id="phone-1", sandbox="prod", os=OS.ANDROID, services=self.services,  # type: ignore[arg-type]
                           name="Ann", phone_number=PERSON)  # fmt: skip
        self.hub.attach(self.phone)
        self.hub.register_address("prod", PERSON, self.phone.device_id)

    @property
    def clock(self) -> VirtualClock:
        clock = self.sandboxes.get("prod").clock
        assert isinstance(clock, VirtualClock)
        return clock

    @property
    def sid(self) -> str:
        return self.grant.account_sid

    @property
    def authorization(self) -> str:
        return basic_authorization(self.grant.account_sid, self.grant.auth_token)

    @property
    def threads(self) -> SmsThreads:
        inbox = self.phone.inbox(MessageChannel.SMS)
        assert isinstance(inbox, SmsThreads)
        return inbox

    def validator(self) -> RequestValidator:
        return RequestValidator(self.grant.auth_token)

    async def send(self, **form: Any) -> TwilioAnswer:
        fields: dict[str, Any] = {"To": PERSON, "From": BUSINESS, "Body": "Hello", **form}
        pairs = [(k, v) for k, v in fields.items() if v is not None and not isinstance(v, list)]
        pairs += [(k, item) for k, v in fields.items() if isinstance(v, list) for item in v]
        return await self.gateway.create_message(self.sid, self.authorization, MessageCreate.from_form(pairs))

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=URLS["twilio"])
