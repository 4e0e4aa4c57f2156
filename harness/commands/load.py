"""`mjlab load`: drive a fleet of simulated phones against a served stack with Locust, on this machine only.

    mjlab load --phones N --duration 20s [--workers N] [--endpoints F | --url http://127.0.0.1:8500]
               [--spawn-rate R] [--campaign-every S]

Each Locust user is a phone (`benchmarks/load/locustfile.py`): it launches the app (its profile imported with push
consent, a push token from the gateway's `/_sim/devices`, the push identifier sent to the platform's Edge
endpoint), sends SDK events, refreshes its token and taps what it receives; a campaign is triggered to the fleet
every few seconds, and each notification reaches its phone over the device link websocket, where it is counted.
`--workers N` runs Locust's distributed mode: a master bound to 127.0.0.1 and N worker processes. Without
`--endpoints` or `--url`, `mjlab serve --port 0` is started for the run and stopped after. Only loopback
addresses are accepted, and the run is bounded by the phone count and the duration. Locust prints its
statistics; then the deliveries the phones received, beside what the platform counted.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.commands import Subparsers

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h)?$")
_UNITS = {"s": 1, "m": 60, "h": 3600}


def duration(value: str) -> float:
    """`20s`, `2m`, `1h` or a number of seconds."""
    match = _DURATION.match(value.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid duration {value!r}: e.g. 20s, 2m, 90")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab load` and its options."""
    parser = subparsers.add_parser(
        "load", help="drive a fleet of simulated devices (Locust)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--phones", type=int, required=True, help="how many phones (Locust users)")
    parser.add_argument("--duration", type=duration, default=duration("20s"), help="how long, e.g. 20s (default)")
    parser.add_argument("--workers", type=int, default=0, help="Locust worker processes (distributed mode); 0: one")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--endpoints", type=Path, metavar="F", help="endpoints file of a running mjlab serve")
    target.add_argument("--url", help="base URL of a running mjlab serve (loopback only)")
    parser.add_argument("--spawn-rate", type=float, help="phones started per second (default: all in a quarter)")
    parser.add_argument(
        "--campaign-every", type=float, metavar="S", help="seconds between campaigns (default 5, less in short runs)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the load; print Locust's statistics (Locust does) and the deliveries; Locust's exit status."""
    from benchmarks.load.run import LoadError, LoadPlan, LoopbackOnly, run_load

    console = Console(highlight=False)
    plan = LoadPlan(
        phones=args.phones, seconds=args.duration, workers=args.workers, spawn_rate=args.spawn_rate,
        campaign_every=args.campaign_every, endpoints_file=args.endpoints, url=args.url,
    )  # fmt: skip
    try:
        result = run_load(plan, log=lambda message: console.print(f"[bold]mjlab load[/] {message}"))
    except (LoopbackOnly, ValueError) as error:
        console.print(f"[red]mjlab load: {error}[/]")
        return 2
    except (LoadError, OSError) as error:
        console.print(f"[red]mjlab load: {error}[/]")
        return 1
    table = Table(title="mjlab load", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("phones", f"{plan.phones:,}")
    table.add_row("duration", f"{plan.seconds:g} s")
    table.add_row("Locust processes", f"master + {plan.workers} workers" if plan.workers else "1")
    table.add_row("requests (HTTP and link)", f"{result.requests:,}")
    table.add_row("failures", f"{result.failures:,}")
    table.add_row("deliveries received by phones", f"[green]{result.deliveries:,}[/]")
    report = result.report
    if report:
        table.add_row(
            "platform: targeted / sent / delivered",
            f"{report.get('targeted', 0):,} / {report.get('sent', 0):,} / {report.get('delivered', 0):,}",
        )
        table.add_row("platform: opened (taps tracked)", f"{report.get('opened', 0):,}")
    console.print(table)
    if result.deliveries == 0:
        console.print("[red]mjlab load: the phones received no delivery[/]")
        return result.exit_status or 1
    return result.exit_status
