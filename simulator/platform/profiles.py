"""Profiles: identities (ECID, email, phone...), attributes, consents and push details, per sandbox.

Consents follow the platform's consent schema: `consents.marketing.<channel>.val` is `y` or `n`; a channel with no
value has no consent (marketing needs an explicit `y`). Push details are what the mobile SDK's
`setPushIdentifier` stores: `{appID, token, platform: apns|apnsSandbox|fcm, denylisted}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

IDENTITY_NAMESPACES = ("ECID", "email", "phone", "crmId")
PUSH_PLATFORMS = ("apns", "apnsSandbox", "fcm")


@dataclass(slots=True)
class PushDetail:
    """One push token on a profile."""

    app_id: str
    token: str
    platform: str
    denylisted: bool = False
    ecid: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As the platform shows it on the profile."""
        return {"appID": self.app_id, "token": self.token, "platform": self.platform, "denylisted": self.denylisted}


@dataclass(slots=True)
class Profile:
    """One person as the platform knows them."""

    id: str
    identities: dict[str, list[str]]
    attributes: dict[str, Any] = field(default_factory=dict)
    consents: dict[str, str] = field(default_factory=dict)
    push: list[PushDetail] = field(default_factory=list)

    def identity(self, namespace: str) -> str | None:
        """The first identity in `namespace`, or None."""
        values = self.identities.get(namespace)
        return values[0] if values else None

    def consents_to(self, channel: str) -> bool:
        """True when the profile said yes to marketing on `channel`."""
        return self.consents.get(channel) == "y"

    def to_json(self) -> dict[str, Any]:
        """The profile as the API serves it."""
        return {
            "id": self.id,
            "identities": {ns: list(values) for ns, values in self.identities.items()},
            "attributes": self.attributes,
            "consents": {"marketing": {channel: {"val": val} for channel, val in sorted(self.consents.items())}},
            "pushNotificationDetails": [d.to_json() for d in self.push],
        }


class ProfileStore:
    """The profiles of one sandbox, indexed by every identity."""

    def __init__(self) -> None:
        self._by_id: dict[str, Profile] = {}
        self._index: dict[str, str] = {}

    def add(self, profile: Profile) -> Profile:
        """Store a new profile and index its identities."""
        self._by_id[profile.id] = profile
        for namespace, values in profile.identities.items():
            for value in values:
                self._index[f"{namespace}:{value}"] = profile.id
        return profile

    def get(self, profile_id: str) -> Profile | None:
        """A profile by id."""
        return self._by_id.get(profile_id)

    def find(self, namespace: str, value: str) -> Profile | None:
        """The profile holding identity `namespace:value`."""
        profile_id = self._index.get(f"{namespace}:{value}")
        return self._by_id.get(profile_id) if profile_id else None

    def link(self, profile: Profile, namespace: str, value: str) -> None:
        """Add an identity to a profile (identity stitching)."""
        values = profile.identities.setdefault(namespace, [])
        if value not in values:
            values.append(value)
        self._index[f"{namespace}:{value}"] = profile.id

    def unlink(self, profile: Profile, namespace: str, value: str) -> None:
        """Remove an identity from a profile."""
        values = profile.identities.get(namespace, [])
        if value in values:
            values.remove(value)
            if not values:
                del profile.identities[namespace]
        self._index.pop(f"{namespace}:{value}", None)

    def __iter__(self) -> Iterator[Profile]:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)
