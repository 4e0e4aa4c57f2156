"""Real clients against the fake APNs on a loopback HTTP/2 port: aioapns, httpx (h2c) and a bare h2 client."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from aioapns import APNs, NotificationRequest
from fakes import RecordingPhone as FakePhone
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import ConnectionTerminated, DataReceived, Event, ResponseReceived, StreamEnded

from simulator.clock import VirtualClock
from simulator.devices.hub import DeviceHub
from simulator.gateways.apns import ApnsGateway, ProviderKeyGrant, create_app, serve_h2
from simulator.sandboxes import Sandboxes

pytestmark = [pytest.mark.network, pytest.mark.anyio]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "apns"
TOPIC = "com.example.journeys"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


@dataclass
class Served:
    gateway: ApnsGateway
    server: asyncio.Server
    port: int
    grant: ProviderKeyGrant
    phone: FakePhone
    token: str
    sandboxes: Sandboxes

    def bearer(self) -> str:
        iat = int(self.sandboxes.get("prod").clock.timestamp())
        signed = jwt.encode(
            {"iss": self.grant.team_id, "iat": iat},
            self.grant.private_key_pem,
            algorithm="ES256",
            headers={"kid": self.grant.key_id},
        )
        return "bearer " + signed


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    # Real clients sign their provider tokens with wall time, so this sandbox's virtual clock starts there.
    sandboxes = Sandboxes(clock_factory=lambda: VirtualClock(start=time.time()))
    hub = DeviceHub(sandboxes)
    gateway = ApnsGateway(sandboxes, hub)
    grant = gateway.register_key("prod", "TEAM4JRNYS", [TOPIC])
    phone = FakePhone("iphone-1")
    hub.attach(phone)
    token = gateway.register_device("prod", phone.device_id, TOPIC, "production")
    server = await serve_h2(create_app(gateway), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Served(gateway, server, port, grant, phone, token, sandboxes)
    finally:
        server.close()
        await server.wait_closed()


def aioapns_client(served: Served, port: int | None = None, *, use_sandbox: bool = False) -> APNs:
    """The official client, pointed at the fake: its protocol class names host and port; no TLS (h2c)."""
    client = APNs(
        key=served.grant.private_key_pem,
        key_id=served.grant.key_id,
        team_id=served.grant.team_id,
        topic=TOPIC,
        use_sandbox=use_sandbox,
    )
    client.pool.protocol_class = type(
        "LocalApnsProtocol",
        (client.pool.protocol_class,),
        {"APNS_SERVER": "127.0.0.1", "APNS_PORT": port or served.port},
    )
    client.pool.ssl_context = None
    return client


async def close_aioapns(client: APNs) -> None:
    client.pool.close()
    await asyncio.sleep(0)


# -- aioapns -----------------------------------------------------------------------------------------------------


async def test_aioapns_delivers_to_the_phone(served: Served) -> None:
    recorded = load("alert_push.json")
    client = aioapns_client(served)
    try:
        result = await client.send_notification(
            NotificationRequest(device_token=served.token, message=recorded["request"]["payload"], priority=10)
        )
    finally:
        await close_aioapns(client)

    assert result.is_successful, (result.status, result.description)
    assert [d.payload for d in served.phone.received] == [recorded["request"]["payload"]]
    assert served.phone.received[0].message_id == result.notification_id
    assert served.gateway.calls.get(result.notification_id) is not None


async def test_aioapns_sees_bad_device_token(served: Served) -> None:
    recorded = load("bad_device_token.json")
    client = aioapns_client(served)
    try:
        result = await client.send_notification(
            NotificationRequest(device_token=recorded["request"]["token"], message=recorded["request"]["payload"])
        )
    finally:
        await close_aioapns(client)

    assert result.status == str(recorded["answer"]["status"])
    assert result.description == recorded["answer"]["body"]["reason"]
    assert served.phone.received == []


async def test_aioapns_sees_unregistered_with_timestamp(served: Served) -> None:
    served.gateway.unregister_device(served.token)
    unregistered_at = served.gateway.device_token(served.token).unregistered_at_ms  # type: ignore[union-attr]
    client = aioapns_client(served)
    try:
        result = await client.send_notification(
            NotificationRequest(device_token=served.token, message=load("unregistered.json")["request"]["payload"])
        )
    finally:
        await close_aioapns(client)

    assert (result.status, result.description, result.timestamp) == ("410", "Unregistered", unregistered_at)


async def test_aioapns_fans_out_over_many_concurrent_streams(served: Served) -> None:
    sandbox_token = served.gateway.register_device("prod", served.phone.device_id, TOPIC, "sandbox")
    tokens = [served.token, sandbox_token]
    client = aioapns_client(served)
    try:
        results = await asyncio.gather(
            *(
                client.send_notification(NotificationRequest(device_token=tokens[i % 2], message={"aps": {"badge": i}}))
                for i in range(600)
            )
        )
    finally:
        await close_aioapns(client)

    assert sum(r.is_successful for r in results) == 300
    assert {r.description for r in results if not r.is_successful} == {"BadDeviceToken"}  # sandbox token, prod host
    assert sorted(d.payload["aps"]["badge"] for d in served.phone.received) == list(range(0, 600, 2))


async def test_aioapns_reaches_the_sandbox_environment_on_its_own_port(served: Served) -> None:
    sandbox_token = served.gateway.register_device("prod", served.phone.device_id, TOPIC, "sandbox")
    sandbox_server = await serve_h2(create_app(served.gateway, environment="sandbox"), "127.0.0.1", 0)
    client = aioapns_client(served, sandbox_server.sockets[0].getsockname()[1], use_sandbox=True)
    try:
        to_sandbox = await client.send_notification(
            NotificationRequest(device_token=sandbox_token, message={"aps": {"alert": "dev build"}})
        )
        production_token = await client.send_notification(
            NotificationRequest(device_token=served.token, message={"aps": {"alert": "store build"}})
        )
    finally:
        await close_aioapns(client)
        sandbox_server.close()
        await sandbox_server.wait_closed()

    assert to_sandbox.is_successful
    assert (production_token.status, production_token.description) == ("400", "BadDeviceToken")
    assert [d.token for d in served.phone.received] == [sandbox_token]


# -- httpx over h2c ----------------------------------------------------------------------------------------------


@pytest.fixture
async def h2c(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(http1=False, http2=True, base_url=f"http://127.0.0.1:{served.port}") as client:
        yield client


async def test_httpx_h2c_sends_with_a_jwt(served: Served, h2c: httpx.AsyncClient) -> None:
    recorded = load("alert_push.json")
    headers = {**recorded["request"]["headers"], "authorization": served.bearer()}

    answer = await h2c.post(f"/3/device/{served.token}", headers=headers, json=recorded["request"]["payload"])

    assert answer.http_version == "HTTP/2"
    assert answer.status_code == recorded["answer"]["status"]
    assert answer.headers["apns-id"] == recorded["answer"]["headers"]["apns-id"]
    assert answer.content == b""
    assert len(served.phone.received) == 1


async def test_httpx_h2c_without_authorization_is_missing_provider_token(
    served: Served, h2c: httpx.AsyncClient
) -> None:
    recorded = load("missing_provider_token.json")

    answer = await h2c.post(
        f"/3/device/{served.token}", headers=recorded["request"]["headers"], json=recorded["request"]["payload"]
    )

    assert (answer.status_code, answer.json()) == (recorded["answer"]["status"], recorded["answer"]["body"])
    assert served.phone.received == []


async def test_httpx_h2c_payload_over_4096_bytes_is_too_large(served: Served, h2c: httpx.AsyncClient) -> None:
    recorded = load("payload_too_large.json")
    body = json.dumps(recorded["request"]["payload"], separators=(",", ":")).encode()
    headers = {**recorded["request"]["headers"], "authorization": served.bearer()}

    answer = await h2c.post(f"/3/device/{served.token}", headers=headers, content=body)

    assert len(body) > 4096
    assert (answer.status_code, answer.json()) == (recorded["answer"]["status"], recorded["answer"]["body"])


async def test_a_large_sim_listing_crosses_flow_control_windows(served: Served, h2c: httpx.AsyncClient) -> None:
    headers = {"authorization": served.bearer(), "apns-topic": TOPIC}
    filler = "x" * 1500
    for i in range(120):
        await h2c.post(f"/3/device/{served.token}", headers=headers, json={"aps": {"alert": filler}, "n": i})

    listing = await h2c.get("/_sim/notifications")

    assert len(listing.content) > 3 * 65_535
    assert [n["body"]["n"] for n in listing.json()["notifications"]] == list(range(120))


# -- the wire, frame by frame ------------------------------------------------------------------------------------


class BareH2Client:
    """A minimal h2 client that keeps every event, to check what frames the server sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.conn = H2Connection(H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.writer.write(self.conn.data_to_send())

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> list[Event]:
        stream_id = self.conn.get_next_available_stream_id()
        request = [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "api.push.apple.com")]
        self.conn.send_headers(stream_id, [*request, *headers.items()])
        self.conn.send_data(stream_id, body, end_stream=True)
        self.writer.write(self.conn.data_to_send())
        events: list[Event] = []
        while not any(isinstance(e, StreamEnded) and e.stream_id == stream_id for e in events):
            events += await self.read()
        return [e for e in events if getattr(e, "stream_id", None) == stream_id]

    async def read(self) -> list[Event]:
        data = await asyncio.wait_for(self.reader.read(65_536), timeout=5)
        if not data:
            raise ConnectionError("closed")
        events = self.conn.receive_data(data)
        self.writer.write(self.conn.data_to_send())
        return events


