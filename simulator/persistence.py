"""Persistence: a served stack's state in SQLite (`mjlab serve --state-file F`), surviving a kill.

The stack is deterministic (ids and keys come from seeded generators; time from the sandbox's clock), so its state
is a function of what it was told. The journal keeps, in order, every request that changed something (any part's
API, the SDK's Edge calls, gateway sends from real clients, phones' link operations) with the sandbox's clock
position at that moment. A restarted server replays the journal into a fresh stack before it opens its ports:
every profile, journey instance, pending wait, retry and stored notification is rebuilt; what the replay would
send again is dropped (phones are stand-ins that acknowledge and discard; webhooks leave the stack only when live),
so nothing is sent twice; timers that fall due after the last moment the old server was alive fire when the new one
runs, so nothing is lost.

On the system clock, replay runs each sandbox on a virtual clock that follows the recorded positions and then hands
its pending timers over to the system clock. SQLite runs in WAL mode: a committed entry survives SIGKILL.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: GET requests that change state (an email open pixel, a tracked click, an unsubscribe page, a webhook handshake).
MUTATING_GET_PREFIXES = ("/t/", "/u/", "/webhooks/")
READ_ONLY_POSTS = frozenset({"/_sim/settle"})


@dataclass(frozen=True)
class JournalEntry:
    """One recorded input."""

    seq: int
    part: str
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    sandbox: str | None
    clock: float | None


class Journal:
    """The SQLite file of a served stack: its inputs in order, and a few facts (`meta`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS inputs (seq INTEGER PRIMARY KEY AUTOINCREMENT, part TEXT NOT NULL, "
            "method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, "
            "sandbox TEXT, clock REAL)"
        )

    def record(
        self,
        part: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        sandbox: str | None,
        clock: float | None,
    ) -> None:
        """Append one input (committed at once)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO inputs (part, method, path, query, headers, body, sandbox, clock) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (part, method, path, query, json.dumps(headers), body, sandbox, clock),
            )

    def entries(self) -> Iterator[JournalEntry]:
        """Every input, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, part, method, path, query, headers, body, sandbox, clock FROM inputs ORDER BY seq"
            ).fetchall()
        for seq, part, method, path, query, headers, body, sandbox, clock in rows:
            pairs = [(str(k), str(v)) for k, v in json.loads(headers)]
            yield JournalEntry(seq, part, method, path, query, pairs, bytes(body), sandbox, clock)

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM inputs").fetchone()[0])

    def get(self, key: str) -> Any:
        """A fact stored with `put`, or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        """Store a fact (JSON)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def _recordable(method: str, path: str) -> bool:
    if method in ("GET", "HEAD", "OPTIONS"):
        return path.startswith(MUTATING_GET_PREFIXES)
    return path not in READ_ONLY_POSTS


class JournalMiddleware:
    """Wraps a part's ASGI app: every request that changed something (answered below 400) goes to the journal."""

    def __init__(self, app: ASGIApp, part: str, journal: Journal, clocks: Any) -> None:
        self.app = app
        self.part = part
        self.journal = journal
        self.clocks = clocks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _recordable(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        sandbox = next((v for k, v in headers if k == "x-sandbox-name"), None)
        clock = self.clocks(sandbox)
        await self.app(scope, replay_receive, watch)
        if status < 400:
            kept = [(k, v) for k, v in headers if k not in ("content-length", "host", "connection")]
            query = scope.get("query_string", b"").decode("latin-1")
            self.journal.record(self.part, scope["method"], scope["path"], query, kept, body, sandbox, clock)


class ReplayedPhone:
    """A phone as the journal remembers it: attached, online or not; what reaches it during replay was already
    delivered before the restart, so it is acknowledged and dropped."""

    __slots__ = ("device_id", "sandbox")

    def __init__(self, device_id: str, sandbox: str) -> None:
        self.device_id = device_id
        self.sandbox = sandbox

    def receive_push(self, delivery: Any) -> None:
        """Already delivered before the restart."""

    def receive_message(self, delivery: Any) -> None:
        """Already delivered before the restart."""


async def replay(stack: Any, journal: Journal, *, system_clock: bool) -> int:
    """Rebuild `stack`'s state from the journal (before serving). Returns how many inputs were replayed."""
    import httpx

    from simulator.clock import SystemClock, VirtualClock
    from simulator.devices.link import replay_link_op

    entries = list(journal.entries())
    if not entries:
        return 0
    position = {"now": next((e.clock for e in entries if e.clock is not None), 0.0)}
    if system_clock:
        stack.sandboxes._clock_factory = lambda: VirtualClock(start=position["now"])
        for sandbox in stack.sandboxes.names():
            stack.sandboxes.get(sandbox).clock = VirtualClock(start=position["now"])
    apps = stack.apps()
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=stack.urls.get(name, "http://replay"))
        for name, app in apps.items()
    }
    stack.webhooks.live = False
    try:
        for entry in entries:
            if system_clock and entry.clock is not None:
                position["now"] = max(position["now"], entry.clock)
                await _advance_all(stack, position["now"])
            if entry.part == "link":
                replay_link_op(stack, json.loads(entry.body))
            else:
                target = entry.path + (f"?{entry.query}" if entry.query else "")
                await clients[entry.part].request(entry.method, target, headers=entry.headers, content=entry.body)
            await settle_all(stack)
        if system_clock:
            alive = journal.get("alive") or position["now"]
            await _advance_all(stack, max(position["now"], float(alive)))
        # The phones lost their connection with the old server: until each attaches again, what falls due for it
        # waits at its push service (or carrier), as for any phone that is offline.
        stack.hub.disconnect(lambda endpoint: isinstance(endpoint, ReplayedPhone))
        if system_clock:
            stack.sandboxes._clock_factory = SystemClock
            for name in stack.sandboxes.names():
                sandbox = stack.sandboxes.get(name)
                virtual = sandbox.clock
                assert isinstance(virtual, VirtualClock)
                sandbox.clock = SystemClock()
                sandbox.clock.adopt(virtual.drain())
    finally:
        stack.webhooks.live = True
        for client in clients.values():
            await client.aclose()
    return len(entries)


async def _advance_all(stack: Any, when: float) -> None:
    from simulator.clock import VirtualClock

    for name in stack.sandboxes.names():
        clock = stack.sandboxes.get(name).clock
        if isinstance(clock, VirtualClock) and clock.timestamp() < when:
            await clock.advance_to(when)


async def settle_all(stack: Any) -> None:
    """Settle every sandbox."""
    for name in stack.sandboxes.names():
        await stack.sandboxes.get(name).clock.settle()
