"""FCM HTTP v1 errors and Google OAuth token-endpoint errors, with the bodies Google answers.

Every failure of the send endpoint is an `FcmError`: FCM's `errorCode`, the google.rpc `status` and HTTP status
that go with it, whether a sender may retry, a message and optional field violations. Its body::

    {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT"},
        {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field", "description"}]}]}}

Two kinds of failure come from Google's front end rather than from FCM, and their bodies lack the FcmError detail
(as recorded from the real service): a payload that does not parse into the message proto (`InvalidPayloadError`:
unknown names, wrong JSON types, a second target) and missing or bad credentials (`CredentialsError`, whose detail
is a `google.rpc.ErrorInfo` with the reason). The token endpoint answers OAuth's own shape::

    Exception
     ├── FcmError                    errorCode, status, http_status, retryable, message, field_violations
     │    ├── InvalidPayloadError    400 INVALID_ARGUMENT, BadRequest detail only ("Invalid JSON payload received...")
     │    └── CredentialsError       401 UNAUTHENTICATED / 403 PERMISSION_DENIED, ErrorInfo detail with the reason
     └── OAuthError                  the token endpoint: {"error": "invalid_grant", "error_description": "..."}

FCM's codes: INVALID_ARGUMENT 400, THIRD_PARTY_AUTH_ERROR 401, SENDER_ID_MISMATCH 403, UNREGISTERED 404,
QUOTA_EXCEEDED 429, INTERNAL 500, UNAVAILABLE 503; 429, 500 and 503 are retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"


class ErrorCode(StrEnum):
    """FCM's `errorCode` values (google.firebase.fcm.v1.ErrorCode)."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNREGISTERED = "UNREGISTERED"
    SENDER_ID_MISMATCH = "SENDER_ID_MISMATCH"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"
    THIRD_PARTY_AUTH_ERROR = "THIRD_PARTY_AUTH_ERROR"


