"""Messages from phones: keywords, the number's SMS webhook, and the replies that go back.

A person texting a business number (or an RCS agent) reaches Twilio as an inbound message. In order:

1. the message is recorded (`direction` inbound, `status` received; `From` is `rcs:<number>` over RCS);
2. its keyword is applied (`keywords.py`): an opt-out blocks the (person, sender scope) pair and is confirmed, an
   opt-in lifts it and is confirmed, help is answered unless the person opted out (Twilio's default texts);
3. it is posted, signed, to the number's SMS URL (else its Messaging Service's inbound URL) with Twilio's
   parameters — `OptOutType` when it was a keyword, `ButtonText`/`ButtonPayload` for a tapped RCS suggestion;
4. each `<Message>` of the TwiML answer is sent back to the phone (refused with 21610 if the person opted out).

Replies are outbound messages (`outbound-reply`) with the same lifecycle as any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.gateways.twilio.accounts import Account
from simulator.gateways.twilio.keywords import REPLIES, Keyword, classify
from simulator.gateways.twilio.lifecycle import USER_AGENT, device_address
from simulator.gateways.twilio.messages import MediaItem, Message
from simulator.gateways.twilio.models import API_VERSION, PhonePayload
from simulator.gateways.twilio.segments import count_segments
from simulator.gateways.twilio.signature import SIGNATURE_HEADER, compute_signature
from simulator.gateways.twilio.twiml import TwimlError, parse_messages

if TYPE_CHECKING:
    from simulator.gateways.twilio.service import TwilioGateway


class Inbound:
    """What Twilio does with a message from a phone."""

    def __init__(self, gateway: TwilioGateway) -> None:
        self._gateway = gateway

    async def receive(self, sandbox: str, sender: str, payload: PhonePayload) -> Message:
        """Record, apply keywords, post the webhook; LookupError when no account has `payload.to`."""
        gateway = self._gateway
        account = gateway.directory.owner(sandbox, payload.to)
        if account is None:
            raise LookupError(f"no Twilio number or RCS sender {payload.to} in sandbox {sandbox!r}")
        rcs = payload.to.startswith("rcs:")
        media = [MediaItem(m.url, m.content_type) for m in payload.media]
        service = account.service_of(payload.to)
        now = account.sandbox.clock.timestamp()
        message = Message(
            sid=("MM" if media else "SM") + account.sandbox.ids.hex(32),
            account_sid=account.sid,
            sandbox=sandbox,
            to=payload.to,
            from_=f"rcs:{sender}" if rcs else sender,
            body=payload.body,
            direction="inbound",
            status="received",
            segments=count_segments(payload.body),
            created_at=now,
            updated_at=now,
            sent_at=now,
            media=media,
            messaging_service_sid=service.sid if service else None,
            channel="rcs" if rcs else ("mms" if media else "sms"),
        )
        message.history.append({"status": "received", "at": now})
        gateway.messages.add(message)
        keyword = classify(payload.body)
        self._apply_keyword(account, message, keyword)
        url = self._webhook_url(account, payload.to)
        if url:
            params = self._params(account, message, keyword, payload)
            account.sandbox.clock.spawn(self._post(account, message, url, params))
        return message

    def _apply_keyword(self, account: Account, message: Message, keyword: Keyword | None) -> None:
        if keyword is None:
            return
        pair = (device_address(message.from_ or ""), account.sender_scope(message.to))
        if keyword is Keyword.OPT_OUT:
            account.opted_out.add(pair)
        elif keyword is Keyword.OPT_IN:
            account.opted_out.discard(pair)
        elif pair in account.opted_out:
            return
        self.reply(account, message.to, message.from_ or "", REPLIES[keyword], confirmation=True)

    def reply(
        self, account: Account, from_: str, to: str, body: str, media: list[str] | None = None, *,
        confirmation: bool = False,
    ) -> Message:  # fmt: skip
        """Send `body` back to the phone at `to` from the business sender `from_`.

        Refused (failed, 21610) after an opt-out, unless it is Twilio's own keyword confirmation.
        """
        clock = account.sandbox.clock
        now = clock.timestamp()
        items = [MediaItem(url) for url in media or []]
        message = Message(
            sid=("MM" if items else "SM") + account.sandbox.ids.hex(32),
            account_sid=account.sid,
            sandbox=account.sandbox.name,
            to=to,
            from_=from_,
            body=body,
            direction="outbound-reply",
            status="queued",
            segments=count_segments(body),
            created_at=now,
            updated_at=now,
            sent_at=now,
            media=items,
            channel="rcs" if from_.startswith("rcs:") else ("mms" if items else "sms"),
        )
        message.history.append({"status": "queued", "at": now})
        self._gateway.messages.add(message)
        if not confirmation and (device_address(to), account.sender_scope(from_)) in account.opted_out:
            self._gateway.courier.set_status(message, account, "failed", 21610)
            return message
        self._gateway.courier.start(message, account)
        return message

    @staticmethod
    def _webhook_url(account: Account, to: str) -> str | None:
        number = account.numbers.get(to)
        if number is not None and number.sms_url:
            return number.sms_url
        service = account.service_of(to)
        return service.inbound_url if service is not None else None

    @staticmethod
    def _params(account: Account, message: Message, keyword: Keyword | None, payload: PhonePayload) -> dict[str, str]:
        params = {
            "AccountSid": account.sid,
            "ApiVersion": API_VERSION,
            "Body": message.body,
            "From": message.from_ or "",
            "MessageSid": message.sid,
            "NumMedia": str(len(message.media)),
            "NumSegments": str(message.segments.count),
            "SmsMessageSid": message.sid,
            "SmsSid": message.sid,
            "SmsStatus": "received",
            "To": message.to,
        }
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        for index, item in enumerate(message.media):
            params[f"MediaUrl{index}"] = item.url
            params[f"MediaContentType{index}"] = item.content_type
        if keyword is not None:
            params["OptOutType"] = keyword.value
        if payload.button_payload is not None:
            params["ButtonText"] = message.body
            params["ButtonPayload"] = payload.button_payload
        return params

    async def _post(self, account: Account, message: Message, url: str, params: dict[str, str]) -> None:
        webhooks = self._gateway.courier.webhooks
        if webhooks is None:
            return
        headers = {SIGNATURE_HEADER: compute_signature(account.auth_token, url, params), "User-Agent": USER_AGENT}
        answer = await webhooks.post(url, data=params, headers=headers)
        message.webhook = {"url": url, "status": answer.status, "replies": []}
        if not 200 <= answer.status < 300:
            return
        try:
            verbs = parse_messages(answer.text)
        except TwimlError as error:
            message.webhook["error"] = str(error)
            return
        for verb in verbs:
            sent = self.reply(account, verb.from_ or message.to, verb.to or message.from_ or "", verb.body, verb.media)
            message.webhook["replies"].append(sent.sid)
