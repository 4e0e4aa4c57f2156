"""Registration tokens: what the Android Firebase SDK gets at startup, and the registry the gateway keeps of them.

A token has FCM's shape, `<installation id, 22 chars>:APA91b<134 chars>` (URL-safe base64), drawn from the
sandbox's id factory so the same seed gives the same tokens. Its first part is the Firebase installation id (FID),
which the newer `fid` target names. Each token is bound to one device, app (package) and sender project; an
uninstalled app's token stays known as unregistered, so later sends answer 404 UNREGISTERED rather than
400 INVALID_ARGUMENT (the answer for a token FCM never issued).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass

from simulator.sandboxes import IdFactory

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{11,64}:[A-Za-z0-9_-]{64,512}$|^APA91b[A-Za-z0-9_-]{64,512}$")
FID_SHAPE = re.compile(r"^[cdef][A-Za-z0-9_-]{21}$")


def new_registration_token(ids: IdFactory) -> str:
    """A fresh token in FCM's shape, from `ids`."""
    raw = bytes.fromhex(ids.hex(34))
    # An installation id starts with the 4-bit header 0111, so its first character is c, d, e or f.
    fid = base64.urlsafe_b64encode(bytes([0x70 | (raw[0] & 0x0F)]) + raw[1:]).decode()[:22]
    tail = base64.urlsafe_b64encode(bytes.fromhex(ids.hex(202))).decode()[:134]
    return f"{fid}:APA91b{tail}"


@dataclass(slots=True, eq=False)
class TokenRecord:
    """One app instance as FCM knows it: its token, device, app, sender project and topics."""

    token: str
    device_id: str
    package: str
    project_id: str
    sandbox: str
    registered: bool = True
    topics: set[str] | None = None

    @property
    def fid(self) -> str:
        """The Firebase installation id: the part of the token before the colon."""
        return self.token.partition(":")[0]


class TokenRegistry:
    """Every token the gateway issued, by token and by installation id, with topic subscriptions per project."""

    def __init__(self) -> None:
        self._by_token: dict[str, TokenRecord] = {}
        self._by_fid: dict[str, TokenRecord] = {}
        self._topics: dict[tuple[str, str, str], set[TokenRecord]] = {}

    def add(self, record: TokenRecord) -> None:
        """Keep `record`."""
        self._by_token[record.token] = record
        self._by_fid[record.fid] = record

    def get(self, token: str) -> TokenRecord | None:
        """The record of a token, or None."""
        return self._by_token.get(token)

    def by_fid(self, fid: str) -> TokenRecord | None:
        """The record named by an installation id (or by a whole token), or None."""
        return self._by_fid.get(fid) or self._by_token.get(fid)

    def unregister(self, token: str) -> TokenRecord:
        """Mark a token unregistered (its app was uninstalled) and drop its subscriptions; raises KeyError."""
        record = self._by_token[token]
        record.registered = False
        for topic in list(record.topics or ()):
            self.unsubscribe(record, topic)
        return record

    def subscribe(self, record: TokenRecord, topic: str) -> None:
        """Add `record` to `topic` of its project."""
        if record.topics is None:
            record.topics = set()
        record.topics.add(topic)
        self._topics.setdefault((record.sandbox, record.project_id, topic), set()).add(record)

    def unsubscribe(self, record: TokenRecord, topic: str) -> None:
        """Remove `record` from `topic`."""
        if record.topics:
            record.topics.discard(topic)
        key = (record.sandbox, record.project_id, topic)
        members = self._topics.get(key)
        if members is not None:
            members.discard(record)
            if not members:
                del self._topics[key]

    def subscribers(self, sandbox: str, project_id: str, topics: frozenset[str]) -> list[TokenRecord]:
        """Registered tokens of the project subscribed to any of `topics`, in a stable order."""
        found: dict[str, TokenRecord] = {}
        for topic in sorted(topics):
            for record in self._topics.get((sandbox, project_id, topic), ()):
                found[record.token] = record
        return [found[token] for token in sorted(found)]

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop every token of a closed sandbox."""
        for record in [r for r in self._by_token.values() if r.sandbox == sandbox]:
            del self._by_token[record.token]
            self._by_fid.pop(record.fid, None)
        for key in [k for k in self._topics if k[0] == sandbox]:
            del self._topics[key]

    def __iter__(self) -> Iterator[TokenRecord]:
        return iter(list(self._by_token.values()))

    def __len__(self) -> int:
        return len(self._by_token)
