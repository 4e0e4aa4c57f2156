"""Errors the platform API answers with.

    PlatformError (status, code, message, field)
    ├── NotFound            404  unknown sandbox, profile, app or campaign
    ├── Conflict            409  an id that already exists
    ├── InvalidRequest      422  a body that validates but makes no sense (a recipient with no identity...)
    └── MessageInvalid      422  a message that its channel's model refuses (every field path listed)

Each becomes `{"error": {"status", "code", "message", "field"}}`; pydantic validation errors become a 422 whose
`detail` lists every field path.
"""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """An error the API answers with its own status and code."""

    status = 400
    code = "BadRequest"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": {"status": self.status, "code": self.code, "message": self.message, "field": self.field}}


class NotFound(PlatformError):
    """Something named in the request does not exist."""

    status = 404
    code = "NotFound"


class Conflict(PlatformError):
    """Something with that id exists already."""

    status = 409
    code = "Conflict"


class InvalidRequest(PlatformError):
    """The request is well-formed but cannot be carried out."""

    status = 422
    code = "InvalidRequest"


class MessageInvalid(PlatformError):
    """A message its channel refuses; lists each problem with its field path under `message.`."""

    status = 422
    code = "ValidationError"

    def __init__(self, error: Any) -> None:
        details = [
            {"field": ".".join(["message", *(str(p) for p in e["loc"])]), "message": e["msg"], "type": e["type"]}
            for e in error.errors()
        ]
        super().__init__("; ".join(f"{d['field']}: {d['message']}" for d in details), field=details[0]["field"])
        self.details = details

    def to_body(self) -> dict[str, Any]:
        """Like the API's validation errors: `detail` lists every field."""
        return {"error": {"status": 422, "code": self.code, "message": self.message, "detail": self.details}}
