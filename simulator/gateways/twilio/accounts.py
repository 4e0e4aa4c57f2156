"""What Twilio knows about its customers and their recipients: accounts, numbers, Messaging Services, content
templates, subscribers, and the opt-out list.

Every account belongs to one sandbox, and so do its numbers: the same business number may exist in two sandboxes
(two scenarios running side by side) without either seeing the other. Opt-outs are kept per account, recipient and
scope: the Messaging Service when the number (or RCS sender) is in one, since Twilio opts a person out of the whole
service, the number itself otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulator.gateways.twilio.models import ContentCreate, DeliveryFailure, LineType
from simulator.sandboxes import Sandbox


@dataclass(slots=True, eq=False)
class Number:
    """An incoming phone number of an account."""

    sid: str
    phone_number: str
    account_sid: str
    sms_url: str | None = None
    status_callback: str | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    service_sid: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As `/_sim/numbers` answers."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "phone_number": self.phone_number,
            "sms_url": self.sms_url,
            "status_callback": self.status_callback,
            "capabilities": self.capabilities,
            "messaging_service_sid": self.service_sid,
        }


@dataclass(slots=True, eq=False)
class Service:
    """A Messaging Service: a sender pool, an optional RCS sender, and its webhooks."""

    sid: str
    account_sid: str
    friendly_name: str
    numbers: list[str]
    rcs_sender: str | None = None
    inbound_url: str | None = None
    status_callback: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As `/_sim/services` answers."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "numbers": list(self.numbers),
            "rcs_sender": self.rcs_sender,
            "inbound_url": self.inbound_url,
            "status_callback": self.status_callback,
        }


@dataclass(slots=True, eq=False)
class Content:
    """A content template (Content API), owned by one account."""

    sid: str
    account_sid: str
    template: ContentCreate
    created_at: float

    def to_json(self) -> dict[str, Any]:
        """As the Content API answers (dates in ISO 8601, as that API writes them)."""
        created = datetime.fromtimestamp(self.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        url = f"https://content.twilio.com/v1/Content/{self.sid}"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.template.friendly_name,
            "language": self.template.language,
            "variables": self.template.variables,
            "types": self.template.types,
            "url": url,
            "date_created": created,
            "date_updated": created,
            "links": {"approval_fetch": f"{url}/ApprovalRequests"},
        }


@dataclass(slots=True, eq=False)
class Account:
    """A Twilio account of one sandbox, with what it owns."""

    sid: str
    auth_token: str
    sandbox: Sandbox
    friendly_name: str
    numbers: dict[str, Number] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    contents: dict[str, Content] = field(default_factory=dict)
    opted_out: set[tuple[str, str]] = field(default_factory=set)
    """(recipient number, scope) pairs blocked by an opt-out keyword."""

    def sender_scope(self, sender: str) -> str:
        """The scope an opt-out through `sender` (a number, an `rcs:` agent or a service SID) applies to."""
        if sender in self.services:
            return sender
        number = self.numbers.get(sender)
        if number is not None and number.service_sid is not None:
            return number.service_sid
        service = next((s for s in self.services.values() if s.rcs_sender == sender), None)
        return service.sid if service is not None else sender

    def service_of(self, sender: str) -> Service | None:
        """The Messaging Service a number or RCS sender belongs to."""
        scope = self.sender_scope(sender)
        return self.services.get(scope)


@dataclass(slots=True)
class Subscriber:
    """What the carrier knows about a recipient number."""

    sandbox: str
    phone_number: str
    line_type: LineType = "mobile"
    rcs: bool = False
    failure: DeliveryFailure | None = None

    def to_json(self) -> dict[str, Any]:
        """As `/_sim/subscribers` answers."""
        return {
            "sandbox": self.sandbox,
            "phone_number": self.phone_number,
            "line_type": self.line_type,
            "rcs": self.rcs,
            "failure": self.failure,
        }


class Directory:
    """Every account, and the lookups the request chain needs, across sandboxes."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self._senders: dict[tuple[str, str], Account] = {}
        self._subscribers: dict[tuple[str, str], Subscriber] = {}

    def add_account(self, account: Account) -> Account:
        """Keep a new account."""
        self.accounts[account.sid] = account
        return account

    def add_number(self, account: Account, number: Number) -> Number:
        """Give the account a number (replacing its earlier configuration)."""
        account.numbers[number.phone_number] = number
        self._senders[(account.sandbox.name, number.phone_number)] = account
        return number

    def add_service(self, account: Account, service: Service) -> Service:
        """Give the account a Messaging Service; its numbers join its pool."""
        account.services[service.sid] = service
        for phone_number in service.numbers:
            number = account.numbers.get(phone_number)
            if number is None:
                raise ValueError(f"{phone_number} is not a number of account {account.sid}")
            number.service_sid = service.sid
        if service.rcs_sender is not None:
            self._senders[(account.sandbox.name, service.rcs_sender)] = account
        return service

    def owner(self, sandbox: str, sender: str) -> Account | None:
        """The account a business number or RCS sender belongs to in a sandbox."""
        return self._senders.get((sandbox, sender))

    def set_subscriber(self, subscriber: Subscriber) -> Subscriber:
        """Declare (or redeclare) a recipient number."""
        self._subscribers[(subscriber.sandbox, subscriber.phone_number)] = subscriber
        return subscriber

    def subscriber(self, sandbox: str, phone_number: str) -> Subscriber:
        """What is known of a recipient number (a mobile without RCS unless declared otherwise)."""
        found = self._subscribers.get((sandbox, phone_number))
        return found if found is not None else Subscriber(sandbox, phone_number)

    def subscribers(self, sandbox: str | None = None) -> list[Subscriber]:
        """Declared subscribers (of one sandbox, or all)."""
        return [s for s in self._subscribers.values() if sandbox is None or s.sandbox == sandbox]

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop every account, number and subscriber of a closed sandbox."""
        self.accounts = {sid: a for sid, a in self.accounts.items() if a.sandbox.name != sandbox}
        self._senders = {key: a for key, a in self._senders.items() if key[0] != sandbox}
        self._subscribers = {key: s for key, s in self._subscribers.items() if key[0] != sandbox}
