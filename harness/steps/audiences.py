"""Steps about audience qualification: profile attributes and predictive scores that change, and who is in an
audience. (Defining a rule audience is in `harness.steps.journeys`; a journey enters on it with
`entry: {type: audience, audience: <name>, on: enter|exit}`.)

Predictive scores (`churnScore`, `propensityScore`) are plain profile attributes: a step sets them, and the platform
re-evaluates the person's audiences at once.
"""

from __future__ import annotations

import json
from typing import Any

from harness.catalogue import step
from harness.lab import Lab
from harness.steps.common import NAME

AUDIENCE = r'"(?P<audience>[^"]+)"'


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


@step(
    "when",
    en=rf"{NAME}'s (?P<attribute>[A-Za-z_][\w.]*) (?:becomes|rises to|falls to|drops to) (?P<value>.+)",
    fr=rf"le (?P<attribute>[A-Za-z_][\w.]*) d(?:'|e ){NAME} (?:devient|monte à|descend à|passe à) (?P<value>.+)",
    example="When Alice's churnScore rises to 0.85",
    exemple="Quand le churnScore d'Alice monte à 0.85",
)
def attribute_changes(lab: Lab, name: str, attribute: str, value: str) -> None:
    """Set one profile attribute (a score, a tier; dotted paths write into objects) and let the stack settle."""
    person = lab.person(name)
    head, *rest = attribute.split(".")
    written: Any = _value(value)
    if rest:
        profile = lab.call("core", "GET", f"/profiles/{person.profile_id}")
        root = dict(profile["attributes"].get(head) or {})
        node = root
        for key in rest[:-1]:
            node[key] = dict(node.get(key) or {})
            node = node[key]
        node[rest[-1]] = written
        written = root
    lab.call("core", "PATCH", f"/profiles/{person.profile_id}", {"attributes": {head: written}})
    lab.settle()


@step(
    "then",
    en=rf"{NAME} is(?P<negation> not)? in the audience {AUDIENCE}",
    fr=rf"{NAME} (?P<negation>n'est pas|est) dans l'audience {AUDIENCE}",
    example='Then Alice is in the audience "churn-risk"',
    exemple='Alors Alice est dans l\'audience "churn-risk"',
)
def in_audience(lab: Lab, name: str, audience: str, negation: str | None = None) -> None:
    """Whether the person is in the audience now."""
    lab.settle()
    person = lab.person(name)
    answer = lab.call("core", "GET", f"/audiences/{audience}")
    inside = person.profile_id in answer["profiles"]
    wanted = negation not in (" not", "n'est pas")
    if inside != wanted:
        profile = lab.call("core", "GET", f"/profiles/{person.profile_id}")
        raise AssertionError(
            f"expected {name} {'in' if wanted else 'not in'} the audience {audience!r}; {name} is "
            f"{'in' if inside else 'not in'} it (profile attributes: {profile['attributes']})"
        )
