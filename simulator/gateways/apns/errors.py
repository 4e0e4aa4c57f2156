"""APNs error reasons, as Apple's HTTP/2 provider API answers them.

Every failure of the fake is an `ApnsError` carrying Apple's own `reason` string, the HTTP status Apple pairs with
it, and whether a sender may retry. The reasons form one flat table (`REASONS`); their status sorts them::

    Exception
     └── ApnsError                     reason, status, retryable, timestamp_ms
          ├─ 400  BadCollapseId, BadDeviceToken, BadExpirationDate, BadMessageId, BadPriority, BadTopic,
          │       DeviceTokenNotForTopic, DuplicateHeaders, IdleTimeout, InvalidPushType,
          │       MissingDeviceToken, MissingTopic, PayloadEmpty, TopicDisallowed
          ├─ 403  BadCertificate, BadCertificateEnvironment, ExpiredProviderToken, Forbidden,
          │       InvalidProviderToken, MissingProviderToken
          ├─ 404  BadPath
          ├─ 405  MethodNotAllowed
          ├─ 410  ExpiredToken, Unregistered                 (the body adds "timestamp", in ms)
          ├─ 413  PayloadTooLarge
          ├─ 429  TooManyProviderTokenUpdates, TooManyRequests   retryable
          ├─ 500  InternalServerError                            retryable
          └─ 503  ServiceUnavailable, Shutdown                   retryable

A sender must drop a token after 410 and must not retry the other 4xx answers; 429, 500 and 503 are retried with
backoff. The body is always `{"reason": ...}`, plus `"timestamp"` for 410.
"""

from __future__ import annotations

from typing import Any

#: Every reason Apple documents, with the HTTP status it comes with.
REASONS: dict[str, int] = {
    "BadCollapseId": 400,
    "BadDeviceToken": 400,
    "BadExpirationDate": 400,
    "BadMessageId": 400,
    "BadPriority": 400,
    "BadTopic": 400,
    "DeviceTokenNotForTopic": 400,
    "DuplicateHeaders": 400,
    "IdleTimeout": 400,
    "InvalidPushType": 400,
    "MissingDeviceToken": 400,
    "MissingTopic": 400,
    "PayloadEmpty": 400,
    "TopicDisallowed": 400,
    "BadCertificate": 403,
    "BadCertificateEnvironment": 403,
    "ExpiredProviderToken": 403,
    "Forbidden": 403,
    "InvalidProviderToken": 403,
    "MissingProviderToken": 403,
    "BadPath": 404,
    "MethodNotAllowed": 405,
    "ExpiredToken": 410,
    "Unregistered": 410,
    "PayloadTooLarge": 413,
    "TooManyProviderTokenUpdates": 429,
    "TooManyRequests": 429,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
    "Shutdown": 503,
}

#: Statuses a sender retries with backoff; every other failure is final for that notification.
RETRYABLE_STATUSES = frozenset({429, 500, 503})


class ApnsError(Exception):
    """One APNs failure: Apple's `reason`, its HTTP `status`, and whether a sender may retry it.

    `status` defaults to the one Apple pairs with `reason` (an unknown reason, as a fault rule may name, needs an
    explicit status). `timestamp_ms` is when the token stopped being valid, sent with 410 answers.
    """

    def __init__(self, reason: str, status: int | None = None, *, timestamp_ms: int | None = None) -> None:
        if status is None:
            try:
                status = REASONS[reason]
            except KeyError:
                raise ValueError(f"unknown APNs reason {reason!r}: give its status explicitly") from None
        super().__init__(f"{status} {reason}")
        self.reason = reason
        self.status = status
        self.timestamp_ms = timestamp_ms

    @property
    def retryable(self) -> bool:
        """True for 429, 500 and 503: a sender retries these with backoff."""
        return self.status in RETRYABLE_STATUSES

    def to_body(self) -> dict[str, Any]:
        """The JSON body Apple answers with: `{"reason": ...}`, plus `"timestamp"` (ms) for 410."""
        if self.status == 410 and self.timestamp_ms is not None:
            return {"reason": self.reason, "timestamp": self.timestamp_ms}
        return {"reason": self.reason}
