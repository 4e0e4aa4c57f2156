"""Steps about journeys: publishing them, events that move people through them, and where people are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import NAME
from simulator.platform.journeys.messages import fixtures_root

JOURNEY = r'"(?P<journey>[^"]+)"'


def _publish(lab: Lab, text: str) -> dict[str, Any]:
    answer = lab.call("core", "POST", "/journeys", None, ok=False, content=text)
    if "error" in answer:
        error = answer["error"]
        details = error.get("detail") or [{"field": error.get("field"), "message": error.get("message")}]
        problems = "\n".join(
            f"  line {d.get('line') or '?'}: {d['field'] or '(root)'}: {d['message']}" for d in details
        )
        raise ScenarioError(f"the journey is not valid:\n{problems}")
    return dict(answer)


@step(
    "given",
    en=rf"the journey {JOURNEY} is published",
    fr=rf"le parcours {JOURNEY} est publié",
    example='Given the journey "cart-recovery" is published',
    exemple='Soit le parcours "cart-recovery" est publié',
)
def publish_fixture(lab: Lab, journey: str) -> None:
    """Publish `fixtures/journeys/<id>.yaml`."""
    folder = fixtures_root() / "journeys"
    candidates = [folder / f"{journey}.yaml", folder / f"{journey}.yml", folder / f"{journey}.json"]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        known = ", ".join(sorted(p.stem for p in folder.glob("*.y*ml"))) or "none"
        raise ScenarioError(f"no journey file {journey!r} in {folder} (there are: {known})")
    _publish(lab, path.read_text(encoding="utf-8"))


@step(
    "given",
    en=r"the journey\s*:?|a new version of the journey\s*:?",
    fr=r"le parcours\s*:?|une nouvelle version du parcours\s*:?",
    example='Given the journey:\n  """\n  id: welcome\n  name: Welcome\n  entry: {type: event, event: app.install}\n  steps:\n    done: {type: end}\n  """',
    exemple='Soit le parcours :\n  """\n  id: bienvenue\n  ...\n  """',
)
def publish_inline(lab: Lab, docstring: str) -> None:
    """Publish the journey written in the doc string (YAML); the same id again is a new version."""
    _publish(lab, docstring)


@step(
    "when",
    en=rf'the event "(?P<event>[^"]+)" happens for {NAME}(?P<with> with)?\s*:?',
    fr=rf'l\'événement "(?P<event>[^"]+)" arrive pour {NAME}(?P<with> avec)?\s*:?',
    example='When the event "commerce.cartAbandoned" happens for Alice with:\n  | value | 42 |',
    exemple='Quand l\'événement "commerce.cartAbandoned" arrive pour Alice avec :\n  | value | 42 |',
)
def business_event(lab: Lab, event: str, name: str, datatable: list[list[str]] | None = None, **_: Any) -> None:
    """A server-side event about the person (fields from the table), then the stack settles."""
    data = {row[0].strip(): _value(row[1]) for row in datatable or []}
    lab.call("core", "POST", "/events", {"eventType": event, "profileId": lab.person(name).profile_id, "data": data})
    lab.settle()


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def _instances(lab: Lab, name: str, journey: str) -> list[dict[str, Any]]:
    lab.settle()
    person = lab.person(name)
    answer = lab.call("core", "GET", f"/profiles/{person.profile_id}/journeys")
    return [i for i in answer["instances"] if i["journeyId"] == journey]


def _describe(instances: list[dict[str, Any]]) -> str:
    if not instances:
        return "never entered it"
    latest = instances[-1]
    where = (
        f"at step {latest['step']!r}"
        if latest["status"] == "active"
        else f"{latest['status']} ({latest['exitReason']})"
    )
    trail = " → ".join(p["step"] for p in latest["path"] if p["step"] and p["kind"] not in ("resumed", "message"))
    return f"{where}; path: {trail or '(none)'}"


@step(
    "then",
    en=rf'{NAME} is in the journey {JOURNEY}(?: at step "(?P<at>[^"]+)")?',
    fr=rf'{NAME} est dans le parcours {JOURNEY}(?: à l\'étape "(?P<at>[^"]+)")?',
    example='Then Alice is in the journey "cart-recovery" at step "opened"',
    exemple='Alors Alice est dans le parcours "cart-recovery" à l\'étape "opened"',
)
def is_in_journey(lab: Lab, name: str, journey: str, at: str | None = None) -> None:
    """The person has an active instance (at that step)."""
    instances = _instances(lab, name, journey)
    active = [i for i in instances if i["status"] == "active"]
    if not active or (at is not None and active[-1]["step"] != at):
        wanted = f" at step {at!r}" if at else ""
        raise AssertionError(f"expected {name} in {journey!r}{wanted}; {name} {_describe(instances)}")


@step(
    "then",
    en=rf'{NAME} (?P<how>left|finished|never entered) the journey {JOURNEY}(?: because "(?P<why>[^"]+)")?',
    fr=rf'{NAME} a (?P<how>quitté|terminé|jamais rejoint) le parcours {JOURNEY}(?: car "(?P<why>[^"]+)")?',
    example='Then Alice left the journey "cart-recovery" because "exit criterion"',
    exemple='Alors Alice a quitté le parcours "cart-recovery" car "exit criterion"',
)
def left_journey(lab: Lab, name: str, how: str, journey: str, why: str | None = None) -> None:
    """The person's last run ended (finished the path) or exited (exit criterion, timeout, stop), or never began."""
    instances = _instances(lab, name, journey)
    if how in ("never entered", "jamais rejoint"):
        if instances:
            raise AssertionError(f"expected {name} never to enter {journey!r}; {name} {_describe(instances)}")
        return
    wanted = "ended" if how in ("finished", "terminé") else "exited"
    latest = instances[-1] if instances else None
    if latest is None or latest["status"] != wanted or (why and why not in (latest["exitReason"] or "")):
        reason = f" because {why!r}" if why else ""
        raise AssertionError(f"expected {name} to have {how} {journey!r}{reason}; {name} {_describe(instances)}")


