"""Businesses: a WhatsApp Business Account with one phone number, its token, app secret and webhook.

A business belongs to one sandbox, whose clock decides token expiry, the 24-hour window and timestamps. Meta's ids
are digit strings (15 of them), its system-user tokens start with `EAA`, and its app secrets are 32 hex digits;
the fake mints them from the sandbox's seeded ids, so the same seed gives the same credentials.

A token authenticates its own business only: a token for another phone number id is Meta's unknown-object answer
(100, subcode 33), an unparsable or unknown one 190, an expired one 190 with subcode 463.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from simulator.gateways.whatsapp.errors import AccessTokenError, UnknownObjectError
from simulator.gateways.whatsapp.models import BusinessCreate, BusinessCredentials, WindowEnforcement
from simulator.sandboxes import Sandbox, Sandboxes

_NOT_DIGITS = re.compile(r"[\s\-().]")


def wa_digits(number: str) -> str:
    """A phone number as WhatsApp ids spell it: digits only (`+1 (415) 555-0100` → `14155550100`)."""
    return _NOT_DIGITS.sub("", number.strip().removeprefix("whatsapp:")).removeprefix("+")


def e164(number: str) -> str:
    """A phone number as `+digits`, the form phones and profiles hold."""
    return "+" + wa_digits(number)


@dataclass(slots=True, eq=False)
class Business:
    """One business phone number and everything Meta keeps about it."""

    sandbox: Sandbox
    waba_id: str
    phone_number_id: str
    display_phone_number: str
    verified_name: str
    access_token: str
    app_secret: str
    window_enforcement: WindowEnforcement = "failed_status"
    allowed_recipients: frozenset[str] | None = None
    token_expires_at: float | None = None
    callback_url: str | None = None
    verify_token: str = ""
    webhook_verified: bool = False

    @property
    def metadata(self) -> dict[str, str]:
        """The `metadata` block of this business's webhooks."""
        return {"display_phone_number": self.display_phone_number, "phone_number_id": self.phone_number_id}

    @property
    def number(self) -> str:
        """The business number as phones see it (`+digits`)."""
        return "+" + self.display_phone_number

    def credentials(self) -> BusinessCredentials:
        """What the dashboards show for this business."""
        return BusinessCredentials(
            waba_id=self.waba_id,
            phone_number_id=self.phone_number_id,
            display_phone_number=self.display_phone_number,
            verified_name=self.verified_name,
            access_token=self.access_token,
            app_secret=self.app_secret,
            webhook_verified=self.webhook_verified,
        )


class BusinessRegistry:
    """Every business of the gateway, by phone number id, token, account and (sandbox, number)."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self._sandboxes = sandboxes
        self._by_phone_number_id: dict[str, Business] = {}
        self._by_token: dict[str, Business] = {}
        self._by_number: dict[tuple[str, str], Business] = {}

    def create(self, body: BusinessCreate) -> Business:
        """Create a business in `body.sandbox`; ValueError if that sandbox already has this number."""
        owner = self._sandboxes.get(body.sandbox)
        number = wa_digits(body.display_phone_number)
        if not number.isdigit() or not 7 <= len(number) <= 15:
            raise ValueError(f"display_phone_number {body.display_phone_number!r} is not an E.164 number")
        if (owner.name, number) in self._by_number:
            raise ValueError(f"sandbox {owner.name!r} already has a WhatsApp business at +{number}")
        phone_number_id = _fresh(lambda: owner.ids.digits(15), self._by_phone_number_id)
        token = _fresh(lambda: "EAAJ" + owner.ids.hex(60).upper(), self._by_token)
        lifetime = body.token_lifetime
        business = Business(
            sandbox=owner,
            waba_id=owner.ids.digits(15),
            phone_number_id=phone_number_id,
            display_phone_number=number,
            verified_name=body.verified_name,
            access_token=token,
            app_secret=owner.ids.hex(32),
            window_enforcement=body.window_enforcement,
            allowed_recipients=_allowed(body.allowed_recipients),
            token_expires_at=owner.clock.timestamp() + lifetime if lifetime else None,
            verify_token=body.verify_token or "",
        )
        self._by_phone_number_id[phone_number_id] = business
        self._by_token[token] = business
        self._by_number[(owner.name, number)] = business
        return business

    def set_allowed(self, business: Business, recipients: list[str] | None) -> None:
        """Make the number a test number with this allowed list (None: a production number)."""
        business.allowed_recipients = _allowed(recipients)

    def get(self, phone_number_id: str) -> Business | None:
        """A business by its phone number id."""
        return self._by_phone_number_id.get(phone_number_id)

    def by_number(self, sandbox: str, number: str) -> Business | None:
        """The business at `number` in `sandbox` (any spelling of the number)."""
        return self._by_number.get((sandbox, wa_digits(number)))

    def by_account(self, waba_id: str) -> list[Business]:
        """The phone numbers of one WhatsApp Business Account."""
        return [b for b in self._by_phone_number_id.values() if b.waba_id == waba_id]

    def authenticate(self, token: str | None, phone_number_id: str) -> Business:
        """The business `token` belongs to, if it may send from `phone_number_id`; else Meta's error."""
        business = self._by_token.get(token or "")
        if business is None:
            raise AccessTokenError()
        now = business.sandbox.clock.timestamp()
        if business.token_expires_at is not None and now >= business.token_expires_at:
            raise AccessTokenError(
                f"Error validating access token: Session has expired on {_graph_time(business.token_expires_at)}. "
                f"The current time is {_graph_time(now)}.",
                subcode=463,
            )
        if business.phone_number_id != phone_number_id:
            raise UnknownObjectError(phone_number_id)
        return business

    def __iter__(self) -> Iterator[Business]:
        return iter(list(self._by_phone_number_id.values()))

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop the businesses of a closed sandbox."""
        for business in [b for b in self._by_phone_number_id.values() if b.sandbox.name == sandbox]:
            del self._by_phone_number_id[business.phone_number_id]
            self._by_token.pop(business.access_token, None)
            self._by_number.pop((sandbox, business.display_phone_number), None)


def _fresh(make: Callable[[], str], taken: dict[str, Business]) -> str:
    value = make()
    while value in taken:
        value = make()
    return value


def _allowed(recipients: list[str] | None) -> frozenset[str] | None:
    return None if recipients is None else frozenset(wa_digits(r) for r in recipients)


def _graph_time(timestamp: float) -> str:
    """Graph's wording for an instant, e.g. `Monday, 05-Jan-26 09:00:00 UTC` (Meta writes Pacific time)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
