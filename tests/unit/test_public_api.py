"""The curated public surface: what `simulator` and `harness` export is deliberate (change this test with it)."""

from __future__ import annotations

import harness
import simulator


def test_simulator_exports() -> None:
    assert simulator.__all__ == [
        "OS", "Clock", "Phone", "PhoneError", "Sandbox", "Sandboxes", "Stack", "StackClient", "StackError",
        "SystemClock", "VirtualClock",
    ]  # fmt: skip
    assert all(getattr(simulator, name) for name in simulator.__all__)


def test_harness_exports() -> None:
    assert harness.__all__ == ["Lab", "Person", "ScenarioError", "step"]
    assert all(getattr(harness, name) for name in harness.__all__)
