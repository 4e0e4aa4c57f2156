"""Serve a stack on loopback (or any) ports: `mjlab serve`.

One process, one event loop: the platform core, the APNs gateway over HTTP/2 (h2c, as Apple's clients speak it)
and over HTTP/1.1, the FCM gateway. Ports are a block from `--port` (core, apns, apns_http1, fcm, ...) or all
ephemeral with `--port 0`; the endpoints file lists each part's base URL as JSON once every socket listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Any

import uvicorn

from simulator.gateways.apns.h2server import serve_h2
from simulator.stack import Stack

#: Offsets from the base port, in the order the Docker image documents them.
PORT_OFFSETS = {"core": 0, "apns": 1, "apns_http1": 2, "fcm": 3}


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only turns Nagle off (TCP_NODELAY) on sockets whose proto says TCP,
    # and without it every keep-alive answer written in two parts waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the process (several run in one loop)."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8500,
    clock: str = "system",
    seed: str = "mjlab",
    endpoints_file: str | None = None,
    public_host: str | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the stack until cancelled."""
    sockets = {
        name: _bind(host, port + offset if port else 0) for name, offset in PORT_OFFSETS.items() if name != "apns"
    }
    shown = public_host or ("127.0.0.1" if host in ("0.0.0.0", "::", "") else host)
    urls = {name: f"http://{shown}:{sock.getsockname()[1]}" for name, sock in sockets.items()}
    stack = Stack.build(seed=seed, clock=clock, urls=urls)
    apps = stack.apps()
    h2 = await serve_h2(apps["apns"], host, port + PORT_OFFSETS["apns"] if port else 0)
    urls["apns"] = f"http://{shown}:{h2.sockets[0].getsockname()[1]}"
    stack.urls.update(urls)
    servers: list[uvicorn.Server] = []
    for app_name in ("core", "apns", "fcm"):
        config = uvicorn.Config(
            apps[app_name],
            log_level="warning",
            lifespan="off",
            access_log=False,
            ws="websockets",
            timeout_keep_alive=60,
        )
        servers.append(_QuietServer(config))
    tasks = [
        asyncio.ensure_future(server.serve(sockets=[sockets[name]]))
        for server, name in zip(servers, ("core", "apns_http1", "fcm"), strict=True)
    ]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.01)  # noqa: TID251 - start-up wait on real sockets
    if endpoints_file:
        _write_endpoints(Path(endpoints_file), urls)
    if ready is not None:
        ready.set()
    try:
        await asyncio.gather(*tasks)
    finally:
        h2.close()
        for server in servers:
            server.should_exit = True


def _write_endpoints(path: Path, urls: dict[str, Any]) -> None:
    """Write the endpoints atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(urls, indent=2) + "\n")
    os.replace(partial, path)
