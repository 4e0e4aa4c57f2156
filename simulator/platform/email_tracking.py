"""What the email channel keeps per sandbox (`EmailBook`), its tracking tokens, and reading bounce reports.

A tracking token names one message: its sandbox, profile, campaign (or journey step) and message id, plus the link
index for a click. It travels in the pixel, link and unsubscribe URLs, so it is signed: `<payload>.<signature>`,
the payload (each field packed, UUIDs as their 16 bytes) base64url-encoded and the signature an HMAC-SHA256
(truncated to 96 bits) under a key derived from the sandbox's seed and name. A phone cannot make a token for another
message, and the same seed gives the same URLs.

`EmailBook` lives in the sandbox's `channel_configs["email"]`, as the platform keeps an email configuration with its
suppression list: the settings, the suppressed addresses, and an index of sent messages (who, which campaign, its
links, and what happened to it: delivered, opened, clicked, bounced, unsubscribed).

`read_dsn()` reads a delivery status notification (RFC 3464) back: the envelope recipient it was sent to (the VERP
bounce address naming the message), and each failed recipient with its status.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.policy import compat32
from typing import Any

from simulator.platform.email_message import EmailSettings
from simulator.platform.models import Category
from simulator.platform.state import SandboxState
from simulator.sandboxes import Sandbox

_UUID = re.compile(r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$")


@dataclass(frozen=True, slots=True)
class TrackingToken:
    """Which message (and link) a tracking URL is about."""

    sandbox: str
    profile_id: str
    source: str
    message_id: str
    link: int | None = None


def token_key(sandbox: Sandbox) -> bytes:
    """The signing key of a sandbox's tokens, derived from its seed and name."""
    return hashlib.sha256(f"{sandbox.seed}/{sandbox.name}/email-tracking".encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pack(value: str) -> bytes:
    """One field: a UUID (with or without dashes) as its 16 bytes, anything else as UTF-8 text."""
    if _UUID.match(value):
        return (b"\x01" if "-" in value else b"\x02") + bytes.fromhex(value.replace("-", ""))
    data = value.encode()
    if len(data) > 255:
        raise ValueError(f"a token field is at most 255 bytes: {value[:40]!r}...")
    return b"\x00" + bytes([len(data)]) + data


def _unpack(payload: bytes) -> list[str]:
    fields: list[str] = []
    at = 0
    while at < len(payload):
        kind = payload[at]
        if kind in (1, 2):
            raw = payload[at + 1 : at + 17].hex()
            if len(raw) != 32:
                raise ValueError("truncated token")
            fields.append(f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}" if kind == 1 else raw)
            at += 17
        elif kind == 0 and at + 1 < len(payload):
            length = payload[at + 1]
            fields.append(payload[at + 2 : at + 2 + length].decode())
            at += 2 + length
        else:
            raise ValueError("not a token")
    return fields


def sign_token(token: TrackingToken, key: bytes) -> str:
    """The URL-safe signed form of `token`: `<payload>.<signature>`, about 100 characters."""
    link = "" if token.link is None else str(token.link)
    payload = b"".join(_pack(v) for v in (token.sandbox, token.profile_id, token.source, token.message_id, link))
    return _b64(payload) + "." + _b64(hmac.new(key, payload, hashlib.sha256).digest()[:12])


def token_sandbox(text: str) -> str | None:
    """The sandbox a token claims (not yet verified), or None when it does not decode."""
    try:
        return _unpack(_unb64(text.partition(".")[0]))[0]
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


def verify_token(text: str, key: bytes) -> TrackingToken | None:
    """The token when its signature holds under `key`, else None."""
    encoded, _, signature = text.partition(".")
    try:
        payload, given = _unb64(encoded), _unb64(signature)
        if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest()[:12], given):
            return None
        parts = _unpack(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    if len(parts) != 5:
        return None
    sandbox, profile_id, source, message_id, link = parts
    return TrackingToken(sandbox, profile_id, source, message_id, int(link) if link.isdigit() else None)


@dataclass(slots=True)
class SentEmail:
    """One email the platform handed to its MTA, and what became of it."""

    profile_id: str
    source: str
    address: str
    category: Category
    links: tuple[str, ...] = ()
    delivered: bool = False
    opened: bool = False
    clicked: bool = False
    bounced: str | None = None
    unsubscribed: bool = False


@dataclass(slots=True)
class Suppression:
    """An address the platform no longer sends to, and why."""

    address: str
    reason: str
    at: float
    detail: str | None = None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As the API serves it."""
        return {
            "address": self.address,
            "reason": self.reason,
            "at": self.at,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass(eq=False)
class EmailBook:
    """The email channel's configuration, suppression list and sent-message index in one sandbox."""

    key: bytes
    settings: EmailSettings = field(default_factory=EmailSettings)
    suppressed: dict[str, Suppression] = field(default_factory=dict)
    sent: dict[str, SentEmail] = field(default_factory=dict)

    def suppression(self, address: str) -> Suppression | None:
        """The suppression of `address` (any case), or None."""
        return self.suppressed.get(address.lower())

    def suppress(self, suppression: Suppression) -> None:
        """Add an address to the suppression list (the first reason stays)."""
        self.suppressed.setdefault(suppression.address.lower(), suppression)


def email_book(state: SandboxState) -> EmailBook:
    """The sandbox's email book (created with the default settings on first use)."""
    book = state.channel_configs.get("email")
    if not isinstance(book, EmailBook):
        book = state.channel_configs["email"] = EmailBook(token_key(state.sandbox))
    return book


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """One recipient of a bounce report: its address, the DSN action and status, and the remote server's reply."""

    address: str
    action: str
    status: str
    diagnostic: str

    @property
    def hard(self) -> bool:
        """A permanent failure (status 5.x.x)."""
        return self.status.startswith("5")


@dataclass(frozen=True, slots=True)
class BounceReport:
    """A DSN read back: to whom it was sent, the sandbox it names, and its failed recipients."""

    to: str
    sandbox: str | None
    original_message_id: str | None
    failures: list[FailedDelivery]


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    return []


def read_dsn(raw: bytes) -> BounceReport | None:
    """Read a `multipart/report; report-type=delivery-status` message; None when it is not one."""
    message = BytesParser(policy=compat32).parsebytes(raw)
    if message.get_content_type() != "multipart/report":
        return None
    failures: list[FailedDelivery] = []
    original_id: str | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in _blocks(part):
                recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
                if recipient is None:
                    continue
                failures.append(
                    FailedDelivery(
                        address=str(recipient).partition(";")[2].strip() or str(recipient).strip(),
                        action=str(block.get("Action", "")).strip().lower(),
                        status=str(block.get("Status", "")).strip(),
                        diagnostic=str(block.get("Diagnostic-Code", "")).partition(";")[2].strip(),
                    )
                )
        elif kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(part.get_payload())
            original_id = HeaderParser(policy=compat32).parsestr(text).get("Message-ID")
    sandbox = message.get("X-Mjlab-Sandbox")
    return BounceReport(
        to=str(message.get("To", "")).strip().strip("<>"),
        sandbox=str(sandbox).strip() if sandbox else None,
        original_message_id=str(original_id).strip() if original_id else None,
        failures=[f for f in failures if f.action in ("failed", "")],
    )
