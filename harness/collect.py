"""Collect Gherkin `.feature` files directly, wherever they are.

A QA engineer adds `features/x.feature` and runs `pytest features/x.feature` (or `pytest features/`, or
`mjlab run`) without writing a Python module. Each feature file becomes a `FeatureModule`: a `pytest.Module`
whose module object is synthetic (`__file__` is the feature file) and holds one pytest-bdd scenario function
per scenario, made by `pytest_bdd.scenario(...)` itself. pytest-bdd's own machinery therefore runs every
scenario: step lookup through fixtures, its hooks, outlines parametrized per example row, tags applied as
markers (so `-m` and `-k` select), and its reporting. Items are named after the scenario, so node ids read
`features/channels/push.feature::Sending a push` (an outline row adds `[row values]`), and their location is
the scenario's line in the feature file.

One scenario collected twice: a test module may still call `scenarios("x.feature")` itself. Running only that
module collects it from the module, as plain pytest-bdd does. When both the module and the `.feature` file are
collected in one run (`pytest dir/` holding both), the `.feature` wins and the module's copies are deselected:
the feature file is the source of truth a QA engineer edits, and its node ids do not depend on a wrapper
module. Steps must then be visible from the feature file's folder (a `conftest.py` or the step library), not
defined inside that test module. `mjlab_collect_features = false` in the ini file turns direct collection off.

Tags become markers, registered as they are seen so `--strict-markers` accepts them; `tags_to_markexpr`
turns a Cucumber tag expression (`@push and not @slow`) into a `-m` expression.
"""

from __future__ import annotations

import os
import re
import sys
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pytest_bdd import scenario
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.feature import get_feature
from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.utils import registry_get_safe

if TYPE_CHECKING:
    from pytest_bdd.parser import Feature, ScenarioTemplate

FEATURE_SUFFIX = ".feature"
COLLECT_INI = "mjlab_collect_features"
_REGISTERED_TAGS = pytest.StashKey[set[str]]()
_TAG = re.compile(r"@([^\s()@]+)")
_NON_IDENTIFIER = re.compile(r"\W")


def add_options(parser: pytest.Parser) -> None:
    """Add the ini switch for direct collection and `--mjlab-lang`."""
    parser.addini(COLLECT_INI, "collect .feature files directly (default true)", type="bool", default=True)
    parser.getgroup("mjlab").addoption(
        "--mjlab-lang",
        dest="mjlab_lang",
        metavar="LANG",
        default=None,
        help="run only the scenarios of features written in LANG (their `# language:` header; default en)",
    )


def collect_file(parent: pytest.Collector, file_path: Path) -> FeatureModule | None:
    """Return the collector of a `.feature` file, or None for any other file."""
    if file_path.suffix != FEATURE_SUFFIX or not parent.config.getini(COLLECT_INI):
        return None
    module: FeatureModule = FeatureModule.from_parent(parent, path=file_path)
    return module


class FeatureModule(pytest.Module):
    """A `.feature` file collected as a module of pytest-bdd scenario functions."""

    _feature_module: types.ModuleType | None = None

    def _getobj(self) -> types.ModuleType:
        # pytest calls `_getobj()` (not the cached `obj`) while collecting, so build the module once.
        if self._feature_module is None:
            try:
                self._feature_module = _build_module(self.path, self.config)
            except GherkinParseError as error:
                raise self.CollectError(f"{self.path}: {error}") from error
        return self._feature_module

    def istestfunction(self, obj: object, name: str) -> bool:
        """Only the scenario functions of the synthetic module are tests, whatever their names."""
        return registry_get_safe(scenario_wrapper_template_registry, obj) is not None


def _build_module(path: Path, config: pytest.Config) -> types.ModuleType:
    name = "mjlab_features." + _NON_IDENTIFIER.sub("_", os.path.relpath(path, config.rootpath))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    if not _has_gherkin(path):
        return module  # an empty feature file (or only comments) has no scenarios; pytest-bdd cannot parse it
    feature = get_feature(str(path.parent), path.name)
    module.__doc__ = feature.name
    register_tags(config, _all_tags(feature))
    for template in feature.scenarios.values():
        function = scenario(path.name, template.name, features_base_dir=str(path.parent))(_no_body)
        function.__module__ = name
        # `place_as` points pytest's location (reports, JUnit, `-v`) at the scenario's line in the feature.
        function.place_as = _placeholder(path, template.line_number)  # type: ignore[attr-defined]
        setattr(module, template.name or f"Scenario at line {template.line_number}", function)
    return module


def _has_gherkin(path: Path) -> bool:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return any(line and not line.startswith("#") for line in lines)


def _no_body() -> None:
    """The scenario functions' body: the scenario is its steps."""


def _placeholder(path: Path, line: int) -> Callable[[], None]:
    code = _no_body.__code__.replace(co_filename=str(path), co_firstlineno=line, co_name="scenario")
    return types.FunctionType(code, {})


def _all_tags(feature: Feature) -> set[str]:
    tags = set(feature.tags)
    for template in feature.scenarios.values():
        tags |= template.tags
        if template.rule is not None:
            tags |= template.rule.tags
        for examples in template.examples:
            tags |= examples.tags
    return tags


def register_tags(config: pytest.Config, tags: Iterable[str]) -> None:
    """Register Gherkin tags as markers, so `--strict-markers` accepts them and `-m` can select them."""
    registered = config.stash.setdefault(_REGISTERED_TAGS, set())
    for tag in sorted(set(tags) - registered):
        config.addinivalue_line("markers", f"{tag}: Gherkin tag @{tag}")
        registered.add(tag)


def tags_to_markexpr(*expressions: str) -> str:
    """Turn Cucumber tag expressions into one pytest `-m` expression; several are and-ed, as Cucumber does."""
    parts = [_TAG.sub(r"\1", expression).strip() for expression in expressions if expression.strip()]
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({part})" for part in parts)


def scenario_template(item: pytest.Item) -> ScenarioTemplate | None:
    """The pytest-bdd scenario an item runs, or None for a plain test."""
    if not isinstance(item, pytest.Function):
        return None
    return registry_get_safe(scenario_wrapper_template_registry, item.obj)


def example_of(item: pytest.Item) -> tuple[int | None, dict[str, Any]]:
    """The index and values of the outline example row an item runs (None and {} outside outlines)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "_pytest_bdd_example" not in callspec.params:
        return None, {}
    return callspec.indices["_pytest_bdd_example"], dict(callspec.params["_pytest_bdd_example"])


def modify_items(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the module copies of directly collected scenarios, and scenarios in another language.

    Plain tests are kept whatever `--mjlab-lang` says: only scenarios have a language.
    """
    direct = {
        (template.feature.filename, template.name)
        for item in items
        if isinstance(item.parent, FeatureModule) and (template := scenario_template(item)) is not None
    }
    language = config.getoption("mjlab_lang")
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        template = scenario_template(item)
        duplicate = (
            template is not None
            and not isinstance(item.parent, FeatureModule)
            and (template.feature.filename, template.name) in direct
        )
        other_language = language is not None and template is not None and template.feature.language != language
        (dropped if duplicate or other_language else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
