"""The transport's limit: how many trivial requests per second the stack answers, the baseline of every fan-out.

    python -m benchmarks.transport loopback --url http://127.0.0.1:8500 [--seconds 3] [--connections 32]
    python -m benchmarks.transport inprocess [--seconds 2] [--concurrency 32]

`loopback` drives a served stack over real sockets with a minimal HTTP/1.1 keep-alive client written on asyncio
protocols (no HTTP library), so the client costs far less than the server and the figure is the server's: the
core's `POST /ee/v2/interact` with one event that names no identity (a pydantic-validated body that the platform
reads and ignores), and `GET /_sim/health` beside it. It runs in its own process, so on two cores client and server
each have one. `inprocess` sends the same trivial POST through `httpx.ASGITransport` into an in-process stack: what
one request costs when it goes through HTTP in-process (the fan-out's fast path must not pay it per notification).

Each prints one JSON object with the rates per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from simulator.clock import monotonic

SANDBOX = "bench-transport"
#: One SDK event naming no identity: validated, read, answered `ignored`.
TRIVIAL_EVENT = {"events": [{"xdm": {"eventType": "bench.ping"}}]}
WARM_UP_SECONDS = 0.5


class _Counter:
    def __init__(self) -> None:
        self.answers = 0
        self.errors = 0
        self.stop = False


class _KeepAlive(asyncio.Protocol):
    """One connection sending the same request again as soon as the previous answer is complete."""

    def __init__(self, request: bytes, counter: _Counter) -> None:
        self.request = request
        self.counter = counter
        self.buffer = b""
        self.needed: int | None = None
        self.status = 0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, error: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.needed is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].lower()
                self.status = int(head[9:12])
                length = 0
                at = head.find(b"\r\ncontent-length:")
                if at >= 0:
                    line_end = head.find(b"\r\n", at + 2)
                    length = int(head[at + 17 : line_end if line_end > 0 else None])
                self.needed = end + 4 + length
            if len(self.buffer) < self.needed:
                return
            self.buffer, self.needed = self.buffer[self.needed :], None
            self.counter.answers += 1
            if self.status >= 400:
                self.counter.errors += 1
            assert self.transport is not None
            if self.counter.stop:
                self.transport.close()
                return
            self.transport.write(self.request)


def _request(method: str, url: str, body: bytes = b"") -> bytes:
    parts = urlsplit(url)
    head = f"{method} {parts.path or '/'} HTTP/1.1\r\nhost: {parts.netloc}\r\nx-sandbox-name: {SANDBOX}\r\n"
    if body:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def _drive(url: str, request: bytes, connections: int, seconds: float) -> dict[str, Any]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, f"no host and port in {url}"
    host, port = parts.hostname, parts.port
    counter = _Counter()
    loop = asyncio.get_running_loop()
    protocols: list[_KeepAlive] = []
    for _ in range(connections):
        _, protocol = await loop.create_connection(lambda: _KeepAlive(request, counter), host, port)
        protocols.append(protocol)
    await asyncio.sleep(WARM_UP_SECONDS)
    first, started = counter.answers, monotonic()
    await asyncio.sleep(seconds)
    answered, elapsed = counter.answers - first, monotonic() - started
    counter.stop = True
    await asyncio.wait([p.closed for p in protocols], timeout=5)
    return {
        "per_second": round(answered / elapsed, 1),
        "answers": answered,
        "errors": counter.errors,
        "connections": connections,
        "seconds": round(elapsed, 3),
    }


def _open_sandbox(core: str) -> None:
    request = urllib.request.Request(
        core + "/_sim/sandboxes",
        data=json.dumps({"name": SANDBOX}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as error:
        if error.code != 409:  # already open: a second measurement against the same server
            raise


async def loopback(core: str, *, seconds: float, connections: int) -> dict[str, Any]:
    """The served core's rate for a trivial POST and for `GET /_sim/health`, over loopback sockets."""
    _open_sandbox(core)
    post = _request("POST", core + "/ee/v2/interact", json.dumps(TRIVIAL_EVENT).encode())
    get = _request("GET", core + "/_sim/health")
    return {
        "mode": "loopback",
        "trivial_post": await _drive(core + "/ee/v2/interact", post, connections, seconds),
        "health_get": await _drive(core + "/_sim/health", get, connections, seconds),
    }


async def inprocess(*, seconds: float, concurrency: int) -> dict[str, Any]:
    """The same trivial POST through `httpx.ASGITransport` into an in-process stack."""
    import httpx

    from simulator.stack import Stack

    stack = Stack.build(seed="bench")
    stack.platform.sandboxes.open(SANDBOX)
    app = stack.apps()["core"]
    counter = _Counter()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=stack.urls["core"]) as client:
        headers = {"x-sandbox-name": SANDBOX}

        async def loop(until: float) -> None:
            # Nothing in an in-process request suspends on I/O, so each loop watches the clock itself.
            while monotonic() < until:
                response = await client.post("/ee/v2/interact", json=TRIVIAL_EVENT, headers=headers)
                counter.answers += 1
                if response.status_code >= 400:
                    counter.errors += 1

        await asyncio.gather(*(loop(monotonic() + WARM_UP_SECONDS) for _ in range(concurrency)))
        first, started = counter.answers, monotonic()
        await asyncio.gather(*(loop(started + seconds) for _ in range(concurrency)))
        answered, elapsed = counter.answers - first, monotonic() - started
    return {
        "mode": "inprocess",
        "trivial_post": {
            "per_second": round(answered / elapsed, 1),
            "answers": answered,
            "errors": counter.errors,
            "concurrency": concurrency,
            "seconds": round(elapsed, 3),
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: one measurement, printed as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    served = sub.add_parser("loopback", help="a served stack over loopback sockets")
    served.add_argument("--url", required=True, help="the core's base URL")
    served.add_argument("--seconds", type=float, default=3.0)
    served.add_argument("--connections", type=int, default=32)
    local = sub.add_parser("inprocess", help="an in-process stack through httpx.ASGITransport")
    local.add_argument("--seconds", type=float, default=2.0)
    local.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    if args.mode == "loopback":
        host = urlsplit(args.url).hostname or ""
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            parser.error("loopback only: the URL must name 127.0.0.1, localhost or ::1")
        result = asyncio.run(loopback(args.url.rstrip("/"), seconds=args.seconds, connections=args.connections))
    else:
        result = asyncio.run(inprocess(seconds=args.seconds, concurrency=args.concurrency))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
