"""Delivery status notifications (RFC 3464): the bounce message a mail server sends back to the envelope sender.

A DSN is a `multipart/report; report-type=delivery-status` message with three parts, as Postfix writes them: a
human-readable notice, the machine-readable `message/delivery-status` (one block per failed recipient:
`Final-Recipient`, `Action: failed`, `Status: 5.1.1`, `Diagnostic-Code: smtp; 550 5.1.1 ...`) and the headers of
the message that bounced (`text/rfc822-headers`). It goes to the Return-Path (the envelope's MAIL FROM), from
`MAILER-DAEMON`, with `Auto-Submitted: auto-replied` so that nobody answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from simulator.gateways.smtp.models import SANDBOX_HEADER

#: The name the gateway gives itself in greetings, Received lines and DSNs.
HOSTNAME = "mx.mjlab.test"


@dataclass(frozen=True, slots=True)
class FailedRecipient:
    """One recipient the message could not be delivered to, and the reply that said so."""

    address: str
    enhanced: str
    reply: str


def build_dsn(
    *,
    queue_id: str,
    return_path: str,
    failed: list[FailedRecipient],
    original_headers: bytes,
    arrived: datetime,
    now: datetime,
    sandbox: str | None,
) -> bytes:
    """The DSN for `failed` recipients of message `queue_id`, addressed to `return_path`."""
    boundary = f"=_dsn_{queue_id}"
    notices = "\r\n".join(f"<{r.address}>: host {HOSTNAME} said: {r.reply}" for r in failed)
    blocks = "\r\n\r\n".join(
        f"Final-Recipient: rfc822; {r.address}\r\n"
        f"Original-Recipient: rfc822; {r.address}\r\n"
        f"Action: failed\r\n"
        f"Status: {r.enhanced}\r\n"
        f"Remote-MTA: dns; {HOSTNAME}\r\n"
        f"Diagnostic-Code: smtp; {r.reply}"
        for r in failed
    )
    headers = [
        f"From: Mail Delivery System <MAILER-DAEMON@{HOSTNAME}>",
        f"To: {return_path}",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {format_datetime(now)}",
        f"Message-ID: <dsn.{queue_id}@{HOSTNAME}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
    ]
    if sandbox:
        headers.append(f"{SANDBOX_HEADER}: {sandbox}")
    original = original_headers.rstrip(b"\r\n").decode("ascii", errors="replace").replace("\r\n", "\n")
    original = original.replace("\n", "\r\n")
    body = (
        f"--{boundary}\r\n"
        "Content-Description: Notification\r\n"
        'Content-Type: text/plain; charset="us-ascii"\r\n\r\n'
        f"This is the mail system at host {HOSTNAME}.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        f"{notices}\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {HOSTNAME}\r\n"
        f"X-Postfix-Queue-ID: {queue_id}\r\n"
        f"Arrival-Date: {format_datetime(arrived)}\r\n\r\n"
        f"{blocks}\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"{original}\r\n\r\n"
        f"--{boundary}--\r\n"
    )
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode("ascii", errors="replace")


def header_block(raw: bytes) -> bytes:
    """The header section of a raw message (up to the first empty line)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = raw.find(separator)
        if index >= 0:
            return raw[:index]
    return raw
