"""Google's OAuth 2.0 token endpoint, as google-auth's service-account flow uses it, and the access tokens it issues.

`POST /token` takes `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>`. The assertion
is checked as Google checks it:

- `iss` names a service account this fake created (else `invalid_grant` "Invalid grant: account not found");
- the RS256 signature verifies with that account's key named by the header's `kid` (its `private_key_id`) (else
  "Invalid JWT Signature.");
- `aud` is Google's token endpoint or a `token_uri` the account was given (google-auth always signs Google's
  `https://oauth2.googleapis.com/token`, whatever `token_uri` it posts to);
- `iat`/`exp` span at most an hour and hold on the account's sandbox clock, with five minutes of skew allowed
  (else "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe...");
- `scope` is present (else `invalid_scope`).

The answer is `{"access_token": "ya29.c.…", "expires_in": 3600, "token_type": "Bearer"}`; the token expires after
3600 s of that sandbox's clock. A token whose scopes cover neither `firebase.messaging` nor `cloud-platform` is
issued, as Google issues it, and FCM refuses it with 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.gateways.fcm.errors import CredentialsError, OAuthError
from simulator.sandboxes import Sandbox

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_AUDIENCES = frozenset(
    {GOOGLE_TOKEN_URI, "https://accounts.google.com/o/oauth2/token", "https://www.googleapis.com/oauth2/v4/token"}
)
FCM_SCOPES = frozenset(
    {"https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform"}
)
TOKEN_LIFETIME = 3600
CLOCK_SKEW = 300
BAD_SIGNATURE = "Invalid JWT Signature."
BAD_TIMEFRAME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)

KeyFactory = Callable[[], rsa.RSAPrivateKey]


def generate_key() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, as Google issues for service accounts (50 to 100 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(slots=True, eq=False)
class ServiceAccount:
    """A project's `firebase-adminsdk` service account: its email, sandbox, token URI and public keys by key id."""

    sandbox: Sandbox
    project_id: str
    client_email: str
    client_id: str
    token_uris: set[str] = field(default_factory=set)
    keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class AccessGrant:
    """One access token: the service account it was issued to, when it expires, and whether it may send via FCM.

    `headers` is the usual `Authorization` header for it, shared by the records of every request that sends it.
    """

    token: str
    account: ServiceAccount
    expires_at: float
    fcm: bool
    headers: dict[str, str] = field(default_factory=dict)


def _url_safe(ids_hex: str, length: int) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(ids_hex)).decode().rstrip("=")[:length]


class GoogleOAuth:
    """Service accounts, the token endpoint, and lookup of the bearer tokens it issued."""

    def __init__(self, key_factory: KeyFactory = generate_key) -> None:
        self._key_factory = key_factory
        self._accounts: dict[str, ServiceAccount] = {}
        self._by_project: dict[tuple[str, str], ServiceAccount] = {}
        self._grants: dict[str, AccessGrant] = {}
        self._last: tuple[str, AccessGrant] | None = None

    def create_key(self, sandbox: Sandbox, project_id: str, token_uri: str) -> dict[str, str]:
        """A new key for the project's service account (created on first use), as the console's JSON download."""
        account = self._by_project.get((sandbox.name, project_id))
        if account is None:
            ids = sandbox.ids
            email = f"firebase-adminsdk-{_url_safe(ids.hex(8), 5).lower()}@{project_id}.iam.gserviceaccount.com"
            while email in self._accounts:
                email = f"firebase-adminsdk-{_url_safe(ids.hex(8), 5).lower()}@{project_id}.iam.gserviceaccount.com"
            account = ServiceAccount(sandbox, project_id, email, ids.digits(21))
            self._accounts[email] = account
            self._by_project[(sandbox.name, project_id)] = account
        account.token_uris.add(token_uri)
        private_key = self._key_factory()
        key_id = sandbox.ids.hex(40)
        account.keys[key_id] = private_key.public_key()
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": account.client_email,
            "client_id": account.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{quote(account.client_email)}",
            "universe_domain": "googleapis.com",
        }

    def token_request(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answer a token-endpoint form: check `grant_type`, then trade the assertion."""
        grant_type = form.get("grant_type", "")
        if grant_type != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        assertion = form.get("assertion")
        if not assertion:
            raise OAuthError("invalid_request", "Missing required parameter: assertion")
        return self.issue(assertion)

    def issue(self, assertion: str) -> dict[str, Any]:
        """Trade a signed assertion for an access token; raises `OAuthError` as Google answers."""
        try:
            header = jwt.get_unverified_header(assertion)
            claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise OAuthError("invalid_grant", BAD_SIGNATURE) from None
        account = self._accounts.get(str(claims.get("iss")))
        if account is None:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        self._verify_signature(assertion, header, account)
        audience = claims.get("aud")
        if not isinstance(audience, str) or (audience not in GOOGLE_AUDIENCES and audience not in account.token_uris):
            raise OAuthError(
                "invalid_grant", f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URI}"
            )
        now = account.sandbox.clock.timestamp()
        issued, expires = claims.get("iat"), claims.get("exp")
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            raise OAuthError("invalid_grant", BAD_TIMEFRAME)
        if expires - issued > TOKEN_LIFETIME or issued > now + CLOCK_SKEW or expires < now - CLOCK_SKEW:
            raise OAuthError("invalid_grant", BAD_TIMEFRAME)
        scopes = str(claims.get("scope") or "").split()
        if not scopes:
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29.c." + _url_safe(account.sandbox.ids.hex(180), 120)
        headers = {"authorization": f"Bearer {token}"}
        fcm = bool(FCM_SCOPES.intersection(scopes))
        self._grants[token] = AccessGrant(token, account, now + TOKEN_LIFETIME, fcm, headers)
        return {"access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}

    @staticmethod
    def _verify_signature(assertion: str, header: dict[str, Any], account: ServiceAccount) -> None:
        if header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", BAD_SIGNATURE)
        key_id = header.get("kid")
        keys = [account.keys[key_id]] if key_id in account.keys else [] if key_id else list(account.keys.values())
        for key in keys:
            try:
                jwt.decode(
                    assertion,
                    key,
                    algorithms=["RS256"],
                    options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
                )
                return
            except jwt.InvalidTokenError:
                continue
        raise OAuthError("invalid_grant", BAD_SIGNATURE)

    def authenticate(self, authorization: str | None) -> AccessGrant:
        """The grant behind an `Authorization: Bearer ...` header; raises `CredentialsError` as Google answers."""
        last = self._last
        if last is not None and last[0] == authorization:
            grant = last[1]
        else:
            if not authorization:
                raise CredentialsError("CREDENTIALS_MISSING")
            scheme, _, token = authorization.partition(" ")
            found = self._grants.get(token.strip()) if scheme.lower() == "bearer" else None
            if found is None:
                raise CredentialsError("ACCESS_TOKEN_TYPE_UNSUPPORTED")
            grant = found
        if grant.account.sandbox.clock.timestamp() >= grant.expires_at:
            raise CredentialsError("ACCESS_TOKEN_EXPIRED")
        if not grant.fcm:
            raise CredentialsError("ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        self._last = (authorization, grant) if authorization else None
        return grant

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop the service accounts and access tokens of a closed sandbox."""
        for email in [e for e, a in self._accounts.items() if a.sandbox.name == sandbox]:
            del self._accounts[email]
        for key in [k for k in self._by_project if k[0] == sandbox]:
            del self._by_project[key]
        for token in [t for t, g in self._grants.items() if g.account.sandbox.name == sandbox]:
            del self._grants[token]
        self._last = None
