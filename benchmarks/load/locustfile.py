"""Locust users that are phones: each launches the app, sends SDK events, refreshes its push token and taps what
it receives, against a served stack. Run by `mjlab load` (which provisions the sandbox, the app and the campaign
and passes them in `$MJLAB_LOAD`); never imported by the project itself (Locust patches the standard library with
gevent on import).

A phone starts as the mobile SDK does: its person's profile is imported (`POST /profiles`, with marketing push
consent), it joins this process's device link (one websocket per Locust process, `{core}/_sim/devices/link`, as
the harness's phones do), asks its push service for a token (`POST {apns_http1|fcm}/_sim/devices`), then sends
its push identifier to the platform's Edge endpoint (`POST /ee/v2/interact`). Then, at a person's pace: events
(`commerce.productViews`), launches (the SDK sends the identifier again), token refreshes (a new token asked for
and sent), and taps on received notifications (`pushTracking.applicationOpened`, with the tracking block the
notification carried).

Every Locust process (the single one, or each worker) triggers the campaign to the phones it runs every
`campaign_every` seconds, so deliveries flow. Each delivery a phone receives over the link is acknowledged and
counted as a Locust request of type `PUSH` ("delivery received (apns|fcm)"); its response time is the latency from
the gateway's acceptance to the phone, when the server runs on the system clock (0 on a virtual clock).
"""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid
from collections import deque
from typing import Any

import gevent  # type: ignore[import-untyped]
import websocket
from gevent.event import AsyncResult  # type: ignore[import-untyped]
from gevent.lock import Semaphore  # type: ignore[import-untyped]
from locust import FastHttpUser, between, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

CONFIG: dict[str, Any] = json.loads(os.environ.get("MJLAB_LOAD", "{}"))
ENDPOINTS: dict[str, str] = CONFIG.get("endpoints", {})
SANDBOX: str = CONFIG.get("sandbox", "prod")
APP_ID: str = CONFIG.get("app_id", "com.load.shop")
SENDER: str = CONFIG.get("sender", "")
CAMPAIGN: str = CONFIG.get("campaign_id", "")
CAMPAIGN_EVERY: float = float(CONFIG.get("campaign_every", 5.0))
VIRTUAL_CLOCK: bool = bool(CONFIG.get("virtual_clock", False))
HEADERS = {"x-sandbox-name": SANDBOX}
#: Recipients per trigger request.
TRIGGER_BATCH = 1000
REPLY_TIMEOUT = 30.0

#: The emails of the phones this process runs that have launched: the campaign's recipients.
LAUNCHED: set[str] = set()
_alternate = itertools.count()


