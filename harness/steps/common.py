"""Pieces of step patterns shared by the step modules, and small parsers for what they capture."""

from __future__ import annotations

import json
import re
from typing import Any

from harness.lab import ScenarioError

#: A person's name as steps write it: "Alice", "Jean-Luc".
NAME = r"(?P<name>[A-ZÀ-Ý][\w'-]*)"
#: A phone model word.
MODEL = r"(?P<model>iPhone|Android phone|iPad)"
#: A quoted app name.
APP = r'"(?P<app>[^"]+)"'
#: A quoted campaign name.
CAMPAIGN = r'"(?P<campaign>[^"]+)"'

_UNITS = {
    "second": 1, "seconde": 1, "minute": 60, "hour": 3600, "heure": 3600, "day": 86400, "jour": 86400,
    "week": 604800, "semaine": 604800,
}  # fmt: skip


def names(text: str) -> list[str]:
    """ "Alice", "Alice and Bob", "Alice, Bob et Carol" → the names."""
    parts = re.split(r",\s*|\s+(?:and|et)\s+", text.strip())
    return [p.strip() for p in parts if p.strip()]


def duration(amount: str, unit: str) -> float:
    """ "3", "days" → seconds."""
    key = unit.lower().rstrip("s")
    if key not in _UNITS:
        raise ScenarioError(f"unknown time unit {unit!r}; use seconds, minutes, hours, days or weeks")
    return float(amount) * _UNITS[key]


def parse_duration(text: str) -> float:
    """ "1 hour", "90 seconds", "2 jours" → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-zé]+)\s*", text)
    if match is None:
        raise ScenarioError(f"cannot read a duration from {text!r}; write e.g. '2 hours'")
    return duration(match.group(1), match.group(2))


def attributes_from_table(datatable: list[list[str]]) -> dict[str, Any]:
    """A two-column table of attribute and value; values read as JSON when they parse (numbers, true, lists)."""
    attributes: dict[str, Any] = {}
    for row in datatable:
        if len(row) != 2:
            raise ScenarioError(f"each row has an attribute and a value; got {row}")
        try:
            attributes[row[0].strip()] = json.loads(row[1])
        except ValueError:
            attributes[row[0].strip()] = row[1].strip()
    return attributes
