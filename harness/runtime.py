"""The stack a test session runs against, and the event loop thread that drives it.

pytest-bdd steps are synchronous (async steps are not supported: pytest-bdd #223), so the stack's event loop runs
in a thread behind an anyio blocking portal, as starlette's TestClient does, and steps call into it with `run()`.

Modes: `inprocess` builds the stack in that loop; `network` starts `mjlab serve` on ephemeral loopback ports in a
child process and connects to it; `url=...` connects to a server that is already running.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from harness.options import StackOption
from simulator.client import StackClient
from simulator.clock import monotonic, wait_real
from simulator.stack import Stack

T = TypeVar("T")

SERVER_START_TIMEOUT = 60.0


class StackUnavailable(RuntimeError):
    """The stack could not be started or reached; the message says why and what to do."""


class Runtime:
    """A started stack, its client, and the portal into its event loop."""

    def __init__(self, option: StackOption, seed: str) -> None:
        self.option = option
        self.seed = seed
        self._exit = contextlib.ExitStack()
        self.portal: BlockingPortal | None = None
        self.client: StackClient | None = None
        self.stack: Stack | None = None
        self._server: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def start(self) -> Runtime:
        """Start the loop thread and the stack."""
        self.portal = self._exit.enter_context(start_blocking_portal())
        mode = self.option.mode
        if mode == "inprocess":
            self.stack = Stack.build(seed=self.seed)
            self.client = self.run(StackClient.inprocess, self.stack)
        elif mode == "network":
            endpoints = self._start_server()
            self.client = self.run(StackClient.connect, endpoints)
        elif mode == "url":
            assert self.option.url is not None
            endpoints = _fetch_endpoints(self.option.url)
            self.client = self.run(StackClient.connect, endpoints, "url")
        else:
            from harness.docker import start_container

            endpoints = start_container(self._exit)
            self.client = self.run(StackClient.connect, endpoints, "docker")
        return self

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run an async function in the stack's loop and return its result."""
        assert self.portal is not None, "runtime not started"
        return self.portal.call(fn, *args)

    def server_log(self) -> str:
        """What the served stack printed (network mode), for failure reports."""
        return self._log.read_text(errors="replace") if self._log and self._log.exists() else ""

    def stop(self) -> None:
        """Close the client, stop the server and the loop."""
        try:
            if self.client is not None and self.portal is not None:
                self.run(self.client.aclose)
        finally:
            if self._server is not None:
                self._server.terminate()
                try:
                    self._server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._server.kill()
            self._exit.close()

    def _start_server(self) -> dict[str, str]:
        folder = Path(tempfile.mkdtemp(prefix="mjlab-serve-"))
        endpoints_file = folder / "endpoints.json"
        self._log = folder / "server.log"
        command = [
            sys.executable, "-m", "harness.cli", "serve", "--host", "127.0.0.1", "--port", "0",
            "--clock", "virtual", "--seed", self.seed, "--endpoints-file", str(endpoints_file),
        ]  # fmt: skip
        with self._log.open("wb") as log:
            self._server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = monotonic() + SERVER_START_TIMEOUT
        while not endpoints_file.exists():
            if self._server.poll() is not None:
                raise StackUnavailable(f"mjlab serve exited with {self._server.returncode}:\n{self.server_log()}")
            if monotonic() > deadline:
                raise StackUnavailable(f"mjlab serve did not start within {SERVER_START_TIMEOUT:.0f} s")
            wait_real(0.02)
        return dict(json.loads(endpoints_file.read_text()))


def _fetch_endpoints(url: str) -> dict[str, str]:
    try:
        response = httpx.get(url.rstrip("/") + "/_sim/endpoints", timeout=10)
    except httpx.HTTPError as error:
        raise StackUnavailable(f"no Mobile Journey Lab server answers at {url}: {error}") from None
    if response.status_code != 200:
        raise StackUnavailable(f"{url}/_sim/endpoints answered {response.status_code}; is it an mjlab server?")
    return {str(k): str(v) for k, v in response.json().items()}
