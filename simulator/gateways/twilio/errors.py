"""Twilio's error codes, as the REST API answers them and as status callbacks report them.

A refused API request is a `TwilioError`: Twilio's numeric `code`, the HTTP `status` it comes with, and the message;
its body is Twilio's `{"code", "message", "more_info", "status"}`. A message that was accepted and then failed
carries a `DeliveryError` code (`ErrorCode` in its status callbacks, `error_code` on the resource)::

    Exception
     └── TwilioError                     code, status, message, retryable
          ├─ 401  20003 Authenticate (unknown account, wrong token)
          ├─ 404  20404 resource not found
          ├─ 429  20429 Too Many Requests                               retryable
          ├─ 500  20500 internal error                                  retryable
          └─ 400  21211 invalid To, 21212 invalid From, 21602 no body, 21603 no From, 21604 no To,
                  21606 From not the account's, 21609 bad StatusCallback, 21610 unsubscribed recipient,
                  21614 not a mobile number, 21617 body too long, 21620 bad media URL, 21623 too many media,
                  21654 ContentVariables without ContentSid, 21655 bad ContentSid, 21656 bad ContentVariables,
                  21701 no such Messaging Service, 21705 malformed Messaging Service SID

    DeliveryError (asynchronous, on the message): 30003 unreachable handset, 30005 unknown handset, 30006 landline,
    30007 carrier filtering (status `undelivered`); 11200 media retrieval failure, 12300 media content type,
    11751 media over 5 MB (status `failed`).
"""

from __future__ import annotations

from typing import Any

API_ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource {path} was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21212: (400, "The 'From' number {from_} is not a valid phone number, shortcode, or alphanumeric sender ID."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21606: (
        400,
        "The From phone number {from_} is not a valid, SMS-capable inbound phone number or short code "
        "for your account.",
    ),
    21609: (400, "The StatusCallback URL {url} is not a valid URL."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
    21620: (400, "Invalid media URL(s)"),
    21623: (400, "Number of media files exceeds allowed limit"),
    21654: (400, "A ContentSid must be specified if ContentVariables are provided in the request."),
    21655: (400, "The ContentSid is Invalid"),
    21656: (400, "The ContentVariables Parameter is invalid."),
    21701: (400, "The Messaging Service does not exist"),
    21705: (400, "The Messaging Service is invalid"),
}  # fmt: skip

#: Codes a sender may retry later; every other refusal is final for that message.
RETRYABLE_CODES = frozenset({20429, 20500})

#: Codes that end an accepted message, with the status they leave it in and Twilio's short description.
DELIVERY_ERRORS: dict[int, tuple[str, str]] = {
    30003: ("undelivered", "Unreachable destination handset"),
    30005: ("undelivered", "Unknown destination handset"),
    30006: ("undelivered", "Landline or unreachable carrier"),
    30007: ("undelivered", "Message filtered"),
    11200: ("failed", "HTTP retrieval failure"),
    11751: ("failed", "Media exceeds messaging provider size limit"),
    12300: ("failed", "Invalid Content-Type"),
}

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


def describe(code: int) -> str | None:
    """Twilio's short description of an error code, or None."""
    if code in DELIVERY_ERRORS:
        return DELIVERY_ERRORS[code][1]
    known = API_ERRORS.get(code)
    return known[1] if known is not None and "{" not in known[1] else None


def more_info(code: int) -> str:
    """The documentation link Twilio puts in `more_info`."""
    return MORE_INFO.format(code=code)


class TwilioError(Exception):
    """A request Twilio refuses: its `code`, HTTP `status` and `message`.

    `status` and the message default to Twilio's own for `code` (an unknown code, as a fault rule may name, needs an
    explicit status); `details` fill the message's placeholders (`to`, `from_`, `path`, `url`).
    """

    def __init__(self, code: int, status: int | None = None, message: str | None = None, **details: str) -> None:
        known = API_ERRORS.get(code)
        if status is None:
            if known is None:
                raise ValueError(f"unknown Twilio error {code}: give its status explicitly")
            status = known[0]
        if message is None:
            message = known[1].format_map(_Blank(details)) if known else f"Error {code}"
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.status = status
        self.message = message

    @property
    def retryable(self) -> bool:
        """True for rate limiting and internal errors."""
        return self.code in RETRYABLE_CODES or self.status in (429, 500, 503)

    def to_body(self) -> dict[str, Any]:
        """Twilio's JSON error body."""
        return {"code": self.code, "message": self.message, "more_info": more_info(self.code), "status": self.status}


class _Blank(dict[str, str]):
    """Placeholders with no value read as empty."""

    def __missing__(self, key: str) -> str:
        return ""
