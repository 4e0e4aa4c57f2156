"""A served stack for network-mode benchmarks: `mjlab serve` on ephemeral loopback ports in a child process.

`ServedStack` starts it, waits for its endpoints file, and stops it with SIGINT (a clean exit). With `profile_to`
the server runs under this module instead (`python -m benchmarks.served --profile F -- serve args...`), which
profiles only between SIGUSR1 and SIGUSR2, so a benchmark can profile the server during its measured window alone
(the fan-out worker sends both signals around the campaign with `--server-pid`).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import FrameType, TracebackType

START_TIMEOUT = 60.0


class ServedStack:
    """`mjlab serve --port 0 --clock virtual` in a child process, for the length of a `with` block.

    `startup_seconds` is the time from starting the process to its core answering `/_sim/health`.
    """

    def __init__(
        self, workdir: Path, *, profile_to: Path | None = None, clock: str = "virtual", floor: bool = False
    ) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="served-", dir=workdir))
        self.endpoints_file = self.folder / "endpoints.json"
        self.log = self.folder / "server.log"
        self.profile_to = profile_to
        self.clock = clock
        self.floor = floor
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoints: dict[str, str] = {}
        self.startup_seconds = 0.0

    def command(self) -> list[str]:
        """The server's command line (`floor`: the one-route uvicorn server of `benchmarks.startup`)."""
        if self.floor:
            return [
                sys.executable,
                "-m",
                "benchmarks.startup",
                "serve-floor",
                "--endpoints-file",
                str(self.endpoints_file),
            ]
        serve = ["serve", "--host", "127.0.0.1", "--port", "0", "--clock", self.clock]
        serve += ["--endpoints-file", str(self.endpoints_file)]
        if self.profile_to is not None:
            return [sys.executable, "-m", "benchmarks.served", "--profile", str(self.profile_to), "--", *serve]
        return [sys.executable, "-m", "harness.cli", *serve]

    def __enter__(self) -> ServedStack:
        started = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = started + START_TIMEOUT
        while not self.endpoints_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"mjlab serve exited with {self.process.returncode}: {self.log.read_text()}")
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"mjlab serve did not start within {START_TIMEOUT:.0f} s")
            time.sleep(0.005)
        self.endpoints = json.loads(self.endpoints_file.read_text())
        health = self.endpoints["core"] + "/_sim/health"
        with urllib.request.urlopen(health, timeout=10) as answer:
            answer.read()
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        """Stop the server (SIGINT, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.served --profile F -- serve ...`: `mjlab serve`, profiled from SIGUSR1 to SIGUSR2."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--profile", required=True, help="where to write the profile (pstats) at SIGUSR2")
    parser.add_argument("mjlab", nargs=argparse.REMAINDER, help="-- then the mjlab arguments")
    args = parser.parse_args(argv)
    mjlab_args = args.mjlab[1:] if args.mjlab[:1] == ["--"] else args.mjlab
    profiler = cProfile.Profile()

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(args.profile)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    from harness.cli import main as mjlab

    return mjlab(mjlab_args)


def signal_server(pid: int | None, signum: int) -> None:
    """Tell a profiled server to start (SIGUSR1) or stop (SIGUSR2) profiling; nothing when `pid` is None."""
    if pid is not None:
        os.kill(pid, signum)


if __name__ == "__main__":
    sys.exit(main())
