"""The stack a test session runs against, and the event loop thread that drives it.

pytest-bdd steps are synchronous (async steps are not supported: pytest-bdd #223), so the stack's event loop runs
in a thread started by an anyio blocking portal, as starlette's TestClient does, and steps call into it with `run()`
(`asyncio.run_coroutine_threadsafe` on that loop: one hand-off each way).

Modes: `inprocess` builds the stack in that loop; `network` starts `mjlab serve` on ephemeral loopback ports in a
child process and connects to it; `docker` starts the image in a container (`harness.docker`); `url=...` connects to
a server that is already running. A `ServedStack` describes a server outside this process — its endpoints as
reached from here and where its log is — so that pytest-xdist workers can share one (`harness.serving`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from harness.options import StackMode, StackOption
from simulator.client import StackClient
from simulator.clock import monotonic, wait_real
from simulator.stack import Stack

T = TypeVar("T")

SERVER_START_TIMEOUT = 60.0


class StackUnavailable(RuntimeError):
    """The stack could not be started or reached; the message says why and what to do."""


@dataclass(frozen=True)
class ServedStack:
    """A stack served outside this process: its endpoints as reached from here, and where its log is."""

    mode: StackMode
    endpoints: dict[str, str]
    log_file: str | None = None
    container_id: str | None = None

    @property
    def source(self) -> str:
        """What serves it, in a few words."""
        if self.container_id:
            return f"docker container {self.container_id[:12]}"
        if self.log_file:
            return f"mjlab serve, log {self.log_file}"
        return f"server at {self.endpoints.get('core', '?')}"

    def log(self, lines: int | None = None) -> str:
        """What the server printed (its last `lines` lines); empty when its log cannot be read from here."""
        if self.container_id:
            from harness.docker import container_log

            return container_log(self.container_id, lines)
        if self.log_file and Path(self.log_file).exists():
            text = Path(self.log_file).read_text(errors="replace")
            return "".join(text.splitlines(keepends=True)[-lines:]) if lines else text
        return ""

    def to_json(self) -> str:
        """The description as JSON (what an xdist worker receives)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServedStack:
        """The description `to_json` wrote."""
        return cls(**json.loads(text))


def serve_stack(mode: StackMode, exit_stack: contextlib.ExitStack, seed: str) -> ServedStack:
    """Start the server of `network` or `docker` mode; `exit_stack` stops it."""
    if mode == "network":
        return start_server(exit_stack, seed)
    if mode == "docker":
        from harness.docker import start_container

        return start_container(exit_stack, seed)
    raise ValueError(f"the {mode} mode starts no server")


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


async def _invoke(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    return await fn(*args)


class Runtime:
    """A started stack, its client, and the portal into its event loop.

    `served` is a server someone else started for this session (the xdist controller): the runtime connects to it
    instead of starting its own.
    """

    def __init__(self, option: StackOption, seed: str, served: ServedStack | None = None) -> None:
        self.option = option
        self.seed = seed
        self.served = served
        self._exit = contextlib.ExitStack()
        self.portal: BlockingPortal | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.client: StackClient | None = None
        self.stack: Stack | None = None

    def start(self) -> Runtime:
        """Start the loop thread and the stack."""
        self.portal = self._exit.enter_context(start_blocking_portal())
        self._loop = self.portal.call(_running_loop)
        mode = self.option.mode
        if self.served is None:
            if mode == "inprocess":
                self.stack = Stack.build(seed=self.seed)
                self.client = self.run(StackClient.inprocess, self.stack)
                return self
            if mode == "url":
                assert self.option.url is not None
                self.served = ServedStack("url", _fetch_endpoints(self.option.url))
            else:
                self.served = serve_stack(mode, self._exit, self.seed)
        self.client = self.run(StackClient.connect, self.served.endpoints, self.served.mode)
        return self

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run an async function (or one returning an awaitable) in the stack's loop and return its result."""
        assert self._loop is not None, "runtime not started"
        # One hand-off to the loop thread and one back: the portal's `call` adds a second round trip to start the
        # task (about 270 µs against 120 µs a call here), and steps make some thirty calls per scenario.
        return asyncio.run_coroutine_threadsafe(_invoke(fn, *args), self._loop).result()

    def server_log(self, lines: int | None = None) -> str:
        """What the served stack printed (network and docker modes), for failure reports; empty otherwise."""
        return self.served.log(lines) if self.served is not None else ""

    def stop(self) -> None:
        """Close the client, stop the server (if this runtime started it) and the loop."""
        try:
            if self.client is not None and self.portal is not None:
                self.run(self.client.aclose)
        finally:
            self._exit.close()


def start_server(exit_stack: contextlib.ExitStack, seed: str) -> ServedStack:
    """Start `mjlab serve` on ephemeral loopback ports with a virtual clock; `exit_stack` stops it."""
    folder = Path(tempfile.mkdtemp(prefix="mjlab-serve-"))
    endpoints_file = folder / "endpoints.json"
    log_file = folder / "server.log"
    command = [
        sys.executable, "-m", "harness.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        "--clock", "virtual", "--seed", seed, "--endpoints-file", str(endpoints_file),
    ]  # fmt: skip
    with log_file.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    exit_stack.callback(_terminate, server)
    deadline = monotonic() + SERVER_START_TIMEOUT
    while not endpoints_file.exists():
        if server.poll() is not None:
            output = log_file.read_text(errors="replace")
            raise StackUnavailable(f"mjlab serve exited with {server.returncode}:\n{output}")
        if monotonic() > deadline:
            raise StackUnavailable(f"mjlab serve did not start within {SERVER_START_TIMEOUT:.0f} s")
        wait_real(0.02)
    endpoints = {str(k): str(v) for k, v in json.loads(endpoints_file.read_text()).items()}
    return ServedStack("network", endpoints, log_file=str(log_file))


def _terminate(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _fetch_endpoints(url: str) -> dict[str, str]:
    try:
        response = httpx.get(url.rstrip("/") + "/_sim/endpoints", timeout=10)
    except httpx.HTTPError as error:
        raise StackUnavailable(f"no Mobile Journey Lab server answers at {url}: {error}") from None
    if response.status_code != 200:
        raise StackUnavailable(f"{url}/_sim/endpoints answered {response.status_code}; is it an mjlab server?")
    return {str(k): str(v) for k, v in response.json().items()}
