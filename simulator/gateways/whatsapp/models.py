"""WhatsApp Cloud API wire models, spelled as Meta spells them, and the `/_sim/` bodies.

`SendRequest` is one `POST /{version}/{phone_number_id}/messages` as it reaches the gateway: the path, the bearer
token, and the body — raw bytes over HTTP, the parsed object when the platform hands it over in-process. The body
is checked by the gateway (`validation.py`) in Meta's order and with Meta's codes, never by pydantic, so a bad
request becomes Meta's error and not a validation error. `SendAnswer` is the Graph API's answer.

The `/_sim/` bodies do what Meta's dashboards do: create a business (its WhatsApp Business Account, phone number,
system-user token and app secret), subscribe its webhook, register message templates; and what a person's phone
does: send a message to a business, read a chat.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: How the 24-hour customer service window is enforced for one business (see `service.py`).
WindowEnforcement = Literal["failed_status", "send_error"]
TemplateCategory = Literal["MARKETING", "UTILITY", "AUTHENTICATION"]
TemplateStatus = Literal["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"]


class SendRequest(BaseModel):
    """One send: `POST /{version}/{phone_number_id}/messages` with its bearer token and body."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    version: str = "v21.0"
    phone_number_id: str
    authorization: str | None = None
    access_token: str | None = Field(default=None, description="the `access_token` query parameter, if used")
    body: bytes | dict[str, Any] = b""


class SendAnswer(BaseModel):
    """The Graph API's answer: the HTTP status and the JSON body (the message ids, or `{"error": ...}`)."""

    model_config = ConfigDict(frozen=True)

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Accepted (200)."""
        return self.status == 200

    @property
    def message_id(self) -> str | None:
        """The `wamid.…` of an accepted message."""
        messages = self.body.get("messages") or [{}]
        found = messages[0].get("id")
        return str(found) if found else None

    @property
    def error_code(self) -> int | None:
        """Meta's numeric code of a refused request."""
        code = (self.body.get("error") or {}).get("code")
        return int(code) if code is not None else None

    @property
    def error_message(self) -> str | None:
        """Meta's message of a refused request, e.g. `(#131047) Re-engagement message`."""
        message = (self.body.get("error") or {}).get("message")
        return str(message) if message is not None else None


class _SimBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BusinessCreate(_SimBody):
    """`POST /_sim/businesses`: a business with one WhatsApp phone number, in one sandbox."""

    sandbox: str = Field(min_length=1)
    display_phone_number: str = Field(min_length=5, max_length=20, description="the business's number, E.164")
    verified_name: str = Field(default="Mobile Journey Lab", min_length=1, max_length=75)
    callback_url: str | None = Field(default=None, description="webhook URL; verified by a handshake when given")
    verify_token: str | None = Field(default=None, description="what the handshake sends as hub.verify_token")
    window_enforcement: WindowEnforcement = Field(
        default="failed_status",
        description="outside the 24-hour window: accept and send a failed status (131047), or refuse the send",
    )
    allowed_recipients: list[str] | None = Field(
        default=None, description="a test number's allowed list; others get 131030 (None: production number)"
    )
    token_lifetime: int | None = Field(default=None, ge=1, description="seconds until the access token expires")


class BusinessPatch(_SimBody):
    """`PATCH /_sim/businesses/{phone_number_id}`: change how a business is treated."""

    window_enforcement: WindowEnforcement | None = None
    allowed_recipients: list[str] | None = None


class BusinessCredentials(BaseModel):
    """What Meta's dashboards hand a business: its ids, a system-user access token and the app secret."""

    waba_id: str
    phone_number_id: str
    display_phone_number: str
    verified_name: str
    access_token: str
    app_secret: str
    webhook_verified: bool = False


class WebhookSubscription(_SimBody):
    """`PUT /_sim/businesses/{phone_number_id}/webhook`: the callback URL and verify token, checked by a handshake."""

    callback_url: str = Field(min_length=1)
    verify_token: str = ""


class TemplateCreate(_SimBody):
    """`POST /_sim/templates`: a message template of a business, as Meta's template API takes it.

    `components` use Meta's spelling: `{"type": "HEADER", "format": "TEXT", "text"}`, `{"type": "BODY", "text":
    "Hi {{1}}"}`, `{"type": "FOOTER", "text"}`, `{"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text"},
    {"type": "URL", "text", "url"}]}`. Registering a name and language again replaces it (a status change).
    """

    waba_id: str = Field(min_length=1)
    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(min_length=2, max_length=10)
    category: TemplateCategory = "UTILITY"
    status: TemplateStatus = "APPROVED"
    components: list[dict[str, Any]] = Field(min_length=1)


class PhoneMessage(_SimBody):
    """`POST /_sim/phones/messages`: what a person's phone sends to a business.

    `payload` is `{"to": <business number>, "type": "text"|"button"|"interactive"|"reaction"|"read", ...}`.
    """

    sandbox: str = Field(min_length=1)
    sender: str = Field(alias="from", min_length=5)
    payload: dict[str, Any]


class PhoneRead(_SimBody):
    """`POST /_sim/phones/read`: the person opened the chat with a business (read receipts)."""

    sandbox: str = Field(min_length=1)
    sender: str = Field(alias="from", min_length=5)
    to: str = Field(min_length=5)
    message_ids: list[str] | None = None
