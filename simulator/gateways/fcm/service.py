"""The fake FCM HTTP v1 service: projects and their service accounts, registration tokens, and `messages:send`.

`FcmGateway.handle()` is the whole request path of `POST /v1/projects/{project}/messages:send`, in this order:

1. authenticate: a bearer token our token endpoint issued, not expired on its sandbox's clock (401 UNAUTHENTICATED
   otherwise), whose scopes cover FCM (403), for a service account of the URL's project (403 SENDER_ID_MISMATCH);
2. validate the body (`validation`: 400 INVALID_ARGUMENT with Google's wording and field violations);
3. look the target up: a token (or installation id) the gateway never issued, or one of another sandbox, is 400
   INVALID_ARGUMENT "The registration token is not a valid FCM registration token", as FCM answers for tokens it
   cannot decode (chosen over 404: FCM keeps 404 UNREGISTERED for tokens that were valid once); an uninstalled
   app's token is 404 UNREGISTERED; a token of another project is 403 SENDER_ID_MISMATCH;
4. inject faults (`faults.pick(token=, topic=)`, the topic being the token's app or the message's topic): the
   rule's `error` is the errorCode, its `status` the HTTP status;
5. record the request and its answer in `calls` (every request, accepted or not; a stored message's record later
   tells whether it was delivered or dropped);
6. answer a dry run (`validate_only`) with `projects/<id>/messages/fake_message_id`, delivering nothing;
7. deliver through the `DeviceHub`, or keep the message for an offline phone (`storage`); topics and conditions fan
   out to the project's subscribed tokens (`subscribe()`; a condition reaches tokens subscribed to at least one
   topic it names).

Projects, tokens and subscriptions belong to a sandbox and use its clock and ids; a closed sandbox's are forgotten.
The same project id may be registered in several sandboxes: the bearer token says which one a request is for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from simulator.clock import pause
from simulator.devices.delivery import PushDelivery, PushProvider
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultInjector
from simulator.gateways.fcm.errors import CredentialsError, ErrorCode, FcmError
from simulator.gateways.fcm.oauth import AccessGrant, GoogleOAuth, KeyFactory, generate_key
from simulator.gateways.fcm.storage import PendingStore, StoredMessage
from simulator.gateways.fcm.tokens import TokenRecord, TokenRegistry, new_registration_token
from simulator.gateways.fcm.validation import INVALID_TOKEN, Target, ValidatedSend, parse_body, validate_send
from simulator.gateways.recording import CallLog, RecordedCall
from simulator.sandboxes import DEFAULT_SANDBOX, IdFactory, Sandbox, Sandboxes

DRY_RUN_ID = "fake_message_id"


class FcmGateway:
    """Google's FCM HTTP v1 endpoint and OAuth token endpoint, for every sandbox of a stack."""

    def __init__(self, sandboxes: Sandboxes, hub: DeviceHub, *, key_factory: KeyFactory = generate_key) -> None:
        self._sandboxes = sandboxes
        self._hub = hub
        self.oauth = GoogleOAuth(key_factory)
        self.tokens = TokenRegistry()
        self.pending = PendingStore()
        self.calls = CallLog()
        self.faults = FaultInjector(f"{sandboxes.seed}/fcm-faults")
        self._ids = IdFactory(f"{sandboxes.seed}/fcm-gateway")
        hub.on_online(self._flush)
        sandboxes.on_close(lambda sandbox: self.forget_sandbox(sandbox.name))

    # -- simulation API: what the console, the Android SDK and the tests do --------------------------------------

    def register_project(self, sandbox: str, project_id: str, token_uri: str) -> dict[str, str]:
        """Create a key for the project's service account; returns the service-account JSON the console downloads."""
        return self.oauth.create_key(self._sandboxes.get(sandbox), project_id, token_uri)

    def issue_access_token(self, assertion: str) -> dict[str, Any]:
        """The token endpoint's answer for a signed assertion; raises `OAuthError`."""
        return self.oauth.issue(assertion)

    def register_device(self, sandbox: str, device_id: str, package: str, project_id: str) -> str:
        """What the Android Firebase SDK does at startup: a registration token for this device, app and sender."""
        token = new_registration_token(self._sandboxes.get(sandbox).ids)
        self.tokens.add(TokenRecord(token, device_id, package, project_id, sandbox))
        return token

    def unregister_device(self, token: str) -> None:
        """The app was uninstalled: later sends to `token` answer 404 UNREGISTERED. Raises KeyError."""
        self.tokens.unregister(token)

    def subscribe(self, token: str, topic: str) -> None:
        """Subscribe a token to a topic of its project. Raises KeyError for an unknown token."""
        record = self.tokens.get(token)
        if record is None or not record.registered:
            raise KeyError(token)
        self.tokens.subscribe(record, topic.removeprefix("/topics/"))

    def unsubscribe(self, token: str, topic: str) -> None:
        """Remove a token from a topic."""
        record = self.tokens.get(token)
        if record is not None:
            self.tokens.unsubscribe(record, topic.removeprefix("/topics/"))

    def reset(self) -> None:
        """Forget what was received, stored and configured to fail; projects and tokens stay registered."""
        self.calls.clear()
        self.faults.clear()
        self.pending.clear()

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop a closed sandbox's projects, tokens, stored messages and recorded calls."""
        self.oauth.forget_sandbox(sandbox)
        self.tokens.forget_sandbox(sandbox)
        self.pending.forget_sandbox(sandbox)
        self.calls.clear(sandbox)

    # -- the request path -----------------------------------------------------------------------------------------

    async def handle(
        self, project_id: str, authorization: str | None, body: bytes | dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Run `messages:send` for `project_id`; returns the HTTP status and the JSON answer."""
        call = _Call(project_id, authorization, body)
        try:
            call.grant = grant = self.oauth.authenticate(authorization)
            if grant.account.project_id != project_id:
                raise FcmError(ErrorCode.SENDER_ID_MISMATCH)
            call.body = parse_body(body)
            call.send = send = validate_send(call.body)
            recipients = self._recipients(grant.account.sandbox.name, project_id, send)
            if send.target is Target.TOKEN or send.target is Target.FID:
                call.record = recipients[0]
                rule = self.faults.pick(token=recipients[0].token, topic=recipients[0].package)
            else:
                rule = self.faults.pick(topic=send.address)
            if rule is not None:
                if rule.latency_ms:
                    await pause(rule.latency_ms / 1000)
                raise FcmError(rule.error, http_status=rule.status)
        except FcmError as error:
            answer = error.to_body()
            self._record(call, error.http_status, answer, error=error)
            return error.http_status, answer
        sandbox = grant.account.sandbox
        if send.validate_only:
            answer = {"name": f"projects/{project_id}/messages/{DRY_RUN_ID}"}
            self._record(call, 200, answer)
            return 200, answer
        message_id = _message_id(sandbox)
        answer = {"name": f"projects/{project_id}/messages/{message_id}"}
        recorded = self._record(call, 200, answer, message_id=message_id)
        delivered = [self._deliver(sandbox, target, send, message_id, recorded) for target in recipients]
        if call.record is None:
            recorded.extra["recipients"] = len(recipients)
            recorded.delivered = any(delivered)
        else:
            recorded.delivered = delivered[0]
        return 200, answer

    def _recipients(self, sandbox: str, project_id: str, send: ValidatedSend) -> list[TokenRecord]:
        if send.target is Target.TOKEN or send.target is Target.FID:
            found = self.tokens.get(send.address) if send.target is Target.TOKEN else self.tokens.by_fid(send.address)
            if found is None or found.sandbox != sandbox:
                raise FcmError(ErrorCode.INVALID_ARGUMENT, INVALID_TOKEN)
            if not found.registered:
                raise FcmError(ErrorCode.UNREGISTERED)
            if found.project_id != project_id:
                raise FcmError(ErrorCode.SENDER_ID_MISMATCH)
            return [found]
        condition = send.condition
        if condition is None:
            return self.tokens.subscribers(sandbox, project_id, frozenset({send.address.removeprefix("/topics/")}))
        members = self.tokens.subscribers(sandbox, project_id, condition.topics)
        return [m for m in members if condition.matches(m.topics or set())]

    def _deliver(
        self, sandbox: Sandbox, record: TokenRecord, send: ValidatedSend, message_id: str, call: RecordedCall
    ) -> bool:
        now = sandbox.clock.timestamp()
        delivery = PushDelivery(
            provider=PushProvider.FCM,
            token=record.token,
            app_id=record.package,
            message_id=message_id,
            payload=send.message,
            sent_at=now,
            collapse_id=send.collapse_key,
            push_type=send.push_type,
            priority=send.priority,
        )
        if self._hub.deliver(record.device_id, delivery):
            return True
        if send.ttl > 0:
            stored = StoredMessage(delivery, now + send.ttl, sandbox.clock, call)
            self.pending.keep(record.device_id, record.sandbox, stored)
        else:
            call.extra["dropped"] = "expired"
        return False

    def _flush(self, device_id: str) -> None:
        self.pending.flush(device_id, lambda delivery: self._hub.deliver(device_id, delivery))

    def _record(
        self,
        call: _Call,
        status: int,
        answer: dict[str, Any],
        *,
        error: FcmError | None = None,
        message_id: str | None = None,
    ) -> RecordedCall:
        grant, send = call.grant, call.send
        sandbox = grant.account.sandbox if grant is not None else self._sandboxes.get(DEFAULT_SANDBOX)
        extra: dict[str, Any] = {}
        token = call.record.token if call.record is not None else _addressed_token(call.body)
        if send is not None:
            if send.target is Target.TOPIC or send.target is Target.CONDITION:
                extra[send.target.value] = send.address
            if send.validate_only:
                extra["validate_only"] = True
        reason = None
        if error is not None:
            reason = error.reason if isinstance(error, CredentialsError) else error.error_code
        recorded = RecordedCall(
            id=message_id or (sandbox.ids if grant is not None else self._ids).hex(16),
            at=sandbox.clock.timestamp(),
            method="POST",
            path=f"/v1/projects/{call.project_id}/messages:send",
            headers=_headers(call.authorization, grant),
            body=_readable(call.body),
            status=status,
            response=answer,
            reason=reason,
            token=token,
            sandbox=sandbox.name if grant is not None else None,
            delivered=False if error is not None else None,
            extra=extra,
        )
        return self.calls.record(recorded)


@dataclass(slots=True)
class _Call:
    """What one request has revealed so far, for its record."""

    project_id: str
    authorization: str | None
    body: Any
    grant: AccessGrant | None = None
    send: ValidatedSend | None = None
    record: TokenRecord | None = None


def _headers(authorization: str | None, grant: AccessGrant | None) -> dict[str, str]:
    if grant is not None and authorization == grant.headers["authorization"]:
        return grant.headers
    return {"authorization": authorization} if authorization else {}


def _addressed_token(body: Any) -> str | None:
    """The token (or installation id) a request names, read from its raw body whatever else is wrong with it."""
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        return None
    address = message.get("token", message.get("fid"))
    return address if isinstance(address, str) else None


def _readable(body: Any) -> Any:
    """A body as JSON-ready data: raw bytes that never got parsed are kept as their JSON, or as text."""
    if not isinstance(body, bytes):
        return body
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _message_id(sandbox: Sandbox) -> str:
    """A 19-digit message id, as FCM's `name` carries, from the sandbox's ids."""
    return str(10**18 + int(sandbox.ids.hex(16), 16) % (9 * 10**18))
