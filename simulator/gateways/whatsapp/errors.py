"""WhatsApp Cloud API errors, with the Graph API bodies Meta answers.

Every failure of the fake is a `WhatsAppError` carrying Meta's numeric `code`, the HTTP status it comes with,
Meta's title for it, the `error_data.details` that say what exactly was wrong, and whether a sender may retry.
Its body is the Graph API envelope::

    {"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
               "error_data": {"messaging_product": "whatsapp", "details": "..."}, "fbtrace_id": "A..."}}

The same code reaches a business asynchronously as a `failed` status (`status_error()`):
`{"code", "title", "message", "error_data": {"details"}, "href"}`. Two kinds of failure come from the Graph API in
front of WhatsApp rather than from WhatsApp, and their bodies have no `error_data` and no `(#code)` prefix::

    Exception
     └── WhatsAppError              code, status, title, details, retryable, to_body(), status_error()
          ├── AccessTokenError      190 (401): unparsable token; subcode 463: expired (Graph's own wording)
          └── UnknownObjectError    100 subcode 33 (400, GraphMethodException): a phone number id the token
                                    cannot reach

Codes (`ERRORS`): 100 invalid parameter, 130429 rate limit hit (429), 131000 something went wrong (500),
131005 access denied (403), 131008 required parameter missing, 131009 parameter value not valid, 131016 service
unavailable (503), 131026 message undeliverable, 131030 recipient not in allowed list, 131047 re-engagement
message, 131051 unsupported message type, 131056 pair rate limit, 132000 template parameter count mismatch, 132001
template does not exist in the language, 132005 translated text too long, 132012 parameter format mismatch, 132015
template paused, 132016 template disabled; all other statuses are 400. 130429, 131000, 131016 and 131056 are
retried with backoff. Meta does not document the HTTP status of every code; 429/500/503 for the throttling and
server codes are unconfirmed choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Where Meta's status errors point (`href`).
ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """What Meta says about one code: its title, the HTTP status it is answered with, the usual details."""

    title: str
    status: int = 400
    details: str = ""
    retryable: bool = False


#: Every code the fake answers with, as Meta titles them.
ERRORS: dict[int, ErrorSpec] = {
    100: ErrorSpec("Invalid parameter"),
    130429: ErrorSpec("Rate limit hit", 429, "Cloud API message throughput has been reached.", retryable=True),
    131000: ErrorSpec("Something went wrong", 500, "Message failed to send due to an unknown error.", retryable=True),
    131005: ErrorSpec("Access denied", 403, "Permission is either not granted or has been removed."),
    131008: ErrorSpec("Required parameter is missing"),
    131009: ErrorSpec("Parameter value is not valid"),
    131016: ErrorSpec("Service unavailable", 503, "A service is temporarily unavailable.", retryable=True),
    131026: ErrorSpec("Message undeliverable", details="Message Undeliverable."),
    131030: ErrorSpec(
        "Recipient phone number not in allowed list",
        details="Recipient phone number not in allowed list: Add recipient phone number to recipient list and try "
        "again.",
    ),
    131047: ErrorSpec(
        "Re-engagement message",
        details="Message failed to send because more than 24 hours have passed since the customer last replied to "
        "this number.",
    ),
    131051: ErrorSpec("Unsupported message type", details="Message type is not currently supported."),
    131056: ErrorSpec(
        "(Business Account, Consumer Account) pair rate limit hit",
        details="Message failed to send because there were too many messages sent from this phone number to the "
        "same phone number in a short period of time.",
        retryable=True,
    ),
    132000: ErrorSpec("Number of parameters does not match the expected number of params"),
    132001: ErrorSpec("Template name does not exist in the translation"),
    132005: ErrorSpec("Translated text too long"),
    132012: ErrorSpec("Parameter format does not match format in the created template"),
    132015: ErrorSpec(
        "Template is Paused",
        details="Template is temporarily unavailable to use because it was paused due to low quality.",
    ),
    132016: ErrorSpec(
        "Template is disabled",
        details="Template has been permanently disabled due to low quality and can't be sent.",
    ),
}

INVALID_TOKEN_MESSAGE = "Invalid OAuth access token - Cannot parse access token"


class WhatsAppError(Exception):
    """One Cloud API failure: Meta's `code`, its HTTP `status`, its title and the details of this occurrence.

    A code the table does not know (as a fault rule may name) needs an explicit `status` and gets a generic title.
    """

    error_type = "OAuthException"

    def __init__(self, code: int, details: str | None = None, *, status: int | None = None) -> None:
        spec = ERRORS.get(code)
        if spec is None and status is None:
            raise ValueError(f"unknown WhatsApp error code {code}: give its status explicitly")
        self.code = code
        self.title = spec.title if spec else "Error"
        self.status = status if status is not None else (spec.status if spec else 400)
        self.details = details if details is not None else (spec.details if spec else "")
        self._retryable = spec.retryable if spec else self.status in (429, 500, 503)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Meta's `message`: the title behind the code, e.g. `(#131047) Re-engagement message`."""
        return f"(#{self.code}) {self.title}"

    @property
    def retryable(self) -> bool:
        """True for throttling and server errors: a sender retries these with backoff."""
        return self._retryable

    def to_body(self, fbtrace_id: str) -> dict[str, Any]:
        """The Graph API error envelope."""
        error: dict[str, Any] = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}

    def status_error(self) -> dict[str, Any]:
        """The `errors[]` entry of a `failed` status webhook."""
        return {
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": {"details": self.details},
            "href": ERROR_CODES_URL,
        }


class AccessTokenError(WhatsAppError):
    """Code 190 (HTTP 401): a token the Graph API cannot parse, or (subcode 463) one that has expired."""

    def __init__(self, message: str = INVALID_TOKEN_MESSAGE, *, subcode: int | None = None) -> None:
        self._graph_message = message
        self.subcode = subcode
        super().__init__(190, "", status=401)
        self.title = message

    @property
    def message(self) -> str:
        return self._graph_message

    def to_body(self, fbtrace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type, "code": 190}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}


class UnknownObjectError(WhatsAppError):
    """Code 100 subcode 33 (HTTP 400): the path names an object the token cannot see (another business's number)."""

    error_type = "GraphMethodException"

    def __init__(self, object_id: str) -> None:
        self.object_id = object_id
        super().__init__(100, "", status=400)

    @property
    def message(self) -> str:
        return (
            f"Unsupported post request. Object with ID '{self.object_id}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api"
        )

    def to_body(self, fbtrace_id: str) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "code": 100,
                "error_subcode": 33,
                "fbtrace_id": fbtrace_id,
            }
        }


def invalid_parameter(details: str) -> WhatsAppError:
    """100 Invalid parameter: the envelope of the request is wrong."""
    return WhatsAppError(100, details)


def missing(details: str) -> WhatsAppError:
    """131008 Required parameter is missing."""
    return WhatsAppError(131008, details)


def not_valid(details: str) -> WhatsAppError:
    """131009 Parameter value is not valid."""
    return WhatsAppError(131009, details)
