"""`mjlab bench`: the stack's figures, each beside the baseline measured in the same run, the ratio and the goal.

    mjlab bench [--json F] [--quick] [--only NAME ...] [--no-profile] [--features DIR]

Runs every benchmark registered in `benchmarks` (push fan-out in-process and over the network, memory per idle
phone, scenario cost against the pytest-bdd floor, start-up), each measurement in its own process, then prints a
table and writes the JSON (default `reports/bench.json`, `reports/bench-quick.json` with `--quick`). Where a goal
is missed, the benchmark is run once more under a profiler (on a smaller fleet, and only in the run's first
five minutes) and the top functions (or, for memory, the source lines
holding it) are printed below the table and kept in the JSON. `--quick` leaves out the benchmarks that mostly
start servers (SMS, email; `--only` still runs them) and runs smaller fleets, once each, without profiling: under
a minute. The exit status is 1 when a benchmark could not run; a missed goal is a finding, not a
failure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from harness.commands import Subparsers
from simulator.clock import monotonic

if TYPE_CHECKING:
    from benchmarks import Benchmark, Figure

FORMAT_VERSION = 1
PROFILE_LINES = 6
#: Columns of the table when the output is not a terminal (a log, a pipe).
WIDE = 150


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab bench` and its options."""
    parser = subparsers.add_parser(
        "bench", help="measure the stack's throughput", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument(
        "--json", type=Path, metavar="F", help="where to write the figures (default reports/bench.json)"
    )
    parser.add_argument("--quick", action="store_true", help="small fleets, one run each, no profiles (under a minute)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME",
        help="run only this benchmark (repeat; prefixes match: --only fanout)",
    )  # fmt: skip
    parser.add_argument("--no-profile", action="store_true", help="do not profile the benchmarks that miss a goal")
    parser.add_argument("--features", type=Path, default=Path("features"), help="the suite the scenario cost runs")
    return parser


def select(benchmarks: Iterable[Benchmark], only: list[str] | None, *, quick: bool) -> list[Benchmark]:
    """The benchmarks to run: those `--only` names (by prefix), else all, less those left out of `--quick`."""
    if only:
        return [bench for bench in benchmarks if any(bench.name.startswith(prefix) for prefix in only)]
    return [bench for bench in benchmarks if bench.quick or not quick]


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks, print the table and the reasons for missed goals, write the JSON."""
    from benchmarks import BenchContext, Figure, environment, load_benchmarks

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=WIDE)  # `make bench | tee`: keep the table readable
    selected = select(load_benchmarks(), args.only, quick=args.quick)
    if not selected:
        console.print(f"[red]mjlab bench: no benchmark matches {', '.join(args.only)}[/]")
        return 2
    output: Path = args.json or Path("reports/bench-quick.json" if args.quick else "reports/bench.json")
    console.print(f"[bold]mjlab bench[/]{' --quick' if args.quick else ''}  [dim]{len(selected)} benchmarks[/]")
    workdir = Path(tempfile.mkdtemp(prefix="mjlab-bench-"))
    context = BenchContext(
        quick=args.quick, workdir=workdir, features=args.features, profile=not args.no_profile,
        log=lambda message: console.print(f"[dim]  · {message}[/]"),
    )  # fmt: skip
    figures: list[Figure] = []
    runs: dict[str, dict[str, Any]] = {}
    measured_on = environment()
    started = monotonic()
    try:
        for bench in selected:
            bench_started = monotonic()
            error = None
            try:
                figures.extend(bench.function(context))
            except Exception as failure:  # one benchmark that cannot run must not hide the others' figures
                error = f"{type(failure).__name__}: {failure}"
                figures.append(Figure(bench.name, bench.title, None, "", None, skipped=f"failed: {error}"))
            runs[bench.name] = {"title": bench.title, "seconds": round(monotonic() - bench_started, 2), "error": error}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = monotonic() - started
    console.print(table(figures, seconds, args.quick))
    for line in explanations(figures):
        console.print(line)
    busy = busy_machine(measured_on)
    if busy:
        console.print(f"\n[yellow]{busy}[/]")
    report = {
        "format": FORMAT_VERSION,
        "quick": args.quick,
        "environment": {**measured_on, "load_average_after": environment()["load_average"]},
        "seconds": round(seconds, 2),
        "benchmarks": runs,
        "figures": [figure.to_json() for figure in figures],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"[dim]figures written to[/] {output}")
    return 1 if any(run["error"] for run in runs.values()) else 0


def busy_machine(measured_on: dict[str, Any]) -> str | None:
    """A warning when other work was running: absolute figures are then low, ratios to baselines hold better."""
    load, cpus = measured_on.get("load_average", [0.0])[0], measured_on.get("cpus") or 1
    if load <= cpus:
        return None
    return (
        f"the machine was busy when the run started (load average {load:.1f} on {cpus} cores): absolute figures are "
        "lower than on an idle machine; the ratios to baselines measured in the same run hold better"
    )


def number(value: float) -> str:
    """A figure as people read it: thousands separated, decimals only where they matter."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: Iterable[Figure], seconds: float, quick: bool) -> Table:
    """Every figure beside its baseline, the ratio, the goals and whether they are met."""
    result = Table(
        title=f"mjlab bench{' --quick' if quick else ''}: {seconds:.0f} s", title_justify="left", show_lines=True
    )
    result.add_column("figure", style="bold", max_width=40)
    result.add_column("value", justify="right")
    result.add_column("baseline (same run)", max_width=48)
    result.add_column("ratio", justify="right")
    result.add_column("goal")
    result.add_column("met", justify="center")
    for figure in figures:
        if figure.skipped is not None:
            result.add_row(figure.title, "—", f"[yellow]{figure.skipped}[/]", "—", "", "—")
            continue
        value = f"{number(figure.value)} {figure.unit}" if figure.value is not None else "—"
        baseline = "—"
        if figure.baseline is not None and figure.baseline.value is not None:
            baseline = f"{number(figure.baseline.value)} {figure.baseline.unit}\n[dim]{figure.baseline.label}[/]"
        ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else "—"
        goals = "\n".join(goal.text for goal in figure.goals) or "[dim]none set[/]"
        met = "\n".join(_met(goal.met(figure)) for goal in figure.goals) or "—"
        result.add_row(figure.title, value, baseline, ratio, goals, met)
    return result


def _met(met: bool | None) -> str:
    return "—" if met is None else "[green]yes[/]" if met else "[red]NO[/]"


def explanations(figures: Iterable[Figure]) -> list[str]:
    """Notes, and for each missed goal what the profile says (top functions, or the lines holding memory)."""
    lines: list[str] = []
    for figure in figures:
        if not figure.notes and figure.profile is None:
            continue
        missed = ", ".join(goal.text for goal in figure.goals if goal.met(figure) is False)
        lines.append(f"\n[bold]{figure.title}[/]" + (f": [red]misses {missed}[/]" if missed else ""))
        lines.extend(f"  [dim]note:[/] {note}" for note in figure.notes)
        for name, section in (figure.profile or {}).items():
            lines.extend(_profile_lines(name, section))
    return lines


def _profile_lines(name: str, section: Any) -> list[str]:
    if not isinstance(section, dict):
        return []
    if "by_own_time" in section:
        lines = [f"  [dim]profile ({name}): {section['total_s']:.3f} s of work; top functions by own time:[/]"]
        for row in section["by_own_time"][:PROFILE_LINES]:
            lines.append(f"    {row['own_s']:8.3f} s {row['calls']:>9,} calls  {row['function']}")
        lines.append("  [dim]... and by cumulative time:[/]")
        for row in section["by_cumulative_time"][:PROFILE_LINES]:
            lines.append(f"    {row['cumulative_s']:8.3f} s {row['calls']:>9,} calls  {row['function']}")
        return lines
    if "by_line" in section:
        lines = [
            f"  [dim]tracemalloc ({name}): {section['traced_bytes_per_phone']:,} bytes/phone traced; top lines:[/]"
        ]
        for row in section["by_line"][: PROFILE_LINES + 2]:
            via = f" (allocated in {row['allocated_in']})" if row.get("allocated_in") else ""
            lines.append(f"    {row['bytes_per_phone']:8.0f} B/phone  {row['line']}  [dim]{row['code']}{via}[/]")
        return lines
    return [line for key, value in section.items() for line in _profile_lines(f"{name} {key}", value)]
