"""The fake Twilio: the Messages resource in one ordered request chain, and messages from phones.

`TwilioGateway.create_message()` runs every send through the same steps, in this order, whether it came over HTTP
(`app.py`) or straight from the platform in-process:

1. authenticate: HTTP Basic `AccountSid:AuthToken`, for the account of the path (20003);
2. validate: `To` (21604, 21211), the sender — `From` (21603, 21212, 21606) or `MessagingServiceSid` (21705,
   21701) —, `Body` (21602, 21617), `MediaUrl` (21620, 21623), `ContentSid`/`ContentVariables` (21654, 21655,
   21656), `StatusCallback` (21609);
3. recipient: a landline declared for it (21614), an opt-out from this sender (21610);
4. faults: an injected failure, answered with the rule's code and status (e.g. 20429 with 429);
5. record: every request, accepted or not, lands in `calls`; accepted ones in `messages`;
6. answer 201 with the Message resource (`queued`, or `accepted` through a Messaging Service), and run its
   lifecycle on the sandbox's clock (`lifecycle.py`).

`receive_from_phone()` is a person texting a business number (or RCS agent): the message is recorded as inbound
(`received`), its keyword applied (opt-out, opt-in, help: `keywords.py`, each answered with Twilio's default
text), and it is posted to the number's SMS webhook (or its Messaging Service's inbound URL), signed; the
webhook's TwiML `<Message>` answers go back to the phone.

The gateway is global, like Twilio; each account belongs to a sandbox, whose clock times everything about it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.clock import pause
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultInjector, FaultRule
from simulator.gateways.recording import CallLog, RecordedCall
from simulator.gateways.twilio.accounts import Account, Content, Directory, Number, Service, Subscriber
from simulator.gateways.twilio.content import parse_variables, resolve
from simulator.gateways.twilio.errors import TwilioError
from simulator.gateways.twilio.inbound import Inbound
from simulator.gateways.twilio.lifecycle import Courier, Timings, WebhookPoster
from simulator.gateways.twilio.listing import matches, page_of, paging
from simulator.gateways.twilio.media import HostedMedia, MediaFetch
from simulator.gateways.twilio.messages import MediaItem, Message, MessageLog
from simulator.gateways.twilio.models import (
    API_VERSION,
    AccountGrant,
    ContentCreate,
    MessageCreate,
    NumberCreate,
    PhonePayload,
    ServiceCreate,
    SubscriberCreate,
)
from simulator.gateways.twilio.segments import count_segments
from simulator.sandboxes import DEFAULT_SANDBOX, Sandbox, Sandboxes

MAX_BODY_CHARACTERS = 1600
MAX_MEDIA = 10
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")


@dataclass(frozen=True, slots=True)
class TwilioAnswer:
    """What Twilio answered: the HTTP status and the JSON body (a resource, a page, or an error)."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300