@step(
    "then",
    en=rf"{NAME} entered the journey {JOURNEY} (?P<times>once|twice|\d+ times)",
    fr=rf"{NAME} est entrée? dans le parcours {JOURNEY} (?P<times>une fois|deux fois|\d+ fois)",
    example='Then Alice entered the journey "cart-recovery" twice',
    exemple='Alors Alice est entrée dans le parcours "cart-recovery" deux fois',
)
def entered_times(lab: Lab, name: str, journey: str, times: str) -> None:
    """How many runs of the journey the person had."""
    expected = {"once": 1, "twice": 2, "une fois": 1, "deux fois": 2}.get(times) or int(times.split()[0])
    instances = _instances(lab, name, journey)
    if len(instances) != expected:
        raise AssertionError(f"expected {name} to enter {journey!r} {times}; entered {len(instances)} times")


@step(
    "then",
    en=rf'{NAME} took the branch "(?P<branch>[^"]+)" in the journey {JOURNEY}',
    fr=rf'{NAME} a pris la branche "(?P<branch>[^"]+)" dans le parcours {JOURNEY}',
    example='Then Alice took the branch "gold" in the journey "loyalty"',
    exemple='Alors Alice a pris la branche "gold" dans le parcours "loyalty"',
)
def took_branch(lab: Lab, name: str, branch: str, journey: str) -> None:
    """A condition or split sent the person down this branch."""
    instances = _instances(lab, name, journey)
    taken = [b for i in instances for b in i["branches"].values()]
    if branch not in taken:
        raise AssertionError(f"expected {name} on branch {branch!r} in {journey!r}; branches taken: {taken or 'none'}")


@step(
    "then",
    en=rf'{NAME}\'s path in the journey {JOURNEY} is "(?P<trail>[^"]+)"',
    fr=rf'le chemin d(?:\'|e ){NAME} dans le parcours {JOURNEY} est "(?P<trail>[^"]+)"',
    example='Then Alice\'s path in the journey "cart-recovery" is "remind, opened, nudge, done"',
    exemple='Alors le chemin d\'Alice dans le parcours "cart-recovery" est "remind, opened, nudge, done"',
)
def path_is(lab: Lab, name: str, journey: str, trail: str) -> None:
    """The steps the person's latest run went through, in order."""
    instances = _instances(lab, name, journey)
    if not instances:
        raise AssertionError(f"{name} never entered {journey!r}")
    expected = [s.strip() for s in trail.split(",")]
    actual = []
    for entry in instances[-1]["path"]:
        if entry["step"] and entry["kind"] not in (
            "resumed",
            "message",
            "branch",
            "error",
            "updated",
            "ended",
            "exited",
        ):
            actual.append(entry["step"])
    if actual != expected:
        raise AssertionError(f"expected {name}'s path in {journey!r} to be {expected}; it is {actual}")


