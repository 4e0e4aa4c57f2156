"""The `mjlab` pytest plugin (the `pytest11` entry point). It only wires; each concern lives in its own module:

- options: `harness.options` (`--stack`, `--seed`), `harness.collect` (`--mjlab-lang`, the collection switch),
  `harness.reports` (`--mjlab-reports`, `--cucumberjson-mjlab`);
- the fixture and step modules of the harness (`harness.fixtures` and `harness.steps.STEP_MODULES`),
  registered as plugins so their fixtures and step definitions are visible to every feature;
- feature collection and tags: `harness.collect`;
- reports: `harness.reports`;
- an indexed step-definition lookup for pytest-bdd: `harness.step_lookup`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_bdd.utils import CONFIG_STACK

from harness import collect, options, reports, step_lookup

FIXTURE_MODULE = "harness.fixtures"
STEPS_PACKAGE = "harness.steps"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the harness's options."""
    options.add_options(parser)
    collect.add_options(parser)
    reports.add_options(parser)


_MISSING = pytest.StashKey[list[str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the fixture and step modules, then the report plugins."""
    missing = config.stash[_MISSING] = []
    for name in harness_modules():
        if config.pluginmanager.has_plugin(name) or config.pluginmanager.is_blocked(name):
            continue  # `-p no:harness.steps.push` leaves a step module out
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            missing.append(name)  # listed but not written yet: its steps will be undefined, the header says why
            continue
        config.pluginmanager.register(module, name)
    reports.configure(config)
    step_lookup.install()
    config.add_cleanup(step_lookup.uninstall)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Name the step modules that are listed but absent."""
    missing = config.stash.get(_MISSING, [])
    return [f"mjlab: step modules not found: {', '.join(missing)}"] if missing else []


def harness_modules() -> list[str]:
    """The modules registered as plugins: the shared fixtures, then every step module."""
    steps = importlib.import_module(STEPS_PACKAGE)
    return [FIXTURE_MODULE, *getattr(steps, "STEP_MODULES", ())]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect `.feature` files directly."""
    return collect.collect_file(parent, file_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop scenarios collected twice, and scenarios not in the `--mjlab-lang` language."""
    collect.modify_items(config, items)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> None:
    """Register a tag as a marker before pytest-bdd applies it (also for modules calling `scenarios()`)."""
    if CONFIG_STACK:
        collect.register_tags(CONFIG_STACK[-1], [tag])
