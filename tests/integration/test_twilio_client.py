"""The official `twilio` library against the fake Twilio gateway served by uvicorn on a loopback port.

The library is pointed at the fake the way PROTOCOLS.md says (`client.api.base_url`, with `TWILIO_EDGE` and
`TWILIO_REGION` unset); nothing is monkeypatched. The gateway runs on a virtual clock whose lifecycle timings are
all zero, so a message is delivered as soon as it is accepted, on the server's own event loop.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import requests
import uvicorn
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simulator.clock import VirtualClock
from simulator.devices.delivery import MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.twilio import NumberCreate, Timings, TwilioGateway, create_app
from simulator.gateways.twilio.keywords import REPLIES, Keyword
from simulator.gateways.twilio.media import MediaFetcher
from simulator.sandboxes import Sandboxes

pytestmark = pytest.mark.network

BUSINESS = "+15550100001"
PERSON = "+15551230001"


@dataclass
class FakePhone:
    """A device endpoint that only remembers the messages it received."""

    device_id: str
    sandbox: str = "prod"
    received: list[MessageDelivery] = field(default_factory=list)

    def receive_push(self, delivery: object) -> None:
        raise AssertionError("no push expected")

    def receive_message(self, delivery: MessageDelivery) -> None:
        self.received.append(delivery)

    def wait_for(self, count: int) -> list[MessageDelivery]:
        deadline = time.monotonic() + 10
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"the phone got {len(self.received)} messages, not {count}"
            time.sleep(0.01)
        return self.received


@dataclass
class Served:
    gateway: TwilioGateway
    base_url: str
    phone: FakePhone
    client: Client
    account_sid: str
    auth_token: str


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    sandboxes = Sandboxes(clock_factory=lambda: VirtualClock(time.time()), seed="twilio-client-tests")
    hub = DeviceHub(sandboxes)
    urls = {"twilio": base_url}
    apps: dict[str, Any] = {}
    # Media hosted on the gateway is fetched through its own app, as in a stack (no socket left behind).
    fetch = MediaFetcher(urls, lambda: apps)
    gateway = TwilioGateway(sandboxes, hub, fetch=fetch, timings=Timings(sending=0, sent=0, delivered=0), urls=urls)
    apps["twilio"] = create_app(gateway)
    grant = gateway.create_account("prod")
    gateway.add_number(NumberCreate(account_sid=grant.account_sid, phone_number=BUSINESS))
    phone = FakePhone("phone-1")
    hub.attach(phone)
    hub.register_address("prod", PERSON, phone.device_id)
    server = uvicorn.Server(uvicorn.Config(apps["twilio"], log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    client = Client(grant.account_sid, grant.auth_token)
    client.api.base_url = base_url
    try:
        yield Served(gateway, base_url, phone, client, grant.account_sid, grant.auth_token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def test_create_reaches_the_phone_and_the_answer_parses(served: Served) -> None:
    message = served.client.messages.create(to=PERSON, from_=BUSINESS, body="Your order has shipped 📦")
    assert message.sid is not None and message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.account_sid, message.to, message.from_, message.status) == (
        served.account_sid, PERSON, BUSINESS, "queued",
    )  # fmt: skip
    assert (message.num_segments, message.num_media, message.direction, message.price) == (
        "1",
        "0",
        "outbound-api",
        None,
    )
    for date in (message.date_created, message.date_sent, message.date_updated):
        assert isinstance(date, datetime) and date.tzinfo is not None
    assert message.error_code is None and message.api_version == "2010-04-01"
    [delivery] = served.phone.wait_for(1)
    assert (delivery.message_id, delivery.sender, delivery.payload["body"]) == (
        message.sid, BUSINESS, "Your order has shipped 📦",
    )  # fmt: skip
    assert delivery.payload["encoding"] == "UCS-2"


def test_fetch_and_list_work_with_the_library(served: Served) -> None:
    first = served.client.messages.create(to=PERSON, from_=BUSINESS, body="one")
    second = served.client.messages.create(to=PERSON, from_=BUSINESS, body="two")
    served.client.messages.create(to="+15551230002", from_=BUSINESS, body="elsewhere")
    served.phone.wait_for(2)
    fetched = served.client.messages(first.sid).fetch()
    assert (fetched.sid, fetched.body, fetched.status) == (first.sid, "one", "delivered")
    listed = served.client.messages.list(to=PERSON)
    assert [m.sid for m in listed] == [second.sid, first.sid]
    paged = served.client.messages.list(to=PERSON, page_size=1)
    assert [m.sid for m in paged] == [second.sid, first.sid]
    with pytest.raises(TwilioRestException) as caught:
        served.client.messages("SM" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_after_the_phone_replies_stop_a_send_raises_21610(served: Served) -> None:
    served.client.messages.create(to=PERSON, from_=BUSINESS, body="Big sale today")
    served.phone.wait_for(1)
    answer = requests.post(
        served.base_url + "/_sim/phones/messages",
        json={"sandbox": "prod", "from": PERSON, "payload": {"to": BUSINESS, "body": "STOP"}},
        timeout=10,
    )
    assert answer.status_code == 201 and answer.json()["direction"] == "inbound"
    confirmation = served.phone.wait_for(2)[1]
    assert confirmation.payload["body"] == REPLIES[Keyword.OPT_OUT]
    with pytest.raises(TwilioRestException) as caught:
        served.client.messages.create(to=PERSON, from_=BUSINESS, body="Another sale")
    assert (caught.value.code, caught.value.status) == (21610, 400)
    assert caught.value.msg == "Unable to create record: Attempt to send to unsubscribed recipient"


def test_a_wrong_token_and_an_mms_with_hosted_media(served: Served) -> None:
    intruder = Client(served.account_sid, "wrong-token")
    intruder.api.base_url = served.base_url
    with pytest.raises(TwilioRestException) as caught:
        intruder.messages.create(to=PERSON, from_=BUSINESS, body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    hosted = requests.post(
        served.base_url + "/_sim/media", json={"content_type": "image/png", "size": 4096}, timeout=10
    )
    mms = served.client.messages.create(to=PERSON, from_=BUSINESS, body="Ticket", media_url=[hosted.json()["url"]])
    assert mms.sid is not None and mms.sid.startswith("MM") and mms.num_media == "1"
    [delivery] = served.phone.wait_for(1)
    assert delivery.channel.value == "mms"
    assert delivery.payload["media"] == [{"url": hosted.json()["url"], "content_type": "image/png"}]
