"""The SMS, MMS and RCS message a campaign or journey sends, and the SMS channel's configuration.

`SmsMessage` is authored in the platform (its text may hold personalization expressions): `kind` sms (text only),
mms (text and media URLs) or rcs (text, a rich card with title, description and media, and suggested replies);
`sender` picks one of the configured numbers, `messagingService` sends through the configured Messaging Service
(required for RCS: Twilio sends RCS through a service with an RCS sender, and falls back to SMS/MMS from its pool).

`SmsChannelConfig` is `PUT /channels/sms`: the Twilio account, its sender numbers and Messaging Service, and where
Twilio posts status callbacks (by default the platform's own `/webhooks/twilio/{sandbox}/status`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.platform.personalization import render

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


class Suggestion(BaseModel):
    """An RCS suggestion: a reply (sent back with its payload), a link, or a number to dial."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=25)
    type: Literal["reply", "url", "dial"] = "reply"
    payload: str | None = Field(default=None, max_length=2048)
    url: str | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _target(self) -> Suggestion:
        if self.type == "url" and not self.url:
            raise ValueError("a url suggestion needs a url")
        if self.type == "dial" and not self.phone:
            raise ValueError("a dial suggestion needs a phone")
        return self


class RichCard(BaseModel):
    """An RCS rich card."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    media: str | None = None


class SmsMessage(BaseModel):
    """An SMS, MMS or RCS message as authored in the platform."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["sms", "mms", "rcs"] = "sms"
    body: str = Field(default="", max_length=1600)
    media: list[str] = Field(default_factory=list, max_length=10)
    card: RichCard | None = None
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=11)
    sender: str | None = Field(default=None, pattern=E164_PATTERN, description="one of the configured numbers")
    messaging_service: bool = Field(
        default=False, alias="messagingService", description="send through the configured Messaging Service"
    )

    @model_validator(mode="after")
    def _shape(self) -> SmsMessage:
        if self.kind == "sms" and (self.media or self.card or self.suggestions):
            raise ValueError("an sms has text only: use kind mms for media, rcs for a card or suggestions")
        if self.kind == "mms" and not self.media:
            raise ValueError("an mms needs at least one media URL")
        if self.kind == "mms" and (self.card or self.suggestions):
            raise ValueError("cards and suggestions are RCS: use kind rcs")
        if not self.body and not self.media and self.card is None:
            raise ValueError("give a body, media or a card")
        return self

    def rendered(self, variables: dict[str, Any]) -> SmsMessage:
        """The message with every text rendered for one profile (RenderingError when it cannot be)."""

        def text(value: str | None) -> str | None:
            return None if value is None else render(value, variables)

        card = None
        if self.card is not None:
            card = RichCard(
                title=render(self.card.title, variables),
                description=render(self.card.description, variables),
                media=text(self.card.media),
            )
        suggestions = [
            s.model_copy(update={"label": render(s.label, variables), "url": text(s.url), "payload": text(s.payload)})
            for s in self.suggestions
        ]
        return self.model_copy(
            update={
                "body": render(self.body, variables),
                "media": [render(url, variables) for url in self.media],
                "card": card,
                "suggestions": suggestions,
            }
        )

    def content_template(self) -> dict[str, Any]:
        """The Content API template of an RCS message (`twilio/card` or `twilio/quick-reply`, with `twilio/text`)."""
        actions = [_action(s) for s in self.suggestions]
        types: dict[str, Any] = {}
        if self.card is not None:
            card: dict[str, Any] = {"title": self.card.title, "subtitle": self.card.description or self.body}
            if self.card.media:
                card["media"] = [self.card.media]
            if actions:
                card["actions"] = actions
            types["twilio/card"] = card
        elif actions:
            types["twilio/quick-reply"] = {"body": self.body, "actions": actions}
        if self.media and self.card is None:
            types["twilio/media"] = {"body": self.body, "media": list(self.media)}
        if self.body and self.card is None and not actions and not self.media:
            types["twilio/text"] = {"body": self.body}
        return {"friendly_name": "mjlab rcs", "language": "en", "types": types}


def _action(suggestion: Suggestion) -> dict[str, Any]:
    if suggestion.type == "url":
        return {"type": "URL", "title": suggestion.label, "url": suggestion.url}
    if suggestion.type == "dial":
        return {"type": "PHONE_NUMBER", "title": suggestion.label, "phone": suggestion.phone}
    return {"type": "QUICK_REPLY", "title": suggestion.label, "id": suggestion.payload or suggestion.label}


class SmsChannelConfig(BaseModel):
    """`PUT /channels/sms`: the Twilio account the sandbox sends with."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    account_sid: str = Field(alias="accountSid", pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: str = Field(alias="authToken", min_length=1)
    numbers: list[str] = Field(min_length=1, description="sender numbers (E.164); the first is the default")
    messaging_service_sid: str | None = Field(default=None, alias="messagingServiceSid", pattern=r"^MG[0-9a-fA-F]{32}$")
    status_callback: str | None = Field(
        default=None, alias="statusCallback", description="where Twilio posts statuses (default: this platform)"
    )

    @model_validator(mode="after")
    def _numbers(self) -> SmsChannelConfig:
        bad = [n for n in self.numbers if not re.match(E164_PATTERN, n)]
        if bad:
            raise ValueError(f"numbers must be E.164 (+ and digits): {', '.join(bad)}")
        return self

    def public(self) -> dict[str, Any]:
        """As `GET /channels/sms` shows it (the token masked)."""
        body = self.model_dump(by_alias=True)
        body["authToken"] = "***" + self.auth_token[-4:]
        return body