@step(
    "when",
    en=rf"the journey {JOURNEY} is stopped",
    fr=rf"le parcours {JOURNEY} est arrêté",
    example='When the journey "cart-recovery" is stopped',
    exemple='Quand le parcours "cart-recovery" est arrêté',
)
def stop_journey(lab: Lab, journey: str) -> None:
    """Stop the journey: everyone in it exits."""
    lab.call("core", "POST", f"/journeys/{journey}/stop")
    lab.settle()


@step(
    "then",
    en=rf"the report of the journey {JOURNEY} shows\s*:?",
    fr=rf"le rapport du parcours {JOURNEY} indique\s*:?",
    example='Then the report of the journey "cart-recovery" shows:\n  | entered | active | ended | exited |\n  | 2 | 0 | 1 | 1 |',
    exemple='Alors le rapport du parcours "cart-recovery" indique :\n  | entered | active | ended | exited |\n  | 2 | 0 | 1 | 1 |',
)
def journey_report(lab: Lab, journey: str, datatable: list[list[str]]) -> None:
    """Compare the journey's figures (entered, active, ended, exited) with a table."""
    lab.settle()
    report = lab.call("core", "GET", f"/journeys/{journey}/report")
    wrong = [
        f"{key}: expected {value}, got {report.get(key.strip())}"
        for key, value in zip(datatable[0], datatable[1], strict=True)
        if report.get(key.strip()) != int(value)
    ]
    if wrong:
        raise AssertionError(f"the report of {journey!r} differs: {'; '.join(wrong)}\nfull report: {report}")


@step(
    "given",
    en=r'the audience "(?P<audience>[^"]+)" of people where "(?P<rule>[^"]+)"',
    fr=r'l\'audience "(?P<audience>[^"]+)" des personnes où "(?P<rule>[^"]+)"',
    example='Given the audience "gold" of people where "profile.tier == \'gold\'"',
    exemple='Soit l\'audience "gold" des personnes où "profile.tier == \'gold\'"',
)
def rule_audience(lab: Lab, audience: str, rule: str) -> None:
    """A rule-based audience, evaluated whenever it is read."""
    lab.call("core", "POST", "/audiences", {"name": audience, "rule": rule})


def fixture_path(*parts: str) -> Path:
    """A file under the fixtures folder."""
    return fixtures_root().joinpath(*parts)


@step(
    "then",
    en=rf'{NAME} was excluded at the step "(?P<at>[^"]+)" of the journey {JOURNEY} with (?P<reason>\w+) (?P<code>\d{{6}})',
    fr=rf'{NAME} a été exclue? à l\'étape "(?P<at>[^"]+)" du parcours {JOURNEY} avec (?P<reason>\w+) (?P<code>\d{{6}})',
    example='Then Alice was excluded at the step "sms" of the journey "cart-recovery" with SMSNoConsent 050104',
    exemple='Alors Alice a été exclue à l\'étape "sms" du parcours "cart-recovery" avec SMSNoConsent 050104',
)
def excluded_at_step(lab: Lab, name: str, at: str, journey: str, reason: str, code: str) -> None:
    """The journey's path records the step's message as excluded with this reason and code."""
    instances = _instances(lab, name, journey)
    messages = [p["detail"] for i in instances for p in i["path"] if p["step"] == at and p["kind"] == "message"]
    if not any(f"excluded {reason} {code}" in m for m in messages):
        raise AssertionError(
            f"expected {name} excluded at {at!r} of {journey!r} with {reason} {code}; the step recorded: "
            f"{messages or 'no message (the step was not reached)'}"
        )
