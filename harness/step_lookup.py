"""Finding a step's definition without asking pytest about every fixture of the session, for every step.

pytest-bdd finds the definitions that can parse a step by walking every fixture name of the session and asking
pytest which of that name's definitions the item can see (`find_fixturedefs_for_step`). With the catalogue's
two hundred step definitions that walk is most of a scenario's overhead: hundreds of visibility checks per step,
each climbing the item's parents.

pytest-bdd names a step definition's fixture `pytestbdd_stepdef_<type>_<pattern>` (a `_N` suffix makes it unique
in its module), so the names that can hold a definition parsing a step are known from the step texts alone. This
lookup keeps that index per session, remembers the candidate names per step text, and asks pytest about those
names only. Which definitions the item sees, and which of them parse the step, is still decided by pytest and
pytest-bdd for the item at hand, so an override in a nearer conftest wins as before. The index is rebuilt
whenever the session's fixture names or step definitions change in number.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any
from weakref import WeakKeyDictionary

from _pytest.fixtures import FixtureDef, FixtureManager
from _pytest.nodes import Node
from pytest_bdd.compat import get_fixture_names, getfixturedefs
from pytest_bdd.parser import Step
from pytest_bdd.steps import StepFunctionContext, StepNamePrefix, step_function_context_registry

# `pytest_bdd.scenario` the attribute is the `scenario` function; the module is only reachable by its name.
bdd_scenario: Any = importlib.import_module("pytest_bdd.scenario")

Finder = Callable[[Step, FixtureManager, Node], Iterable[FixtureDef[Any]]]

_STEP_DEF = StepNamePrefix.step_def.value + "_"
_original: Finder | None = None
_users = 0


class _Index:
    """For one fixture manager: the fixture names each step definition may live under, and the candidates per step."""

    def __init__(self) -> None:
        self.version: tuple[int, int] = (-1, -1)
        self.names_of: list[tuple[StepFunctionContext, tuple[str, ...]]] = []
        self.candidates: dict[tuple[str, str], tuple[str, ...]] = {}
        self.position: dict[str, int] = {}

    def refresh(self, fixturemanager: FixtureManager) -> None:
        names = get_fixture_names(fixturemanager)
        version = (len(names), len(step_function_context_registry))
        if version == self.version:
            return
        step_names = [name for name in names if name.startswith(_STEP_DEF)]
        self.position = {name: number for number, name in enumerate(step_names)}
        self.names_of = []
        for context in list(step_function_context_registry.values()):
            prefix = f"{_STEP_DEF}{context.type or '*'}_{context.parser.name}"
            self.names_of.append((context, tuple(name for name in step_names if name.startswith(prefix))))
        self.version, self.candidates = version, {}

    def candidates_for(self, step: Step) -> tuple[str, ...]:
        key = (step.type, step.name)
        found = self.candidates.get(key)
        if found is None:
            matching: dict[str, None] = {}
            for context, names in self.names_of:
                if names and context.type in (None, step.type) and context.parser.is_matching(step.name):
                    matching.update(dict.fromkeys(names))
            # In the session's order, as pytest-bdd walks them: it decides between equally near definitions.
            found = self.candidates[key] = tuple(sorted(matching, key=self.position.__getitem__))
        return found


_indexes: WeakKeyDictionary[FixtureManager, _Index] = WeakKeyDictionary()


def find_fixturedefs_for_step(step: Step, fixturemanager: FixtureManager, node: Node) -> list[FixtureDef[Any]]:
    """The definitions visible to `node` that can parse `step`, as pytest-bdd's own lookup finds them."""
    index = _indexes.get(fixturemanager)
    if index is None:
        index = _indexes[fixturemanager] = _Index()
    index.refresh(fixturemanager)
    found: list[FixtureDef[Any]] = []
    for name in index.candidates_for(step):
        for fixturedef in getfixturedefs(fixturemanager, name, node) or []:
            context = step_function_context_registry.get(fixturedef.func)
            if context is None or (context.type is not None and context.type != step.type):
                continue
            if context.parser.is_matching(step.name):
                found.append(fixturedef)
    return found


def install() -> None:
    """Use the indexed lookup in pytest-bdd (once per configured session; `uninstall` undoes it)."""
    global _original, _users
    if _users == 0:
        _original = bdd_scenario.find_fixturedefs_for_step
        bdd_scenario.find_fixturedefs_for_step = find_fixturedefs_for_step
    _users += 1


def uninstall() -> None:
    """Put pytest-bdd's own lookup back when the last session that installed this one ends."""
    global _original, _users
    if _users == 0:
        return
    _users -= 1
    if _users == 0 and _original is not None:
        bdd_scenario.find_fixturedefs_for_step = _original
        _original = None
