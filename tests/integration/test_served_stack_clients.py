"""Official SDK clients against `mjlab serve` (the whole stack, on the system clock, as people run it):
firebase-admin reaches a simulated Android phone through the `fcm` endpoint; aioapns reaches a simulated iPhone
through the `apns` endpoint (HTTP/2), and gets BadDeviceToken for an unknown token; a request without a provider
token gets 403 MissingProviderToken."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import firebase_admin
import httpx
import pytest
from aioapns import APNs, NotificationRequest
from anyio.from_thread import start_blocking_portal
from firebase_admin import credentials, messaging

from simulator.client import StackClient
from simulator.clock import monotonic, wait_real
from simulator.devices.delivery import MessageChannel
from simulator.devices.phone import OS, Phone

pytestmark = pytest.mark.network

SANDBOX = "prod"
APP = "com.acme.shop"


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("serve")
    file = folder / "endpoints.json"
    command = [sys.executable, "-m", "harness.cli", "serve", "--port", "0", "--endpoints-file", str(file)]
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = monotonic() + 60
    while not file.exists():
        assert process.poll() is None, (folder / "server.log").read_text()
        assert monotonic() < deadline
        wait_real(0.05)
    try:
        yield dict(json.loads(file.read_text()))
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _phone(client: StackClient, os: OS, sender: str) -> Phone:
    phone = await client.new_phone(SANDBOX, os)
    phone.install(APP, ecid=uuid.uuid4().hex, sender=sender)
    await phone.launch(APP)
    return phone


async def _until_shown(phone: Phone) -> None:
    deadline = monotonic() + 10
    while not phone.banners():
        assert monotonic() < deadline, f"nothing reached {phone!r}"
        await asyncio.sleep(0.02)


def test_firebase_admin_reaches_an_android_phone_through_mjlab_serve(endpoints: dict[str, str]) -> None:
    # The phone lives on a loop in another thread (as in the harness); the SDK is called from this one.
    with start_blocking_portal() as portal:
        client = portal.call(StackClient.connect, endpoints)
        project = f"shop-{uuid.uuid4().hex[:8]}"
        body = {"sandbox": SANDBOX, "project_id": project}
        account = portal.call(lambda: client.call("fcm", "POST", "/_sim/projects", json=body))
        phone = portal.call(_phone, client, OS.ANDROID, project)
        token = phone.app(APP).token
        assert token is not None
        original = messaging._MessagingService.FCM_URL
        messaging._MessagingService.FCM_URL = endpoints["fcm"] + "/v1/projects/{0}/messages:send"
        app = firebase_admin.initialize_app(credentials.Certificate(account), name=f"served-{uuid.uuid4().hex}")
        try:
            message = messaging.Message(
                fid=token, data={"adb_title": "Hello from firebase-admin", "adb_body": "via mjlab serve"}
            )
            name = messaging.send(message, app=app)
            assert name.startswith(f"projects/{project}/messages/")
            portal.call(_until_shown, phone)
            assert phone.banners()[0].title == "Hello from firebase-admin"
            portal.call(phone.uninstall, APP)
            with pytest.raises(messaging.UnregisteredError):
                messaging.send(message, app=app)
        finally:
            firebase_admin.delete_app(app)
            messaging._MessagingService.FCM_URL = original
            portal.call(client.aclose)


def _aioapns(endpoints: dict[str, str], grant: dict[str, Any]) -> APNs:
    host, port = endpoints["apns"].removeprefix("http://").rsplit(":", 1)
    client = APNs(key=grant["private_key_pem"], key_id=grant["key_id"], team_id=grant["team_id"], topic=APP)
    client.pool.protocol_class = type(
        "ServedApnsProtocol", (client.pool.protocol_class,), {"APNS_SERVER": host, "APNS_PORT": int(port)}
    )
    client.pool.ssl_context = None
    return client


def test_aioapns_reaches_an_iphone_and_gets_apples_errors_through_mjlab_serve(endpoints: dict[str, str]) -> None:
    async def main() -> None:
        client = await StackClient.connect(endpoints)
        body = {"sandbox": SANDBOX, "team_id": "TEAMSERVE1", "topics": [APP]}
        grant = await client.call("apns", "POST", "/_sim/keys", json=body)
        phone = await _phone(client, OS.IOS, "")
        token = phone.app(APP).token
        assert token is not None
        apns = _aioapns(endpoints, grant)
        try:
            alert = {"aps": {"alert": {"title": "Hello from aioapns", "body": "via mjlab serve"}}}
            result = await apns.send_notification(NotificationRequest(device_token=token, message=alert))
            assert result.is_successful, result.description
            await _until_shown(phone)
            assert phone.banners()[0].title == "Hello from aioapns"
            unknown = await apns.send_notification(NotificationRequest(device_token="ab" * 32, message=alert))
            assert (unknown.status, unknown.description) == ("400", "BadDeviceToken")
        finally:
            apns.pool.close()
        async with httpx.AsyncClient(http1=False, http2=True, base_url=endpoints["apns"]) as h2:
            answer = await h2.post(f"/3/device/{token}", headers={"apns-topic": APP}, json=alert)
        assert (answer.status_code, answer.json()) == (403, {"reason": "MissingProviderToken"})
        await client.aclose()

    asyncio.run(main())


def test_the_recorded_fixture_answers_match(endpoints: dict[str, str]) -> None:
    missing = json.loads((Path(__file__).parents[2] / "fixtures/apns/missing_provider_token.json").read_text())
    assert "MissingProviderToken" in json.dumps(missing)


def test_the_twilio_library_reaches_a_phone_and_gets_21610_after_stop_through_mjlab_serve(
    endpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)
    with start_blocking_portal() as portal:
        client = portal.call(StackClient.connect, endpoints)
        grant = portal.call(lambda: client.call("twilio", "POST", "/_sim/accounts", json={"sandbox": SANDBOX}))
        sender = "+15550109999"
        body = {"account_sid": grant["account_sid"], "phone_number": sender}
        portal.call(lambda: client.call("twilio", "POST", "/_sim/numbers", json=body))
        phone = portal.call(lambda: client.new_phone(SANDBOX, OS.ANDROID, phone_number="+14155550142"))
        twilio = Client(grant["account_sid"], grant["auth_token"])
        twilio.api.base_url = endpoints["twilio"]
        message = twilio.messages.create(to="+14155550142", from_=sender, body="Hello from the twilio library")
        assert message.sid.startswith("SM")
        assert message.date_created is not None
        texts = phone.inbox(MessageChannel.SMS)
        deadline = monotonic() + 15
        while not texts.threads:
            assert monotonic() < deadline, "the SMS never reached the phone"
            wait_real(0.05)
        assert texts.thread(sender).latest().body == "Hello from the twilio library"
        portal.call(texts.reply, sender, "STOP")
        with pytest.raises(TwilioRestException) as refused:
            twilio.messages.create(to="+14155550142", from_=sender, body="Still there?")
        assert (refused.value.code, refused.value.status) == (21610, 400)
        portal.call(client.aclose)
