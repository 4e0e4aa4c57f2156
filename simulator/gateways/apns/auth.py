"""Token-based provider authentication: ES256 signing keys and the JWTs a provider signs with them.

The gateway keeps each key's public half. A provider sends `authorization: bearer <jwt>` whose header names the key
(`kid`) and whose claims name the team (`iss`) and the issue time (`iat`, Unix seconds). A token older than an
hour by the key's sandbox clock is `ExpiredProviderToken`; a token issued in the future is accepted, because a real
client signs with wall time while a sandbox's clock may run behind it (unconfirmed: Apple does not document it).

Signature checks cost about a hundred microseconds, so each verified token is cached: a provider that reuses its
JWT, as Apple asks, costs one dict lookup per notification.
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from simulator.gateways.apns.errors import ApnsError
from simulator.gateways.apns.models import ProviderKeyGrant
from simulator.sandboxes import Sandbox, Sandboxes

#: How long a provider token stays valid after its `iat`.
TOKEN_LIFETIME_SECONDS = 3600
#: Verified tokens kept; a provider refreshes its token every 20-60 minutes, so this is ample.
_CACHE_LIMIT = 65_536
#: Topic suffixes that address another kind of push of the same app (VoIP, complications...).
_TOPIC_SUFFIXES = (".voip", ".complication", ".pushkit.fileprovider", ".push-type.liveactivity")


def bundle_of(topic: str) -> str:
    """The app's bundle id behind an `apns-topic` (`com.example.app.voip` → `com.example.app`)."""
    if topic.endswith(_TOPIC_SUFFIXES):
        for suffix in _TOPIC_SUFFIXES:
            if topic.endswith(suffix):
                return topic[: -len(suffix)]
    return topic


@dataclass(slots=True, eq=False)
class ProviderKey:
    """A registered signing key: who may use it, for which apps, and the public half to verify with."""

    key_id: str
    team_id: str
    topics: frozenset[str]
    sandbox: Sandbox
    public_key: ec.EllipticCurvePublicKey


@dataclass(slots=True, frozen=True)
class _VerifiedToken:
    key: ProviderKey
    issued_at: float


_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class ProviderAuth:
    """The signing keys the gateway knows and the provider tokens it has verified."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self._sandboxes = sandboxes
        self._keys: dict[str, ProviderKey] = {}
        self._verified: dict[str, _VerifiedToken] = {}

    def register_key(self, sandbox: str, team_id: str, topics: list[str]) -> ProviderKeyGrant:
        """Create an ES256 key for `team_id` and its `topics` (bundle ids) in `sandbox`; keep its public half."""
        owner = self._sandboxes.get(sandbox)
        if not team_id:
            raise ValueError("a key needs a team id")
        if not topics:
            raise ValueError("a key needs at least one topic (bundle id)")
        key_id = owner.ids.hex(10).upper()
        while key_id in self._keys:
            key_id = owner.ids.hex(10).upper()
        # Derived from the sandbox's seeded ids: the same seed makes the same key, so a replayed state (a restarted
        # server) holds the keys its providers were given.
        secret = int(owner.ids.hex(64), 16) % (_P256_ORDER - 1) + 1
        private_key = ec.derive_private_key(secret, ec.SECP256R1())
        self._keys[key_id] = ProviderKey(
            key_id=key_id,
            team_id=team_id,
            topics=frozenset(bundle_of(topic) for topic in topics),
            sandbox=owner,
            public_key=private_key.public_key(),
        )
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return ProviderKeyGrant(
            key_id=key_id, team_id=team_id, topics=list(topics), private_key_pem=pem, sandbox=sandbox
        )

    def key(self, key_id: str) -> ProviderKey | None:
        """The key registered under `key_id`, if any."""
        return self._keys.get(key_id)

    def authenticate(self, authorization: str | None, topic: str) -> ProviderKey:
        """The key that signed this request's provider token, allowed to push to `topic`; else an ApnsError."""
        if not authorization:
            raise ApnsError("MissingProviderToken")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer":
            raise ApnsError("InvalidProviderToken")
        if not token:
            raise ApnsError("MissingProviderToken")
        verified = self._verified.get(token)
        if verified is None:
            verified = self._verify(token)
            if len(self._verified) >= _CACHE_LIMIT:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = verified
        key = verified.key
        if key.sandbox.clock.timestamp() - verified.issued_at > TOKEN_LIFETIME_SECONDS:
            raise ApnsError("ExpiredProviderToken")
        if topic not in key.topics and bundle_of(topic) not in key.topics:
            raise ApnsError("TopicDisallowed")
        return key

    def _verify(self, token: str) -> _VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise ApnsError("InvalidProviderToken") from None
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None or header.get("alg") != "ES256":
            raise ApnsError("InvalidProviderToken")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=["ES256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["iss", "iat"]},
            )
        except jwt.PyJWTError:
            raise ApnsError("InvalidProviderToken") from None
        issued_at = claims["iat"]
        if claims["iss"] != key.team_id or isinstance(issued_at, bool) or not isinstance(issued_at, int | float):
            raise ApnsError("InvalidProviderToken")
        return _VerifiedToken(key=key, issued_at=float(issued_at))

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop the keys of a closed sandbox, and every token they signed."""
        gone = {key_id for key_id, key in self._keys.items() if key.sandbox.name == sandbox}
        for key_id in gone:
            del self._keys[key_id]
        self._verified = {t: v for t, v in self._verified.items() if v.key.key_id not in gone}