async def test_success_is_one_headers_frame_and_an_error_one_data_frame(served: Served) -> None:
    client = BareH2Client(*await asyncio.open_connection("127.0.0.1", served.port))
    headers = {"authorization": served.bearer(), "apns-topic": TOPIC, "apns-id": str(uuid.uuid4())}
    try:
        accepted = await client.post(f"/3/device/{served.token}", headers, b'{"aps":{"alert":"hi"}}')
        refused = await client.post(f"/3/device/{served.token}", {"apns-topic": TOPIC}, b'{"aps":{"alert":"hi"}}')
    finally:
        client.writer.close()

    assert [type(e) for e in accepted] == [ResponseReceived, StreamEnded]
    assert dict(accepted[0].headers)[":status"] == "200"  # type: ignore[attr-defined]
    assert dict(accepted[0].headers)["apns-id"] == headers["apns-id"]  # type: ignore[attr-defined]
    assert [type(e) for e in refused] == [ResponseReceived, DataReceived, StreamEnded]
    assert json.loads(refused[1].data) == {"reason": "MissingProviderToken"}  # type: ignore[attr-defined]


async def test_closing_the_server_says_goaway(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    client = BareH2Client(reader, writer)
    await client.post(f"/3/device/{served.token}", {"apns-topic": TOPIC}, b"{}")

    served.server.close()
    events: list[Event] = []
    try:
        while True:
            events += await client.read()
    except ConnectionError:
        pass
    finally:
        writer.close()

    goodbyes = [e for e in events if isinstance(e, ConnectionTerminated)]
    assert len(goodbyes) == 1
    assert goodbyes[0].error_code == 0


async def serve_app(app: Any) -> tuple[asyncio.Server, BareH2Client]:
    server = await serve_h2(app, "127.0.0.1", 0)
    client = BareH2Client(*await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1]))
    return server, client


