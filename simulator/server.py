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

from simulator.clock import SystemClock, pause
from simulator.gateways.apns.h2server import serve_h2
from simulator.gateways.smtp.server import serve_smtp
from simulator.persistence import Journal, JournalMiddleware, replay
from simulator.sandboxes import DEFAULT_SANDBOX
from simulator.stack import Stack

#: Offsets from the base port, in the order the Docker image documents them. `apns` is HTTP/2 only (as Apple's);
#: `apns_http1` is the same gateway over HTTP/1.1; `smtp` speaks SMTP.
PORT_OFFSETS = {"core": 0, "apns": 1, "apns_http1": 2, "fcm": 3, "twilio": 4, "whatsapp": 5, "smtp_http": 6, "smtp": 25}
#: The endpoints that are not plain HTTP/1.1 apps of the same name.
_SPECIAL = {"apns", "smtp"}


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
    state_file: str | None = None,
) -> None:
    """Run the stack until cancelled; with `state_file`, resume the state a previous run left there."""
    sockets = {
        name: _bind(host, port + offset if port else 0) for name, offset in PORT_OFFSETS.items() if name not in _SPECIAL
    }
    shown = public_host or ("127.0.0.1" if host in ("0.0.0.0", "::", "") else host)
    urls = {name: f"http://{shown}:{sock.getsockname()[1]}" for name, sock in sockets.items()}
    journal = Journal(Path(state_file)) if state_file else None
    rsa_key = None
    if journal is not None:
        seed = journal.get("seed") or seed
        journal.put("seed", seed)
        rsa_key = _persisted_rsa_key(journal)
    stack = Stack.build(seed=seed, clock=clock, urls=urls, rsa_key=rsa_key)
    apps = dict(stack.apps())
    heartbeat: asyncio.Task[None] | None = None
    if journal is not None:
        replayed = await replay(stack, journal, system_clock=clock == "system")
        if replayed:
            print(f"mjlab serve: resumed {replayed} recorded inputs from {state_file}", flush=True)
        apps = _journaled(stack, apps, journal)
        if clock == "system":
            heartbeat = asyncio.ensure_future(_heartbeat(journal))
    h2 = await serve_h2(apps["apns"], host, port + PORT_OFFSETS["apns"] if port else 0)
    urls["apns"] = f"http://{shown}:{h2.sockets[0].getsockname()[1]}"
    smtp: asyncio.Server | None = None
    if "smtp" in stack.messaging:
        smtp = await serve_smtp(stack.messaging["smtp"], host, port + PORT_OFFSETS["smtp"] if port else 0)
        urls["smtp"] = f"smtp://{shown}:{smtp.sockets[0].getsockname()[1]}"
    stack.urls.update(urls)
    served = {name: ("apns" if name == "apns_http1" else name) for name in sockets if name not in _SPECIAL}
    served = {endpoint: app for endpoint, app in served.items() if app in apps}
    for endpoint in set(sockets) - set(served) - _SPECIAL:
        sockets.pop(endpoint).close()
        urls.pop(endpoint, None)
        stack.urls.pop(endpoint, None)
    servers: list[uvicorn.Server] = []
    for app_name in served.values():
        config = uvicorn.Config(
            apps[app_name],
            log_level="warning",
            lifespan="off",
            access_log=False,
            ws="websockets-sansio",
            timeout_keep_alive=60,
        )
        servers.append(_QuietServer(config))
    tasks = [
        asyncio.ensure_future(server.serve(sockets=[sockets[name]]))
        for server, name in zip(servers, served, strict=True)
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
        if heartbeat is not None:
            heartbeat.cancel()
        h2.close()
        if smtp is not None:
            smtp.close()
        for server in servers:
            server.should_exit = True


def _write_endpoints(path: Path, urls: dict[str, Any]) -> None:
    """Write the endpoints atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(urls, indent=2) + "\n")
    os.replace(partial, path)


def _clock_position(stack: Stack) -> Any:
    def position(sandbox: str | None) -> float | None:
        name = sandbox or DEFAULT_SANDBOX
        return stack.sandboxes.get(name).clock.timestamp() if name in stack.sandboxes else None

    return position


def _journaled(stack: Stack, apps: dict[str, Any], journal: Journal) -> dict[str, Any]:
    """Wrap each part's app so what changes state is journaled, and journal the device link's operations."""
    position = _clock_position(stack)

    def record_link(frame: dict[str, Any]) -> None:
        sandbox = frame.get("sandbox") or stack.hub.sandbox_of(str(frame.get("device_id", "")))
        body = json.dumps(frame).encode()
        journal.record("link", "LINK", "/link", "", [], body, sandbox, position(sandbox))

    stack.link_listeners.append(record_link)
    return {name: JournalMiddleware(app, name, journal, position) for name, app in apps.items()}


async def _heartbeat(journal: Journal) -> None:
    """On the system clock: remember the last moment this server was alive (timers due after it fire on resume)."""
    clock = SystemClock()
    while True:
        journal.put("alive", clock.timestamp())
        await pause(1.0)


def _persisted_rsa_key(journal: Journal) -> Any:
    from cryptography.hazmat.primitives import serialization

    from simulator.gateways.fcm.oauth import generate_key

    pem = journal.get("fcm_rsa_key")
    if pem is not None:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    key = generate_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    journal.put("fcm_rsa_key", pem)
    return key
