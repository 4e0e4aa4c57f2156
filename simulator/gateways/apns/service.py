"""The fake APNs: Apple's provider API, in one ordered request chain.

`ApnsGateway.handle()` runs every notification request through the same steps, in this order, whether it came over
HTTP/2 (`app.py`) or straight from the platform in-process:

1. path: the device token is present and is 64 hex digits;
2. headers: duplicates, `apns-priority`, `apns-expiration`, `apns-collapse-id`, `apns-id`, `apns-push-type`,
   `apns-topic`;
3. authenticate: the ES256 provider token, and the key's right to the topic (`auth.py`);
4. payload: present, within 4096 bytes (5120 for VoIP), a JSON dictionary;
5. token: issued, in this environment and sandbox, for this topic, still registered;
6. faults: an injected failure, answered with the rule's reason and status;
7. record: every request, accepted or not, lands in `calls`;
8. deliver: to the phone through the device hub, or into offline storage when it is unreachable.

The gateway is global, like Apple's; each key and token belongs to a sandbox, whose clock decides token ages,
expirations and timestamps.

Unconfirmed behaviour, chosen as a user would expect: a payload that is not a JSON dictionary is answered 400
`PayloadEmpty` (Apple documents no reason for it); without `apns-expiration` a notification is stored for 30 days.
"""

from __future__ import annotations

import json
import re
from typing import Any

from simulator.clock import pause
from simulator.devices.delivery import PushDelivery, PushProvider
from simulator.devices.hub import DeviceHub
from simulator.gateways.apns.auth import ProviderAuth, ProviderKey, bundle_of
from simulator.gateways.apns.errors import ApnsError
from simulator.gateways.apns.models import ApnsRequest, ApnsResponse, Environment, ProviderKeyGrant
from simulator.gateways.apns.storage import OfflineStorage, StoredNotification
from simulator.gateways.apns.tokens import DeviceToken, TokenRegistry
from simulator.gateways.faults import FaultInjector, FaultRule
from simulator.gateways.recording import CallLog, RecordedCall
from simulator.sandboxes import DEFAULT_SANDBOX, Sandbox, Sandboxes

MAX_PAYLOAD_BYTES = 4096
MAX_VOIP_PAYLOAD_BYTES = 5120
MAX_COLLAPSE_ID_BYTES = 64
#: How long a notification sent without `apns-expiration` is stored for an offline phone (unconfirmed).
DEFAULT_STORAGE_SECONDS = 30 * 24 * 3600
PUSH_TYPES = frozenset(
    {
        "alert",
        "background",
        "complication",
        "controls",
        "fileprovider",
        "liveactivity",
        "location",
        "mdm",
        "pushtotalk",
        "voip",
        "widgets",
    }
)
_PRIORITIES = {"10": 10, "5": 5, "1": 1}
_TOKEN = re.compile(r"[0-9a-fA-F]{64}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TOPIC = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,254}")


