"""`mjlab load` drives Locust phones against a served stack on loopback, and refuses any other address."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DELIVERIES = re.compile(r"deliveries received by phones\D*([\d,]+)")


def mjlab_load(*args: str, timeout: float = 110) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "load", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.mark.network
def test_phones_receive_the_campaigns_triggered_during_the_run() -> None:
    done = mjlab_load("--phones", "50", "--duration", "3s")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    found = DELIVERIES.search(output)
    assert found is not None, output[-4000:]
    assert int(found.group(1).replace(",", "")) > 0
    assert "POST /ee/v2/interact (launch)" in output  # Locust's own statistics are printed
    assert "delivery received (apns)" in output and "delivery received (fcm)" in output


def test_an_address_off_this_machine_is_refused_before_any_request() -> None:
    done = mjlab_load("--phones", "5", "--duration", "2s", "--url", "http://load-target.invalid:8500")
    assert done.returncode == 2
    assert "only sent to this machine" in done.stdout + done.stderr


def test_the_run_is_bounded() -> None:
    done = mjlab_load("--phones", "1000000", "--duration", "2s")
    assert done.returncode == 2
    assert "--phones must be between" in done.stdout + done.stderr
