"""The fake APNs over ASGI: Apple's route and answers, and the `/_sim/` routes, through httpx.ASGITransport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fakes import RecordingPhone as FakePhone

from simulator.devices.hub import DeviceHub
from simulator.gateways.apns import ApnsGateway, create_app
from simulator.sandboxes import Sandboxes

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "apns"
TOPIC = "com.example.journeys"


@dataclass
class Served:
    gateway: ApnsGateway
    client: httpx.AsyncClient
    phone: FakePhone
    sandboxes: Sandboxes

    async def grant(self) -> dict[str, Any]:
        answer = await self.client.post(
            "/_sim/keys", json={"sandbox": "prod", "team_id": "TEAM4JRNYS", "topics": [TOPIC]}
        )
        assert answer.status_code == 201
        grant: dict[str, Any] = answer.json()
        return grant

    async def token(self, environment: str = "production") -> str:
        body = {"sandbox": "prod", "device_id": self.phone.device_id, "bundle_id": TOPIC, "environment": environment}
        answer = await self.client.post("/_sim/devices", json=body)
        assert answer.status_code == 201
        return str(answer.json()["token"])

    def bearer(self, grant: dict[str, Any]) -> str:
        iat = int(self.sandboxes.get("prod").clock.timestamp())
        signed = jwt.encode(
            {"iss": grant["team_id"], "iat": iat},
            grant["private_key_pem"],
            algorithm="ES256",
            headers={"kid": grant["key_id"]},
        )
        return "bearer " + signed


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    sandboxes = Sandboxes()
    hub = DeviceHub(sandboxes)
    gateway = ApnsGateway(sandboxes, hub)
    phone = FakePhone("iphone-1")
    hub.attach(phone)
    transport = httpx.ASGITransport(app=create_app(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.push.apple.com") as client:
        yield Served(gateway, client, phone, sandboxes)


async def test_a_signed_push_is_delivered_and_answered_with_an_empty_200(served: Served) -> None:
    recorded = json.loads((FIXTURES / "alert_push.json").read_text())
    grant, token = await served.grant(), await served.token()
    headers = {**recorded["request"]["headers"], "authorization": served.bearer(grant)}

    answer = await served.client.post(f"/3/device/{token}", headers=headers, json=recorded["request"]["payload"])

    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["apns-id"] == recorded["answer"]["headers"]["apns-id"]
    assert [d.payload for d in served.phone.received] == [recorded["request"]["payload"]]


async def test_the_host_chooses_the_environment_and_a_header_overrides_it(served: Served) -> None:
    grant, token = await served.grant(), await served.token(environment="sandbox")
    headers = {"authorization": served.bearer(grant), "apns-topic": TOPIC}
    body = {"aps": {"alert": "dev build"}}

    production = await served.client.post(f"/3/device/{token}", headers=headers, json=body)
    development = await served.client.post(
        f"http://api.development.push.apple.com/3/device/{token}", headers=headers, json=body
    )
    overridden = await served.client.post(
        f"/3/device/{token}", headers={**headers, "x-mjlab-apns-environment": "sandbox"}, json=body
    )

    assert (production.status_code, production.json()) == (400, {"reason": "BadDeviceToken"})
    assert development.status_code == 200
    assert overridden.status_code == 200


async def test_missing_provider_token_over_http(served: Served) -> None:
    recorded = json.loads((FIXTURES / "missing_provider_token.json").read_text())
    token = await served.token()

    answer = await served.client.post(
        f"/3/device/{token}", headers=recorded["request"]["headers"], json=recorded["request"]["payload"]
    )

    assert (answer.status_code, answer.json()) == (recorded["answer"]["status"], recorded["answer"]["body"])
    assert answer.headers["apns-id"]


async def test_a_repeated_apns_header_is_duplicate_headers(served: Served) -> None:
    grant, token = await served.grant(), await served.token()
    headers = [("authorization", served.bearer(grant)), ("apns-topic", TOPIC), ("apns-topic", TOPIC)]

    answer = await served.client.post(f"/3/device/{token}", headers=headers, json={"aps": {}})

    assert (answer.status_code, answer.json()) == (400, {"reason": "DuplicateHeaders"})


async def test_wrong_method_and_unknown_paths_get_apples_reasons(served: Served) -> None:
    wrong_method = await served.client.get("/3/device/" + "a" * 64)
    unknown = await served.client.post("/4/device/abc", json={})
    no_token = await served.client.post("/3/device/", json={"aps": {}})

    assert (wrong_method.status_code, wrong_method.json()) == (405, {"reason": "MethodNotAllowed"})
    assert (unknown.status_code, unknown.json()) == (404, {"reason": "BadPath"})
    assert (no_token.status_code, no_token.json()) == (400, {"reason": "MissingDeviceToken"})


async def test_unregistering_over_sim_gives_410_with_timestamp(served: Served) -> None:
    grant, token = await served.grant(), await served.token()

    removed = await served.client.delete(f"/_sim/devices/{token}")
    answer = await served.client.post(
        f"/3/device/{token}", headers={"authorization": served.bearer(grant), "apns-topic": TOPIC}, json={"aps": {}}
    )
    unknown = await served.client.delete("/_sim/devices/" + "0" * 64)

    assert removed.status_code == 200
    assert answer.status_code == 410
    assert answer.json() == {"reason": "Unregistered", "timestamp": removed.json()["unregistered_at"]}
    assert unknown.status_code == 404


async def test_notifications_are_listed_filtered_fetched_and_cleared(served: Served) -> None:
    grant, token = await served.grant(), await served.token()
    headers = {"authorization": served.bearer(grant), "apns-topic": TOPIC}
    ok = await served.client.post(f"/3/device/{token}", headers=headers, json={"aps": {"alert": "one"}})
    await served.client.post(f"/3/device/{token}", headers={"apns-topic": TOPIC}, json={"aps": {"alert": "two"}})

    everything = (await served.client.get("/_sim/notifications")).json()
    accepted = (await served.client.get("/_sim/notifications", params={"status": 200, "topic": TOPIC})).json()
    elsewhere = (await served.client.get("/_sim/notifications", params={"sandbox": "other"})).json()
    latest = (await served.client.get("/_sim/notifications/latest")).json()
    by_id = (await served.client.get(f"/_sim/notifications/{ok.headers['apns-id']}")).json()
    cleared = (await served.client.delete("/_sim/notifications", params={"sandbox": "prod"})).json()
    missing = await served.client.get("/_sim/notifications/latest")

    assert everything["total"] == 2
    assert [n["body"] for n in accepted["notifications"]] == [{"aps": {"alert": "one"}}]
    assert elsewhere == {"notifications": [], "total": 0}
    assert (latest["status"], latest["reason"]) == (403, "MissingProviderToken")
    assert (by_id["status"], by_id["token"], by_id["delivered"]) == (200, token, True)
    assert cleared == {"deleted": 2}
    assert missing.status_code == 404
    assert "detail" in missing.json()


async def test_faults_are_added_listed_validated_and_cleared(served: Served) -> None:
    grant, token = await served.grant(), await served.token()
    rule = {"error": "ServiceUnavailable", "status": 503, "times": 1}

    added = await served.client.post("/_sim/faults", json=rule)
    listed = (await served.client.get("/_sim/faults")).json()
    failed = await served.client.post(
        f"/3/device/{token}", headers={"authorization": served.bearer(grant), "apns-topic": TOPIC}, json={"aps": {}}
    )
    invalid = await served.client.post("/_sim/faults", json={"error": "Shutdown", "status": 503, "probability": 2})
    cleared = (await served.client.delete("/_sim/faults")).json()

    assert added.status_code == 201
    assert [(f["error"], f["times"]) for f in listed["faults"]] == [("ServiceUnavailable", 1)]
    assert (failed.status_code, failed.json()) == (503, {"reason": "ServiceUnavailable"})
    assert invalid.status_code == 422
    assert [problem["loc"] for problem in invalid.json()["detail"]] == [["body", "probability"]]
    assert cleared == {"deleted": 1}
    assert served.gateway.faults.rules == []


async def test_sim_bodies_are_validated_and_unknown_sandboxes_are_404(served: Served) -> None:
    no_topics = await served.client.post("/_sim/keys", json={"sandbox": "prod", "team_id": "T", "topics": []})
    not_json = await served.client.post("/_sim/devices", content=b"{", headers={"content-type": "application/json"})
    unknown = await served.client.post("/_sim/keys", json={"sandbox": "nowhere", "team_id": "T", "topics": [TOPIC]})
    bad_env = await served.client.post(
        "/_sim/devices", json={"sandbox": "prod", "device_id": "d", "bundle_id": TOPIC, "environment": "staging"}
    )

    assert no_topics.status_code == 422
    assert no_topics.json()["detail"][0]["loc"] == ["body", "topics"]
    assert not_json.status_code == 422
    assert unknown.status_code == 404
    assert bad_env.status_code == 422
    assert bad_env.json()["detail"][0]["loc"] == ["body", "environment"]


async def test_health(served: Served) -> None:
    answer = await served.client.get("/_sim/health")

    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "service": "apns"})
