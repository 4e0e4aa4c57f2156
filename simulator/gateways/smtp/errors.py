"""SMTP replies, as a mail server answers them: a reply code (RFC 5321) and an enhanced status code (RFC 3463).

Every refusal of the fake is an `SmtpError` carrying its reply code, its enhanced status code and text, and whether
the sender may retry: a 4xx reply is transient (try again later), a 5xx reply is permanent. The replies the gateway
gives form one table (`REPLIES`), by name; the code sorts them::

    Exception
     └── SmtpError                      name, code, enhanced, text, retryable; str() is the reply line
          ├─ 421 4.3.2  ServiceUnavailable     the server closes the connection       retryable
          ├─ 451 4.3.0  LocalError             local error in processing               retryable
          ├─ 451 4.7.1  RateLimited            too many messages in the window        retryable
          ├─ 452 4.2.2  MailboxFull            a soft bounce                          retryable
          ├─ 452 4.5.3  TooManyRecipients      more than 100 RCPT in one transaction  retryable
          ├─ 501 5.1.3  BadRecipientSyntax     not local@domain
          ├─ 501 5.5.4  BadParameter           a MAIL FROM parameter that makes no sense
          ├─ 550 5.1.1  UserUnknown            a hard bounce: no such mailbox
          ├─ 552 5.3.4  MessageTooBig          over the size limit (10 MiB)
          ├─ 553 5.1.3  MalformedAddress       aiosmtpd's own answer to an unparsable address
          ├─ 554 5.6.0  MissingFrom            no usable From header (RFC 5322 §3.6)
          └─ 554 5.7.0  UnknownSandbox         X-Mjlab-Sandbox names no open sandbox

Fault rules (`/_sim/faults`) name one of these (`{"error": "ServiceUnavailable", "status": 421}`), or give any
enhanced code with its reply code (`{"error": "4.4.2", "status": 421}`).
"""

from __future__ import annotations

import re

#: Each reply the gateway gives, by name: (reply code, enhanced status code, text).
REPLIES: dict[str, tuple[int, str, str]] = {
    "ServiceUnavailable": (421, "4.3.2", "Service not available, closing transmission channel"),
    "LocalError": (451, "4.3.0", "Requested action aborted: local error in processing"),
    "RateLimited": (451, "4.7.1", "Rate limit exceeded, try again later"),
    "MailboxFull": (452, "4.2.2", "Mailbox full"),
    "TooManyRecipients": (452, "4.5.3", "Too many recipients"),
    "BadRecipientSyntax": (501, "5.1.3", "Bad recipient address syntax"),
    "BadParameter": (501, "5.5.4", "Invalid command parameter"),
    "UserUnknown": (550, "5.1.1", "Recipient address rejected: User unknown"),
    "MessageTooBig": (552, "5.3.4", "Message size exceeds fixed maximum message size"),
    "MalformedAddress": (553, "5.1.3", "Error: malformed address"),
    "MissingFrom": (554, "5.6.0", "Message refused: no valid From header (RFC 5322 section 3.6)"),
    "UnknownSandbox": (554, "5.7.0", "Transaction failed: unknown sandbox"),
}

_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_REPLY = re.compile(r"^(\d{3})[ -](?:([245]\.\d{1,3}\.\d{1,3}) )?(.*)$", re.DOTALL)


class SmtpError(Exception):
    """One refusal: its `code` (421, 550...), `enhanced` status (`5.1.1`), `text`, and whether it is transient.

    `detail` is prepended to the text (typically `<address>:`), as Postfix does: `550 5.1.1 <ann@x>: Recipient
    address rejected: User unknown`.
    """

    def __init__(self, name: str, detail: str | None = None, *, code: int | None = None, text: str | None = None):
        known = REPLIES.get(name)
        if known is not None:
            default_code, enhanced, default_text = known
        elif _ENHANCED.match(name) and code is not None:
            default_code, enhanced, default_text = code, name, "Injected failure"
        else:
            raise ValueError(f"unknown SMTP reply {name!r}: name one of {sorted(REPLIES)} or give an enhanced code")
        self.name = name
        self.code = code if code is not None else default_code
        if str(self.code)[0] != enhanced[0]:
            raise ValueError(f"reply code {self.code} does not match enhanced status {enhanced}")
        self.enhanced = enhanced
        base = text if text is not None else default_text
        self.text = f"{detail} {base}" if detail else base
        super().__init__(self.reply)

    @property
    def reply(self) -> str:
        """The reply line as the server writes it: `550 5.1.1 <ann@x>: Recipient address rejected: User unknown`."""
        return f"{self.code} {self.enhanced} {self.text}"

    @property
    def retryable(self) -> bool:
        """True for a 4xx reply: the sender tries again later."""
        return 400 <= self.code < 500

    @property
    def hard_bounce(self) -> bool:
        """True for a permanent refusal of the recipient itself (5.1.x: unknown user, bad address)."""
        return self.code >= 500 and self.enhanced.startswith("5.1.")


def split_reply(reply: str) -> tuple[int, str | None, str]:
    """Split a reply line into (code, enhanced status or None, text)."""
    match = _REPLY.match(reply.strip())
    if match is None:
        raise ValueError(f"not an SMTP reply: {reply!r}")
    return int(match.group(1)), match.group(2), match.group(3)