class DeviceLink:
    """This process's websocket to the device link: attaches phones, takes their deliveries, acknowledges them."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.url = ENDPOINTS["core"].replace("http", "ws", 1) + "/_sim/devices/link"
        self.phones: dict[str, PhoneUser] = {}
        self.replies: dict[int, AsyncResult] = {}
        self.rids = itertools.count(1)
        self.send_lock = Semaphore()
        self.socket = websocket.create_connection(self.url, enable_multithread=False)
        self.reader = gevent.spawn(self._read)

    def _send(self, frame: dict[str, Any]) -> None:
        with self.send_lock:
            self.socket.send(json.dumps(frame, separators=(",", ":")))

    def request(self, frame: dict[str, Any], name: str) -> None:
        """Send a frame that the server answers (`ok` or `error`), timed as a Locust request of type LINK."""
        rid = next(self.rids)
        reply = self.replies[rid] = AsyncResult()
        started = time.perf_counter()
        error: Exception | None = None
        try:
            self._send({**frame, "rid": rid})
            answer = reply.get(timeout=REPLY_TIMEOUT)
            if answer.get("op") == "error":
                error = RuntimeError(str(answer.get("message")))
        except Exception as failure:  # a timeout or a closed socket: counted as a failed LINK request
            error = failure
        finally:
            self.replies.pop(rid, None)
        self.environment.events.request.fire(  # type: ignore[no-untyped-call]
            request_type="LINK", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=0, exception=error, context={},
        )  # fmt: skip

    def attach(self, phone: PhoneUser) -> None:
        """Make a phone reachable by the gateways."""
        self.phones[phone.device_id] = phone
        self.request({"op": "attach", "device_id": phone.device_id, "sandbox": SANDBOX, "online": True}, "attach")

    def detach(self, phone: PhoneUser) -> None:
        """Forget a phone."""
        self.phones.pop(phone.device_id, None)
        self.request({"op": "detach", "device_id": phone.device_id}, "detach")

    def _read(self) -> None:
        while True:
            try:
                frame = json.loads(self.socket.recv())
            except Exception:  # the socket closed: the process is ending
                return
            op = frame.get("op")
            if op == "deliver":
                self._deliver(frame["items"])
            elif op in ("ok", "error"):
                reply = self.replies.get(int(frame.get("rid") or 0))
                if reply is not None:
                    reply.set(frame)

    def _deliver(self, items: list[dict[str, Any]]) -> None:
        now = time.time()
        for item in items:
            delivery = item["delivery"]
            phone = self.phones.get(item["device_id"])
            if phone is not None:
                phone.receive(delivery)
            latency = 0.0 if VIRTUAL_CLOCK else max(0.0, (now - float(delivery["sent_at"])) * 1000)
            self.environment.events.request.fire(  # type: ignore[no-untyped-call]
                request_type="PUSH", name=f"delivery received ({delivery['provider']})", response_time=latency,
                response_length=0, exception=None if phone is not None else LookupError("no such phone here"),
                context={},
            )  # fmt: skip
        self._send({"op": "ack", "seqs": [item["seq"] for item in items]})


_link: DeviceLink | None = None
_link_lock = Semaphore()


def device_link(environment: Environment) -> DeviceLink:
    """This process's device link, opened by its first phone."""
    global _link
    with _link_lock:
        if _link is None:
            _link = DeviceLink(environment)
        return _link


def _tracking(delivery: dict[str, Any]) -> dict[str, Any]:
    """The `cjm` tracking block a notification carries (APNs: a JSON object; FCM: a JSON string in `data`)."""
    payload = delivery.get("payload") or {}
    raw = payload.get("_xdm") if delivery.get("provider") == "apns" else (payload.get("data") or {}).get("_xdm")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    cjm = raw.get("cjm") if isinstance(raw, dict) else None
    return dict(cjm) if isinstance(cjm, dict) else {}


