"""Steps about code-based experiences: authoring the content of a surface (with variants chosen per profile), and
what the app shows there.

Looking at a surface opens the screen that holds it: the app refreshes the surface (the platform chooses the
content for the profile now) and tracks a display once per session.
"""

from __future__ import annotations

import json
from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import APP, CAMPAIGN, NAME
from harness.steps.inbound import act, app_messaging, inbound_campaign, look, sdk_errors
from simulator.devices.messaging import AppMessaging, surface_uri

SURFACE = r'"(?P<surface>[^"]+)"'
#: The variant table's header, English and French.
VARIANT_HEADERS = (("when", "content"), ("quand", "contenu"))
OTHERWISE = ("otherwise", "sinon")
FIELDS = {"format": "format", "content": "content", "contenu": "content", "priority": "priority",
          "priorité": "priority"}  # fmt: skip


def _content(text: str, format_: str) -> Any:
    if format_ == "html":
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ScenarioError(f'the json content {text!r} does not parse; write e.g. {{"headline": "Hi"}}') from None


def experience_from_table(surface: str, datatable: list[list[str]]) -> dict[str, Any]:
    """A code-based experience: a table of `when | content` rows (the last one `otherwise`), or of field and value
    (`format` json|html, `content`, `priority`)."""
    header = tuple(cell.strip().casefold() for cell in datatable[0]) if datatable else ()
    experience: dict[str, Any] = {"surface": surface, "format": "json"}
    if header in VARIANT_HEADERS:
        rows = datatable[1:]
        if any(not row[1].strip().startswith(("{", "[")) for row in rows):
            experience["format"] = "html"
        variants = [
            {"when": row[0].strip(), "content": _content(row[1].strip(), experience["format"])}
            for row in rows
            if row[0].strip().casefold() not in OTHERWISE
        ]
        default = next((row[1].strip() for row in rows if row[0].strip().casefold() in OTHERWISE), None)
        if default is None:
            raise ScenarioError("the variant table ends with an 'otherwise' row: the content when no condition holds")
        experience["variants"] = variants
        experience["content"] = _content(default, experience["format"])
        return experience
    raw: dict[str, str] = {}
    for row in datatable:
        key = FIELDS.get(row[0].strip().casefold()) if len(row) == 2 else None
        if key is None:
            raise ScenarioError(
                f"unknown code-based field {row}; use format, content, priority, or a when | content table"
            )
        raw[key] = row[1].strip()
    experience["format"] = raw.get("format", "json").lower()
    experience["content"] = _content(raw.get("content", ""), experience["format"])
    if "priority" in raw:
        experience["priority"] = int(raw["priority"])
    return experience


@step(
    "given",
    en=rf"a code-based experience campaign {CAMPAIGN} for the {APP} app on {SURFACE}\s*:?",
    fr=rf"une campagne d'expérience code {CAMPAIGN} pour l'application {APP} sur {SURFACE}\s*:?",
    example='Given a code-based experience campaign "Hero" for the "Shop" app on "home#hero":\n'
    "  | when                   | content                              |\n"
    '  | profile.tier == "gold" | {"headline": "Free shipping, always"} |\n'
    '  | otherwise              | {"headline": "Welcome"}               |',
    exemple='Soit une campagne d\'expérience code "Bandeau" pour l\'application "Shop" sur "home#hero" :\n'
    "  | quand                  | contenu                          |\n"
    '  | profile.tier == "gold" | {"titre": "Livraison offerte"}   |\n'
    '  | sinon                  | {"titre": "Bienvenue"}           |',
)
def code_based_campaign(lab: Lab, campaign: str, app: str, surface: str, datatable: list[list[str]]) -> None:
    """A code-based experience for a surface of the app (`home#hero`): JSON or HTML content, with variants whose
    conditions see `profile`, `events`, `event_types`, `actions` and `states` (the profile's recent activity)."""
    uri = surface_uri(lab.app_id(app), surface)
    inbound_campaign(lab, campaign, app, "codeBased", experience_from_table(uri, datatable))


def _view(lab: Lab, name: str, app: str, surface: str) -> tuple[AppMessaging, Any]:
    messaging = app_messaging(lab, name, app)
    look(lab, messaging.device.phone)
    experience = lab.run(messaging.view_experience, surface)
    lab.settle()
    return messaging, None if experience is None else experience.content


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


@step(
    "then",
    en=rf'the {SURFACE} experience of {NAME}\'s {APP} app shows (?:"(?P<text>[^"]+)"|(?P<nothing>nothing))',
    fr=rf'l\'expérience {SURFACE} de l\'application {APP} d(?:\'|e ){NAME} montre (?:"(?P<text>[^"]+)"|(?P<nothing>rien))',
    example='Then the "home#hero" experience of Alice\'s "Shop" app shows "Free shipping, always"',
    exemple='Alors l\'expérience "home#hero" de l\'application "Shop" d\'Alice montre "Livraison offerte"',
)
def shows_experience(
    lab: Lab, surface: str, name: str, app: str, text: str | None = None, nothing: str | None = None
) -> None:
    """The app's content for the surface holds this text (in a JSON value or the HTML), or there is none."""
    messaging, content = _view(lab, name, app, surface)
    if nothing is not None:
        if content is not None:
            raise AssertionError(f"expected nothing on {surface!r} in {name}'s {app!r} app; it shows {_text(content)}")
        return
    assert text is not None
    if content is None or text not in _text(content):
        shown = "nothing" if content is None else _text(content)
        raise AssertionError(f"expected {text!r} on {surface!r} in {name}'s {app!r} app; it shows {shown}"
                             + sdk_errors(messaging))  # fmt: skip


@step(
    "when",
    en=rf"{NAME} taps the {SURFACE} experience in the {APP} app",
    fr=rf"{NAME} touche l'expérience {SURFACE} dans l'application {APP}",
    example='When Alice taps the "home#hero" experience in the "Shop" app',
    exemple='Quand Alice touche l\'expérience "home#hero" dans l\'application "Shop"',
)
def taps_experience(lab: Lab, name: str, surface: str, app: str) -> None:
    """Tap the content shown on the surface (tracked as a click)."""
    messaging, _ = _view(lab, name, app, surface)
    act(lab, messaging.tap_experience, surface)


@step(
    "when",
    en=rf'{NAME}\'s {APP} app sends the event "(?P<event>[^"]+)"',
    fr=rf'l\'application {APP} d(?:\'|e ){NAME} envoie l\'événement "(?P<event>[^"]+)"',
    example='When Alice\'s "Shop" app sends the event "commerce.productViews"',
    exemple='Quand l\'application "Shop" d\'Alice envoie l\'événement "commerce.productViews"',
)
def app_sends_event(lab: Lab, name: str, app: str, event: str) -> None:
    """The app sends an experience event of its own to the platform (it becomes part of the profile's recent
    events)."""
    messaging = app_messaging(lab, name, app)
    look(lab, messaging.device.phone)
    act(lab, messaging.send_event, event)
