"""The fake APNs request chain: validation reasons, provider tokens, 410, offline storage, faults, recording."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fakes import RecordingPhone as FakePhone

from simulator.clock import VirtualClock
from simulator.devices.delivery import PushDelivery, PushProvider
from simulator.devices.hub import DeviceHub
from simulator.gateways.apns import REASONS, ApnsError, ApnsGateway, ApnsRequest, ApnsResponse, ProviderKeyGrant
from simulator.gateways.faults import FaultRule
from simulator.sandboxes import Sandboxes

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "apns"
TOPIC = "com.example.journeys"
TEAM = "TEAM4JRNYS"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


@dataclass
class World:
    sandboxes: Sandboxes
    hub: DeviceHub
    gateway: ApnsGateway
    grant: ProviderKeyGrant
    phone: FakePhone
    token: str

    @property
    def clock(self) -> VirtualClock:
        clock = self.sandboxes.get("prod").clock
        assert isinstance(clock, VirtualClock)
        return clock

    def bearer(self, *, iat: float | None = None, grant: ProviderKeyGrant | None = None, **claims: Any) -> str:
        grant = grant or self.grant
        issued = int(self.clock.timestamp() if iat is None else iat)
        body = {"iss": grant.team_id, "iat": issued, **claims}
        return "bearer " + jwt.encode(body, grant.private_key_pem, algorithm="ES256", headers={"kid": grant.key_id})

    def request(self, token: str | None = None, payload: bytes | None = None, **headers: str | None) -> ApnsRequest:
        wire: dict[str, str | None] = {
            "authorization": self.bearer(),
            "apns-topic": TOPIC,
            "apns-push-type": "alert",
            "apns-priority": "10",
        }
        wire.update({name.replace("_", "-"): value for name, value in headers.items()})
        present = {name: value for name, value in wire.items() if value is not None}
        body = b'{"aps":{"alert":{"title":"Hi","body":"There"}}}' if payload is None else payload
        return ApnsRequest.from_headers(self.token if token is None else token, present, body)

    async def send(self, token: str | None = None, payload: bytes | None = None, **headers: str | None) -> ApnsResponse:
        return await self.gateway.handle(self.request(token, payload, **headers))


def make_world(seed: str = "mjlab") -> World:
    sandboxes = Sandboxes(seed=seed)
    hub = DeviceHub(sandboxes)
    gateway = ApnsGateway(sandboxes, hub)
    grant = gateway.register_key("prod", TEAM, [TOPIC, "com.example.wallet"])
    phone = FakePhone("iphone-1")
    hub.attach(phone)
    token = gateway.register_device("prod", phone.device_id, TOPIC, "production")
    return World(sandboxes, hub, gateway, grant, phone, token)


@pytest.fixture
def world() -> World:
    return make_world()


# -- accepted notifications --------------------------------------------------------------------------------------


async def test_an_alert_push_reaches_the_phone_as_sent(world: World) -> None:
    recorded = load("alert_push.json")
    headers = recorded["request"]["headers"]
    payload = json.dumps(recorded["request"]["payload"]).encode()
    await world.clock.advance(30)  # the delivery is stamped with the sandbox clock's time

    answer = await world.send(payload=payload, **{k.replace("-", "_"): v for k, v in headers.items()})

    assert answer.status == recorded["answer"]["status"]
    assert answer.body is None
    assert answer.apns_id == recorded["answer"]["headers"]["apns-id"]
    assert world.phone.received == [
        PushDelivery(
            provider=PushProvider.APNS,
            token=world.token,
            app_id=TOPIC,
            message_id=headers["apns-id"],
            payload=recorded["request"]["payload"],
            sent_at=world.clock.timestamp(),
            collapse_id="welcome-series",
            push_type="alert",
            priority=10,
        )
    ]


async def test_an_apns_id_is_generated_from_the_seed_when_absent() -> None:
    first, second = make_world(seed="same"), make_world(seed="same")

    answers = [await w.send() for w in (first, second)]

    assert answers[0].status == answers[1].status == 200
    assert UUID.match(answers[0].apns_id)
    assert answers[0].apns_id == answers[1].apns_id
    assert first.phone.received[0].message_id == answers[0].apns_id


async def test_background_push_with_low_priority_and_uppercase_token(world: World) -> None:
    answer = await world.send(
        token=world.token.upper(),
        payload=b'{"aps":{"content-available":1}}',
        apns_push_type="background",
        apns_priority="5",
    )

    assert answer.status == 200
    delivery = world.phone.received[-1]
    assert (delivery.push_type, delivery.priority, delivery.token) == ("background", 5, world.token)


async def test_voip_pushes_may_be_larger_than_alerts(world: World) -> None:
    big = json.dumps(load("payload_too_large.json")["request"]["payload"], separators=(",", ":")).encode()

    alert = await world.send(payload=big)
    voip = await world.send(payload=big, apns_push_type="voip", apns_topic=TOPIC + ".voip")

    assert 4096 < len(big) <= 5120
    assert (alert.status, alert.reason) == (413, "PayloadTooLarge")
    assert voip.status == 200
    assert world.phone.received[-1].app_id == TOPIC + ".voip"


async def test_reregistering_an_app_gives_the_same_token(world: World) -> None:
    again = world.gateway.register_device("prod", world.phone.device_id, TOPIC, "production")
    sandbox_build = world.gateway.register_device("prod", world.phone.device_id, TOPIC, "sandbox")

    assert again == world.token
    assert sandbox_build != world.token
    assert re.fullmatch(r"[0-9a-f]{64}", sandbox_build)


# -- refusals ----------------------------------------------------------------------------------------------------


VALIDATION = load("validation.json")["cases"]


@pytest.mark.parametrize("case", VALIDATION, ids=[case["name"] for case in VALIDATION])
async def test_invalid_requests_get_apples_reason(world: World, case: dict[str, Any]) -> None:
    headers = {name.replace("-", "_"): value for name, value in case.get("headers", {}).items()}
    payload = case["payload"].encode() if "payload" in case else None

    answer = await world.send(token=case.get("token"), payload=payload, **headers)

    assert (answer.status, answer.body) == (case["answer"]["status"], {"reason": case["answer"]["reason"]})
    assert world.phone.received == []
    assert world.gateway.calls.last is not None
    assert world.gateway.calls.last.reason == case["answer"]["reason"]


async def test_duplicate_headers_are_refused(world: World) -> None:
    request = world.request().model_copy(update={"duplicate_headers": True})

    answer = await world.gateway.handle(request)

    assert (answer.status, answer.reason) == (400, "DuplicateHeaders")


async def test_a_token_apns_never_issued_is_a_bad_device_token(world: World) -> None:
    recorded = load("bad_device_token.json")

    answer = await world.send(token=recorded["request"]["token"])

    assert (answer.status, answer.body) == (recorded["answer"]["status"], recorded["answer"]["body"])


async def test_a_sandbox_token_sent_to_production_is_a_bad_device_token(world: World) -> None:
    sandbox_token = world.gateway.register_device("prod", world.phone.device_id, "com.example.wallet", "sandbox")
    request = world.request(token=sandbox_token, apns_topic="com.example.wallet")

    to_production = await world.gateway.handle(request)
    to_sandbox = await world.gateway.handle(request.model_copy(update={"environment": "sandbox"}))

    assert (to_production.status, to_production.reason) == (400, "BadDeviceToken")
    assert to_sandbox.status == 200


async def test_a_token_of_another_sandbox_is_a_bad_device_token(world: World) -> None:
    world.sandboxes.open("other")
    foreign = world.gateway.register_device("other", "iphone-9", TOPIC, "production")

    answer = await world.send(token=foreign)

    assert (answer.status, answer.reason) == (400, "BadDeviceToken")


async def test_a_token_of_another_app_is_not_for_the_topic(world: World) -> None:
    answer = await world.send(apns_topic="com.example.wallet")

    assert (answer.status, answer.reason) == (400, "DeviceTokenNotForTopic")


# -- provider tokens ---------------------------------------------------------------------------------------------


async def test_a_token_signed_by_an_unknown_key_is_invalid(world: World) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    forged = world.grant.model_copy(update={"private_key_pem": pem})
    unknown_kid = world.grant.model_copy(update={"key_id": "ZZZZZZZZZZ"})

    bad_signature = await world.send(authorization=world.bearer(grant=forged))
    unknown_key = await world.send(authorization=world.bearer(grant=unknown_kid))

    assert (bad_signature.status, bad_signature.reason) == (403, "InvalidProviderToken")
    assert (unknown_key.status, unknown_key.reason) == (403, "InvalidProviderToken")


async def test_a_token_naming_another_team_is_invalid(world: World) -> None:
    other_team = world.grant.model_copy(update={"team_id": "OTHERTEAM1"})

    answer = await world.send(authorization=world.bearer(grant=other_team))

    assert (answer.status, answer.reason) == (403, "InvalidProviderToken")


async def test_a_token_without_iat_is_invalid(world: World) -> None:
    grant = world.grant
    token = jwt.encode({"iss": grant.team_id}, grant.private_key_pem, algorithm="ES256", headers={"kid": grant.key_id})

    answer = await world.send(authorization="bearer " + token)

    assert (answer.status, answer.reason) == (403, "InvalidProviderToken")


async def test_a_provider_token_expires_an_hour_after_it_was_issued(world: World) -> None:
    bearer = world.bearer()

    await world.clock.advance(3599)
    still_valid = await world.send(authorization=bearer)
    await world.clock.advance(2)
    expired = await world.send(authorization=bearer)
    fresh = await world.send(authorization=world.bearer())

    assert still_valid.status == 200
    assert (expired.status, expired.reason) == (403, "ExpiredProviderToken")
    assert fresh.status == 200


async def test_a_reused_provider_token_is_verified_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    decode: Callable[..., Any] = jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr("simulator.gateways.apns.auth.jwt.decode", counting_decode)
    bearer = world.bearer()

    answers = [await world.send(authorization=bearer) for _ in range(50)]

    assert {a.status for a in answers} == {200}
    assert len(calls) == 1
    assert len(world.phone.received) == 50


# -- uninstalled apps --------------------------------------------------------------------------------------------


async def test_after_unregister_sends_answer_410_with_the_time_of_unregistering(world: World) -> None:
    recorded = load("unregistered.json")
    unregistered_at_ms = int(world.clock.timestamp() * 1000)
    world.gateway.unregister_device(world.token)
    await world.clock.advance(600)

    answer = await world.send()

    expected = {**recorded["answer"]["body"], "timestamp": unregistered_at_ms}
    assert (answer.status, answer.body) == (recorded["answer"]["status"], expected)
    assert world.phone.received == []


async def test_a_reinstalled_app_gets_a_new_token(world: World) -> None:
    world.gateway.unregister_device(world.token)

    new_token = world.gateway.register_device("prod", world.phone.device_id, TOPIC, "production")

    assert new_token != world.token
    assert (await world.send(token=new_token)).status == 200
    assert (await world.send()).status == 410


def test_unregistering_an_unknown_token_raises(world: World) -> None:
    with pytest.raises(KeyError):
        world.gateway.unregister_device("0" * 64)


# -- offline storage ---------------------------------------------------------------------------------------------


def alert(text: str) -> bytes:
    return json.dumps({"aps": {"alert": text}}).encode()


async def test_an_offline_phone_gets_only_the_latest_notification_per_app(world: World) -> None:
    wallet_token = world.gateway.register_device("prod", world.phone.device_id, "com.example.wallet", "production")
    world.hub.set_online(world.phone.device_id, False)

    first = await world.send(payload=alert("first"))
    second = await world.send(payload=alert("second"))
    wallet = await world.send(token=wallet_token, payload=alert("wallet"), apns_topic="com.example.wallet")
    assert {first.status, second.status, wallet.status} == {200}
    assert world.phone.received == []
    assert [d.payload["aps"]["alert"] for d in world.gateway.stored(world.phone.device_id)] == ["second", "wallet"]
    assert world.gateway.calls.get(second.apns_id).delivered is False  # type: ignore[union-attr]

    world.hub.set_online(world.phone.device_id, True)

    assert [d.payload["aps"]["alert"] for d in world.phone.received] == ["second", "wallet"]
    assert world.gateway.stored(world.phone.device_id) == []
    assert world.gateway.calls.get(first.apns_id).delivered is False  # type: ignore[union-attr]
    assert world.gateway.calls.get(second.apns_id).delivered is True  # type: ignore[union-attr]


async def test_a_stored_notification_is_dropped_after_its_expiration(world: World) -> None:
    world.hub.set_online(world.phone.device_id, False)
    now = int(world.clock.timestamp())
    await world.send(payload=alert("short-lived"), apns_expiration=str(now + 60))

    await world.clock.advance(120)
    world.hub.set_online(world.phone.device_id, True)

    assert world.phone.received == []


async def test_a_stored_notification_is_delivered_before_its_expiration(world: World) -> None:
    world.hub.set_online(world.phone.device_id, False)
    now = int(world.clock.timestamp())
    await world.send(payload=alert("long-lived"), apns_expiration=str(now + 3600))

    await world.clock.advance(600)
    world.hub.set_online(world.phone.device_id, True)

    assert [d.payload["aps"]["alert"] for d in world.phone.received] == ["long-lived"]


async def test_expiration_zero_is_never_stored(world: World) -> None:
    world.hub.set_online(world.phone.device_id, False)

    answer = await world.send(payload=alert("now or never"), apns_expiration="0")
    world.hub.set_online(world.phone.device_id, True)

    assert answer.status == 200
    assert world.phone.received == []


async def test_expiration_zero_reaches_an_online_phone(world: World) -> None:
    answer = await world.send(payload=alert("now"), apns_expiration="0")

    assert answer.status == 200
    assert [d.payload["aps"]["alert"] for d in world.phone.received] == ["now"]


async def test_a_stored_notification_for_an_uninstalled_app_is_dropped(world: World) -> None:
    world.hub.set_online(world.phone.device_id, False)
    await world.send(payload=alert("too late"))

    world.gateway.unregister_device(world.token)
    world.hub.set_online(world.phone.device_id, True)

    assert world.phone.received == []


# -- fault injection ---------------------------------------------------------------------------------------------


async def test_a_fault_answers_with_its_reason_for_its_number_of_times(world: World) -> None:
    world.gateway.faults.add(FaultRule(error="TooManyRequests", status=429, times=2))

    answers = [await world.send() for _ in range(3)]

    assert [(a.status, a.reason) for a in answers] == [(429, "TooManyRequests")] * 2 + [(200, None)]
    assert len(world.phone.received) == 1


async def test_an_unregistered_fault_carries_a_timestamp(world: World) -> None:
    world.gateway.faults.add(FaultRule(error="Unregistered", status=410, token=world.token))

    answer = await world.send()

    assert answer.body == {"reason": "Unregistered", "timestamp": int(world.clock.timestamp() * 1000)}


async def test_a_fault_for_another_topic_does_not_fire(world: World) -> None:
    world.gateway.faults.add(FaultRule(error="InternalServerError", status=500, topic="com.example.wallet"))

    assert (await world.send()).status == 200


async def test_fault_probability_is_seeded() -> None:
    runs: list[list[int]] = []
    for _ in range(2):
        world = make_world(seed="chaos")
        world.gateway.faults.add(FaultRule(error="ServiceUnavailable", status=503, probability=0.3))
        runs.append([(await world.send()).status for _ in range(200)])

    assert runs[0] == runs[1]
    failures = runs[0].count(503)
    assert 30 <= failures <= 90
    assert runs[0].count(200) == 200 - failures


# -- recording and reset -----------------------------------------------------------------------------------------


async def test_every_request_is_recorded_with_its_answer(world: World) -> None:
    accepted = await world.send(apns_id="0a1b2c3d-0000-4000-8000-000000000001")
    refused = await world.send(authorization=None)

    calls = world.gateway.calls.calls
    assert [c.status for c in calls] == [200, 403]
    first, second = calls
    assert (first.id, first.token, first.sandbox, first.reason, first.delivered) == (
        accepted.apns_id,
        world.token,
        "prod",
        None,
        True,
    )
    assert first.headers["apns-topic"] == TOPIC
    assert "authorization" not in first.headers
    assert first.body == {"aps": {"alert": {"title": "Hi", "body": "There"}}}
    assert (second.id, second.reason, second.response, second.sandbox) == (
        refused.apns_id,
        "MissingProviderToken",
        {"reason": "MissingProviderToken"},
        "prod",
    )
    assert world.gateway.calls.get("latest") is second
    assert world.gateway.calls.query(status=200) == [first]


async def test_reset_forgets_calls_faults_and_stored_notifications(world: World) -> None:
    world.hub.set_online(world.phone.device_id, False)
    await world.send()
    world.gateway.faults.add(FaultRule(error="Shutdown", status=503))

    world.gateway.reset()
    world.hub.set_online(world.phone.device_id, True)

    assert len(world.gateway.calls) == 0
    assert world.gateway.faults.rules == []
    assert world.phone.received == []
    assert (await world.send()).status == 200


async def test_closing_a_sandbox_forgets_its_keys_tokens_and_calls(world: World) -> None:
    world.sandboxes.open("scenario-7")
    grant = world.gateway.register_key("scenario-7", TEAM, [TOPIC])
    phone = FakePhone("iphone-7", sandbox="scenario-7")
    world.hub.attach(phone)
    token = world.gateway.register_device("scenario-7", phone.device_id, TOPIC, "production")
    clock = world.sandboxes.get("scenario-7").clock
    bearer = "bearer " + jwt.encode(
        {"iss": TEAM, "iat": int(clock.timestamp())},
        grant.private_key_pem,
        algorithm="ES256",
        headers={"kid": grant.key_id},
    )
    assert (await world.send(token=token, authorization=bearer)).status == 200

    world.sandboxes.close("scenario-7")

    assert world.gateway.device_token(token) is None
    assert world.gateway.calls.query(sandbox="scenario-7") == []
    assert (await world.send(token=token, authorization=bearer)).reason == "InvalidProviderToken"
    assert (await world.send()).status == 200


# -- errors ------------------------------------------------------------------------------------------------------


def test_every_reason_has_apples_status_and_retry_rule() -> None:
    final = ["BadDeviceToken", "DeviceTokenNotForTopic", "Forbidden", "Unregistered", "ExpiredToken", "PayloadTooLarge"]
    retried = [
        "TooManyRequests",
        "TooManyProviderTokenUpdates",
        "InternalServerError",
        "ServiceUnavailable",
        "Shutdown",
    ]

    assert {reason: ApnsError(reason).status for reason in ("BadPath", "MethodNotAllowed", "Unregistered")} == {
        "BadPath": 404,
        "MethodNotAllowed": 405,
        "Unregistered": 410,
    }
    assert all(ApnsError(reason).status == status for reason, status in REASONS.items())
    assert not any(ApnsError(reason).retryable for reason in final)
    assert all(ApnsError(reason).retryable for reason in retried)
    assert ApnsError("Unregistered", timestamp_ms=1234).to_body() == {"reason": "Unregistered", "timestamp": 1234}
    assert ApnsError("BadTopic").to_body() == {"reason": "BadTopic"}
    assert ApnsError("CustomOutage", 502).status == 502
    with pytest.raises(ValueError, match="unknown APNs reason"):
        ApnsError("CustomOutage")