class PhoneUser(FastHttpUser):
    """One phone with the app installed, used by one person."""

    host = ENDPOINTS.get("core")
    wait_time = between(1, 3)

    def on_start(self) -> None:
        """First launch: profile imported, link attached, token issued, push identifier sent."""
        self.device_id = f"{SANDBOX}/load-{uuid.uuid4().hex[:16]}"
        self.ios = next(_alternate) % 2 == 0
        self.ecid = f"{uuid.uuid4().int % 10**38:038d}"
        self.email = f"{self.device_id.rsplit('/', 1)[-1]}@load.example"
        self.inbox: deque[tuple[str, str, dict[str, Any]]] = deque(maxlen=16)
        self.token = ""
        profile = {"identities": {"email": self.email}, "consents": {"marketing": {"push": {"val": "y"}}}}
        self.client.post("/profiles", json=profile, headers=HEADERS, name="POST /profiles")
        device_link(self.environment).attach(self)
        self.token = self._issue_token()
        self._launch()
        LAUNCHED.add(self.email)

    def on_stop(self) -> None:
        """The phone leaves: no more campaigns to it, detached from the link."""
        LAUNCHED.discard(self.email)
        if _link is not None:
            _link.detach(self)

    @task(6)
    def send_event(self) -> None:
        """The person looks at a product: an SDK event."""
        event = {"xdm": {"eventType": "commerce.productViews", "identityMap": self._identity_map()}}
        self.client.post(
            "/ee/v2/interact", json={"events": [event]}, headers=HEADERS, name="POST /ee/v2/interact (event)"
        )

    @task(2)
    def launch(self) -> None:
        """The app comes back to the foreground: the SDK sends the push identifier again."""
        self._launch()

    @task(1)
    def refresh_token(self) -> None:
        """The push service hands out a token again (a new one on Android), and the SDK sends it."""
        self.token = self._issue_token()
        self._launch()

    @task(3)
    def tap(self) -> None:
        """The person taps the latest notification received, if any: the SDK tracks the open."""
        if not self.inbox:
            return
        message_id, provider, cjm = self.inbox.pop()
        xdm = {
            "eventType": "pushTracking.applicationOpened",
            "identityMap": self._identity_map(),
            "pushNotificationTracking": {"pushProviderMessageID": message_id, "pushProvider": provider},
            "application": {"launches": {"value": 1}},
            **cjm,
        }
        self.client.post(
            "/ee/v2/interact", json={"events": [{"xdm": xdm}]}, headers=HEADERS, name="POST /ee/v2/interact (tap)"
        )

    def receive(self, delivery: dict[str, Any]) -> None:
        """A notification arrived over the link: it waits in the notification centre to be tapped."""
        self.inbox.append((str(delivery["message_id"]), str(delivery["provider"]), _tracking(delivery)))

    def _identity_map(self) -> dict[str, list[dict[str, Any]]]:
        return {"ECID": [{"id": self.ecid, "primary": True}], "email": [{"id": self.email}]}

    def _issue_token(self) -> str:
        if self.ios:
            body = {"sandbox": SANDBOX, "device_id": self.device_id, "bundle_id": APP_ID, "environment": "production"}
            url, name = ENDPOINTS["apns_http1"] + "/_sim/devices", "POST apns /_sim/devices"
        else:
            body = {"sandbox": SANDBOX, "device_id": self.device_id, "package": APP_ID, "project_id": SENDER}
            url, name = ENDPOINTS["fcm"] + "/_sim/devices", "POST fcm /_sim/devices"
        with self.client.post(url, json=body, name=name, catch_response=True) as response:
            token = (response.json() or {}).get("token") if response.ok else None
            if not token:
                response.failure(f"no token: {response.status_code}")
                return self.token
            return str(token)

    def _launch(self) -> None:
        detail = {
            "appID": APP_ID,
            "token": self.token,
            "platform": "apns" if self.ios else "fcm",
            "denylisted": False,
            "identity": {"namespace": {"code": "ECID"}, "id": self.ecid},
        }
        event = {
            "xdm": {"eventType": "application.launch", "identityMap": self._identity_map()},
            "data": {"pushNotificationDetails": [detail]},
        }
        self.client.post(
            "/ee/v2/interact", json={"events": [event]}, headers=HEADERS, name="POST /ee/v2/interact (launch)"
        )


def _campaigns(environment: Environment) -> None:
    """Trigger the campaign to this process's launched phones every `CAMPAIGN_EVERY` seconds (the first after 1 s)."""
    session = FastHttpSession(ENDPOINTS["core"], request_event=environment.events.request, user=None)
    path = f"/campaigns/{CAMPAIGN}/trigger"
    gevent.sleep(min(1.0, CAMPAIGN_EVERY))
    while True:
        recipients = [{"namespace": "email", "id": email} for email in list(LAUNCHED)]
        for start in range(0, len(recipients), TRIGGER_BATCH):
            body = {"recipients": recipients[start : start + TRIGGER_BATCH]}
            session.post(path, json=body, headers=HEADERS, name="POST /campaigns/{id}/trigger")
        gevent.sleep(CAMPAIGN_EVERY)


_triggers: list[Any] = []
_environment: list[Environment] = []


@events.init.add_listener  # type: ignore[untyped-decorator]
def _keep_environment(environment: Environment, **kwargs: Any) -> None:
    _environment.append(environment)


@events.quit.add_listener  # type: ignore[untyped-decorator]
def _save_stats(exit_code: int, **kwargs: Any) -> None:
    """Write the final statistics (the master's: every worker's included) where `mjlab load` reads them."""
    path = CONFIG.get("stats_file")
    if not path or not _environment or isinstance(_environment[0].runner, WorkerRunner):
        return
    runner = _environment[0].runner
    assert runner is not None
    with open(path, "w") as file:
        json.dump(runner.stats.serialize_stats(), file)


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _start_campaigns(environment: Environment, **kwargs: Any) -> None:
    if not CAMPAIGN or isinstance(environment.runner, MasterRunner):
        return
    _triggers.append(gevent.spawn(_campaigns, environment))


@events.test_stopping.add_listener  # type: ignore[untyped-decorator]
def _stop_campaigns(environment: Environment, **kwargs: Any) -> None:
    for greenlet in _triggers:
        greenlet.kill(block=False)
    _triggers.clear()
