"""Twilio wire models, spelled as Twilio spells them, and the `/_sim/` bodies that set up the fake.

`MessageCreate` is one `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` as it reaches the gateway: the form
fields kept as the raw strings Twilio receives (so a bad value becomes Twilio's error code, never a validation
error). Construct it from form pairs (`from_form`), or with the wire names (`To`, `MediaUrl`) or Python names.
`ContentCreate` is the Content API's `POST /v1/Content` body (rich cards for RCS). The `/_sim/` bodies create
accounts, numbers, Messaging Services and subscribers, and carry what a phone texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

API_VERSION = "2010-04-01"
LineType = Literal["mobile", "landline", "voip"]
DeliveryFailure = Literal[30003, 30005, 30006, 30007]


class MessageCreate(BaseModel):
    """The form fields of a Messages create request (all optional on the wire; the gateway validates them)."""

    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True)

    to: str | None = Field(default=None, alias="To")
    from_: str | None = Field(default=None, alias="From")
    messaging_service_sid: str | None = Field(default=None, alias="MessagingServiceSid")
    body: str | None = Field(default=None, alias="Body")
    media_url: tuple[str, ...] = Field(default=(), alias="MediaUrl")
    status_callback: str | None = Field(default=None, alias="StatusCallback")
    content_sid: str | None = Field(default=None, alias="ContentSid")
    content_variables: str | None = Field(default=None, alias="ContentVariables")

    @classmethod
    def from_form(cls, pairs: Iterable[tuple[str, str]]) -> MessageCreate:
        """Read form pairs as they came over the wire (`MediaUrl` may repeat)."""
        fields: dict[str, Any] = {}
        media: list[str] = []
        for name, value in pairs:
            if name == "MediaUrl":
                media.append(value)
            elif name in _WIRE_NAMES:
                fields[name] = value
        return cls.model_validate({**fields, "MediaUrl": tuple(media)})

    def to_form(self) -> list[tuple[str, str]]:
        """The form pairs a client would send."""
        fields = self.model_dump(by_alias=True, exclude={"media_url"})
        pairs = [(alias, value) for alias, value in fields.items() if value]
        return pairs + [("MediaUrl", url) for url in self.media_url]


_WIRE_NAMES = frozenset(
    field.alias for name, field in MessageCreate.model_fields.items() if field.alias and name != "media_url"
)


class ContentCreate(BaseModel):
    """Content API `POST /v1/Content`: a template with its variables and one body per content type.

    The gateway reads `twilio/card` (`title`, `subtitle`, `media`, `actions` of type `QUICK_REPLY` `{title, id}`,
    `URL` `{title, url}` or `PHONE_NUMBER` `{title, phone}`), `twilio/quick-reply` (`body`, `actions`),
    `twilio/media` (`body`, `media`) and `twilio/text` (`body`, what SMS fallback sends when given). `{{1}}`
    placeholders are filled from the message's `ContentVariables`.
    """

    model_config = ConfigDict(extra="forbid")

    friendly_name: str = ""
    language: str = "en"
    variables: dict[str, str] = Field(default_factory=dict)
    types: dict[str, dict[str, Any]] = Field(min_length=1)


class AccountCreate(BaseModel):
    """`POST /_sim/accounts`: an account for one sandbox; answered with its SID and auth token."""

    model_config = ConfigDict(extra="forbid")

    sandbox: str = Field(min_length=1)
    friendly_name: str = ""


class AccountGrant(BaseModel):
    """The credentials of a new account (what the Console shows)."""

    account_sid: str
    auth_token: str
    sandbox: str


class NumberCreate(BaseModel):
    """`POST /_sim/numbers`: a number the account bought, and where its inbound messages are posted."""

    model_config = ConfigDict(extra="forbid")

    account_sid: str = Field(min_length=34, max_length=34)
    phone_number: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")
    sms_url: str | None = None
    status_callback: str | None = None
    capabilities: dict[str, bool] = Field(default_factory=lambda: {"sms": True, "mms": True})


class ServiceCreate(BaseModel):
    """`POST /_sim/services`: a Messaging Service, its sender pool, and an optional RCS sender (`rcs:<agent>`)."""

    model_config = ConfigDict(extra="forbid")

    account_sid: str = Field(min_length=34, max_length=34)
    friendly_name: str = ""
    numbers: list[str] = Field(default_factory=list)
    rcs_sender: str | None = Field(default=None, pattern=r"^rcs:[A-Za-z0-9_.\-]+$")
    inbound_url: str | None = None
    status_callback: str | None = None


class SubscriberCreate(BaseModel):
    """`POST /_sim/subscribers`: what the carrier knows about a recipient number in a sandbox.

    `line_type` landline makes sends answer 21614; `rcs` says whether the handset takes RCS; `failure` makes every
    delivery to the number end `undelivered` with that code.
    """

    model_config = ConfigDict(extra="forbid")

    sandbox: str = Field(min_length=1)
    phone_number: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")
    line_type: LineType = "mobile"
    rcs: bool = False
    failure: DeliveryFailure | None = None


class PhoneMedia(BaseModel):
    """One attachment a phone sends."""

    model_config = ConfigDict(extra="forbid")

    url: str
    content_type: str = "image/jpeg"


class PhonePayload(BaseModel):
    """What a person texts: to which business number (or `rcs:` agent), the text, attachments, a tapped suggestion."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1)
    body: str = ""
    media: list[PhoneMedia] = Field(default_factory=list, max_length=10)
    button_payload: str | None = Field(default=None, description="the id of a tapped RCS suggested reply")


class PhoneMessage(BaseModel):
    """`POST /_sim/phones/messages`: a message sent from the phone at `from` in `sandbox`."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    sandbox: str = Field(min_length=1)
    from_: str = Field(alias="from", min_length=1)
    payload: PhonePayload


class MediaUpload(BaseModel):
    """`POST /_sim/media`: host a file on the gateway for MMS tests (`size` bytes of filler, or base64 `data`)."""

    model_config = ConfigDict(extra="forbid")

    content_type: str = "image/jpeg"
    size: int | None = Field(default=None, ge=0, le=50_000_000)
    data: str | None = None
