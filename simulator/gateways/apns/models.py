"""APNs wire models, spelled as Apple spells them.

`ApnsRequest` is one `POST /3/device/<token>` as it reaches the gateway: the token from the path, the request
headers kept as the raw strings Apple receives (so a bad value becomes Apple's reason, never a validation error), the
raw payload bytes and the environment (the production or the sandbox host). `ApnsResponse` is Apple's answer.
`ProviderKeyGrant` is what Apple's developer portal hands out for token-based authentication, and the `/_sim/` bodies
register keys and devices the way the portal and iOS would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Environment = Literal["production", "sandbox"]

#: The request headers an `ApnsRequest` carries, by their wire names.
APNS_HEADERS = (
    "authorization",
    "apns-topic",
    "apns-push-type",
    "apns-expiration",
    "apns-priority",
    "apns-collapse-id",
    "apns-id",
)


class ApnsRequest(BaseModel):
    """One notification request: `POST /3/device/{device_token}` with its headers and payload.

    Header fields are validated by the gateway, in Apple's order and with Apple's reasons; construct with either the
    wire names (`apns-topic`) or the Python names (`apns_topic`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)

    device_token: str = ""
    authorization: str | None = None
    apns_topic: str | None = Field(default=None, alias="apns-topic")
    apns_push_type: str | None = Field(default=None, alias="apns-push-type")
    apns_expiration: str | None = Field(default=None, alias="apns-expiration")
    apns_priority: str | None = Field(default=None, alias="apns-priority")
    apns_collapse_id: str | None = Field(default=None, alias="apns-collapse-id")
    apns_id: str | None = Field(default=None, alias="apns-id")
    payload: bytes = b""
    environment: Environment = "production"
    duplicate_headers: bool = Field(default=False, description="an APNs header was sent more than once")

    @classmethod
    def from_headers(
        cls,
        device_token: str,
        headers: Mapping[str, str],
        payload: bytes,
        environment: Environment = "production",
        *,
        duplicate_headers: bool = False,
    ) -> ApnsRequest:
        """Build a request from HTTP headers (lowercase names) as they came over the wire."""
        return cls(
            device_token=device_token,
            authorization=headers.get("authorization"),
            apns_topic=headers.get("apns-topic"),
            apns_push_type=headers.get("apns-push-type"),
            apns_expiration=headers.get("apns-expiration"),
            apns_priority=headers.get("apns-priority"),
            apns_collapse_id=headers.get("apns-collapse-id"),
            apns_id=headers.get("apns-id"),
            payload=payload,
            environment=environment,
            duplicate_headers=duplicate_headers,
        )

    def apns_headers(self) -> dict[str, str]:
        """The `apns-*` headers that were sent, by wire name (the bearer token is left out of recordings)."""
        headers: dict[str, str] = {}
        if self.apns_topic is not None:
            headers["apns-topic"] = self.apns_topic
        if self.apns_push_type is not None:
            headers["apns-push-type"] = self.apns_push_type
        if self.apns_expiration is not None:
            headers["apns-expiration"] = self.apns_expiration
        if self.apns_priority is not None:
            headers["apns-priority"] = self.apns_priority
        if self.apns_collapse_id is not None:
            headers["apns-collapse-id"] = self.apns_collapse_id
        if self.apns_id is not None:
            headers["apns-id"] = self.apns_id
        return headers


class ApnsResponse(BaseModel):
    """Apple's answer: the status, the `apns-id` header, and `{"reason"...}` on failure (None, no body, on 200)."""

    model_config = ConfigDict(frozen=True)

    status: int
    apns_id: str
    body: dict[str, Any] | None = None

    @property
    def reason(self) -> str | None:
        """Apple's reason string, or None on success."""
        return None if self.body is None else self.body.get("reason")


class ProviderKeyGrant(BaseModel):
    """A token-signing key as Apple's developer portal hands it out: the key id, the team, and the `.p8` file.

    `private_key_pem` is the PKCS#8 PEM of an EC P-256 key, the content of `AuthKey_<key_id>.p8`; sign ES256 JWTs
    with `kid` = `key_id` and `iss` = `team_id`. `topics` are the bundle ids the key may push to.
    """

    model_config = ConfigDict(frozen=True)

    key_id: str = Field(min_length=10, max_length=10)
    team_id: str
    topics: list[str]
    private_key_pem: str
    sandbox: str


class KeyRegistration(BaseModel):
    """`POST /_sim/keys`: create a signing key for a team and its apps, in one sandbox."""

    model_config = ConfigDict(extra="forbid")

    sandbox: str = Field(min_length=1)
    team_id: str = Field(min_length=1, max_length=64)
    topics: list[str] = Field(min_length=1)


class DeviceRegistration(BaseModel):
    """`POST /_sim/devices`: what iOS does at `registerForRemoteNotifications`; answered with the device token."""

    model_config = ConfigDict(extra="forbid")

    sandbox: str = Field(min_length=1)
    device_id: str = Field(min_length=1)
    bundle_id: str = Field(min_length=1)
    environment: Environment = "production"


class DeviceRegistered(BaseModel):
    """The answer to `POST /_sim/devices`."""

    token: str
