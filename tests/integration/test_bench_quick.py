"""`mjlab bench --quick` runs every registered benchmark and writes each figure beside its baseline and ratio.

Nothing here asserts a timing: the figures are findings, not pass/fail criteria.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
#: The figures a quick run measures (a full run adds the 100,000-phone fan-out and memory figures).
QUICK_FIGURES = {
    "fanout.inprocess",
    "fanout.network",
    "memory.idle_phone",
    "scenario.cost",
    "startup.inprocess",
    "startup.network",
    "startup.docker",
}
QuickBench = tuple[subprocess.CompletedProcess[str], dict[str, Any]]
#: Figures that may be skipped with a reason (no Docker engine or image on this machine).
MAY_SKIP = {"startup.docker"}


@pytest.fixture(scope="module")
def quick_bench(tmp_path_factory: pytest.TempPathFactory) -> QuickBench:
    output = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "bench", "--quick", "--json", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done, json.loads(output.read_text())


@pytest.mark.timeout(300)
def test_every_figure_is_written_with_its_baseline_and_ratio(
    quick_bench: QuickBench,
) -> None:
    _, report = quick_bench
    figures = {figure["id"]: figure for figure in report["figures"]}
    assert set(figures) >= QUICK_FIGURES
    assert report["quick"] is True
    for figure in figures.values():
        if figure["skipped"]:
            assert figure["id"] in MAY_SKIP, figure
            assert figure["skipped"].startswith("skipped:")
            continue
        assert figure["value"] > 0, figure
        assert figure["baseline"]["label"], figure
        assert figure["baseline"]["value"] > 0, figure
        assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"]["value"], rel=1e-3)
        for goal in figure["goals"]:
            assert goal["text"]
            assert goal["met"] in (True, False)


@pytest.mark.timeout(300)
def test_the_table_names_each_figure(quick_bench: QuickBench) -> None:
    done, report = quick_bench
    for title in ("push fan-out in-process", "push fan-out over the network", "memory per idle phone", "scenario cost"):
        assert title in done.stdout
    assert set(report["benchmarks"]) >= {"fanout.inprocess", "fanout.network", "memory", "scenario.cost"}
    assert all(run["error"] is None for run in report["benchmarks"].values()), report["benchmarks"]
