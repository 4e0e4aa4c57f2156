"""Mobile apps as the platform's push configuration holds them, and the provider credentials they sign with.

An APNs provider token is an ES256 JWT (`kid` = key id, `iss` = team id, `iat`) that Apple accepts for an hour and
does not want refreshed more than every 20 minutes; the platform reuses one for 50 minutes. An FCM sender trades a
service-account assertion (RS256 JWT) for an OAuth access token at the account's `token_uri`, valid an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from simulator.clock import Clock
from simulator.platform.models import ApnsCredentials, AppCreate, FcmCredentials

PROVIDER_TOKEN_REUSE_SECONDS = 50 * 60
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@lru_cache(maxsize=256)
def signing_key(pem: str) -> Any:
    """A PEM private key, parsed once (parsing an RSA key costs milliseconds; every scenario signs with one)."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


@dataclass(slots=True)
class App:
    """One app in one sandbox."""

    app_id: str
    name: str
    environment: str
    apns: ApnsCredentials | None
    fcm: FcmCredentials | None
    _provider_token: str | None = None
    _provider_token_at: float = 0.0
    _access_token: str | None = None
    _access_token_until: float = 0.0

    @classmethod
    def from_request(cls, body: AppCreate) -> App:
        """Build from the API body."""
        return cls(body.app_id, body.name or body.app_id, body.environment, body.apns, body.fcm)

    @property
    def push_platforms(self) -> frozenset[str]:
        """The push platforms a valid token for this app carries: apns or apnsSandbox (by environment), fcm."""
        platforms = set()
        if self.apns is not None:
            platforms.add("apnsSandbox" if self.environment == "sandbox" else "apns")
        if self.fcm is not None:
            platforms.add("fcm")
        return frozenset(platforms)

    def provider_token(self, clock: Clock) -> str:
        """The APNs provider JWT, minted again when older than 50 minutes."""
        assert self.apns is not None, "provider tokens are for iOS apps"
        now = clock.timestamp()
        if self._provider_token is None or now - self._provider_token_at >= PROVIDER_TOKEN_REUSE_SECONDS:
            issued_at = int(now)
            self._provider_token = jwt.encode(
                {"iss": self.apns.team_id, "iat": issued_at},
                signing_key(self.apns.private_key),
                algorithm="ES256",
                headers={"kid": self.apns.key_id},
            )
            self._provider_token_at = issued_at
        return self._provider_token

    def fcm_assertion(self, clock: Clock) -> str:
        """A signed service-account assertion to trade for an access token."""
        assert self.fcm is not None, "assertions are for Android apps"
        account = self.fcm.service_account
        issued_at = int(clock.timestamp())
        headers = {"kid": account["private_key_id"]} if "private_key_id" in account else None
        return jwt.encode(
            {
                "iss": account["client_email"],
                "scope": FCM_SCOPE,
                "aud": account["token_uri"],
                "iat": issued_at,
                "exp": issued_at + 3600,
            },
            signing_key(account["private_key"]),
            algorithm="RS256",
            headers=headers,
        )

    def cached_access_token(self, clock: Clock) -> str | None:
        """The FCM access token while it has more than five minutes left."""
        if self._access_token and clock.timestamp() < self._access_token_until - 300:
            return self._access_token
        return None

    def keep_access_token(self, clock: Clock, token: str, expires_in: float) -> None:
        """Remember an access token the token endpoint issued."""
        self._access_token = token
        self._access_token_until = clock.timestamp() + expires_in

    def forget_credentials(self) -> None:
        """Drop cached tokens (the provider rejected them)."""
        self._provider_token = None
        self._access_token = None

    def to_json(self) -> dict[str, Any]:
        """As the API shows it (no secrets)."""
        return {
            "appId": self.app_id,
            "name": self.name,
            "environment": self.environment,
            "apns": {"keyId": self.apns.key_id, "teamId": self.apns.team_id} if self.apns else None,
            "fcm": {"projectId": self.fcm.project_id} if self.fcm else None,
        }