class TwilioGateway:
    """Twilio's Programmable Messaging for every sandbox."""

    def __init__(
        self,
        sandboxes: Sandboxes,
        hub: DeviceHub,
        *,
        webhooks: WebhookPoster | None = None,
        fetch: MediaFetch | None = None,
        timings: Timings | None = None,
        urls: Mapping[str, str] | None = None,
    ) -> None:
        self._sandboxes = sandboxes
        self._urls = urls if urls is not None else {}
        self.directory = Directory()
        self.calls = CallLog()
        self.messages = MessageLog()
        self.faults = FaultInjector(seed=f"{sandboxes.seed}/twilio/faults")
        self.media = HostedMedia()
        self.courier = Courier(sandboxes, hub, self.directory, webhooks, fetch, timings or Timings())
        self.inbound = Inbound(self)
        sandboxes.on_close(lambda sandbox: self.forget_sandbox(sandbox.name))

    @property
    def base_url(self) -> str:
        """Where the gateway is reached (hosted media URLs start with it)."""
        return self._urls.get("twilio", "http://twilio.mjlab.test")

    # -- what the Console does --------------------------------------------------------------------------------

    def create_account(self, sandbox: str, friendly_name: str = "") -> AccountGrant:
        """A new account in `sandbox`: its SID and auth token."""
        owner = self._sandboxes.get(sandbox)
        account = Account("AC" + owner.ids.hex(32), owner.ids.hex(32), owner, friendly_name or f"{sandbox} account")
        self.directory.add_account(account)
        return AccountGrant(account_sid=account.sid, auth_token=account.auth_token, sandbox=sandbox)

    def account(self, account_sid: str) -> Account:
        """An account by SID; KeyError if unknown."""
        return self.directory.accounts[account_sid]

    def add_number(self, body: NumberCreate) -> Number:
        """Give an account a phone number (buy it) with its inbound webhook; KeyError if the account is unknown."""
        account = self.account(body.account_sid)
        known = account.numbers.get(body.phone_number)
        number = Number(
            sid=known.sid if known else "PN" + account.sandbox.ids.hex(32),
            phone_number=body.phone_number,
            account_sid=account.sid,
            sms_url=body.sms_url,
            status_callback=body.status_callback,
            capabilities=dict(body.capabilities),
            service_sid=known.service_sid if known else None,
        )
        return self.directory.add_number(account, number)

    def add_service(self, body: ServiceCreate) -> Service:
        """Create a Messaging Service from the account's numbers and an optional RCS sender."""
        account = self.account(body.account_sid)
        service = Service(
            sid="MG" + account.sandbox.ids.hex(32),
            account_sid=account.sid,
            friendly_name=body.friendly_name,
            numbers=list(body.numbers),
            rcs_sender=body.rcs_sender,
            inbound_url=body.inbound_url,
            status_callback=body.status_callback,
        )
        return self.directory.add_service(account, service)

    def set_subscriber(self, body: SubscriberCreate) -> Subscriber:
        """Declare what the carrier knows of a recipient number (line type, RCS, a forced delivery failure)."""
        self._sandboxes.get(body.sandbox)
        return self.directory.set_subscriber(Subscriber(**body.model_dump()))

    def host_media(self, content_type: str, *, size: int | None = None, data: str | None = None) -> str:
        """Serve a file from the gateway for MMS tests; returns its URL."""
        file_id = "ME" + self._sandboxes.get(DEFAULT_SANDBOX).ids.hex(32)
        self.media.add(file_id, content_type, size=size, data=data)
        return f"{self.base_url}/_sim/media/{file_id}"

    # -- the REST API -----------------------------------------------------------------------------------------

    async def create_message(self, account_sid: str, authorization: str | None, request: MessageCreate) -> TwilioAnswer:
        """`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: validate, then accept (201) or refuse."""
        account: Account | None = None
        try:
            account = self._authenticate(account_sid, authorization)
            message = self._validate(account, request)
            fault = self.faults.pick(token=message.to, topic=account.sid)
            if fault is not None:
                await _fail_as(fault)
        except TwilioError as error:
            self._record(request, account_sid, account, error.status, error.to_body(), reason=str(error.code))
            return TwilioAnswer(error.status, error.to_body())
        self.messages.add(message)
        message.history.append({"status": message.status, "at": message.created_at})
        body = message.resource()
        self._record(request, account_sid, account, 201, body, call_id=message.sid)
        self.courier.start(message, account)
        return TwilioAnswer(201, body)

    def fetch_message(self, account_sid: str, authorization: str | None, sid: str) -> TwilioAnswer:
        """`GET .../Messages/{Sid}.json`."""
        try:
            account = self._authenticate(account_sid, authorization)
            message = self.messages.get(sid)
            if message is None or message.account_sid != account.sid or sid == "latest":
                raise TwilioError(20404, path=f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json")
        except TwilioError as error:
            return TwilioAnswer(error.status, error.to_body())
        return TwilioAnswer(200, message.resource())

    def list_messages(self, account_sid: str, authorization: str | None, query: Mapping[str, str]) -> TwilioAnswer:
        """`GET .../Messages.json` with `To`, `From`, `DateSent`, `DateSent<`, `DateSent>` and Twilio's paging."""
        try:
            account = self._authenticate(account_sid, authorization)
            page, page_size = paging(query)
            matching = self.messages.filter(lambda m: m.account_sid == account.sid and matches(m, query))
        except TwilioError as error:
            return TwilioAnswer(error.status, error.to_body())
        matching.reverse()
        return TwilioAnswer(
            200, page_of(matching, f"/{API_VERSION}/Accounts/{account_sid}/Messages.json", query, page, page_size)
        )

    def create_content(self, authorization: str | None, body: ContentCreate) -> TwilioAnswer:
        """Content API `POST /v1/Content` (Basic auth as the account): a template for rich messages."""
        try:
            account = self._authenticate(_user(authorization), authorization)
        except TwilioError as error:
            return TwilioAnswer(error.status, error.to_body())
        content = Content("HX" + account.sandbox.ids.hex(32), account.sid, body, account.sandbox.clock.timestamp())
        account.contents[content.sid] = content
        return TwilioAnswer(201, content.to_json())

    def fetch_content(self, authorization: str | None, sid: str) -> TwilioAnswer:
        """Content API `GET /v1/Content/{Sid}`."""
        try:
            account = self._authenticate(_user(authorization), authorization)
            content = account.contents.get(sid)
            if content is None:
                raise TwilioError(20404, path=f"/v1/Content/{sid}")
        except TwilioError as error:
            return TwilioAnswer(error.status, error.to_body())
        return TwilioAnswer(200, content.to_json())

    # -- phones -----------------------------------------------------------------------------------------------

    async def receive_from_phone(self, sandbox: str, sender: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A message from the phone at `sender`; the payload says to which number, what, and any tapped button.

        Returns the inbound Message resource. LookupError when no account has that number in the sandbox.
        """
        message = await self.inbound.receive(sandbox, sender, PhonePayload.model_validate(payload))
        return message.resource()

    # -- the chain --------------------------------------------------------------------------------------------

    def _authenticate(self, account_sid: str, authorization: str | None) -> Account:
        credentials = _basic_credentials(authorization)
        account = self.directory.accounts.get(account_sid)
        if credentials is None or account is None or credentials[0] != account_sid:
            raise TwilioError(20003)
        if not hmac.compare_digest(credentials[1].encode(), account.auth_token.encode()):
            raise TwilioError(20003)
        return account

    def _validate(self, account: Account, request: MessageCreate) -> Message:
        to = (request.to or "").strip()
        if not to:
            raise TwilioError(21604)
        if not E164.match(to.removeprefix("rcs:")):
            raise TwilioError(21211, to=to)
        service, sender = self._sender(account, request)
        if sender == to:
            raise TwilioError(21211, to=to)
        body = request.body or ""
        if len(body) > MAX_BODY_CHARACTERS:
            raise TwilioError(21617)
        if len(request.media_url) > MAX_MEDIA:
            raise TwilioError(21623)
        if any(not url.startswith(("http://", "https://")) for url in request.media_url):
            raise TwilioError(21620)
        if request.status_callback and not request.status_callback.startswith(("http://", "https://")):
            raise TwilioError(21609, url=request.status_callback)
        rich = None
        fallback: tuple[str, list[MediaItem]] | None = None
        media = list(request.media_url)
        if request.content_variables and not request.content_sid:
            raise TwilioError(21654)
        if request.content_sid:
            content = account.contents.get(request.content_sid)
            if not _CONTENT_SID.match(request.content_sid) or content is None:
                raise TwilioError(21655)
            resolved = resolve(content.template, parse_variables(request.content_variables))
            body, media, rich = resolved.body, resolved.media, resolved.payload()
            fallback_body, fallback_media = resolved.fallback()
            fallback = (fallback_body, [MediaItem(url) for url in fallback_media])
        if not body and not media and rich is None:
            raise TwilioError(21602)
        subscriber = self.directory.subscriber(account.sandbox.name, to.removeprefix("rcs:"))
        if subscriber.line_type == "landline":
            raise TwilioError(21614)
        scope = account.sender_scope(service.sid if service else sender or "")
        if (to.removeprefix("rcs:"), scope) in account.opted_out:
            raise TwilioError(21610)
        now = account.sandbox.clock.timestamp()
        return Message(
            sid=("MM" if media else "SM") + account.sandbox.ids.hex(32),
            account_sid=account.sid,
            sandbox=account.sandbox.name,
            to=to,
            from_=sender,
            body=body,
            direction="outbound-api",
            status="accepted" if service is not None else "queued",
            segments=count_segments(body),
            created_at=now,
            updated_at=now,
            sent_at=now,
            media=[MediaItem(url) for url in media],
            messaging_service_sid=service.sid if service else None,
            status_callback=request.status_callback or _default_callback(account, service, sender),
            channel="rcs" if sender and sender.startswith("rcs:") else ("mms" if media else "sms"),
            rich=rich,
            fallback=fallback,
        )

    def _sender(self, account: Account, request: MessageCreate) -> tuple[Service | None, str | None]:
        """The Messaging Service (sender chosen later) or the `From` sender of a request."""
        service_sid = request.messaging_service_sid
        sender = (request.from_ or "").strip()
        if not service_sid and sender.startswith("MG"):
            service_sid, sender = sender, ""
        if service_sid:
            if not _SERVICE_SID.match(service_sid):
                raise TwilioError(21705)
            service = account.services.get(service_sid)
            if service is None:
                raise TwilioError(21701)
            return service, None
        if not sender:
            raise TwilioError(21603)
        if not (E164.match(sender) or sender.startswith("rcs:") or _ALPHANUMERIC_SENDER.match(sender)):
            raise TwilioError(21212, from_=sender)
        owned = sender in account.numbers or any(s.rcs_sender == sender for s in account.services.values())
        if not owned:
            raise TwilioError(21606, from_=sender)
        return None, sender

    def _record(
        self, request: MessageCreate, account_sid: str, account: Account | None, status: int, response: dict[str, Any],
        *, call_id: str | None = None, reason: str | None = None,
    ) -> None:  # fmt: skip
        owner: Sandbox = account.sandbox if account else self._sandboxes.get(DEFAULT_SANDBOX)
        self.calls.record(
            RecordedCall(
                id=call_id or "RQ" + owner.ids.hex(32),
                at=owner.clock.timestamp(),
                method="POST",
                path=f"/{API_VERSION}/Accounts/{account_sid}/Messages.json",
                headers={},
                body=request.model_dump(by_alias=True, exclude_defaults=True),
                status=status,
                response=response,
                reason=reason,
                token=request.to,
                sandbox=account.sandbox.name if account else None,
            )
        )

    # -- state ------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded calls, messages, fault rules and what waits for offline phones (accounts stay)."""
        self.calls.clear()
        self.messages.clear()
        self.faults.clear()
        self.courier.clear()

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop everything of a closed sandbox: its accounts, numbers, subscribers, messages and calls."""
        self.directory.forget_sandbox(sandbox)
        self.messages.clear(sandbox)
        self.calls.clear(sandbox)
        self.courier.clear(sandbox)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, separator, password = decoded.partition(":")
    return (user, password) if separator else None


def _user(authorization: str | None) -> str:
    credentials = _basic_credentials(authorization)
    return credentials[0] if credentials else ""


def basic_authorization(account_sid: str, auth_token: str) -> str:
    """The `Authorization` header value a client sends."""
    return "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()


def _default_callback(account: Account, service: Service | None, sender: str | None) -> str | None:
    if service is not None:
        return service.status_callback
    number = account.numbers.get(sender or "")
    return number.status_callback if number else None


async def _fail_as(rule: FaultRule) -> None:
    """Answer as the injected `rule` says, after its latency (real time: it slows the transport)."""
    if rule.latency_ms:
        await pause(rule.latency_ms / 1000)
    raise TwilioError(int(rule.error), rule.status)