class ApnsGateway:
    """Apple's push service for every sandbox: keys, device tokens, the request chain, and offline storage."""

    def __init__(self, sandboxes: Sandboxes, hub: DeviceHub) -> None:
        self._sandboxes = sandboxes
        self._hub = hub
        self._auth = ProviderAuth(sandboxes)
        self._tokens = TokenRegistry(sandboxes)
        self._storage = OfflineStorage()
        self.calls = CallLog()
        self.faults = FaultInjector(seed=f"{sandboxes.seed}/apns/faults")
        hub.on_online(self._flush_stored)
        sandboxes.on_close(lambda sandbox: self.forget_sandbox(sandbox.name))

    # -- what Apple's portal and iOS do -------------------------------------------------------------------------

    def register_key(self, sandbox: str, team_id: str, topics: list[str]) -> ProviderKeyGrant:
        """Create an ES256 signing key for `team_id`'s apps (`topics`, bundle ids) in `sandbox`: the `.p8` grant."""
        return self._auth.register_key(sandbox, team_id, topics)

    def register_device(self, sandbox: str, device_id: str, bundle_id: str, environment: Environment) -> str:
        """What iOS does at `registerForRemoteNotifications`: the app's 64-hex device token on this device."""
        return self._tokens.register(sandbox, device_id, bundle_id, environment).token

    def unregister_device(self, token: str) -> None:
        """The app was uninstalled: later sends to `token` answer 410 `Unregistered`. KeyError if unknown."""
        issued = self._tokens.unregister(token)
        for stored in self._storage.take(issued.device_id):
            if stored.delivery.token != issued.token:
                self._storage.keep(stored)

    def device_token(self, token: str) -> DeviceToken | None:
        """What the gateway knows about `token`, or None."""
        return self._tokens.get(token)

    def stored(self, device_id: str) -> list[PushDelivery]:
        """The notifications kept for an unreachable phone, one per app at most."""
        return [stored.delivery for stored in self._storage.stored(device_id)]

    # -- the request chain ------------------------------------------------------------------------------------

    async def handle(self, request: ApnsRequest) -> ApnsResponse:
        """Answer one `POST /3/device/{token}` as Apple would: validate, authenticate, deliver or refuse."""
        token = request.device_token
        key: ProviderKey | None = None
        device: DeviceToken | None = None
        payload: Any = None
        try:
            token = _check_path(token)
            topic, push_type, priority, expiration = _check_headers(request)
            key = self._auth.authenticate(request.authorization, topic)
            payload = _read_payload(request.payload, push_type)
            device = self._find_device(token, topic, request.environment, key)
            fault = self.faults.pick(token=token, topic=topic)
            if fault is not None:
                await self._fail_as(fault, device)
        except ApnsError as error:
            if payload is None and request.payload:
                payload = request.payload.decode("utf-8", "replace")
            return self._refuse(request, token, error, self._owner(device, key, token), payload)

        sandbox = device.sandbox
        apns_id = request.apns_id or sandbox.ids.uuid()
        now = sandbox.clock.timestamp()
        call = self.calls.record(
            RecordedCall(
                id=apns_id,
                at=now,
                method="POST",
                path="/3/device/" + token,
                headers=request.apns_headers(),
                body=payload,
                status=200,
                response=None,
                token=token,
                sandbox=sandbox.name,
                extra={"environment": request.environment},
            )
        )
        delivery = PushDelivery(
            provider=PushProvider.APNS,
            token=token,
            app_id=topic,
            message_id=apns_id,
            payload=payload,
            sent_at=now,
            collapse_id=request.apns_collapse_id,
            push_type=push_type,
            priority=priority,
        )
        call.delivered = self._hub.deliver(device.device_id, delivery)
        if not call.delivered and expiration != 0:
            expires_at = now + DEFAULT_STORAGE_SECONDS if expiration is None else float(expiration)
            if expires_at > now:
                self._storage.keep(StoredNotification(device.device_id, delivery, expires_at, sandbox.name, call))
                call.extra["stored"] = True
        return ApnsResponse(status=200, apns_id=apns_id)

    def _find_device(self, token: str, topic: str, environment: Environment, key: ProviderKey) -> DeviceToken:
        device = self._tokens.get(token)
        # A token of another environment, or of another sandbox's world, does not exist for this sender.
        if device is None or device.environment != environment or device.sandbox is not key.sandbox:
            raise ApnsError("BadDeviceToken")
        if device.bundle_id != bundle_of(topic):
            raise ApnsError("DeviceTokenNotForTopic")
        if device.unregistered_at_ms is not None:
            raise ApnsError("Unregistered", timestamp_ms=device.unregistered_at_ms)
        return device

    async def _fail_as(self, rule: FaultRule, device: DeviceToken) -> None:
        """Answer as the injected `rule` says, after its latency (real time: it slows the transport)."""
        if rule.latency_ms:
            await pause(rule.latency_ms / 1000)
        timestamp_ms = int(device.sandbox.clock.timestamp() * 1000) if rule.status == 410 else None
        raise ApnsError(rule.error, rule.status, timestamp_ms=timestamp_ms)

    def _owner(self, device: DeviceToken | None, key: ProviderKey | None, token: str) -> Sandbox | None:
        """The sandbox a refused request belongs to: its sender's (the key's), else its token's, else unknown."""
        if device is not None:
            return device.sandbox
        if key is not None:
            return key.sandbox
        known = self._tokens.get(token) if token else None
        return known.sandbox if known is not None else None

    def _refuse(
        self, request: ApnsRequest, token: str, error: ApnsError, owner: Sandbox | None, payload: Any
    ) -> ApnsResponse:
        clock_owner = owner or self._sandboxes.get(DEFAULT_SANDBOX)
        apns_id = request.apns_id or clock_owner.ids.uuid()
        body = error.to_body()
        self.calls.record(
            RecordedCall(
                id=apns_id,
                at=clock_owner.clock.timestamp(),
                method="POST",
                path="/3/device/" + token,
                headers=request.apns_headers(),
                body=payload,
                status=error.status,
                response=body,
                reason=error.reason,
                token=token or None,
                sandbox=owner.name if owner else None,
                delivered=False,
                extra={"environment": request.environment},
            )
        )
        return ApnsResponse(status=error.status, apns_id=apns_id, body=body)

    # -- offline storage --------------------------------------------------------------------------------------

    def _flush_stored(self, device_id: str) -> None:
        """A phone came online: deliver what was kept for it and has not expired by its sandbox's clock."""
        for stored in self._storage.take(device_id):
            if stored.sandbox not in self._sandboxes:
                continue
            if self._sandboxes.get(stored.sandbox).clock.timestamp() > stored.expires_at:
                continue
            issued = self._tokens.get(stored.delivery.token)
            if issued is None or issued.unregistered_at_ms is not None:
                continue
            if self._hub.deliver(device_id, stored.delivery):
                if stored.call is not None:
                    stored.call.delivered = True
            else:
                self._storage.keep(stored)

    # -- state ------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded calls, fault rules and stored notifications (keys and tokens stay issued)."""
        self.calls.clear()
        self.faults.clear()
        self._storage.clear()

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop everything of a closed sandbox: its keys, tokens, stored notifications and recorded calls."""
        self._auth.forget_sandbox(sandbox)
        self._tokens.forget_sandbox(sandbox)
        self._storage.clear(sandbox)
        self.calls.clear(sandbox)


def _check_path(token: str) -> str:
    if not token:
        raise ApnsError("MissingDeviceToken")
    if len(token) != 64 or not _TOKEN.fullmatch(token):
        raise ApnsError("BadDeviceToken")
    return token.lower()


def _check_headers(request: ApnsRequest) -> tuple[str, str, int, int | None]:
    """Validate the `apns-*` headers; return the topic, push type, priority and expiration (None when absent)."""
    if request.duplicate_headers:
        raise ApnsError("DuplicateHeaders")
    priority = 10
    if request.apns_priority is not None:
        try:
            priority = _PRIORITIES[request.apns_priority.strip()]
        except KeyError:
            raise ApnsError("BadPriority") from None
    expiration: int | None = None
    if request.apns_expiration is not None:
        value = request.apns_expiration.strip()
        if not (value.isascii() and value.isdigit()):
            raise ApnsError("BadExpirationDate")
        expiration = int(value)
    collapse_id = request.apns_collapse_id
    if collapse_id is not None and len(collapse_id) > 16 and len(collapse_id.encode()) > MAX_COLLAPSE_ID_BYTES:
        raise ApnsError("BadCollapseId")
    if request.apns_id is not None and not _UUID.fullmatch(request.apns_id):
        raise ApnsError("BadMessageId")
    push_type = "alert" if request.apns_push_type is None else request.apns_push_type
    if push_type not in PUSH_TYPES:
        raise ApnsError("InvalidPushType")
    topic = request.apns_topic
    if not topic:
        raise ApnsError("MissingTopic")
    if not _TOPIC.fullmatch(topic):
        raise ApnsError("BadTopic")
    return topic, push_type, priority, expiration


def _read_payload(raw: bytes, push_type: str) -> dict[str, Any]:
    if not raw:
        raise ApnsError("PayloadEmpty")
    if len(raw) > (MAX_VOIP_PAYLOAD_BYTES if push_type == "voip" else MAX_PAYLOAD_BYTES):
        raise ApnsError("PayloadTooLarge")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise ApnsError("PayloadEmpty") from None
    if not isinstance(payload, dict):
        raise ApnsError("PayloadEmpty")
    return payload