#: errorCode -> (HTTP status, google.rpc status, Google's usual message).
ERROR_CODES: dict[str, tuple[int, str, str]] = {
    ErrorCode.INVALID_ARGUMENT: (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    ErrorCode.THIRD_PARTY_AUTH_ERROR: (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
    ErrorCode.SENDER_ID_MISMATCH: (403, "PERMISSION_DENIED", "SenderId mismatch"),
    ErrorCode.UNREGISTERED: (404, "NOT_FOUND", "Requested entity was not found."),
    ErrorCode.QUOTA_EXCEEDED: (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'."),
    ErrorCode.INTERNAL: (500, "INTERNAL", "Internal error encountered."),
    ErrorCode.UNAVAILABLE: (503, "UNAVAILABLE", "The service is currently unavailable."),
}

#: HTTP status -> google.rpc status, for fault rules naming a code FCM does not list.
RPC_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

RETRYABLE_STATUSES = frozenset({429, 500, 503})


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One entry of a google.rpc.BadRequest: which field, and what is wrong with it."""

    field: str
    description: str

    def to_json(self) -> dict[str, str]:
        """The JSON form inside `fieldViolations`."""
        return {"field": self.field, "description": self.description}


class FcmError(Exception):
    """One failure of `messages:send`, carrying FCM's `errorCode` and the google.rpc status it comes with.

    `http_status` and `status` default to those FCM pairs with `error_code`; a fault rule may name any code with an
    explicit HTTP status, whose google.rpc status is then derived from it.
    """

    def __init__(
        self,
        error_code: str | None,
        message: str | None = None,
        *,
        http_status: int | None = None,
        status: str | None = None,
        field_violations: tuple[FieldViolation, ...] = (),
    ) -> None:
        known = ERROR_CODES.get(error_code) if error_code is not None else None
        if http_status is None:
            if known is None:
                raise ValueError(f"unknown FCM errorCode {error_code!r}: give its HTTP status explicitly")
            http_status = known[0]
        if status is None:
            paired = known is not None and known[0] == http_status
            status = known[1] if known is not None and paired else RPC_STATUS.get(http_status, "UNKNOWN")
        if message is None:
            message = known[2] if known is not None else "Request failed."
        super().__init__(f"{http_status} {status} {error_code}: {message}")
        self.error_code = str(error_code) if error_code is not None else None
        self.message = message
        self.http_status = http_status
        self.status = status
        self.field_violations = field_violations

    @property
    def retryable(self) -> bool:
        """True for 429, 500 and 503: a sender retries these with backoff."""
        return self.http_status in RETRYABLE_STATUSES

    def details(self) -> list[dict[str, Any]]:
        """The `details` array: the FcmError detail, then a BadRequest when there are field violations."""
        details: list[dict[str, Any]] = [{"@type": FCM_ERROR_TYPE, "errorCode": self.error_code}]
        details.extend(self._bad_request())
        return details

    def _bad_request(self) -> list[dict[str, Any]]:
        if not self.field_violations:
            return []
        return [{"@type": BAD_REQUEST_TYPE, "fieldViolations": [v.to_json() for v in self.field_violations]}]

    def to_body(self) -> dict[str, Any]:
        """The JSON body Google answers with."""
        return {
            "error": {
                "code": self.http_status,
                "message": self.message,
                "status": self.status,
                "details": self.details(),
            }
        }


class InvalidPayloadError(FcmError):
    """A body that does not map onto the SendMessageRequest proto: Google's transcoder rejects it before FCM sees it.

    The answer is 400 INVALID_ARGUMENT with a BadRequest detail and no FcmError detail, as the real service sends.
    """

    def __init__(self, violations: tuple[FieldViolation, ...]) -> None:
        message = "\n".join(v.description for v in violations)
        super().__init__(ErrorCode.INVALID_ARGUMENT, message, field_violations=violations)

    @classmethod
    def single(cls, description: str, field: str) -> InvalidPayloadError:
        """One violation: `description` about `field`."""
        return cls((FieldViolation(field, description),))

    def details(self) -> list[dict[str, Any]]:
        return self._bad_request()


#: ErrorInfo reason -> (HTTP status, google.rpc status, message), as Google's front end answers credential failures.
CREDENTIAL_REASONS: dict[str, tuple[int, str, str]] = {
    "CREDENTIALS_MISSING": (
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    "ACCESS_TOKEN_EXPIRED": (
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    "ACCESS_TOKEN_TYPE_UNSUPPORTED": (
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT": (403, "PERMISSION_DENIED", "Request had insufficient authentication scopes."),
}


class CredentialsError(FcmError):
    """Google's front end refused the bearer token; the detail is a google.rpc.ErrorInfo naming the `reason`.

    Reasons: CREDENTIALS_MISSING (no bearer token), ACCESS_TOKEN_EXPIRED, ACCESS_TOKEN_TYPE_UNSUPPORTED (a token
    Google never issued), all 401 UNAUTHENTICATED; ACCESS_TOKEN_SCOPE_INSUFFICIENT (a token whose scopes do not
    cover FCM), 403 PERMISSION_DENIED.
    """

    def __init__(self, reason: str) -> None:
        http_status, status, message = CREDENTIAL_REASONS[reason]
        super().__init__(None, message, http_status=http_status, status=status)
        self.reason = reason

    def details(self) -> list[dict[str, Any]]:
        return [
            {
                "@type": ERROR_INFO_TYPE,
                "reason": self.reason,
                "domain": "googleapis.com",
                "metadata": {
                    "method": "google.firebase.fcm.v1.FcmService.SendMessage",
                    "service": "fcm.googleapis.com",
                },
            }
        ]


class OAuthError(Exception):
    """The token endpoint's refusal: an OAuth `error` code, Google's `error_description`, and the HTTP status."""

    def __init__(self, error: str, description: str, http_status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.http_status = http_status

    def to_body(self) -> dict[str, str]:
        """`{"error": ..., "error_description": ...}`, as Google's token endpoint answers."""
        return {"error": self.error, "error_description": self.description}
