"""Helpers of the stack-mode tests: `mjlab run` as a user runs it, its JUnit outcomes, a `mjlab serve` child, and a
test module that records which server each xdist worker used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[2]
PUSH_FEATURE = "features/channels/push.feature"
#: The ini of a pytester folder: configured like the project.
INI = "[pytest]\naddopts = -p no:cacheprovider\nfilterwarnings = error\n"


@dataclass
class MjlabRun:
    """A finished `mjlab run`: its exit status, what it printed, and each scenario's outcome from its JUnit XML."""

    status: int
    output: str
    outcomes: dict[str, str]


def mjlab_run(*args: str, reports: Path, env: dict[str, str] | None = None, timeout: float = 100) -> MjlabRun:
    """Run `mjlab run ARGS` from the repository root, its reports in `reports`."""
    reports.mkdir(parents=True, exist_ok=True)
    junit = reports / "junit.xml"
    command = [
        sys.executable, "-m", "harness.cli", "run", *args, "--junitxml", str(junit),
        "--cucumberjson", str(reports / "cucumber.json"), "--html", str(reports / "report.html"),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    return MjlabRun(done.returncode, done.stdout + done.stderr, outcomes(junit) if junit.exists() else {})


def outcomes(junit: Path) -> dict[str, str]:
    """Scenario name -> passed, failed, error or skipped, from a JUnit XML report."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[case.get("name", "")] = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(
            kinds[0] if kinds else "", "passed"
        )
    return found


@contextmanager
def mjlab_serve() -> Iterator[dict[str, str]]:
    """`mjlab serve --port 0 --clock virtual` in a child process; yields its endpoints, stops it after."""
    folder = Path(tempfile.mkdtemp(prefix="mjlab-test-serve-"))
    endpoints = folder / "endpoints.json"
    command = [sys.executable, "-m", "harness.cli", "serve", "--port", "0", "--clock", "virtual",
               "--endpoints-file", str(endpoints)]  # fmt: skip
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not endpoints.exists():
            assert server.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "mjlab serve did not write its endpoints within 30 s"
            time.sleep(0.05)
        yield json.loads(endpoints.read_text())
    finally:
        server.terminate()
        server.wait(timeout=10)


#: A test module for pytester: each test writes which worker ran it, on which server, and which sandboxes the
#: server held at that moment. `{out}` is the folder the records go to.
RECORDING_TESTS = """
import json, os
from pathlib import Path

import pytest

OUT = Path({out!r})


@pytest.mark.parametrize("n", range(8))
def test_scenario(n, lab, mjlab_runtime):
    served = mjlab_runtime.served
    record = {{
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "core": served.endpoints["core"],
        "container": served.container_id,
        "sandbox": lab.sandbox,
        "open": lab.call("core", "GET", "/_sim/sandboxes")["sandboxes"],
    }}
    (OUT / f"{{n}}.json").write_text(json.dumps(record))
"""


def recorded(out: Path) -> list[dict[str, Any]]:
    """The records `RECORDING_TESTS` wrote."""
    return [json.loads(path.read_text()) for path in sorted(out.glob("*.json"))]


#: A feature whose last step fails (the notification it expects was never sent).
FAILING_FEATURE = """\
Feature: A failing push

  Scenario: Alice expects a notification that was never sent
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a marketing push campaign "Summer sale" for the "Shop" app:
      | title | Summer sale |
      | body  | 15% off     |
    When the campaign "Summer sale" is sent to Alice
    Then Alice sees the notification "Winter sale" saying "nothing"
"""
