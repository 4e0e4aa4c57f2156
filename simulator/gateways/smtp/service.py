"""The fake mail provider: an SMTP server's handler (aiosmtpd hooks) that delivers to the phones' mailboxes.

`MailGateway` is an aiosmtpd handler: `serve_smtp()` puts it behind aiosmtpd's `SMTP` protocol on a port (real
`smtplib` clients, network mode), and `submit()` runs the very same hooks in-process with an envelope the platform
hands over (mail from, recipients, the message's bytes), with no socket. The transaction, in order:

1. `EHLO`: advertises `SIZE 10485760` and `PIPELINING`;
2. `MAIL FROM`: a declared `SIZE=` over the limit is refused 552 5.3.4;
3. `RCPT TO`: `local@domain` syntax (501 5.1.3; aiosmtpd itself answers 553 5.1.3 to an unparsable address), at
   most 100 recipients (452 4.5.3);
4. `DATA`, the request chain:
   a. size: at most 10 MiB (552 5.3.4);
   b. parse the MIME message; a usable `From` header is required (554 5.6.0); a missing `Date` or `Message-ID` is
      added, as a submission server does (RFC 6409 §8.2, §8.3);
   c. sandbox: the `X-Mjlab-Sandbox` header the platform adds, else the default sandbox (`prod`); a header naming
      no open sandbox is refused 554 5.7.0;
   d. faults: an injected failure (`/_sim/faults`; `token` matches a recipient, `topic` the sandbox), answered with
      its reply code; a 421 closes the connection, as servers do;
   e. rate limit: too many messages in the sandbox's window (451 4.7.1);
   f. recipients, each: a bounce rule (hard 550 5.1.1, soft 452 4.2.2), no phone holding the address in the
      sandbox (550 5.1.1), or delivery to the phone's mailbox (kept for an offline phone until it comes online);
   g. record: every message that reached DATA, accepted or not, lands in `calls` (its raw bytes in `raw()`);
   h. reply: 250 when at least one recipient took it. Refused with every recipient's refusal when none did (the
      first one's reply; nothing else is sent: the client knows). When some recipients failed after others took
      it, or a rule says `dsn`, a delivery status notification (RFC 3464) goes to the envelope sender.

A DSN is delivered like any mail: to the phone holding the Return-Path address, else through the inbound route of
its domain (`routing.py`: how the platform's bounce intake receives it), else it is recorded and dropped.

The gateway serves every sandbox; each message's sandbox decides its clock, ids and phones.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from simulator.clock import pause
from simulator.devices.delivery import MessageChannel, MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultInjector
from simulator.gateways.recording import RecordedCall
from simulator.gateways.smtp.dsn import HOSTNAME, FailedRecipient, build_dsn, header_block
from simulator.gateways.smtp.errors import SmtpError, split_reply
from simulator.gateways.smtp.models import MAX_MESSAGE_BYTES, MAX_RECIPIENTS, ParsedMail, Submission
from simulator.gateways.smtp.parsing import domain_of, is_mailbox, parse_message
from simulator.gateways.smtp.policies import BounceRules, RateLimiter
from simulator.gateways.smtp.records import MessageLog, Transaction
from simulator.gateways.smtp.routing import InboundMail, InboundRoutes
from simulator.gateways.webhooks import WebhookSender
from simulator.sandboxes import DEFAULT_SANDBOX, Sandbox, Sandboxes

_BOUNCES = {"hard": "UserUnknown", "soft": "MailboxFull"}


@dataclass(slots=True, eq=False)
class _Held:
    """Mail for a phone that is offline: its mailbox has it; the phone gets it when it reconnects."""

    sandbox: str
    delivery: MessageDelivery
    call: RecordedCall


class MailGateway:
    """The mail provider for every sandbox: the SMTP handler, recording, bounces, faults and mailbox delivery."""

    def __init__(
        self,
        sandboxes: Sandboxes,
        hub: DeviceHub,
        *,
        webhooks: WebhookSender | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self._sandboxes = sandboxes
        self._hub = hub
        self.max_message_bytes = max_message_bytes
        self._log = MessageLog(max_message_bytes)
        self.calls = self._log.calls
        self.faults = FaultInjector(seed=f"{sandboxes.seed}/smtp/faults")
        self.bounces = BounceRules()
        self.rate_limits = RateLimiter()
        self.routes = InboundRoutes(webhooks)
        self._held: dict[str, list[_Held]] = {}
        hub.on_online(self._flush_held)
        sandboxes.on_close(lambda sandbox: self.forget_sandbox(sandbox.name))

    # -- aiosmtpd hooks -----------------------------------------------------------------------------------------

    async def handle_EHLO(
        self, server: SMTP | None, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        """Greet, advertising the size limit and pipelining."""
        session.host_name = hostname
        return [responses[0], f"250-SIZE {self.max_message_bytes}", "250-PIPELINING", *responses[1:]]

    async def handle_MAIL(
        self, server: SMTP | None, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        """Take the envelope sender; refuse a declared size over the limit."""
        for option in mail_options:
            name, _, value = option.partition("=")
            if name.upper() != "SIZE":
                continue
            if not value.isdigit():
                return SmtpError("BadParameter", "SIZE:").reply
            if int(value) > self.max_message_bytes:
                return SmtpError("MessageTooBig").reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: SMTP | None, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Take one recipient: `local@domain`, at most 100 per message."""
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return SmtpError("TooManyRecipients").reply
        if not is_mailbox(address):
            return SmtpError("BadRecipientSyntax", f"<{address}>:").reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP | None, session: Session, envelope: Envelope) -> str:
        """Take the message: the request chain of the module docstring; the reply line."""
        reply, _ = await self._data(envelope)
        if reply.startswith("421") and server is not None and server.transport is not None:
            # Written before the loop runs this: the client reads the 421, then the connection closes.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return reply

    # -- in-process submission ----------------------------------------------------------------------------------

    async def submit(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> Submission:
        """One transaction without a socket: the same hooks, in order, as an SMTP client would drive them."""
        session = Session(asyncio.get_running_loop())
        envelope = Envelope()
        reply = await self.handle_MAIL(None, session, envelope, mail_from, [f"SIZE={len(content)}"])
        if not reply.startswith("2"):
            return Submission(*split_reply(reply))
        refused: dict[str, str] = {}
        for rcpt in rcpt_tos:
            reply = await self.handle_RCPT(None, session, envelope, rcpt, [])
            if not reply.startswith("2"):
                refused[rcpt] = reply
        if not envelope.rcpt_tos:
            return Submission(*split_reply(reply), refused=refused)
        envelope.content = envelope.original_content = content
        reply, queue_id = await self._data(envelope)
        return Submission(*split_reply(reply), queue_id=queue_id, refused=refused)

    # -- the DATA chain -----------------------------------------------------------------------------------------

    async def _data(self, envelope: Envelope) -> tuple[str, str | None]:
        raw = envelope.original_content
        if raw is None:
            content = envelope.content
            raw = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else (content or b"")
        mail_from, rcpt_tos = envelope.mail_from or "", list(envelope.rcpt_tos)
        too_big = len(raw) > self.max_message_bytes
        mail = parse_message(raw, headers_only=too_big)
        name = mail.sandbox or DEFAULT_SANDBOX
        sandbox = self._sandboxes.get(name) if name in self._sandboxes else None
        owner = sandbox or self._sandboxes.get(DEFAULT_SANDBOX)
        queue_id = owner.ids.hex(10).upper()
        try:
            if too_big:
                raise SmtpError("MessageTooBig")
            if mail.from_address is None:
                raise SmtpError("MissingFrom")
            if sandbox is None:
                raise SmtpError("UnknownSandbox", f"{name!r}:")
            await self._inject_fault(name, rcpt_tos)
            if not self.rate_limits.admit(name, sandbox.clock.timestamp()):
                raise SmtpError("RateLimited")
        except SmtpError as error:
            self._record(owner if sandbox else None, queue_id, mail_from, rcpt_tos, mail, raw, error.reply, {})
            return error.reply, None
        added = self._complete(sandbox, mail, queue_id)
        return self._take(sandbox, queue_id, mail_from, rcpt_tos, mail, raw, added), queue_id

    async def _inject_fault(self, sandbox: str, rcpt_tos: list[str]) -> None:
        for rcpt in rcpt_tos:
            rule = self.faults.pick(token=rcpt, topic=sandbox)
            if rule is not None:
                if rule.latency_ms:
                    await pause(rule.latency_ms / 1000)
                raise SmtpError(rule.error, code=rule.status)

    @staticmethod
    def _complete(sandbox: Sandbox, mail: ParsedMail, queue_id: str) -> dict[str, str]:
        """The headers a submission server adds when they are missing (RFC 6409 §8.2, §8.3)."""
        added: dict[str, str] = {}
        if mail.date is None:
            added["Date"] = format_datetime(sandbox.clock.now())
        if mail.message_id is None:
            added["Message-ID"] = f"<{queue_id}.{sandbox.ids.hex(8)}@{HOSTNAME}>"
        return added

    def _take(
        self,
        sandbox: Sandbox,
        queue_id: str,
        mail_from: str,
        rcpt_tos: list[str],
        mail: ParsedMail,
        raw: bytes,
        added: dict[str, str],
    ) -> str:
        """Each recipient's fate; record; the reply. Deliveries go out after the record exists."""
        refusals: dict[str, SmtpError] = {}
        later: list[FailedRecipient] = []
        targets: list[tuple[str, str]] = []
        for rcpt in rcpt_tos:
            rule = self.bounces.match(sandbox.name, rcpt)
            device_id = self._hub.device_for(sandbox.name, rcpt)
            if rule is not None:
                error = SmtpError(_BOUNCES[rule.kind], f"<{rcpt}>:")
                if rule.mode == "dsn":
                    later.append(FailedRecipient(rcpt, error.enhanced, error.reply))
                else:
                    refusals[rcpt] = error
            elif device_id is None:
                refusals[rcpt] = SmtpError("UserUnknown", f"<{rcpt}>:")
            else:
                targets.append((rcpt, device_id))
        recipients: dict[str, dict[str, Any]] = {
            r: {"outcome": "refused", "reply": e.reply} for r, e in refusals.items()
        }
        recipients.update({f.address: {"outcome": "dsn", "reply": f.reply} for f in later})
        if not targets and not later:
            reply = next(iter(refusals.values())).reply
            self._record(sandbox, queue_id, mail_from, rcpt_tos, mail, raw, reply, recipients, added)
            return reply
        reply = f"250 2.0.0 Ok: queued as {queue_id}"
        call = self._record(sandbox, queue_id, mail_from, rcpt_tos, mail, raw, reply, recipients, added)
        for rcpt, device_id in targets:
            recipients[rcpt] = {"outcome": self._deliver(sandbox, device_id, rcpt, mail, added, mail_from, call)}
        call.delivered = any(r["outcome"] in ("delivered", "held") for r in recipients.values())
        failed = [FailedRecipient(r, e.enhanced, e.reply) for r, e in refusals.items()] + later
        if failed and mail_from:
            arrived = sandbox.clock.now()
            sandbox.clock.spawn(self._bounce(sandbox, queue_id, mail_from, failed, header_block(raw), arrived))
        return reply

    # -- delivery -----------------------------------------------------------------------------------------------

    def _deliver(
        self,
        sandbox: Sandbox,
        device_id: str,
        rcpt: str,
        mail: ParsedMail,
        added: dict[str, str],
        mail_from: str,
        call: RecordedCall,
    ) -> str:
        headers = {"Return-Path": f"<{mail_from}>", **mail.headers, **added}
        payload: dict[str, Any] = {
            "subject": mail.subject,
            "from": mail.from_header,
            "to": rcpt,
            "text": mail.text,
            "html": mail.html,
            "headers": headers,
            "list_unsubscribe": mail.list_unsubscribe,
            "list_unsubscribe_post": mail.list_unsubscribe_post,
            "message_id": mail.message_id or added.get("Message-ID"),
            "date": mail.date or added.get("Date"),
            "queue_id": call.id,
        }
        delivery = MessageDelivery(
            channel=MessageChannel.EMAIL,
            sender=mail.from_address or mail_from,
            recipient=rcpt,
            message_id=str(payload["message_id"]),
            payload=payload,
            sent_at=sandbox.clock.timestamp(),
        )
        if self._hub.deliver_message(device_id, delivery):
            return "delivered"
        self._held.setdefault(device_id, []).append(_Held(sandbox.name, delivery, call))
        return "held"

    def _flush_held(self, device_id: str) -> None:
        """A phone came online: its mail app fetches what arrived while it was away."""
        for held in self._held.pop(device_id, []):
            if held.sandbox not in self._sandboxes:
                continue
            if self._hub.deliver_message(device_id, held.delivery):
                held.call.extra["recipients"][held.delivery.recipient]["outcome"] = "delivered"
            else:
                self._held.setdefault(device_id, []).append(held)

    def held(self, device_id: str) -> list[MessageDelivery]:
        """Mail waiting for an offline phone."""
        return [held.delivery for held in self._held.get(device_id, [])]

    async def _bounce(
        self,
        sandbox: Sandbox,
        queue_id: str,
        return_path: str,
        failed: list[FailedRecipient],
        original_headers: bytes,
        arrived: datetime,
    ) -> None:
        """Send a DSN for `failed` to the envelope sender: its phone, else its domain's route, else nowhere."""
        raw = build_dsn(
            queue_id=queue_id, return_path=return_path, failed=failed, original_headers=original_headers,
            arrived=arrived, now=sandbox.clock.now(), sandbox=sandbox.name,
        )  # fmt: skip
        mail = parse_message(raw)
        dsn_id = sandbox.ids.hex(10).upper()
        reply = f"250 2.0.0 Ok: queued as {dsn_id}"
        call = self._record(sandbox, dsn_id, "", [return_path], mail, raw, reply, {}, kind="dsn")
        device_id = self._hub.device_for(sandbox.name, return_path)
        if device_id is not None:
            outcome = self._deliver(sandbox, device_id, return_path, mail, {}, "", call)
        else:
            taken, how = await self.routes.deliver(
                domain_of(return_path), InboundMail(sandbox.name, "", return_path, raw)
            )
            outcome = "routed" if taken else "undeliverable"
            call.extra["route"] = how
        call.extra["recipients"] = {return_path: {"outcome": outcome}}
        call.delivered = outcome in ("delivered", "held", "routed")

    # -- recording ----------------------------------------------------------------------------------------------

    def _record(
        self,
        sandbox: Sandbox | None,
        queue_id: str,
        mail_from: str,
        rcpt_tos: list[str],
        mail: ParsedMail,
        raw: bytes,
        reply: str,
        recipients: dict[str, dict[str, Any]],
        added: dict[str, str] | None = None,
        *,
        kind: str = "message",
    ) -> RecordedCall:
        clock_owner = sandbox or self._sandboxes.get(DEFAULT_SANDBOX)
        transaction = Transaction(
            queue_id, sandbox.name if sandbox else None, clock_owner.clock.timestamp(), mail_from, rcpt_tos
        )
        return self._log.record(transaction, mail, raw, reply, recipients, added, kind=kind)

    def raw(self, message_id: str) -> bytes | None:
        """The bytes of a recorded message as they were received (`latest` accepted), or None."""
        return self._log.raw(message_id)

    def clear_messages(self, sandbox: str | None = None) -> int:
        """Forget recorded messages (of one sandbox, or all); returns how many were dropped."""
        return self._log.clear(sandbox)

    # -- state --------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded messages, faults, bounce rules, rate limits and held mail (routes stay)."""
        self.clear_messages()
        self.faults.clear()
        self.bounces.clear()
        self.rate_limits.clear()
        self._held.clear()

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop everything of a closed sandbox: its messages, bounce rules, rate window and held mail."""
        self.clear_messages(sandbox)
        self.bounces.clear(sandbox)
        self.rate_limits.clear(sandbox)
        for device_id in list(self._held):
            kept = [held for held in self._held[device_id] if held.sandbox != sandbox]
            if kept:
                self._held[device_id] = kept
            else:
                del self._held[device_id]
