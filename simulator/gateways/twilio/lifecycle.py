"""An accepted message's life on its sandbox's clock: statuses, status callbacks, and delivery to the phone.

Outbound messages go `queued → sending → sent → delivered` (or `undelivered`/`failed`); one sent through a
Messaging Service starts `accepted` and is `queued` once a sender is chosen. The default `Timings`: `sending` at
once, `sent` 1 s after creation, handed to the phone 2 s after creation. Each change after the first is posted to
the message's `StatusCallback` as a signed form (`MessageSid`, `MessageStatus`, `SmsSid`, `SmsStatus`,
`AccountSid`, `From`, `To`, `ApiVersion`, `MessagingServiceSid`, `ErrorCode` on failure).

What decides the outcome, in order:

1. media (MMS): each `MediaUrl` is fetched when sending starts; one that does not answer 2xx fails the message with
   11200, a content type Twilio does not accept with 12300, more than 5 MB in all with 11751 (status `failed`);
2. a failure declared for the recipient (`/_sim/subscribers`): `undelivered` with that code (30003, 30005, 30006,
   30007);
3. no phone holds the number: `undelivered` 30005 (unknown handset);
4. the phone is offline: the message stays `sent` and is delivered when the phone comes online, unless
   `Timings.retention` (72 h, chosen: carriers keep SMS for a few days) passes first: then `undelivered` 30003.

A Messaging Service with an RCS sender sends RCS to handsets declared RCS-capable and falls back to SMS (MMS when
there is media) from the first number of its pool otherwise; an RCS sender alone cannot reach a handset without RCS
(`undelivered` 30003, chosen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from simulator.devices.delivery import MessageChannel, MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.twilio.accounts import Account, Directory
from simulator.gateways.twilio.errors import describe
from simulator.gateways.twilio.media import MediaFetch
from simulator.gateways.twilio.messages import MediaItem, Message
from simulator.gateways.twilio.models import API_VERSION
from simulator.gateways.twilio.segments import count_segments
from simulator.gateways.twilio.signature import SIGNATURE_HEADER, compute_signature
from simulator.gateways.webhooks import WebhookAnswer
from simulator.sandboxes import Sandboxes

MAX_MEDIA_BYTES = 5 * 1024 * 1024
USER_AGENT = "TwilioProxy/1.1"
#: Content types Twilio accepts for MMS media (images are formatted for the handset; the rest pass as they are).
ACCEPTED_MEDIA_TYPES = frozenset(
    {
        "image/jpeg", "image/jpg", "image/gif", "image/png", "image/bmp", "image/tiff", "image/webp",
        "audio/basic", "audio/L24", "audio/mp4", "audio/mpeg", "audio/ogg", "audio/vnd.wave", "audio/3gpp",
        "audio/3gpp2", "audio/ac3", "audio/webm", "audio/amr-nb", "audio/amr", "audio/aac",
        "video/mpeg", "video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/3gpp2", "video/H264",
        "text/vcard", "text/x-vcard", "text/csv", "text/rtf", "text/richtext", "text/calendar", "text/directory",
        "application/pdf", "application/vcard", "application/vnd.apple.pkpass",
    }
)  # fmt: skip


class WebhookPoster(Protocol):
    """How the gateway posts webhooks (the stack's `WebhookSender`)."""

    async def post(
        self, url: str, *, data: Mapping[str, str] | None = None, content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WebhookAnswer:  # fmt: skip
        """POST and return what the receiver answered (status 0: nobody answered)."""


@dataclass(frozen=True, slots=True)
class Timings:
    """When each status is reached, in seconds after creation; how long a message waits for an offline phone."""

    sending: float = 0.0
    sent: float = 1.0
    delivered: float = 2.0
    retention: float = 72 * 3600.0


def device_address(number: str) -> str:
    """The phone number behind an address (`rcs:+1555…` → `+1555…`)."""
    return number.removeprefix("rcs:")


class Courier:
    """Moves accepted messages through their statuses and onto phones."""

    def __init__(
        self, sandboxes: Sandboxes, hub: DeviceHub, directory: Directory, webhooks: WebhookPoster | None,
        fetch: MediaFetch | None, timings: Timings,
    ) -> None:  # fmt: skip
        self._sandboxes = sandboxes
        self._hub = hub
        self._directory = directory
        self.webhooks = webhooks
        self.fetch = fetch
        self.timings = timings
        self._waiting: dict[str, dict[str, tuple[Message, Account]]] = {}
        hub.on_online(self._flush)

    # -- statuses -------------------------------------------------------------------------------------------

    def start(self, message: Message, account: Account) -> None:
        """Run an accepted message's lifecycle on its sandbox's clock."""

        async def send() -> None:
            await self._send(message, account)

        account.sandbox.clock.call_later(self.timings.sending, send)

    def set_status(self, message: Message, account: Account, status: str, error_code: int | None = None) -> None:
        """Move a message to `status` and post its status callback."""
        clock = account.sandbox.clock
        now = clock.timestamp()
        message.status = status
        message.updated_at = now
        if error_code is not None:
            message.error_code = error_code
            message.error_message = describe(error_code)
        if status == "sent":
            message.sent_at = now
        message.history.append({"status": status, "at": now, **({"error_code": error_code} if error_code else {})})
        if message.status_callback and self.webhooks is not None:
            params = self._callback_params(message, account)
            clock.spawn(self._post_callback(message, account, message.status_callback, params))

    @staticmethod
    def _callback_params(message: Message, account: Account) -> dict[str, str]:
        params = {
            "AccountSid": account.sid,
            "ApiVersion": API_VERSION,
            "From": message.from_ or "",
            "MessageSid": message.sid,
            "MessageStatus": message.status,
            "SmsSid": message.sid,
            "SmsStatus": message.status,
            "To": message.to,
        }
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if message.error_code is not None and message.status in ("undelivered", "failed"):
            params["ErrorCode"] = str(message.error_code)
        return params

    async def _post_callback(self, message: Message, account: Account, url: str, params: dict[str, str]) -> None:
        assert self.webhooks is not None
        headers = {SIGNATURE_HEADER: compute_signature(account.auth_token, url, params), "User-Agent": USER_AGENT}
        answer = await self.webhooks.post(url, data=params, headers=headers)
        message.callbacks.append({"status": params["MessageStatus"], "url": url, "answer": answer.status})

    # -- the steps --------------------------------------------------------------------------------------------

    async def _send(self, message: Message, account: Account) -> None:
        if message.final:
            return
        if message.status == "accepted":
            self._choose_sender(message, account)
            self.set_status(message, account, "queued")
        failure = await self._fetch_media(message) if message.media else None
        if failure is not None:
            self.set_status(message, account, "failed", failure)
            return
        self.set_status(message, account, "sending")

        async def sent() -> None:
            self.set_status(message, account, "sent")
            account.sandbox.clock.call_later(self.timings.delivered - self.timings.sent, deliver)

        async def deliver() -> None:
            self._deliver(message, account)

        account.sandbox.clock.call_later(self.timings.sent - self.timings.sending, sent)

    def _choose_sender(self, message: Message, account: Account) -> None:
        """A Messaging Service picks RCS for a capable handset, else SMS/MMS from its pool."""
        service = account.services[message.messaging_service_sid or ""]
        capable = self._directory.subscriber(message.sandbox, device_address(message.to)).rcs
        if service.rcs_sender is not None and (capable or not service.numbers):
            message.from_, message.channel = service.rcs_sender, "rcs"
            return
        message.from_ = service.numbers[0]
        if message.fallback is not None:
            body, media = message.fallback
            message.body, message.media, message.rich = body, media, None
            message.segments = count_segments(body)
        message.channel = "mms" if message.media else "sms"

    async def _fetch_media(self, message: Message) -> int | None:
        """Fetch every attachment; the error code that fails the message, or None."""
        if self.fetch is None:
            return None
        fetched: list[MediaItem] = []
        total = 0
        for item in message.media:
            answer = await self.fetch(item.url)
            if not 200 <= answer.status < 300:
                return 11200
            if answer.content_type not in ACCEPTED_MEDIA_TYPES:
                return 12300
            total += answer.size
            fetched.append(MediaItem(item.url, answer.content_type, answer.size))
        message.media = fetched
        return 11751 if total > MAX_MEDIA_BYTES else None

    def _deliver(self, message: Message, account: Account) -> None:
        if message.final:
            return
        address = device_address(message.to)
        subscriber = self._directory.subscriber(message.sandbox, address)
        if subscriber.failure is not None:
            self.set_status(message, account, "undelivered", subscriber.failure)
            return
        if message.channel == "rcs" and not subscriber.rcs:
            self.set_status(message, account, "undelivered", 30003)
            return
        device_id = self._hub.device_for(message.sandbox, address)
        if device_id is None:
            self.set_status(message, account, "undelivered", 30005)
            return
        message.device_id = device_id
        if self._hub.deliver_message(device_id, self._delivery(message, account)):
            self.set_status(message, account, "delivered")
            return
        self._waiting.setdefault(device_id, {})[message.sid] = (message, account)

        async def expire() -> None:
            kept = self._waiting.get(device_id, {}).pop(message.sid, None)
            if kept is not None and not message.final:
                self.set_status(message, account, "undelivered", 30003)

        account.sandbox.clock.call_later(self.timings.retention, expire)

    @staticmethod
    def _delivery(message: Message, account: Account) -> MessageDelivery:
        payload: dict[str, Any] = {
            "body": message.body,
            "media": [item.to_json() for item in message.media],
            "num_segments": message.segments.count,
            "encoding": message.segments.encoding.value,
        }
        if message.channel == "rcs" and message.rich is not None:
            payload.update(message.rich)
        return MessageDelivery(
            channel=MessageChannel(message.channel),
            sender=message.from_ or "",
            recipient=device_address(message.to),
            message_id=message.sid,
            payload=payload,
            sent_at=account.sandbox.clock.timestamp(),
        )

    def _flush(self, device_id: str) -> None:
        """A phone came online: hand over what waited for it."""
        waiting = self._waiting.pop(device_id, None)
        if not waiting:
            return
        for sid, (message, account) in waiting.items():
            if message.final or message.sandbox not in self._sandboxes:
                continue
            if self._hub.deliver_message(device_id, self._delivery(message, account)):
                self.set_status(message, account, "delivered")
            else:
                self._waiting.setdefault(device_id, {})[sid] = (message, account)

    def waiting(self, device_id: str) -> list[Message]:
        """Messages kept for an offline phone."""
        return [message for message, _ in self._waiting.get(device_id, {}).values()]

    def clear(self, sandbox: str | None = None) -> None:
        """Forget what waits for offline phones (of one sandbox, or all)."""
        for device_id in list(self._waiting):
            entries = self._waiting[device_id].items()
            kept = {sid: e for sid, e in entries if sandbox is not None and e[0].sandbox != sandbox}
            if kept:
                self._waiting[device_id] = kept
            else:
                del self._waiting[device_id]
