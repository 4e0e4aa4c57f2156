"""Fixtures the step library shares; registered by `harness.plugin`.

- `mjlab_runtime` (session): the stack in the mode `--stack` asks for, started once per session (per xdist worker,
  except that workers share the one `network` or `docker` server their controller started: `harness.serving`).
- `lab` (function): the scenario's own sandbox on that stack, with a Faker seeded from `--seed` and the scenario's
  name, closed at the end so nothing leaks into the next scenario (after `harness.reports.platform` took the
  sandbox's reports and the phones' timeline for the HTML report).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
from collections.abc import Iterator

import pytest
from faker import Faker

from harness import serving
from harness.lab import Lab
from harness.options import StackOption
from harness.reports import platform as platform_report
from harness.runtime import Runtime, StackUnavailable

_sandbox_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    """Register `harness.serving`: one server for all xdist workers, and its log on failing scenarios."""
    if not config.pluginmanager.is_registered(serving):
        config.pluginmanager.register(serving, serving.__name__)


@pytest.fixture(scope="session")
def mjlab_runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    """The started stack for this session."""
    option: StackOption = request.config.getoption("mjlab_stack")
    seed: str = request.config.getoption("mjlab_seed")
    runtime = Runtime(option, seed, served=serving.shared_stack(request.config))
    try:
        runtime.start()
    except StackUnavailable as error:
        runtime.stop()
        pytest.exit(f"mjlab: {error}", returncode=3)
    request.config.stash[serving.RUNTIME] = runtime
    yield runtime
    runtime.stop()


@functools.cache
def _faker(locale: str) -> Faker:
    """One Faker per locale for the session (building one loads every provider); each scenario re-seeds it."""
    return Faker(locale)


@pytest.fixture
def lab(mjlab_runtime: Runtime, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """A fresh sandbox for this scenario."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    sandbox = f"{worker}-{next(_sandbox_numbers)}-{digest}".lower()
    seed = f"{mjlab_runtime.seed}/{request.node.nodeid}"
    client = mjlab_runtime.client
    assert client is not None
    mjlab_runtime.run(client.open_sandbox, sandbox, seed)
    faker = _faker(request.config.getoption("mjlab_faker_locale", default=None) or "en_US")
    faker.seed_instance(seed)  # the same state a new Faker seeded so would have
    faker.unique.clear()
    world = Lab(runtime=mjlab_runtime, sandbox=sandbox, faker=faker)
    yield world
    platform_report.capture(request, world)
    mjlab_runtime.run(client.close_sandbox, sandbox)
