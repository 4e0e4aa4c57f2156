"""The fake FCM HTTP v1 gateway and its Google token endpoint, driven in-process and through its ASGI app."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import simulator.gateways.fcm as fcm_package
from simulator.clock import VirtualClock
from simulator.devices.delivery import PushDelivery, PushProvider
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultRule
from simulator.gateways.fcm import ErrorCode, FcmError, FcmGateway, create_app
from simulator.gateways.fcm.oauth import generate_key
from simulator.sandboxes import Sandboxes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fcm"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
PROJECT = "journeys-demo"
PACKAGE = "com.example.journeys"
TOKEN_URI = "http://fcm.test/token"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fill(value: Any, **values: str) -> Any:
    """`value` with every `{name}` in its strings replaced."""
    if isinstance(value, str):
        for name, text in values.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, dict):
        return {k: fill(v, **values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, **values) for v in value]
    return value


@dataclass
class FakePhone:
    """A device endpoint that only remembers what it received."""

    device_id: str
    sandbox: str = "prod"
    received: list[PushDelivery] = field(default_factory=list)

    def receive_push(self, delivery: PushDelivery) -> None:
        self.received.append(delivery)


def assertion(account: dict[str, str], now: float, key: rsa.RSAPrivateKey | str | None = None, **claims: Any) -> str:
    payload = {"iss": account["client_email"], "aud": account["token_uri"], "scope": FCM_SCOPE}
    payload |= {"iat": int(now), "exp": int(now) + 3600}
    payload |= claims
    payload = {k: v for k, v in payload.items() if v is not None}
    headers = {"kid": account["private_key_id"]}
    return jwt.encode(payload, key or account["private_key"], algorithm="RS256", headers=headers)


@dataclass
class Lab:
    """One gateway, one project with an access token, and one online phone with its registration token."""

    sandboxes: Sandboxes
    hub: DeviceHub
    gateway: FcmGateway
    account: dict[str, str]
    auth: str
    phone: FakePhone
    token: str

    @property
    def clock(self) -> VirtualClock:
        clock = self.sandboxes.get("prod").clock
        assert isinstance(clock, VirtualClock)
        return clock

    def bearer(self, project: str, sandbox: str = "prod", **claims: Any) -> str:
        account = self.gateway.register_project(sandbox, project, TOKEN_URI)
        now = self.sandboxes.get(sandbox).clock.timestamp()
        return "Bearer " + self.gateway.issue_access_token(assertion(account, now, **claims))["access_token"]

    async def send(self, message: dict[str, Any], **request: Any) -> tuple[int, dict[str, Any]]:
        return await self.gateway.handle(PROJECT, self.auth, {"message": message, **request})


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_key()


@pytest.fixture
def lab(rsa_key: rsa.RSAPrivateKey) -> Lab:
    sandboxes = Sandboxes()
    hub = DeviceHub(sandboxes)
    gateway = FcmGateway(sandboxes, hub, key_factory=lambda: rsa_key)
    account = gateway.register_project("prod", PROJECT, TOKEN_URI)
    now = sandboxes.get("prod").clock.timestamp()
    auth = "Bearer " + gateway.issue_access_token(assertion(account, now))["access_token"]
    phone = FakePhone("phone-1")
    hub.attach(phone)
    token = gateway.register_device("prod", phone.device_id, PACKAGE, PROJECT)
    return Lab(sandboxes, hub, gateway, account, auth, phone, token)


pytestmark = pytest.mark.anyio


# -- service accounts and the token endpoint ---------------------------------------------------------------------------


async def test_register_project_returns_the_console_service_account_json(lab: Lab) -> None:
    account = lab.account
    assert set(account) == {
        "type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "auth_uri",
        "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url", "universe_domain",
    }  # fmt: skip
    assert account["type"] == "service_account"
    assert account["project_id"] == PROJECT
    assert account["token_uri"] == TOKEN_URI
    assert account["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert len(account["private_key_id"]) == 40
    assert account["client_email"].startswith("firebase-adminsdk-")
    assert account["client_email"].endswith(f"@{PROJECT}.iam.gserviceaccount.com")
    assert account["client_id"].isdigit()
    assert len(account["client_id"]) == 21
    assert account["client_x509_cert_url"].endswith(account["client_email"].replace("@", "%40"))


async def test_token_endpoint_answers_a_bearer_token_for_an_hour(lab: Lab) -> None:
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}
    form["assertion"] = assertion(lab.account, lab.clock.timestamp(), aud="https://oauth2.googleapis.com/token")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(lab.gateway)), base_url="http://fcm.test"
    ) as http:
        response = await http.post("/token", data=form)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == set(load("oauth.json")["success"]["body"])
    assert answer["access_token"].startswith("ya29.c.")
    assert (answer["expires_in"], answer["token_type"]) == (3600, "Bearer")
    status, _ = await lab.gateway.handle(PROJECT, "Bearer " + answer["access_token"], {"message": {"token": lab.token}})
    assert status == 200


@pytest.mark.parametrize("case", load("oauth.json")["cases"], ids=lambda case: case["name"])
async def test_token_endpoint_refuses_as_google_does(lab: Lab, case: dict[str, Any]) -> None:
    now = lab.clock.timestamp()
    claims = {k: (now + v if k in ("iat", "exp") else v) for k, v in case.get("claims", {}).items()}
    key = generate_key() if case.get("sign_with") == "other_key" else None
    signed = assertion(lab.account, now, key, **claims)
    if "kid" in case:
        claims_as_signed = jwt.decode(signed, options={"verify_signature": False})
        signed = jwt.encode(
            claims_as_signed, lab.account["private_key"], algorithm="RS256", headers={"kid": case["kid"]}
        )
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": signed}
    form = {k: v for k, v in (form | case.get("form", {})).items() if v is not None}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(lab.gateway)), base_url="http://fcm.test"
    ) as http:
        response = await http.post("/token", data=form)
    assert (response.status_code, response.json()) == (case["answer"]["status"], case["answer"]["body"])


# -- authentication ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", load("unauthenticated.json")["cases"], ids=lambda case: case["name"])
async def test_bad_credentials_are_refused_as_google_does(lab: Lab, case: dict[str, Any]) -> None:
    authorization = case["authorization"]
    if authorization == "expired":
        await lab.clock.advance(3599)
        assert (await lab.send({"token": lab.token}))[0] == 200
        await lab.clock.advance(1)
        authorization = lab.auth
    status, answer = await lab.gateway.handle(PROJECT, authorization, {"message": {"token": lab.token}})
    assert (status, answer) == (case["answer"]["status"], case["answer"]["body"])
    assert lab.gateway.calls.last is not None
    assert lab.gateway.calls.last.status == status


async def test_a_token_without_an_fcm_scope_is_refused(lab: Lab) -> None:
    auth = lab.bearer(PROJECT, scope="https://www.googleapis.com/auth/userinfo.email")
    status, answer = await lab.gateway.handle(PROJECT, auth, {"message": {"token": lab.token}})
    assert (status, answer["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert answer["error"]["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    cloud = lab.bearer(PROJECT, scope="https://www.googleapis.com/auth/cloud-platform")
    assert (await lab.gateway.handle(PROJECT, cloud, {"message": {"token": lab.token}}))[0] == 200


async def test_another_projects_service_account_is_a_sender_id_mismatch(lab: Lab) -> None:
    other = lab.bearer("other-project")
    status, answer = await lab.gateway.handle(PROJECT, other, {"message": {"token": lab.token}})
    assert (status, answer) == (403, load("sender_id_mismatch.json")["answer"]["body"])


async def test_a_token_of_another_sender_is_a_sender_id_mismatch(lab: Lab) -> None:
    other_phone = FakePhone("phone-2")
    lab.hub.attach(other_phone)
    foreign = lab.gateway.register_device("prod", other_phone.device_id, PACKAGE, "other-project")
    status, answer = await lab.send({"token": foreign, "data": {"a": "b"}})
    assert (status, answer) == (403, load("sender_id_mismatch.json")["answer"]["body"])
    assert other_phone.received == []


async def test_a_token_of_another_sandbox_is_unknown_here(lab: Lab) -> None:
    lab.sandboxes.open("other")
    stranger = lab.gateway.register_device("other", "phone-9", PACKAGE, PROJECT)
    status, answer = await lab.send({"token": stranger})
    assert (status, answer["error"]["message"]) == (400, "The registration token is not a valid FCM registration token")


# -- validation --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", load("validation.json")["cases"], ids=lambda case: case["name"])
async def test_invalid_requests_are_refused_with_fcms_answer(lab: Lab, case: dict[str, Any]) -> None:
    request = case["request"]
    body = request.encode() if isinstance(request, str) else fill(request, token=lab.token)
    status, answer = await lab.gateway.handle(PROJECT, lab.auth, body)
    assert (status, answer) == (case["answer"]["status"], case["answer"]["body"])
    assert lab.phone.received == []
    recorded = lab.gateway.calls.last
    assert recorded is not None
    assert (recorded.status, recorded.delivered) == (status, False)


async def test_a_payload_of_exactly_4096_bytes_is_accepted(lab: Lab) -> None:
    status, _ = await lab.send({"token": lab.token, "data": {"blob": "x" * 4092}})
    assert status == 200
    status, answer = await lab.send({"token": lab.token, "data": {"blob": "é" * 2047}})
    assert (status, answer["error"]["message"]) == (400, "Android message is too big")


async def test_json_spellings_decimal_ttls_and_the_installation_id_are_accepted(lab: Lab) -> None:
    fid = lab.token.partition(":")[0]
    message = {"fid": fid, "android": {"collapseKey": "news", "ttl": "3.5s", "directBootOk": True}}
    assert (await lab.send(message))[0] == 200
    delivery = lab.phone.received[-1]
    assert (delivery.token, delivery.collapse_id) == (lab.token, "news")


# -- delivery ----------------------------------------------------------------------------------------------------------


async def test_a_data_message_reaches_the_phone(lab: Lab) -> None:
    recorded = load("data_message.json")
    body = fill(recorded["request"]["body"], token=lab.token)
    status, answer = await lab.gateway.handle(PROJECT, lab.auth, body)
    message_id = answer["name"].rsplit("/", 1)[-1]
    assert status == recorded["answer"]["status"]
    assert answer == fill(recorded["answer"]["body"], project=PROJECT, message_id=message_id)
    assert len(message_id) == 19
    assert message_id.isdigit()
    [delivery] = lab.phone.received
    assert delivery == PushDelivery(
        provider=PushProvider.FCM, token=lab.token, app_id=PACKAGE, message_id=message_id,
        payload=body["message"], sent_at=lab.clock.timestamp(), collapse_id="orders",
        push_type="background", priority=10,
    )  # fmt: skip
    assert delivery.payload is body["message"]
    assert lab.gateway.calls.get("latest") is lab.gateway.calls.get(message_id)


async def test_a_notification_message_is_an_alert_of_normal_priority(lab: Lab) -> None:
    assert (await lab.send({"token": lab.token, "notification": {"title": "Hi", "body": "there"}}))[0] == 200
    [delivery] = lab.phone.received
    assert (delivery.push_type, delivery.priority, delivery.collapse_id) == ("alert", 5, None)


async def test_an_uninstalled_apps_token_is_unregistered(lab: Lab) -> None:
    recorded = load("unregistered.json")
    lab.gateway.unregister_device(lab.token)
    status, answer = await lab.gateway.handle(PROJECT, lab.auth, fill(recorded["request"]["body"], token=lab.token))
    assert (status, answer) == (recorded["answer"]["status"], recorded["answer"]["body"])
    assert lab.gateway.calls.last is not None
    assert lab.gateway.calls.last.reason == "UNREGISTERED"
    with pytest.raises(KeyError):
        lab.gateway.unregister_device("never-issued")


async def test_a_dry_run_validates_without_delivering(lab: Lab) -> None:
    status, answer = await lab.send({"token": lab.token, "data": {"a": "b"}}, validate_only=True)
    assert (status, answer) == (200, {"name": f"projects/{PROJECT}/messages/fake_message_id"})
    assert lab.phone.received == []
    recorded = lab.gateway.calls.last
    assert recorded is not None
    assert recorded.extra == {"validate_only": True}
    assert recorded.token == lab.token
    status, _ = await lab.send({"token": lab.token, "data": {"from": "b"}}, validate_only=True)
    assert status == 400


async def test_topics_and_conditions_reach_their_subscribers(lab: Lab) -> None:
    second = FakePhone("phone-2")
    lab.hub.attach(second)
    other = lab.gateway.register_device("prod", second.device_id, PACKAGE, PROJECT)
    lab.gateway.subscribe(lab.token, "news")
    lab.gateway.subscribe(other, "/topics/news")
    lab.gateway.subscribe(other, "sport")
    assert (await lab.send({"topic": "news", "data": {"n": "1"}}))[0] == 200
    assert [len(lab.phone.received), len(second.received)] == [1, 1]
    assert (await lab.send({"condition": "'news' in topics && !('sport' in topics)"}))[0] == 200
    assert [len(lab.phone.received), len(second.received)] == [2, 1]
    recorded = lab.gateway.calls.last
    assert recorded is not None
    assert recorded.extra["recipients"] == 1
    assert recorded.delivered is True
    lab.gateway.unsubscribe(lab.token, "news")
    assert (await lab.send({"topic": "news"}))[0] == 200
    assert [len(lab.phone.received), len(second.received)] == [2, 2]


# -- offline phones ----------------------------------------------------------------------------------------------------


async def test_an_offline_phone_gets_its_messages_on_reconnect(lab: Lab) -> None:
    lab.hub.set_online(lab.phone.device_id, False)
    status, answer = await lab.send({"token": lab.token, "data": {"n": "1"}})
    assert status == 200
    assert lab.phone.received == []
    recorded = lab.gateway.calls.get("latest")
    assert recorded is not None
    assert recorded.delivered is False
    await lab.clock.advance(600)
    lab.hub.set_online(lab.phone.device_id, True)
    assert [d.message_id for d in lab.phone.received] == [answer["name"].rsplit("/", 1)[-1]]
    assert recorded.delivered is True
    assert recorded.extra["delivered_at"] == lab.clock.timestamp()


async def test_a_collapse_key_replaces_the_stored_message(lab: Lab) -> None:
    lab.hub.set_online(lab.phone.device_id, False)
    for n in ("1", "2", "3"):
        await lab.send({"token": lab.token, "data": {"n": n}, "android": {"collapse_key": "score"}})
    await lab.send({"token": lab.token, "data": {"n": "other"}})
    lab.hub.set_online(lab.phone.device_id, True)
    assert [d.payload["data"]["n"] for d in lab.phone.received] == ["3", "other"]
    dropped = [c.extra.get("dropped") for c in lab.gateway.calls]
    assert dropped == ["collapsed", "collapsed", None, None]


async def test_a_message_is_dropped_when_its_ttl_runs_out(lab: Lab) -> None:
    lab.hub.set_online(lab.phone.device_id, False)
    await lab.send({"token": lab.token, "data": {"n": "short"}, "android": {"ttl": "60s"}})
    await lab.send({"token": lab.token, "data": {"n": "long"}, "android": {"ttl": "3600s"}})
    await lab.clock.advance(60)
    lab.hub.set_online(lab.phone.device_id, True)
    assert [d.payload["data"]["n"] for d in lab.phone.received] == ["long"]
    assert [c.extra.get("dropped") for c in lab.gateway.calls] == ["expired", None]


async def test_ttl_zero_means_now_or_never(lab: Lab) -> None:
    assert (await lab.send({"token": lab.token, "android": {"ttl": "0s"}}))[0] == 200
    assert len(lab.phone.received) == 1
    lab.hub.set_online(lab.phone.device_id, False)
    assert (await lab.send({"token": lab.token, "android": {"ttl": "0s"}}))[0] == 200
    lab.hub.set_online(lab.phone.device_id, True)
    assert len(lab.phone.received) == 1
    recorded = lab.gateway.calls.last
    assert recorded is not None
    assert (recorded.delivered, recorded.extra["dropped"]) == (False, "expired")


async def test_at_most_100_messages_wait_for_a_phone(lab: Lab) -> None:
    lab.hub.set_online(lab.phone.device_id, False)
    for n in range(100):
        await lab.send({"token": lab.token, "data": {"n": str(n)}})
    lab.hub.set_online(lab.phone.device_id, True)
    assert [d.payload["data"]["n"] for d in lab.phone.received] == [str(n) for n in range(100)]
    lab.phone.received.clear()
    lab.hub.set_online(lab.phone.device_id, False)
    for n in range(101):
        await lab.send({"token": lab.token, "data": {"n": str(n)}})
    lab.hub.set_online(lab.phone.device_id, True)
    notice, newest = lab.phone.received
    assert (notice.push_type, notice.payload, notice.app_id) == (
        "deleted_messages",
        {"message_type": "deleted_messages"},
        PACKAGE,
    )
    assert newest.payload["data"]["n"] == "100"
    assert sum(1 for c in lab.gateway.calls if c.extra.get("dropped") == "too_many_pending") == 100


# -- faults, records, sandboxes ----------------------------------------------------------------------------------------


async def test_a_fault_rule_answers_with_fcms_error(lab: Lab) -> None:
    lab.gateway.faults.add(FaultRule(error="UNAVAILABLE", status=503, times=1))
    status, answer = await lab.send({"token": lab.token})
    assert (status, answer) == (503, FcmError(ErrorCode.UNAVAILABLE).to_body())
    assert answer["error"]["status"] == "UNAVAILABLE"
    assert (await lab.send({"token": lab.token}))[0] == 200
    lab.gateway.faults.add(FaultRule(error="QUOTA_EXCEEDED", status=429, token="someone-else"))
    lab.gateway.faults.add(FaultRule(error="QUOTA_EXCEEDED", status=429, topic=PACKAGE))
    status, answer = await lab.send({"token": lab.token})
    assert (status, answer["error"]["status"], answer["error"]["details"][0]["errorCode"]) == (
        429,
        "RESOURCE_EXHAUSTED",
        "QUOTA_EXCEEDED",
    )
    assert len(lab.phone.received) == 1
    assert [c.reason for c in lab.gateway.calls] == ["UNAVAILABLE", None, "QUOTA_EXCEEDED"]


async def test_every_request_is_recorded_and_queryable(lab: Lab) -> None:
    await lab.send({"token": lab.token, "data": {"a": "b"}})
    await lab.gateway.handle(PROJECT, None, {"message": {"token": lab.token}})
    await lab.send({"token": lab.token, "data": {"a": 1}})
    first, unauthenticated, invalid = lab.gateway.calls
    assert (first.status, first.token, first.sandbox, first.delivered) == (200, lab.token, "prod", True)
    assert (unauthenticated.status, unauthenticated.reason, unauthenticated.sandbox) == (
        401,
        "CREDENTIALS_MISSING",
        None,
    )
    assert (invalid.status, invalid.reason, invalid.token) == (400, "INVALID_ARGUMENT", lab.token)
    assert lab.gateway.calls.get("latest") is invalid
    assert lab.gateway.calls.query(token=lab.token, status=200) == [first]
    assert first.path == f"/v1/projects/{PROJECT}/messages:send"
    assert first.headers == {"authorization": lab.auth}


async def test_a_closed_sandbox_is_forgotten(lab: Lab) -> None:
    lab.sandboxes.open("scenario-1")
    auth = lab.bearer(PROJECT, sandbox="scenario-1")
    phone = FakePhone("phone-s1", sandbox="scenario-1")
    lab.hub.attach(phone)
    token = lab.gateway.register_device("scenario-1", phone.device_id, PACKAGE, PROJECT)
    assert (await lab.gateway.handle(PROJECT, auth, {"message": {"token": token}}))[0] == 200
    lab.sandboxes.close("scenario-1")
    assert lab.gateway.calls.query(sandbox="scenario-1") == []
    assert lab.gateway.tokens.get(token) is None
    assert (await lab.gateway.handle(PROJECT, auth, {"message": {"token": token}}))[0] == 401
    assert (await lab.send({"token": lab.token}))[0] == 200


async def test_reset_forgets_calls_faults_and_stored_messages(lab: Lab) -> None:
    lab.gateway.faults.add(FaultRule(error="INTERNAL", status=500))
    await lab.send({"token": lab.token})
    lab.gateway.faults.clear()
    lab.hub.set_online(lab.phone.device_id, False)
    await lab.send({"token": lab.token})
    lab.gateway.faults.add(FaultRule(error="INTERNAL", status=500))
    lab.gateway.reset()
    assert (len(lab.gateway.calls), lab.gateway.faults.rules, len(lab.gateway.pending)) == (0, [], 0)
    lab.hub.set_online(lab.phone.device_id, True)
    assert lab.phone.received == []
    assert (await lab.send({"token": lab.token}))[0] == 200


async def test_the_same_seed_gives_the_same_tokens(rsa_key: rsa.RSAPrivateKey) -> None:
    def tokens() -> list[str]:
        sandboxes = Sandboxes(seed="repeat")
        gateway = FcmGateway(sandboxes, DeviceHub(sandboxes), key_factory=lambda: rsa_key)
        return [gateway.register_device("prod", f"phone-{n}", PACKAGE, PROJECT) for n in range(3)]

    first = tokens()
    assert first == tokens()
    assert len(set(first)) == 3
    fid, _, tail = first[0].partition(":")
    assert len(fid) == 22
    assert fid[0] in "cdef"
    assert tail.startswith("APA91b")
    assert len(tail) == 140


# -- errors and the package --------------------------------------------------------------------------------------------


def test_fcm_errors_know_their_status_and_whether_to_retry() -> None:
    expected = {
        "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", False), "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", False),
        "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", False), "UNREGISTERED": (404, "NOT_FOUND", False),
        "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", True), "INTERNAL": (500, "INTERNAL", True),
        "UNAVAILABLE": (503, "UNAVAILABLE", True),
    }  # fmt: skip
    for code in ErrorCode:
        error = FcmError(code)
        assert (error.http_status, error.status, error.retryable) == expected[code]
        assert error.to_body()["error"]["details"] == [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code.value}
        ]
    assert FcmError("THROTTLED", http_status=429).status == "RESOURCE_EXHAUSTED"
    with pytest.raises(ValueError, match="THROTTLED"):
        FcmError("THROTTLED")


def test_the_package_exports_a_sorted_public_surface() -> None:
    assert fcm_package.__all__ == sorted(fcm_package.__all__)
    assert all(hasattr(fcm_package, name) for name in fcm_package.__all__)


# -- the ASGI app ------------------------------------------------------------------------------------------------------


async def test_the_app_serves_send_token_and_sim_routes(lab: Lab) -> None:
    transport = httpx.ASGITransport(create_app(lab.gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://fcm.mjlab.test") as http:
        assert (await http.get("/_sim/health")).json() == {"status": "ok", "service": "fcm"}
        created = await http.post("/_sim/projects", json={"sandbox": "prod", "project_id": "second-app"})
        assert created.status_code == 201
        assert created.json()["token_uri"] == "http://fcm.mjlab.test/token"
        assert (
            await http.post("/_sim/projects", json={"sandbox": "nope", "project_id": "second-app"})
        ).status_code == 404
        registered = await http.post(
            "/_sim/devices", json={"sandbox": "prod", "device_id": "phone-1", "package": PACKAGE, "project_id": PROJECT}
        )
        token = registered.json()["token"]
        url = f"/v1/projects/{PROJECT}/messages:send"
        sent = await http.post(
            url, json={"message": {"token": token, "data": {"a": "b"}}}, headers={"authorization": lab.auth}
        )
        assert sent.status_code == 200
        assert sent.headers["content-type"] == "application/json; charset=UTF-8"
        message_id = sent.json()["name"].rsplit("/", 1)[-1]
        assert lab.phone.received[-1].token == token
        bad = await http.post(url, content=b"{not json", headers={"authorization": lab.auth})
        assert bad.status_code == 400
        assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"
        assert (await http.get(f"/_sim/messages/{message_id}")).json()["status"] == 200
        assert (await http.get("/_sim/messages/latest")).json()["status"] == 400
        missing = await http.get("/_sim/messages/nothing-here")
        assert (missing.status_code, missing.json()) == (404, {"detail": "no message 'nothing-here'"})
        listed = (await http.get("/_sim/messages", params={"token": token, "status": "200"})).json()
        assert listed["total"] == 1
        assert listed["messages"][0]["id"] == message_id
        assert (await http.delete(f"/_sim/devices/{token}")).json() == {"token": token, "registered": False}
        assert (await http.delete("/_sim/devices/unknown")).status_code == 404
        gone = await http.post(url, json={"message": {"token": token}}, headers={"authorization": lab.auth})
        assert gone.status_code == 404
        assert gone.json()["error"]["details"][0]["errorCode"] == "UNREGISTERED"
        assert (await http.delete("/_sim/messages", params={"sandbox": "prod"})).json() == {"deleted": 3}
        assert (await http.get("/_sim/messages")).json() == {"messages": [], "total": 0}


async def test_the_app_validates_fault_rules_and_answers_unknown_routes_in_json(lab: Lab) -> None:
    transport = httpx.ASGITransport(create_app(lab.gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://fcm.mjlab.test") as http:
        invalid = await http.post("/_sim/faults", json={"error": "UNAVAILABLE", "status": 200})
        assert invalid.status_code == 422
        assert invalid.json()["detail"][0]["loc"] == ["body", "status"]
        added = await http.post("/_sim/faults", json={"error": "UNAVAILABLE", "status": 503, "times": 1})
        assert added.status_code == 201
        assert (await http.get("/_sim/faults")).json()["faults"][0]["error"] == "UNAVAILABLE"
        sent = await http.post(
            f"/v1/projects/{PROJECT}/messages:send",
            json={"message": {"token": lab.token}},
            headers={"authorization": lab.auth},
        )
        assert sent.status_code == 503
        assert sent.json()["error"]["details"][0]["errorCode"] == "UNAVAILABLE"
        assert (await http.delete("/_sim/faults")).json() == {"deleted": 1}
        unknown = await http.get("/v1/projects/x/nothing")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["status"] == "NOT_FOUND"
        wrong = await http.get(f"/v1/projects/{PROJECT}/messages:send")
        assert wrong.status_code == 405
        assert "error" in wrong.json()
        subscribed = await http.post(f"/_sim/topics/news/tokens/{lab.token}")
        assert subscribed.status_code == 201
        record = lab.gateway.tokens.get(lab.token)
        assert record is not None
        assert record.topics == {"news"}
