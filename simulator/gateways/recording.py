"""What a fake received: every request and its answer, queryable by id (`latest` accepted) and resettable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RecordedCall:
    """One request a gateway received and what it answered."""

    id: str
    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    reason: str | None = None
    token: str | None = None
    sandbox: str | None = None
    delivered: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON form served under `/_sim/`."""
        return {
            "id": self.id,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "response": self.response,
            "reason": self.reason,
            "token": self.token,
            "sandbox": self.sandbox,
            "delivered": self.delivered,
            **({"extra": self.extra} if self.extra else {}),
        }


class CallLog:
    """An append-only list of recorded calls with the queries tests need (`calls`, `last`, `get('latest')`)."""

    def __init__(self) -> None:
        self._calls: list[RecordedCall] = []
        self._by_id: dict[str, RecordedCall] = {}

    def record(self, call: RecordedCall) -> RecordedCall:
        """Keep `call`."""
        self._calls.append(call)
        self._by_id[call.id] = call
        return call

    @property
    def calls(self) -> list[RecordedCall]:
        """Every recorded call, oldest first."""
        return list(self._calls)

    @property
    def last(self) -> RecordedCall | None:
        """The newest call, or None."""
        return self._calls[-1] if self._calls else None

    def get(self, call_id: str) -> RecordedCall | None:
        """A call by id; `latest` names the newest."""
        if call_id == "latest":
            return self.last
        return self._by_id.get(call_id)

    def filter(self, predicate: Callable[[RecordedCall], bool]) -> list[RecordedCall]:
        """Calls for which `predicate` holds, oldest first."""
        return [c for c in self._calls if predicate(c)]

    def query(self, **equals: str | int | None) -> list[RecordedCall]:
        """Calls whose attributes equal every given value (None values are ignored)."""
        wanted = {k: v for k, v in equals.items() if v is not None}
        return [c for c in self._calls if all(str(getattr(c, k)) == str(v) for k, v in wanted.items())]

    def clear(self, sandbox: str | None = None) -> int:
        """Forget calls (of one sandbox, or all); returns how many were dropped."""
        if sandbox is None:
            dropped = len(self._calls)
            self._calls.clear()
            self._by_id.clear()
            return dropped
        kept = [c for c in self._calls if c.sandbox != sandbox]
        dropped = len(self._calls) - len(kept)
        self._calls = kept
        self._by_id = {c.id: c for c in kept}
        return dropped

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[RecordedCall]:
        return iter(list(self._calls))
