"""What the mail gateway keeps of each message: a `RecordedCall` in a `CallLog`, plus the bytes as received.

A record's `id` is the server's queue id (`250 2.0.0 Ok: queued as <id>`); its `body` holds the parsed message and
the envelope, `status`/`response` the final reply, and `extra` the message-level outcome (`accepted`, `deferred`,
`rejected`), each recipient's fate (`delivered`, `held`, `refused`, `dsn`, `routed`...), the headers the server
added, and whether it is a message or a DSN the server sent. `message_json()` is the shape `/_sim/messages` serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.gateways.recording import CallLog, RecordedCall
from simulator.gateways.smtp.errors import split_reply
from simulator.gateways.smtp.models import ParsedMail


@dataclass(frozen=True, slots=True)
class Transaction:
    """The envelope of one message: who sent it, to whom, in which sandbox, when."""

    queue_id: str
    sandbox: str | None
    at: float
    mail_from: str
    rcpt_tos: list[str]


class MessageLog:
    """Recorded messages (`calls`) and their raw bytes, cleared together."""

    def __init__(self, max_raw_bytes: int) -> None:
        self.calls = CallLog()
        self._max_raw_bytes = max_raw_bytes
        self._raw: dict[str, bytes] = {}

    def record(
        self,
        transaction: Transaction,
        mail: ParsedMail,
        raw: bytes,
        reply: str,
        recipients: dict[str, dict[str, Any]],
        added: dict[str, str] | None = None,
        *,
        kind: str = "message",
    ) -> RecordedCall:
        """Keep one message and the final reply it got."""
        code, enhanced, _ = split_reply(reply)
        outcome = "accepted" if code < 400 else "deferred" if code < 500 else "rejected"
        call = RecordedCall(
            id=transaction.queue_id,
            at=transaction.at,
            method="SMTP",
            path="DATA",
            headers=mail.headers,
            body={**mail.to_json(), "mail_from": transaction.mail_from, "rcpt_tos": transaction.rcpt_tos},
            status=code,
            response=reply,
            reason=enhanced if code >= 400 else None,
            token=transaction.rcpt_tos[0] if transaction.rcpt_tos else None,
            sandbox=transaction.sandbox,
            delivered=False,
            extra={"kind": kind, "outcome": outcome, "recipients": recipients, "added_headers": added or {}},
        )
        self.calls.record(call)
        if len(raw) <= self._max_raw_bytes:
            self._raw[call.id] = raw
        return call

    def raw(self, message_id: str) -> bytes | None:
        """The bytes of a recorded message as they were received (`latest` accepted), or None."""
        call = self.calls.get(message_id)
        return self._raw.get(call.id) if call is not None else None

    def clear(self, sandbox: str | None = None) -> int:
        """Forget recorded messages (of one sandbox, or all); returns how many were dropped."""
        dropped = self.calls.clear(sandbox)
        self._raw = {call.id: self._raw[call.id] for call in self.calls if call.id in self._raw}
        return dropped


def message_json(call: RecordedCall) -> dict[str, Any]:
    """A recorded message as `/_sim/messages` serves it."""
    return {
        "id": call.id,
        "at": call.at,
        "sandbox": call.sandbox,
        **call.body,
        "status": call.status,
        "reply": call.response,
        "outcome": call.extra.get("outcome"),
        "kind": call.extra.get("kind", "message"),
        "recipients": call.extra.get("recipients", {}),
        "added_headers": call.extra.get("added_headers", {}),
        "delivered": call.delivered,
        **({"route": call.extra["route"]} if "route" in call.extra else {}),
    }
