"""What the mail gateway takes and answers: the SMTP transaction's result, a parsed message, and the `/_sim/` bodies.

`Submission` is the server's answer to one transaction (MAIL FROM, RCPT TO..., DATA), what `smtplib` would see:
the final reply, the queue id, and the recipients refused at RCPT. `ParsedMail` is a message as the gateway reads
it (headers decoded, under the names the message gives them). `BounceRule`, `RateLimit` and `InboundRoute` are
the bodies the `/_sim/` routes accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: The header the platform adds to name the sandbox a message belongs to.
SANDBOX_HEADER = "X-Mjlab-Sandbox"
#: The largest message accepted (advertised in EHLO as `SIZE`): 10 MiB, as most providers allow.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
#: Recipients accepted in one transaction (RFC 5321 §4.5.3.1.8: at least 100 must be).
MAX_RECIPIENTS = 100

Address = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


@dataclass(frozen=True, slots=True)
class Submission:
    """The server's answer to one mail transaction."""

    code: int
    enhanced: str | None
    text: str
    queue_id: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    """Recipients refused at RCPT TO, with the reply line each got."""

    @property
    def ok(self) -> bool:
        """The message was accepted (250)."""
        return 200 <= self.code < 300

    @property
    def reply(self) -> str:
        """The reply line: `250 2.0.0 Ok: queued as 4F3A2B1C9D`."""
        return " ".join(p for p in (str(self.code), self.enhanced, self.text) if p)


@dataclass(slots=True)
class ParsedMail:
    """One message as the gateway reads it: its main headers, decoded, and its text and HTML bodies."""

    headers: dict[str, str]
    from_header: str
    from_address: str | None
    to: list[str]
    subject: str
    message_id: str | None
    date: str | None
    text: str | None
    html: str | None
    size: int
    sandbox: str | None = None
    """The sandbox the platform named (`X-Mjlab-Sandbox`), or None."""
    list_unsubscribe: str | None = None
    """The `List-Unsubscribe` header (RFC 2369), or None."""
    list_unsubscribe_post: str | None = None
    """The `List-Unsubscribe-Post` header (RFC 8058 one-click), or None."""

    def to_json(self) -> dict[str, Any]:
        """The JSON form served under `/_sim/messages`."""
        return {
            "from": self.from_header,
            "to": self.to,
            "subject": self.subject,
            "message_id": self.message_id,
            "date": self.date,
            "headers": self.headers,
            "text": self.text,
            "html": self.html,
            "size": self.size,
            "list_unsubscribe": self.list_unsubscribe,
            "list_unsubscribe_post": self.list_unsubscribe_post,
        }


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BounceRule(_Body):
    """Make mail to one address bounce: hard (550 5.1.1 user unknown) or soft (452 4.2.2 mailbox full).

    `mode` says when: `reject` refuses it during the transaction, as the recipient's server does; `dsn` accepts it
    and then sends a delivery status notification to the envelope sender, as a relay does when the next server
    refuses. `sandbox` limits the rule to one sandbox; `times` to that many messages.
    """

    address: Address
    kind: Literal["hard", "soft"] = "hard"
    mode: Literal["reject", "dsn"] = "reject"
    sandbox: str | None = None
    times: Annotated[int, Field(ge=1)] | None = None


class RateLimit(_Body):
    """At most `messages` accepted per `per_seconds` of the sandbox's clock; more are refused 451 4.7.1."""

    messages: Annotated[int, Field(ge=1)]
    per_seconds: Annotated[float, Field(gt=0, le=86_400)] = 1.0
    sandbox: str | None = Field(default=None, description="one sandbox, or every sandbox (each counted apart)")


class InboundRoute(_Body):
    """Mail for `domain` that no phone holds (bounces, DSNs) is posted raw to `url` (an inbound-parse webhook)."""

    domain: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")]
    url: Annotated[str, Field(pattern=r"^https?://")]
