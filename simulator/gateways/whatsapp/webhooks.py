"""The webhooks WhatsApp posts to a business: payloads, signatures, the subscription handshake, ordered delivery.

Every notification is Meta's envelope around one change of the `messages` field::

    {"object": "whatsapp_business_account", "entry": [{"id": "<WABA id>", "changes": [{"value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number", "phone_number_id"},
        "contacts": [{"profile": {"name"}, "wa_id"}], "messages": [...]}            (a person wrote)
      | {..., "contacts"?: [{"wa_id", "user_id"}], "statuses": [{"id", "status", "timestamp", "recipient_id",
             "recipient_user_id"?, "conversation"?, "pricing"?, "errors"?}]},  (a sent message moved on)
      "field": "messages"}]}]}

Since 31 March 2026 Meta adds business-scoped user ids (BSUIDs, `US.1349…`) to these webhooks, and current clients
(pywa 4) read them: `contacts[].user_id` and `messages[].from_user_id` on incoming messages, `contacts` and
`statuses[].recipient_user_id` on sent/delivered/read statuses; a failed status has neither. The fake adds them too,
derived from the account and the number.

The body is compact JSON with every non-ASCII character escaped (`\\uXXXX`), as Meta sends it, and is signed
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. A business's webhooks go out one at a time
in the order they happened (a `delivered` never overtakes its `sent`), as tracked work on its sandbox's clock. Before
any webhook goes to a callback URL, the URL must pass Meta's handshake: `GET <url>?hub.mode=subscribe&
hub.challenge=<n>&hub.verify_token=<token>` answered 200 with the challenge; an unverified URL gets nothing (the
attempt is logged). Meta retries failed deliveries for days; the fake logs the failure and does not retry
(a simplification, so a settled stack has nothing left in flight).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol

from simulator.gateways.recording import CallLog, RecordedCall
from simulator.gateways.webhooks import WebhookAnswer
from simulator.gateways.whatsapp.accounts import Business

SIGNATURE_HEADER = "X-Hub-Signature-256"
USER_AGENT = "facebookexternalua"


class WebhookPoster(Protocol):
    """What posts the webhooks: the stack's `WebhookSender`, or an in-process shortcut to the platform's route."""

    async def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WebhookAnswer:
        """POST to `url`; a connection failure is status 0, never an exception."""

    async def get(self, url: str, *, params: Mapping[str, str] | None = None) -> WebhookAnswer:
        """GET `url` (the handshake)."""


def sign(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value of a body: `sha256=<hex HMAC-SHA256(app secret, body)>`."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify(app_secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` is the body's signature with this secret (constant-time comparison)."""
    return signature is not None and hmac.compare_digest(sign(app_secret, body), signature.strip())


def encode(payload: dict[str, Any]) -> bytes:
    """The bytes Meta posts: compact JSON, non-ASCII escaped."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()


def envelope(business: Business, value: dict[str, Any]) -> dict[str, Any]:
    """One change of the `messages` field of a business account."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": business.waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def statuses_value(business: Business, status: dict[str, Any]) -> dict[str, Any]:
    """The `value` of a status notification; a failed one carries no `contacts` (as Meta's)."""
    value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": business.metadata}
    if status["status"] != "failed":
        wa_id = status["recipient_id"]
        value["contacts"] = [{"wa_id": wa_id, "user_id": user_id(business, wa_id)}]
    value["statuses"] = [status]
    return value


def messages_value(business: Business, name: str, wa_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """The `value` of an incoming message notification."""
    return {
        "messaging_product": "whatsapp",
        "metadata": business.metadata,
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id, "user_id": user_id(business, wa_id)}],
        "messages": [message],
    }


def user_id(business: Business, wa_id: str) -> str:
    """The person's business-scoped user id (BSUID): `<ISO country>.<digits>`, stable per account and number."""
    digest = hashlib.sha256(f"{business.waba_id}/{wa_id}".encode()).hexdigest()
    return f"{_country(wa_id)}.{int(digest, 16) % 10**19:019d}"


#: Calling codes of the countries tests use most; any other number is scoped to `ZZ` (unconfirmed).
_COUNTRIES = (("44", "GB"), ("49", "DE"), ("33", "FR"), ("34", "ES"), ("39", "IT"), ("31", "NL"), ("55", "BR"),
              ("91", "IN"), ("52", "MX"), ("61", "AU"), ("81", "JP"), ("1", "US"))  # fmt: skip


def _country(wa_id: str) -> str:
    return next((country for prefix, country in _COUNTRIES if wa_id.startswith(prefix)), "ZZ")


class WebhookDispatcher:
    """Posts each business's webhooks in order, signed, to its verified callback URL; logs every attempt."""

    def __init__(self, sender: WebhookPoster) -> None:
        self.sender = sender
        self.log = CallLog()
        self._queues: dict[str, deque[dict[str, Any]]] = {}
        self._draining: set[str] = set()

    def post(self, business: Business, payload: dict[str, Any]) -> None:
        """Queue one notification; it goes out after the ones queued before it."""
        self._queues.setdefault(business.phone_number_id, deque()).append(payload)
        if business.phone_number_id not in self._draining:
            self._draining.add(business.phone_number_id)
            business.sandbox.clock.spawn(self._drain(business))

    async def _drain(self, business: Business) -> None:
        queue = self._queues[business.phone_number_id]
        try:
            while queue:
                await self._deliver(business, queue.popleft())
        finally:
            self._draining.discard(business.phone_number_id)

    async def _deliver(self, business: Business, payload: dict[str, Any]) -> None:
        body = encode(payload)
        signature = sign(business.app_secret, body)
        headers = {"content-type": "application/json", SIGNATURE_HEADER: signature, "user-agent": USER_AGENT}
        url = business.callback_url
        status, response, reason = 0, None, None
        if url is None:
            reason = "no callback URL"
        elif not business.webhook_verified:
            reason = "callback URL not verified"
        else:
            answer = await self.sender.post(url, content=body, headers=headers)
            status, response = answer.status, answer.text
            reason = None if 200 <= status < 300 else f"answered {status}"
        sandbox = business.sandbox
        self.log.record(
            RecordedCall(
                id=sandbox.ids.uuid(),
                at=sandbox.clock.timestamp(),
                method="POST",
                path=url or "",
                headers=headers,
                body=payload,
                status=status,
                response=response,
                reason=reason,
                sandbox=sandbox.name,
                delivered=reason is None,
                extra={"phone_number_id": business.phone_number_id, "raw": body.decode()},
            )
        )

    async def handshake(self, business: Business, url: str, verify_token: str) -> bool:
        """Meta's subscription check: GET the URL with a challenge; True when it is echoed with 200."""
        challenge = business.sandbox.ids.digits(10)
        params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
        answer = await self.sender.get(url, params=params)
        return answer.status == 200 and answer.text.strip() == challenge

    def clear(self, sandbox: str | None = None) -> int:
        """Forget logged webhooks (of one sandbox, or all)."""
        return self.log.clear(sandbox)
