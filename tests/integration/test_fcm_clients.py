"""The official `firebase-admin` SDK against the fake FCM gateway served by uvicorn on a loopback port.

The SDK signs a service-account assertion with its own clock (wall time), so the sandboxes' virtual clocks start at
wall time here. Nothing is monkeypatched but `_MessagingService.FCM_URL`, the one knob the SDK has for its endpoint.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import firebase_admin
import pytest
import requests
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import credentials, exceptions, messaging

from simulator.clock import VirtualClock
from simulator.devices.delivery import PushDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.fcm import FcmGateway, create_app
from simulator.gateways.fcm.oauth import generate_key
from simulator.sandboxes import Sandboxes

pytestmark = [
    pytest.mark.network,
    # firebase-admin 7 deprecates Message(token=) in favour of fid=; the test sends with both on purpose.
    pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning"),
]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fcm"
PROJECT = "journeys-demo"
PACKAGE = "com.example.journeys"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class FakePhone:
    """A device endpoint that only remembers what it received."""

    device_id: str
    sandbox: str = "prod"
    received: list[PushDelivery] = field(default_factory=list)

    def receive_push(self, delivery: PushDelivery) -> None:
        self.received.append(delivery)


@dataclass
class Served:
    """The gateway, the base URL it is served on, a phone with its token, and a firebase app for the project."""

    gateway: FcmGateway
    base_url: str
    phone: FakePhone
    token: str
    app: firebase_admin.App


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_key()


@pytest.fixture
def served(rsa_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    sandboxes = Sandboxes(clock_factory=lambda: VirtualClock(time.time()))
    hub = DeviceHub(sandboxes)
    gateway = FcmGateway(sandboxes, hub, key_factory=lambda: rsa_key)
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
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", base_url + "/v1/projects/{0}/messages:send")
    account = gateway.register_project("prod", PROJECT, base_url + "/token")
    app = firebase_admin.initialize_app(credentials.Certificate(account), name=f"fcm-{uuid.uuid4().hex}")
    phone = FakePhone("phone-1")
    hub.attach(phone)
    token = gateway.register_device("prod", phone.device_id, PACKAGE, PROJECT)
    try:
        yield Served(gateway, base_url, phone, token, app)
    finally:
        firebase_admin.delete_app(app)
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def recorded_message(token: str) -> messaging.Message:
    """The platform's recorded data message, built with the SDK's own classes."""
    sent = load("data_message.json")["request"]["body"]["message"]
    android = sent["android"]
    config = messaging.AndroidConfig(
        priority=android["priority"].lower(),
        ttl=int(android["ttl"].removesuffix("s")),
        collapse_key=android["collapse_key"],
    )
    return messaging.Message(fid=token, data=sent["data"], android=config)


def test_send_returns_the_message_name_and_the_phone_receives_it(served: Served) -> None:
    name = messaging.send(recorded_message(served.token), app=served.app)
    message_id = name.rsplit("/", 1)[-1]
    assert name == load("data_message.json")["answer"]["body"]["name"].format(project=PROJECT, message_id=message_id)
    [delivery] = served.phone.received
    assert (delivery.message_id, delivery.token, delivery.app_id) == (message_id, served.token, PACKAGE)
    assert delivery.payload["data"] == load("data_message.json")["request"]["body"]["message"]["data"]
    assert (delivery.collapse_id, delivery.priority) == ("orders", 10)
    recorded = served.gateway.calls.get(message_id)
    assert recorded is not None
    assert recorded.headers["authorization"].startswith("Bearer ya29.c.")
    assert recorded.body["message"]["android"]["ttl"] == "86400s"


def test_the_deprecated_token_target_works_too(served: Served) -> None:
    name = messaging.send(
        messaging.Message(token=served.token, notification=messaging.Notification("Hi")), app=served.app
    )
    assert name.startswith(f"projects/{PROJECT}/messages/")
    assert served.phone.received[0].push_type == "alert"


def test_an_uninstalled_apps_token_raises_unregistered_error(served: Served) -> None:
    served.gateway.unregister_device(served.token)
    with pytest.raises(messaging.UnregisteredError) as raised:
        messaging.send(messaging.Message(fid=served.token, data={"a": "b"}), app=served.app)
    assert raised.value.http_response is not None
    assert raised.value.http_response.json() == load("unregistered.json")["answer"]["body"]
    assert served.phone.received == []


def test_a_reserved_data_key_raises_invalid_argument_error(served: Served) -> None:
    case = next(c for c in load("validation.json")["cases"] if c["name"] == "reserved data key from")
    data = case["request"]["message"]["data"]
    with pytest.raises(exceptions.InvalidArgumentError) as raised:
        messaging.send(messaging.Message(fid=served.token, data=data), app=served.app)
    assert raised.value.http_response is not None
    assert raised.value.http_response.json() == case["answer"]["body"]


def test_a_non_string_data_value_raises_invalid_argument_error(served: Served) -> None:
    """The SDK refuses a non-string value itself; sent anyway through its own client, FCM's answer maps the same way."""
    with pytest.raises(ValueError, match="non-string values"):
        messaging.send(messaging.Message(fid=served.token, data={"id": 21465}), app=served.app)
    case = next(c for c in load("validation.json")["cases"] if c["name"] == "non-string data value")
    service = messaging._get_messaging_service(served.app)
    body = json.loads(json.dumps(case["request"]).replace("{token}", served.token))
    with pytest.raises(requests.HTTPError) as raised:
        service._client.body("post", url=service._fcm_url, headers=dict(service._fcm_headers), json=body)
    error = service._handle_fcm_error(raised.value)
    assert isinstance(error, exceptions.InvalidArgumentError)
    assert error.http_response.json() == case["answer"]["body"]


def test_dry_run_maps_to_validate_only(served: Served) -> None:
    name = messaging.send(recorded_message(served.token), dry_run=True, app=served.app)
    assert name == f"projects/{PROJECT}/messages/fake_message_id"
    assert served.phone.received == []
    recorded = served.gateway.calls.last
    assert recorded is not None
    assert recorded.extra == {"validate_only": True}
    assert recorded.body["validate_only"] is True


def test_send_each_reports_each_answer(served: Served) -> None:
    messages = [
        messaging.Message(fid=served.token, data={"n": "1"}),
        messaging.Message(fid="cAbCdEfGhIjKlMnOpQrStU", data={"n": "2"}),
        messaging.Message(fid=served.token, data={"n": "3"}),
    ]
    batch = messaging.send_each(messages, app=served.app)
    assert (batch.success_count, batch.failure_count) == (2, 1)
    assert isinstance(batch.responses[1].exception, exceptions.InvalidArgumentError)
    assert sorted(d.payload["data"]["n"] for d in served.phone.received) == ["1", "3"]


def test_the_async_client_sends_through_the_same_path(served: Served) -> None:
    async def send() -> messaging.BatchResponse:
        try:
            return await messaging.send_each_async([recorded_message(served.token)], app=served.app)
        finally:
            # delete_app() closes the SDK's httpx client on a new event loop; its connections belong to this one.
            await messaging._get_messaging_service(served.app)._async_client.aclose()

    batch = asyncio.run(send())
    assert batch.success_count == 1
    assert len(served.phone.received) == 1
