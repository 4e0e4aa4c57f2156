"""`mjlab run`: run feature files with pytest in this process and write the reports.

    mjlab run [PATHS...] [--stack S] [--seed X] [--lang en|fr] [-t TAGS] [-n N]
              [--junitxml P] [--cucumberjson P] [--html P] [-k EXPR] [-x] [-v]

Progress is pytest's own (one line per scenario with `-v`), which stays correct under pytest-xdist; a rich
header and summary table frame it. The exit status is pytest's: 0 when every scenario passed.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from harness.collect import tags_to_markexpr
from harness.commands import Subparsers
from harness.options import DEFAULT_SEED, DEFAULT_STACK, parse_stack

DEFAULT_PATHS = ["features/"]
#: pytest warns that it cannot rewrite the asserts of plugin packages this process imported before it started
#: (the harness itself); with `filterwarnings = error` that would end the run before it begins.
ALREADY_IMPORTED = "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"
HtmlWriter = Callable[[Path, Path], object]


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab run` and its options."""
    parser = subparsers.add_parser(
        "run",
        help="run feature files and write JUnit, Cucumber JSON and HTML reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATHS", help="feature files or folders (default: features/)")
    parser.add_argument(
        "--stack",
        type=parse_stack,
        default=parse_stack(DEFAULT_STACK),
        help="inprocess, network, docker or url=http://host:port (default: inprocess)",
    )
    parser.add_argument("--seed", default=DEFAULT_SEED, help=f"seed of the run (default: {DEFAULT_SEED})")
    parser.add_argument("--lang", choices=["en", "fr"], help="run only the features written in this language")
    parser.add_argument(
        "-t",
        "--tags",
        action="append",
        default=[],
        metavar="EXPR",
        help='Cucumber tag expression, e.g. "@push and not @slow" (repeat to and them)',
    )
    parser.add_argument("-n", "--workers", type=_workers, metavar="N", help="run on N processes (or auto)")
    parser.add_argument("--junitxml", type=Path, default=Path("reports/junit.xml"), metavar="PATH")
    parser.add_argument("--cucumberjson", type=Path, default=Path("reports/cucumber.json"), metavar="PATH")
    parser.add_argument("--html", type=Path, default=Path("reports/report.html"), metavar="PATH")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="only scenarios whose name matches EXPR")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="one line per scenario")
    return parser


def _workers(value: str) -> str:
    if value == "auto" or (value.isdigit() and int(value) > 0):
        return value
    raise argparse.ArgumentTypeError(f"invalid worker count {value!r}: a positive number or auto")


def pytest_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line of a `mjlab run`."""
    argv = [*(args.paths or DEFAULT_PATHS), "-p", "no:cacheprovider", "-W", ALREADY_IMPORTED]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        argv += ["-p", "pytest-bdd", "-p", "mjlab"]
    argv += ["--stack", str(args.stack), "--seed", args.seed]
    argv += ["--junitxml", str(args.junitxml), "--cucumberjson-mjlab", str(args.cucumberjson)]
    if args.lang:
        argv += ["--mjlab-lang", args.lang]
    if args.tags:
        argv += ["-m", tags_to_markexpr(*args.tags)]
    if args.keyword:
        argv += ["-k", args.keyword]
    if args.exitfirst:
        argv.append("-x")
    if args.verbose:
        argv.append("-" + "v" * args.verbose)
    if args.workers:
        argv += ["-n", args.workers, "-p", "xdist"]
    return argv


class Tally:
    """Counts each test's final outcome on the controller (reports from xdist workers included)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}
        self.collection_errors = 0

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Count files that failed to collect."""
        if report.failed:
            self.collection_errors += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the outcome that decides each test: its call, or a failing setup or teardown."""
        if report.when == "call" or not report.passed:
            self.outcomes[report.nodeid] = "error" if report.failed and report.when != "call" else report.outcome

    def count(self, outcome: str) -> int:
        """How many tests ended with `outcome`."""
        return sum(1 for value in self.outcomes.values() if value == outcome)


def run(args: argparse.Namespace) -> int:
    """Run pytest on the paths; write the reports; print the summary; return pytest's exit status."""
    console = Console(highlight=False)
    paths = args.paths or DEFAULT_PATHS
    console.print(
        f"[bold]mjlab run[/] {' '.join(paths)}  [dim]stack[/] {args.stack}  [dim]seed[/] {args.seed}"
        + (f"  [dim]workers[/] {args.workers}" if args.workers else "")
    )
    for path in (args.junitxml, args.cucumberjson, args.html):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # a report left by an earlier run must not pass for this run's
    tally = Tally()
    status = int(pytest.main(pytest_args(args), plugins=[tally]))
    written = [path for path in (args.junitxml, args.cucumberjson) if path.is_file()]
    write_html = html_writer()
    if write_html is not None and args.cucumberjson.is_file():
        write_html(args.cucumberjson, args.html)
        written.append(args.html)
    console.print(summary(tally, written, status))
    return status


def html_writer() -> HtmlWriter | None:
    """`harness.reports.html.write_html` if that module provides it."""
    try:
        module = importlib.import_module("harness.reports.html")
    except ImportError:
        return None
    writer: HtmlWriter | None = getattr(module, "write_html", None)
    return writer


def summary(tally: Tally, written: list[Path], status: int) -> Table:
    """The summary table: scenarios by outcome, then the reports written."""
    table = Table(
        title="mjlab run " + ("[green]passed[/]" if status == 0 else f"[red]failed[/] (exit {status})"),
        show_header=False,
        title_justify="left",
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row("passed", f"[green]{tally.count('passed')}[/]")
    table.add_row("failed", f"[red]{tally.count('failed')}[/]")
    table.add_row("skipped", f"[yellow]{tally.count('skipped')}[/]")
    errors = tally.count("error") + tally.collection_errors
    if errors:
        table.add_row("errors", f"[red]{errors}[/]")
    for path in written:
        table.add_row("report", str(path))
    return table
