"""Checking journey definitions: every problem with its file, line, column and field path.

Two passes: the model (pydantic: types, limits, unknown keys — a typo never passes silently) and the graph (unknown
or unreachable steps, cycles, a reaction not right after an action, expressions that do not parse, messages their
channel refuses). The YAML loader keeps each node's position so a field path maps back to where it was written.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError
from pydantic import BaseModel, ValidationError

from simulator.platform.journeys.definition import ActionStep, JourneyDefinition, ReactionStep, successors
from simulator.platform.personalization import expression_error

Position = tuple[int, int]

#: Each channel's message model ("module:Class"), to check inline messages without a running platform.
MESSAGE_MODELS = {
    "push": "simulator.platform.push_message:PushMessage",
    "sms": "simulator.platform.sms_message:SmsMessage",
    "whatsapp": "simulator.platform.channels.whatsapp.message:WhatsAppMessage",
    "email": "simulator.platform.email_message:EmailMessage",
    "inapp": "simulator.platform.propositions.messages:InAppMessage",
    "contentCard": "simulator.platform.propositions.messages:ContentCardMessage",
    "codeBased": "simulator.platform.propositions.messages:CodeBasedMessage",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file or '<journey>'}:{self.line or 0}:{self.column or 0}"
        return f"{where}: {self.path or '(root)'}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """As the API answers it (422)."""
        return {"field": self.path, "message": self.message, "line": self.line, "column": self.column}


class JourneyInvalid(Exception):
    """A definition with problems; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _positions(node: yaml.Node, path: tuple[str, ...], into: dict[tuple[str, ...], Position]) -> None:
    """Record where each path was written: a mapping entry at its key, a list item at the item."""
    into.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    children: list[tuple[str, yaml.Node, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(str(key.value), key, value) for key, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(str(index), item, item) for index, item in enumerate(node.value)]
    for name, marker, value in children:
        child = (*path, name)
        into[child] = (marker.start_mark.line + 1, marker.start_mark.column + 1)
        _positions(value, child, into)


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built


class DefinitionLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """YAML as people expect it: only `true`/`false` are booleans (YAML 1.1 would read `on:` and `no` as booleans)."""


DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DefinitionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_text(text: str, file: str | None = None) -> tuple[Any, dict[tuple[str, ...], Position]]:
    """Parse YAML (or JSON) keeping positions; a syntax error is a JourneyInvalid with its line and column."""
    try:
        loader = DefinitionLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise JourneyInvalid([Problem("", f"not valid YAML: {error.problem}", file, line, column)]) from None
    positions: dict[tuple[str, ...], Position] = {}
    if node is not None:
        _positions(node, (), positions)
    return data, positions


def _locate(path: tuple[str, ...], positions: dict[tuple[str, ...], Position]) -> Position | tuple[None, None]:
    while path:
        if path in positions:
            return positions[path]
        path = path[:-1]
    return positions.get((), (None, None))


def _model_problems(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    found = []
    for item in error.errors():
        # A discriminated union puts the chosen tag in the location ("steps.x.action.next"): drop it.
        loc = tuple(str(p) for p in item["loc"])
        loc = tuple(p for i, p in enumerate(loc) if not (i > 0 and loc[i - 1] in _TAGGED and p in _TAGS))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check its spelling)"
        found.append(((*prefix, *loc), message))
    return found


_TAGS = {"action", "wait", "condition", "split", "wait_for_event", "reaction", "update_profile", "end", "event",
         "audience", "read_audience"}  # fmt: skip
_TAGGED: set[str] = set()  # filled by parse_journey: step ids and "entry" precede a tag


def _graph_problems(journey: JourneyDefinition) -> list[tuple[tuple[str, ...], str]]:
    problems: list[tuple[tuple[str, ...], str]] = []
    steps = journey.steps
    if journey.start is not None and journey.start not in steps:
        problems.append((("start",), f"unknown step {journey.start!r}"))
        return problems
    predecessors: dict[str, list[str]] = {name: [] for name in steps}
    for name, step in steps.items():
        for field, target in successors(step):
            if target not in steps:
                problems.append((("steps", name, *field.split(".")), f"unknown step {target!r}"))
            else:
                predecessors[target].append(name)
    reachable: set[str] = set()
    todo = [journey.first_step]
    while todo:
        name = todo.pop()
        if name in reachable or name not in steps:
            continue
        reachable.add(name)
        todo.extend(target for _, target in successors(steps[name]))
    for name in steps:
        if name not in reachable:
            problems.append((("steps", name), "unreachable: no step leads here"))
    problems.extend(_cycles(journey))
    for name, step in steps.items():
        if isinstance(step, ReactionStep):
            before = predecessors[name]
            if not before or not all(isinstance(steps[p], ActionStep) for p in before):
                problems.append((("steps", name), "a reaction must come right after a channel action"))
        problems.extend((("steps", name, *p), m) for p, m in _expression_problems(step))
        if isinstance(step, ActionStep) and step.message is not None:
            problems.extend((("steps", name, "message", *p), m) for p, m in _message_problems(step))
    if journey.entry.type == "event" and journey.entry.when:
        error = expression_error(journey.entry.when)
        if error:
            problems.append((("entry", "when"), f"expression does not parse: {error}"))
    for index, criterion in enumerate(journey.exit):
        if criterion.when and (error := expression_error(criterion.when)):
            problems.append((("exit", str(index), "when"), f"expression does not parse: {error}"))
    return problems


def _cycles(journey: JourneyDefinition) -> list[tuple[tuple[str, ...], str]]:
    steps, found = journey.steps, []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for field, target in successors(steps[name]):
            if target not in steps:
                continue
            if state.get(target) == 1:
                loop = " → ".join([*trail[trail.index(target) :], name, target]) if target in trail else target
                found.append((("steps", name, *field.split(".")), f"cycle: {loop}"))
            elif target not in state:
                visit(target, [*trail, name])
        state[name] = 2

    for name in steps:
        if name not in state:
            visit(name, [])
    return found


def _expression_problems(step: Any) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    if getattr(step, "when", None) and (error := expression_error(step.when)):
        found.append((("when",), f"expression does not parse: {error}"))
    for index, branch in enumerate(getattr(step, "branches", []) or []):
        when = getattr(branch, "when", None)
        if when and (error := expression_error(when)):
            found.append((("branches", str(index), "when"), f"expression does not parse: {error}"))
    return found


def _message_problems(step: ActionStep) -> list[tuple[tuple[str, ...], str]]:
    target = MESSAGE_MODELS.get(step.channel.value)
    if target is None:
        return []
    module_name, _, class_name = target.partition(":")
    try:
        model: type[BaseModel] = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return []
    try:
        model.model_validate(step.message)
    except ValidationError as error:
        return [(tuple(str(p) for p in e["loc"]), e["msg"].removeprefix("Value error, ")) for e in error.errors()]
    return []


def parse_journey(
    data: Any, *, file: str | None = None, positions: dict[tuple[str, ...], Position] | None = None
) -> JourneyDefinition:
    """Validate loaded data into a definition, or raise JourneyInvalid listing every problem."""
    positions = positions or {}
    if not isinstance(data, dict):
        raise JourneyInvalid([Problem("", "a journey is a mapping (id, name, entry, steps...)", file, 1, 1)])
    _TAGGED.clear()
    _TAGGED.update({"entry", *map(str, (data.get("steps") or {}) if isinstance(data.get("steps"), dict) else ())})
    try:
        journey = JourneyDefinition.model_validate(data)
    except ValidationError as error:
        found = _model_problems(error)
    else:
        found = _graph_problems(journey)
        if not found:
            return journey
    problems = []
    for path, message in found:
        line, column = _locate(path, positions)
        problems.append(Problem(".".join(path), message, file, line, column))
    raise JourneyInvalid(problems)


def parse_text(text: str, file: str | None = None) -> JourneyDefinition:
    """Validate a YAML or JSON document."""
    data, positions = load_text(text, file)
    return parse_journey(data, file=file, positions=positions)


def load_file(path: Path) -> JourneyDefinition:
    """Validate one file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise JourneyInvalid([Problem("", f"cannot read: {error}", str(path))]) from None
    return parse_text(text, str(path))


def check_paths(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Check files and folders (`*.yaml`, `*.yml`, `*.json`); returns the files checked and every problem."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json")))
        else:
            files.append(path)
    problems: list[Problem] = []
    for file in files:
        if not file.exists():
            problems.append(Problem("", "no such file", str(file)))
            continue
        try:
            load_file(file)
        except JourneyInvalid as invalid:
            problems.extend(invalid.problems)
    return files, problems


def to_json_schema() -> str:
    """The JSON Schema of a journey definition."""
    return json.dumps(JourneyDefinition.model_json_schema(), indent=2)


__all__ = [
    "JourneyInvalid",
    "Problem",
    "TemplateSyntaxError",
    "check_paths",
    "load_file",
    "parse_journey",
    "parse_text",
]
