"""Listing messages as Twilio does: filters (`To`, `From`, `DateSent`, `DateSent<`, `DateSent>`) and the paging
envelope (`messages`, `page`, `page_size`, `start`, `end`, `uri`, `first_page_uri`, `next_page_uri`,
`previous_page_uri`), newest first. `DateSent<` and `DateSent>` include their bound; a day (`2026-01-05`) compares
with the day a message was sent (UTC), an instant (`2026-01-05T09:00:00Z`) with the instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from simulator.gateways.twilio.errors import TwilioError
from simulator.gateways.twilio.messages import Message

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")


def page_of(
    newest_first: list[Message], path: str, query: Mapping[str, str], page: int, page_size: int
) -> dict[str, Any]:
    """One page of matching messages in Twilio's envelope."""
    start = page * page_size
    chosen = newest_first[start : start + page_size]
    filters = [(k, v) for k, v in query.items() if k in FILTERS]

    def uri(number: int) -> str:
        return f"{path}?{urlencode([*filters, ('PageSize', str(page_size)), ('Page', str(number))])}"

    return {
        "end": start + max(len(chosen) - 1, 0),
        "first_page_uri": uri(0),
        "messages": [m.resource() for m in chosen],
        "next_page_uri": uri(page + 1) if start + page_size < len(newest_first) else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": uri(page),
    }


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """`Page` and `PageSize` (default 50, at most 1000)."""
    try:
        page = int(query.get("Page", "0"))
        page_size = int(query.get("PageSize", str(DEFAULT_PAGE_SIZE)))
    except ValueError:
        raise TwilioError(20001, 400, "Invalid paging parameters") from None
    if page < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise TwilioError(20001, 400, "Invalid paging parameters")
    return page, page_size


def _when(value: str) -> date | datetime:
    """A `DateSent` filter value: a day (`2026-01-05`) or an instant (`2026-01-05T09:00:00Z`)."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TwilioError(20001, 400, f"Invalid DateSent value {value!r}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def matches(message: Message, query: Mapping[str, str]) -> bool:
    """True when the message passes every filter of the query."""
    if "To" in query and message.to != query["To"]:
        return False
    if "From" in query and message.from_ != query["From"]:
        return False
    sent = datetime.fromtimestamp(message.sent_at or message.created_at, UTC)
    for name, compare in (("DateSent", "=="), ("DateSent<", "<="), ("DateSent>", ">=")):
        if name not in query:
            continue
        bound = _when(query[name])
        value: date | datetime = sent if isinstance(bound, datetime) else sent.date()
        if compare == "==" and value != bound:
            return False
        if compare == "<=" and value > bound:
            return False
        if compare == ">=" and value < bound:
            return False
    return True
