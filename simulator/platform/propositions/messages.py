"""What a marketer authors for the inbound channels: each channel's `message_model`.

- `InAppMessage`: a layout (modal, banner, full-screen) with a title, body, image and up to four buttons (dismiss, deep
  link, URL), a priority, a display frequency, and the trigger evaluated on the phone (app launch, install, update or
  close, a tracked action or state, a point of interest entered or exited) with optional traits (locale, OS, launch
  count). The platform renders its HTML from those fields.
- `ContentCardMessage`: a card on a surface: title, body, image, action URL, priority and expiry date.
- `CodeBasedMessage`: JSON or HTML content for a surface, with variants chosen per profile at fetch time.

Text fields may hold personalization expressions (`{{ profile.firstName }}`), rendered when the phone fetches.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.platform.personalization import expression_error, validate
from simulator.platform.propositions.surfaces import Surface

Layout = Literal["modal", "banner", "fullscreen"]
Frequency = Literal["every", "once", "until_clickthrough"]
TriggerEvent = Literal["launch", "install", "update", "close", "action", "state", "poiEntered", "poiExited"]
#: Triggers that name what they wait for (the action, the state, the point of interest).
NAMED_TRIGGERS = frozenset({"action", "state", "poiEntered", "poiExited"})
Operator = Literal["eq", "ne", "gt", "ge", "lt", "le", "co", "sw"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _surface(value: str | None) -> str | None:
    return None if value is None else Surface.parse(value).uri


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (str(key), *_strings(item))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _check_templates(texts: list[str]) -> None:
    for text in texts:
        error = validate(text)
        if error:
            raise ValueError(f"template error in {text!r}: {error}")


class InAppButton(_Model):
    """A button of an in-app message: it dismisses the message, opens a deep link in the app, or a web URL."""

    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.\-]+$", description="the interaction id tracked")
    label: str = Field(min_length=1)
    action: Literal["dismiss", "deeplink", "url"] = "dismiss"
    target: str | None = Field(default=None, description="the deep link or URL")

    @model_validator(mode="after")
    def _target(self) -> InAppButton:
        if self.action == "dismiss" and self.target:
            raise ValueError("a dismiss button has no target")
        if self.action != "dismiss" and not self.target:
            raise ValueError(f"a {self.action} button needs a target")
        if self.action == "url" and self.target and not self.target.startswith(("http://", "https://", "{{")):
            raise ValueError("a url button's target starts with http:// or https://")
        return self


class Trait(_Model):
    """A condition on the device: `launches ge 3`, `locale eq fr-FR`, `os eq iOS`."""

    trait: Literal["locale", "os", "launches"]
    operator: Operator = "eq"
    value: str | int | float


class InAppTrigger(_Model):
    """When the phone shows the message: an app lifecycle event, a tracked action or state, or a location event."""

    event: TriggerEvent = "launch"
    name: str | None = Field(default=None, description="the action, state or point of interest")
    traits: tuple[Trait, ...] = ()

    @model_validator(mode="after")
    def _named(self) -> InAppTrigger:
        if self.event in NAMED_TRIGGERS and not self.name:
            raise ValueError(
                f"a {self.event} trigger names its {'point of interest' if 'poi' in self.event else self.event}"
            )
        if self.event not in NAMED_TRIGGERS and self.name:
            raise ValueError(f"an app {self.event} trigger takes no name")
        return self


class InAppMessage(_Model):
    """An in-app message."""

    surface: str | None = Field(default=None, description="default: the campaign's app surface mobileapp://<appId>")
    layout: Layout = "modal"
    title: str = ""
    body: str = ""
    image: str | None = None
    buttons: tuple[InAppButton, ...] = Field(default=(), max_length=4)
    priority: int = Field(default=0, ge=0, le=100)
    frequency: Frequency = "every"
    trigger: InAppTrigger = Field(default_factory=InAppTrigger)

    @field_validator("surface")
    @classmethod
    def _surface_uri(cls, value: str | None) -> str | None:
        return _surface(value)

    @model_validator(mode="after")
    def _content(self) -> InAppMessage:
        if not self.title and not self.body:
            raise ValueError("an in-app message has a title or a body")
        _check_templates([self.title, self.body, *(t for b in self.buttons for t in (b.label, b.target or ""))])
        ids = [button.id for button in self.buttons if button.id]
        if len(ids) != len(set(ids)):
            raise ValueError("button ids are unique")
        return self

    def button_id(self, index: int) -> str:
        """The interaction id of button `index` (its own, else `button<n>`)."""
        return self.buttons[index].id or f"button{index + 1}"


class ContentCardMessage(_Model):
    """A content card."""

    surface: str
    title: str = Field(min_length=1)
    body: str = ""
    image: str | None = None
    action_url: str | None = Field(default=None, alias="actionUrl", description="opened when the card is tapped")
    priority: int = Field(default=0, ge=0, le=100)
    expiry_date: datetime | None = Field(
        default=None, alias="expiryDate", description="ISO 8601; a date alone means 00:00 UTC that day; no zone: UTC"
    )

    @field_validator("surface")
    @classmethod
    def _surface_uri(cls, value: str | None) -> str | None:
        return _surface(value)

    @field_validator("expiry_date")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @model_validator(mode="after")
    def _templates(self) -> ContentCardMessage:
        _check_templates([self.title, self.body, self.image or "", self.action_url or ""])
        return self


class CodeBasedVariant(_Model):
    """Content chosen when its condition (an expression on `profile`, `events`, `actions`...) holds."""

    when: str = Field(min_length=1, description='e.g. profile.tier == "gold" or "cart.abandoned" in event_types')
    content: Any

    @field_validator("when")
    @classmethod
    def _expression(cls, value: str) -> str:
        error = expression_error(value)
        if error:
            raise ValueError(f"condition error: {error}")
        return value


class CodeBasedMessage(_Model):
    """A code-based experience: JSON or HTML for a surface; the first variant whose condition holds wins."""

    surface: str
    format: Literal["json", "html"] = "json"
    content: Any = Field(description="the default content: a JSON object or array, or an HTML string")
    variants: tuple[CodeBasedVariant, ...] = ()
    priority: int = Field(default=0, ge=0, le=100)

    @field_validator("surface")
    @classmethod
    def _surface_uri(cls, value: str | None) -> str | None:
        return _surface(value)

    @model_validator(mode="after")
    def _shape(self) -> CodeBasedMessage:
        for content in (self.content, *(v.content for v in self.variants)):
            if self.format == "html" and not isinstance(content, str):
                raise ValueError("html content is a string")
            if self.format == "json" and not isinstance(content, dict | list):
                raise ValueError("json content is an object or an array")
            _check_templates(_strings(content))
        return self


InboundMessage = InAppMessage | ContentCardMessage | CodeBasedMessage
