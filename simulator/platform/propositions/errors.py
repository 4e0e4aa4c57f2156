"""Errors of the Edge endpoint's proposition handling, answered as RFC 7807 problem details like the Edge Network.

    PlatformError (simulator.platform.errors)
    └── EdgeInputError                 the request is refused whole; nothing in it is counted
        ├── MalformedEvent       422   EXEG-0104-422  a fetch or tracking event without the fields it needs
        ├── InvalidSurface       400   EXEG-0101-400  a surface that is not mobileapp://<bundle id>/<path>#<element>
        ├── UnknownApp           404   EXEG-0102-404  a surface naming an app this sandbox does not have
        └── UnknownProposition   404   EXEG-0103-404  a tracking event naming a proposition the platform never made

The Edge Network answers input errors with `{"type": "https://ns.adobe.com/aep/errors/<code>", "status", "title",
"detail", "report": {"errors": [...]}}`; the codes other than EXEG-0104-422 are the simulator's own (the real
service's codes for these cases are not published). None of these may be retried: the request must change first.
"""

from __future__ import annotations

from typing import Any

from simulator.platform.errors import PlatformError

ERROR_TYPE = "https://ns.adobe.com/aep/errors/"


class EdgeInputError(PlatformError):
    """An Edge request refused because of what it holds."""

    status = 400
    code = "EXEG-0100-400"
    title = "Invalid request"
    retryable = False

    def __init__(self, message: str, *, field: str | None = None, event_index: int | None = None) -> None:
        super().__init__(message, field=field)
        self.event_index = event_index

    def to_body(self) -> dict[str, Any]:
        """Problem details, as the Edge Network writes them."""
        report: dict[str, Any] = {"errors": [self.message]}
        if self.field is not None:
            report["field"] = self.field
        if self.event_index is not None:
            report["eventIndex"] = self.event_index
        return {
            "type": ERROR_TYPE + self.code,
            "status": self.status,
            "title": self.title,
            "detail": self.message,
            "report": report,
        }


class MalformedEvent(EdgeInputError):
    """A personalization or tracking event that lacks what it must carry."""

    status = 422
    code = "EXEG-0104-422"
    title = "Unprocessable entity"


class InvalidSurface(EdgeInputError):
    """A surface that is not a `mobileapp://` URI."""

    status = 400
    code = "EXEG-0101-400"
    title = "Invalid surface"


class UnknownApp(EdgeInputError):
    """A surface of an app the sandbox does not know."""

    status = 404
    code = "EXEG-0102-404"
    title = "Unknown app"


class UnknownProposition(EdgeInputError):
    """A tracking event about a proposition id the platform never issued."""

    status = 404
    code = "EXEG-0103-404"
    title = "Unknown proposition"
