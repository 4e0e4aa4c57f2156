"""The SDK's rules engine: conditions from a proposition, evaluated on the phone against an event.

A condition is a `group` (`logic` `and`/`or` over `conditions`) or a `matcher` (`key`, `matcher`, `values`). The key
is looked up in the event's data, which holds its `~type`, `~source`, `~timestampu` and payload keys flattened with
dots, plus shared state (`~state.<extension>/<key>`). Matchers: `eq ne gt ge lt le co nc sw ew ex nx`; a matcher holds
when any of its values does; strings compare without case, numbers as numbers. An unknown condition type
(`historical`...) does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Data = Mapping[str, Any]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(actual: Any, expected: Any) -> bool:
        a, b = _number(actual), _number(expected)
        if a is not None and b is not None:
            return op(a, b)
        return op(str(actual).casefold(), str(expected).casefold())

    return compare


def _text(op: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def compare(actual: Any, expected: Any) -> bool:
        return op(str(actual).casefold(), str(expected).casefold())

    return compare


#: Each matcher taking values: does `actual` match one `expected` value.
MATCHERS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _compare(lambda a, b: a == b),
    "ne": _compare(lambda a, b: a != b),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "co": _text(lambda a, b: b in a),
    "nc": _text(lambda a, b: b not in a),
    "sw": _text(lambda a, b: a.startswith(b)),
    "ew": _text(lambda a, b: a.endswith(b)),
}


def _matcher(definition: Mapping[str, Any], data: Data) -> bool:
    key, op = str(definition.get("key")), definition.get("matcher")
    present = data.get(key) is not None
    if op == "ex":
        return present
    if op == "nx":
        return not present
    compare = MATCHERS.get(str(op))
    if compare is None or not present:
        return False
    values = definition.get("values") or []
    return any(compare(data[key], value) for value in values)


def _group(definition: Mapping[str, Any], data: Data) -> bool:
    conditions = definition.get("conditions") or []
    if str(definition.get("logic", "and")).lower() == "or":
        return any(evaluate(c, data) for c in conditions)
    return all(evaluate(c, data) for c in conditions)


CONDITIONS: dict[str, Callable[[Mapping[str, Any], Data], bool]] = {"matcher": _matcher, "group": _group}


def evaluate(condition: Mapping[str, Any], data: Data) -> bool:
    """Whether `condition` holds for an event whose (flattened) data is `data`."""
    kind = CONDITIONS.get(str(condition.get("type")))
    definition = condition.get("definition")
    return kind is not None and isinstance(definition, Mapping) and kind(definition, data)
