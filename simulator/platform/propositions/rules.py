"""Rules the phone evaluates, written in the mobile SDK rules engine's JSON (groups of matchers over event data).

A condition is `{"type": "group", "definition": {"logic": "and"|"or", "conditions": [...]}}` or
`{"type": "matcher", "definition": {"key", "matcher", "values"}}`, with the engine's matchers `eq ne gt ge lt le co
sw ex nx`. Keys are the SDK's own: `~type`/`~source` of the event, its data (`action`, `state`,
`lifecyclecontextdata.launchevent`, `triggeringregion.regionname`...), `~timestampu` (device time, Unix seconds),
and shared state such as `~state.com.adobe.module.lifecycle/lifecyclecontextdata.launches` (traits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.platform.propositions.messages import InAppTrigger, Trait

LIFECYCLE = "com.adobe.eventType.lifecycle"
GENERIC_LIFECYCLE = "com.adobe.eventType.genericLifecycle"
GENERIC_TRACK = "com.adobe.eventType.generic.track"
PLACES = "com.adobe.eventType.places"
REQUEST_CONTENT = "com.adobe.eventSource.requestContent"
RESPONSE_CONTENT = "com.adobe.eventSource.responseContent"
LIFECYCLE_STATE = "~state.com.adobe.module.lifecycle/lifecyclecontextdata."

#: Which lifecycle context key each trait reads.
TRAIT_KEYS = {
    "locale": LIFECYCLE_STATE + "locale",
    "os": LIFECYCLE_STATE + "operatingsystem",
    "launches": LIFECYCLE_STATE + "launches",
}


def matcher(key: str, op: str, *values: Any) -> dict[str, Any]:
    """One matcher condition."""
    definition: dict[str, Any] = {"key": key, "matcher": op}
    if op not in ("ex", "nx"):
        definition["values"] = list(values)
    return {"type": "matcher", "definition": definition}


def group(logic: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:
    """A group of conditions joined by `and` or `or`."""
    return {"type": "group", "definition": {"logic": logic, "conditions": conditions}}


def _lifecycle(flag: str) -> Callable[[str | None], list[dict[str, Any]]]:
    def conditions(_: str | None) -> list[dict[str, Any]]:
        return [
            matcher("~type", "eq", LIFECYCLE),
            matcher("~source", "eq", RESPONSE_CONTENT),
            matcher(f"lifecyclecontextdata.{flag}", "ex"),
        ]

    return conditions


def _tracked(key: str) -> Callable[[str | None], list[dict[str, Any]]]:
    def conditions(name: str | None) -> list[dict[str, Any]]:
        return [
            matcher("~type", "eq", GENERIC_TRACK),
            matcher("~source", "eq", REQUEST_CONTENT),
            matcher(key, "eq", name),
        ]

    return conditions


def _region(kind: str) -> Callable[[str | None], list[dict[str, Any]]]:
    def conditions(name: str | None) -> list[dict[str, Any]]:
        return [
            matcher("~type", "eq", PLACES),
            matcher("~source", "eq", RESPONSE_CONTENT),
            matcher("regioneventtype", "eq", kind),
            matcher("triggeringregion.regionname", "eq", name),
        ]

    return conditions


def _close(_: str | None) -> list[dict[str, Any]]:
    return [
        matcher("~type", "eq", GENERIC_LIFECYCLE),
        matcher("~source", "eq", REQUEST_CONTENT),
        matcher("action", "eq", "pause"),
    ]


#: The conditions of each trigger kind.
TRIGGERS: dict[str, Callable[[str | None], list[dict[str, Any]]]] = {
    "launch": _lifecycle("launchevent"),
    "install": _lifecycle("installevent"),
    "update": _lifecycle("upgradeevent"),
    "close": _close,
    "action": _tracked("action"),
    "state": _tracked("state"),
    "poiEntered": _region("entry"),
    "poiExited": _region("exit"),
}


def trait_condition(trait: Trait) -> dict[str, Any]:
    """A trait as a matcher on the lifecycle shared state."""
    return matcher(TRAIT_KEYS[trait.trait], trait.operator, trait.value)


def in_app_condition(trigger: InAppTrigger, expiry: float | None) -> dict[str, Any]:
    """The condition of an in-app message: its trigger, its traits, and before its expiry."""
    conditions = TRIGGERS[trigger.event](trigger.name) + [trait_condition(t) for t in trigger.traits]
    if expiry is not None:
        conditions.append(matcher("~timestampu", "lt", int(expiry)))
    return group("and", conditions)


def card_condition(published: float, expiry: float | None) -> dict[str, Any]:
    """A content card qualifies from its publication until its expiry (device time)."""
    conditions = [matcher("~timestampu", "ge", int(published))]
    if expiry is not None:
        conditions.append(matcher("~timestampu", "lt", int(expiry)))
    return group("and", conditions)


def ruleset(condition: dict[str, Any], consequence_id: str, schema: str, data: dict[str, Any]) -> dict[str, Any]:
    """A ruleset item's data: one rule whose consequence is a schema item."""
    detail = {"id": consequence_id, "schema": schema, "data": data}
    return {"version": 1, "rules": [{"condition": condition, "consequences": [
        {"id": consequence_id, "type": "schema", "detail": detail}
    ]}]}  # fmt: skip
