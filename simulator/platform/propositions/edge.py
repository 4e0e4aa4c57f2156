"""The Edge endpoint's answers about propositions (`Platform.edge_handlers`): fetches and tracking events.

A fetch is an event with `xdm.eventType` `personalization.request` (or `decisioning.propositionFetch`) and
`query.personalization.surfaces: [...]`; the answer adds `{"type": "personalization:decisions", "payload":
[<propositions>]}` to the response's `handle` list (an empty payload: nothing live there, so the phone drops what it
had for those surfaces). A tracking event is counted (`tracking`).

Bad input refuses the whole request with problem details (`errors`): the Edge Network validates a request before
processing it, and so do we for what we handle — except that the events before the bad one in the same request, and
the bad event's raw record, are already taken by the endpoint (the SDK sends one tracking event per request).

Every answer also carries `{"type": "mjlab:clock", "payload": [{"timestamp"}]}`: the sandbox's time, which a
simulated phone takes as its own clock (a real phone has one; ours learns it from the platform it talks to).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.platform.profiles import Profile
from simulator.platform.propositions.decisions import decide
from simulator.platform.propositions.errors import InvalidSurface, MalformedEvent, UnknownApp
from simulator.platform.propositions.surfaces import Surface, SurfaceError
from simulator.platform.propositions.tracking import TRACKING_KINDS, count, parse_tracking
from simulator.platform.state import SandboxState

FETCH_TYPES = ("personalization.request", "decisioning.propositionFetch")
SURFACES_FIELD = "query.personalization.surfaces"


def clock_handle(state: SandboxState) -> dict[str, Any]:
    """The sandbox's time, for the phone's clock."""
    return {"type": "mjlab:clock", "payload": [{"timestamp": state.clock.timestamp()}]}


def requested_surfaces(state: SandboxState, event: dict[str, Any]) -> list[str]:
    """The surfaces a fetch asks for, each checked (InvalidSurface, UnknownApp, MalformedEvent)."""
    query = event.get("query")
    personalization = query.get("personalization") if isinstance(query, dict) else None
    surfaces = personalization.get("surfaces") if isinstance(personalization, dict) else None
    if not isinstance(surfaces, list) or not surfaces or not all(isinstance(s, str) for s in surfaces):
        raise MalformedEvent(f"a personalization request lists its surfaces in {SURFACES_FIELD}", field=SURFACES_FIELD)
    for index, text in enumerate(surfaces):
        try:
            surface = Surface.parse(text)
        except SurfaceError as error:
            raise InvalidSurface(str(error), field=f"{SURFACES_FIELD}.{index}") from None
        if surface.app_id not in state.apps:
            raise UnknownApp(f"{text}: no app {surface.app_id!r} in this sandbox", field=f"{SURFACES_FIELD}.{index}")
    return list(surfaces)


def answer_fetch(state: SandboxState, profile: Profile, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The propositions live for the profile on the surfaces asked for."""
    payload = decide(state, profile, requested_surfaces(state, event))
    return [{"type": "personalization:decisions", "payload": payload}, clock_handle(state)]


def answer_tracking(state: SandboxState, profile: Profile, event: dict[str, Any]) -> list[dict[str, Any]]:
    """Count a tracking event."""
    xdm = event.get("xdm") or {}
    kind = TRACKING_KINDS[str(xdm.get("eventType"))]
    count(state, profile, parse_tracking(state, kind, xdm))
    return [clock_handle(state)]


#: What answers each event type this handler takes.
ANSWERS: dict[str, Callable[[SandboxState, Profile, dict[str, Any]], list[dict[str, Any]]]] = {
    **dict.fromkeys(FETCH_TYPES, answer_fetch),
    **dict.fromkeys(TRACKING_KINDS, answer_tracking),
}


def answer_edge(state: SandboxState, profile: Profile, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The Edge handler: answer fetches and count tracking events; other events get nothing."""
    answer = ANSWERS.get(str((event.get("xdm") or {}).get("eventType", "")))
    return answer(state, profile, event) if answer is not None else []
