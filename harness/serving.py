"""The session's server: one for all pytest-xdist workers, and its log on failing scenarios.

Under `-n N` with `--stack network` or `--stack docker`, the controller (not each worker) starts the one server —
`mjlab serve` in a child process, or the container — in `pytest_sessionstart`, before xdist starts its workers, and
hands each worker its description (`ServedStack`) in `workerinput`; a worker's `mjlab_runtime` connects to it as
`url` mode would. Each scenario opens its own sandbox, named after its worker, with its own virtual clock and a seed
taken from its node id, so the workers never see each other's data and the results equal a serial run. The
controller stops the server in `pytest_unconfigure`, once the workers are gone.

A failing scenario in a mode with a server gets the end of that server's log as a report section (with several
workers on one server, it holds every worker's lines).

`harness.fixtures` registers this module as a plugin.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any

import pytest

from harness.options import StackOption
from harness.runtime import Runtime, ServedStack, StackUnavailable, serve_stack

#: The key of the server's description in an xdist worker's `workerinput`.
WORKERINPUT_KEY = "mjlab_served_stack"
#: The modes whose server the controller starts once for all workers (`url` is shared already; `inprocess` cannot be).
SHARED_MODES = ("network", "docker")
#: How many of the server's last log lines a failing scenario shows.
LOG_LINES = 200

#: The session's started runtime (set by the `mjlab_runtime` fixture), whose server log failing scenarios get.
RUNTIME = pytest.StashKey[Runtime]()
_SERVED = pytest.StashKey[ServedStack]()
_EXIT = pytest.StashKey[contextlib.ExitStack]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """On the xdist controller, start the one server the workers share."""
    config = session.config
    option: StackOption = config.getoption("mjlab_stack")
    if option.mode not in SHARED_MODES or not config.pluginmanager.has_plugin("dsession"):
        return  # no workers to share with: each session starts its own server in `mjlab_runtime`
    exit_stack = config.stash[_EXIT] = contextlib.ExitStack()
    try:
        config.stash[_SERVED] = serve_stack(option.mode, exit_stack, config.getoption("mjlab_seed"))
    except StackUnavailable as error:
        pytest.exit(f"mjlab: {error}", returncode=3)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Give each xdist worker the shared server's description."""
    served = node.config.stash.get(_SERVED, None)
    if served is not None:
        node.workerinput[WORKERINPUT_KEY] = served.to_json()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the shared server, after the workers."""
    exit_stack = config.stash.get(_EXIT, None)
    if exit_stack is not None:
        exit_stack.close()


def shared_stack(config: pytest.Config) -> ServedStack | None:
    """On an xdist worker, the server the controller started for it; None otherwise."""
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    text = workerinput.get(WORKERINPUT_KEY)
    return ServedStack.from_json(text) if text else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Attach the server's log to a failing scenario's report."""
    report: pytest.TestReport = yield
    runtime = item.config.stash.get(RUNTIME, None)
    if report.failed and runtime is not None and runtime.served is not None and runtime.served.mode != "url":
        log = runtime.server_log(LOG_LINES).rstrip() or "(the server printed nothing)"
        report.sections.append((f"mjlab server log ({runtime.served.source}), last {LOG_LINES} lines", log))
    return report