async def test_a_streamed_body_never_ends_on_an_empty_data_frame() -> None:
    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for chunk in (b"a", b"", b"b"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    server, client = await serve_app(streaming)
    try:
        events = await client.post("/", {}, b"")
    finally:
        client.writer.close()
        server.close()

    data = [e.data for e in events if isinstance(e, DataReceived)]
    assert data == [b"a", b"b"]
    assert isinstance(events[-1], StreamEnded)


async def test_a_failing_app_answers_500_and_the_connection_lives_on() -> None:
    async def fragile(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/boom":
            raise RuntimeError("app bug")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    server, client = await serve_app(fragile)
    try:
        failed = await client.post("/boom", {}, b"")
        fine = await client.post("/ok", {}, b"")
    finally:
        client.writer.close()
        server.close()

    assert [type(e) for e in failed] == [ResponseReceived, StreamEnded]
    assert dict(failed[0].headers)[":status"] == "500"  # type: ignore[attr-defined]
    assert dict(fine[0].headers)[":status"] == "204"  # type: ignore[attr-defined]


async def test_a_stream_reset_by_the_client_does_not_disturb_the_others(served: Served) -> None:
    client = BareH2Client(*await asyncio.open_connection("127.0.0.1", served.port))
    abandoned = client.conn.get_next_available_stream_id()
    request = [(":method", "POST"), (":scheme", "http"), (":path", f"/3/device/{served.token}")]
    client.conn.send_headers(abandoned, [*request, (":authority", "api.push.apple.com"), ("apns-topic", TOPIC)])
    client.conn.reset_stream(abandoned)
    client.writer.write(client.conn.data_to_send())
    try:
        after = await client.post(
            f"/3/device/{served.token}", {"authorization": served.bearer(), "apns-topic": TOPIC}, b"{}"
        )
    finally:
        client.writer.close()

    assert dict(after[0].headers)[":status"] == "200"  # type: ignore[attr-defined]
    assert len(served.phone.received) == 1
