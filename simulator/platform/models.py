"""Request and response bodies of the platform API (validated at the edge: an invalid one is a 422 naming the field)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ConsentValue = Literal["y", "n"]


class Channel(StrEnum):
    """The channels a message goes out on."""

    PUSH = "push"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    IN_APP = "inapp"
    CONTENT_CARD = "contentCard"
    CODE_BASED = "codeBased"


class Category(StrEnum):
    """Marketing messages need consent; transactional ones do not (an SMS STOP still wins)."""

    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ConsentEntry(_Body):
    """`{"val": "y"}`"""

    val: ConsentValue


class Consents(_Body):
    """`consents.marketing.<channel>.val` as the platform's consent schema spells it."""

    marketing: dict[Channel, ConsentEntry] = Field(default_factory=dict)
    preferred: Channel | None = None


class ProfileCreate(_Body):
    """A new profile: at least one identity."""

    identities: dict[Annotated[str, Field(pattern="^(ECID|email|phone|crmId)$")], str] = Field(min_length=1)
    attributes: dict[str, Any] = Field(default_factory=dict)
    consents: Consents = Field(default_factory=Consents)


class ProfilePatch(_Body):
    """Attributes to merge into a profile, and consents to set."""

    attributes: dict[str, Any] = Field(default_factory=dict)
    consents: Consents | None = None


class ApnsCredentials(_Body):
    """The APNs auth key an app's push configuration holds (the .p8 file, its key id and team id)."""

    key_id: str = Field(alias="keyId", min_length=10, max_length=10)
    team_id: str = Field(alias="teamId", min_length=10, max_length=10)
    private_key: str = Field(alias="privateKey", min_length=1, description="PEM (PKCS#8) ES256 key")


class FcmCredentials(_Body):
    """The Firebase project and its service account JSON."""

    project_id: str = Field(alias="projectId", min_length=1)
    service_account: dict[str, Any] = Field(alias="serviceAccount")

    @model_validator(mode="after")
    def _service_account_shape(self) -> FcmCredentials:
        missing = [k for k in ("client_email", "private_key", "token_uri") if k not in self.service_account]
        if missing:
            raise ValueError(f"serviceAccount lacks {', '.join(missing)}")
        return self


class AppCreate(_Body):
    """A mobile app and its push credentials: APNs for its iOS build, FCM for its Android build, or both."""

    app_id: str = Field(alias="appId", pattern=r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)+$")
    name: str = ""
    environment: Literal["production", "sandbox"] = Field(
        default="production", description="the APNs environment the iOS build registers in"
    )
    apns: ApnsCredentials | None = None
    fcm: FcmCredentials | None = None

    @model_validator(mode="after")
    def _some_credentials(self) -> AppCreate:
        if self.apns is None and self.fcm is None:
            raise ValueError("give apns credentials, fcm credentials, or both")
        return self


class Recipient(_Body):
    """Who a triggered campaign goes to: a profile id or one identity."""

    profile_id: str | None = Field(default=None, alias="profileId")
    namespace: str | None = None
    id: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way(self) -> Recipient:
        if self.profile_id is None and (self.namespace is None or self.id is None):
            raise ValueError("give profileId, or namespace and id")
        return self


class Schedule(_Body):
    """When a scheduled campaign runs: once at a date (or now), or daily/weekly from then, until a date."""

    at: datetime | None = Field(default=None, description="first run (default: now)")
    every: Literal["daily", "weekly"] | None = None
    until: datetime | None = None

    @model_validator(mode="after")
    def _aware(self) -> Schedule:
        for value in (self.at, self.until):
            if value is not None and value.tzinfo is None:
                raise ValueError("dates need a time zone (e.g. 2026-01-09T09:00:00Z)")
        return self


class CampaignCreate(_Body):
    """A campaign on one channel: API-triggered (to profiles), or scheduled (to an audience, now, at a date, or
    recurring); `message` is validated by that channel's message model."""

    name: str = Field(min_length=1)
    channel: Channel = Channel.PUSH
    category: Category = Category.MARKETING
    app_id: str | None = Field(default=None, alias="appId", description="the app a push goes to")
    message: dict[str, Any]
    audience: str | None = Field(default=None, description="the audience a scheduled campaign reads")
    schedule: Schedule | None = None

    @model_validator(mode="after")
    def _scheduled_needs_audience(self) -> CampaignCreate:
        if self.schedule is not None and self.audience is None:
            raise ValueError("a scheduled campaign targets an audience")
        return self


class TriggerRequest(_Body):
    """Send a campaign now to a list of recipients and/or an audience (read now)."""

    recipients: list[Recipient] = Field(default_factory=list, max_length=200_000)
    audience: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _someone(self) -> TriggerRequest:
        if not self.recipients and self.audience is None:
            raise ValueError("give recipients, an audience, or both")
        return self


class EdgeEvent(BaseModel):
    """One event as the mobile SDK sends it to the Edge Network."""

    model_config = ConfigDict(extra="allow")

    xdm: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)


class EdgeRequest(_Body):
    """`POST /ee/v2/interact` body."""

    events: list[EdgeEvent] = Field(min_length=1)


class ClockAdvance(_Body):
    """Move a sandbox's virtual clock: by seconds, or to an ISO 8601 instant."""

    seconds: float | None = Field(default=None, ge=0)
    to: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ClockAdvance:
        if (self.seconds is None) == (self.to is None):
            raise ValueError("give exactly one of seconds and to")
        return self


class SandboxCreate(_Body):
    """A new sandbox."""

    name: str = Field(pattern="^[a-z0-9][a-z0-9-]{0,62}$")
    seed: str | None = Field(default=None, max_length=500, description="seed of the sandbox's ids and randomness")
