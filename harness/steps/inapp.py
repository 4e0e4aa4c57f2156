"""Steps about in-app messages: authoring a campaign with its trigger, seeing the message, tapping its buttons."""

from __future__ import annotations

import re
from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import APP, CAMPAIGN, NAME
from harness.steps.inbound import act, inbound_campaign, look, sdk_errors
from simulator.devices.messaging import AppMessaging, InAppScreen
from simulator.devices.phone import Phone

#: Table fields, English and French, to the message's fields.
FIELDS = {
    "layout": "layout", "mise en page": "layout", "title": "title", "titre": "title", "body": "body",
    "texte": "body", "corps": "body", "image": "image", "buttons": "buttons", "boutons": "buttons",
    "priority": "priority", "priorité": "priority", "frequency": "frequency", "fréquence": "frequency",
    "traits": "traits", "critères": "traits",
}  # fmt: skip
LAYOUTS = {"modal": "modal", "modale": "modal", "banner": "banner", "bannière": "banner",
           "full-screen": "fullscreen", "fullscreen": "fullscreen", "plein écran": "fullscreen"}  # fmt: skip
FREQUENCIES = {
    "every time": "every", "à chaque fois": "every", "once per session": "once", "une fois par session": "once",
    "until click-through": "until_clickthrough", "jusqu'au clic": "until_clickthrough",
}  # fmt: skip
OPERATORS = {"=": "eq", "==": "eq", "!=": "ne", ">": "gt", ">=": "ge", "<": "lt", "<=": "le",
             "contains": "co", "contient": "co", "starts with": "sw", "commence par": "sw"}  # fmt: skip
TRAIT_NAMES = {"launches": "launches", "lancements": "launches", "locale": "locale", "langue": "locale", "os": "os"}
LIFECYCLE = {"launch": "launch", "install": "install", "update": "update", "close": "close",
             "lancement": "launch", "installation": "install", "mise à jour": "update", "fermeture": "close"}  # fmt: skip
TRAIT = re.compile(r"\s*(?P<trait>[\wé]+)\s*(?P<op>>=|<=|!=|==|=|>|<|contains|contient|starts with|commence par)\s*"
                   r"(?P<value>.+?)\s*$")  # fmt: skip


def _button(spec: str) -> dict[str, Any]:
    """'Shop now -> shop://sale' (deep link), 'Read -> https://…' (URL) or 'Later' (dismiss)."""
    label, _, target = (part.strip() for part in spec.partition("->"))
    if not target:
        return {"label": label, "action": "dismiss"}
    return {"label": label, "action": "url" if target.startswith(("http://", "https://")) else "deeplink",
            "target": target}  # fmt: skip


def _trait(spec: str) -> dict[str, Any]:
    match = TRAIT.match(spec)
    trait = TRAIT_NAMES.get(match.group("trait").casefold()) if match else None
    if match is None or trait is None:
        raise ScenarioError(f"cannot read the trait {spec!r}; write e.g. 'launches >= 3', 'locale = fr-FR', 'os = iOS'")
    value: Any = match.group("value").strip('"')
    if trait == "launches":
        value = int(value)
    return {"trait": trait, "operator": OPERATORS[match.group("op")], "value": value}


def message_from_table(datatable: list[list[str]], trigger: dict[str, Any]) -> dict[str, Any]:
    """An in-app message from a two-column table of field and value."""
    message: dict[str, Any] = {"trigger": trigger}
    for row in datatable:
        if len(row) != 2:
            raise ScenarioError(f"each row of the message table has a field and a value; got {row}")
        field, value = row[0].strip(), row[1].strip()
        key = FIELDS.get(field.casefold())
        if key is None:
            known = ", ".join(k for k in FIELDS if k.isascii())
            raise ScenarioError(f"unknown in-app message field {field!r}; use one of: {known}")
        if key == "layout":
            if value.casefold() not in LAYOUTS:
                raise ScenarioError(f"unknown layout {value!r}; use modal, banner or full-screen")
            message[key] = LAYOUTS[value.casefold()]
        elif key == "frequency":
            if value.casefold() not in FREQUENCIES:
                known = ", ".join(k for k in FREQUENCIES if k.isascii())
                raise ScenarioError(f"unknown frequency {value!r}; use one of: {known}")
            message[key] = FREQUENCIES[value.casefold()]
        elif key == "buttons":
            message[key] = [_button(spec) for spec in value.split(",") if spec.strip()]
        elif key == "traits":
            trigger["traits"] = [_trait(spec) for spec in value.split(",") if spec.strip()]
        elif key == "priority":
            message[key] = int(value)
        else:
            message[key] = value
    return message


def _trigger(lifecycle: str | None, tracked: str | None, what: str | None, region: str | None) -> dict[str, Any]:
    if lifecycle:
        return {"event": LIFECYCLE[lifecycle]}
    if tracked:
        return {"event": "action" if tracked in ("action", "l'action") else "state", "name": what}
    return {"event": "poiEntered" if region in ("entering", "en entrant dans") else "poiExited", "name": what}


@step(
    "given",
    en=rf"an in-app message campaign {CAMPAIGN} for the {APP} app shown (?:on app (?P<lifecycle>launch|install|update"
    rf'|close)|when the (?P<tracked>action|state) "(?P<what>[^"]+)" is tracked|when (?P<region>entering|leaving) '
    rf'"(?P<poi>[^"]+)")\s*:?',
    fr=rf"une campagne de message in-app {CAMPAIGN} pour l'application {APP} affichée (?:(?:au|à l'|à la) "
    rf"(?P<lifecycle>lancement|installation|mise à jour|fermeture)|quand (?P<tracked>l\'action|l\'état) "
    rf'"(?P<what>[^"]+)" est suivie?|(?P<region>en entrant dans|en sortant de) "(?P<poi>[^"]+)")\s*:?',
    example='Given an in-app message campaign "Welcome" for the "Shop" app shown on app launch:\n'
    "  | title   | Welcome back                     |\n  | body    | 15% off today                    |\n"
    "  | buttons | Shop now -> shop://sale, Not now |",
    exemple='Soit une campagne de message in-app "Bienvenue" pour l\'application "Shop" affichée au lancement :\n'
    "  | titre   | Bon retour              |\n  | texte   | -15 % aujourd'hui       |",
)
def in_app_campaign(
    lab: Lab,
    campaign: str,
    app: str,
    datatable: list[list[str]],
    lifecycle: str | None = None,
    tracked: str | None = None,
    what: str | None = None,
    region: str | None = None,
    poi: str | None = None,
) -> None:
    """An in-app message campaign: the trigger in the step, the message in the table (layout, title, body, image,
    buttons, priority, frequency, traits)."""
    trigger = _trigger(lifecycle, tracked, what or poi, region)
    inbound_campaign(lab, campaign, app, "inapp", message_from_table(datatable, trigger))


def _describe(phone: Phone) -> str:
    """Everything the person's apps show or showed in-app, for failure messages."""
    lines = []
    for app_id in phone.apps:
        messaging = phone.messaging.app(app_id)
        shown = messaging.on_screen
        line = f"{app_id}: " + (f"on screen: {shown.screen.describe()}" if shown else "no in-app message on screen")
        if messaging.inapp.displayed:
            line += "; displayed before: " + ", ".join(
                repr(s.screen.title or s.screen.body) for s in messaging.inapp.displayed
            )
        if messaging.inapp.suppressed:
            line += "; suppressed: " + ", ".join(f"{s.screen.title or s.screen.body!r} ({s.reason})"
                                                 for s in messaging.inapp.suppressed)  # fmt: skip
        lines.append(line + sdk_errors(messaging))
    return "\n  ".join(lines) or "no app"


def _on_screen(lab: Lab, name: str) -> list[tuple[Phone, AppMessaging, InAppScreen]]:
    found = []
    for phone in lab.person(name).phones:
        look(lab, phone)
        for app_id in phone.apps:
            messaging = phone.messaging.app(app_id)
            if messaging.on_screen is not None:
                found.append((phone, messaging, messaging.on_screen.screen))
    return found


def _showing(lab: Lab, name: str, text: str | None = None) -> tuple[Phone, AppMessaging, InAppScreen]:
    shown = _on_screen(lab, name)
    for phone, messaging, screen in shown:
        if text is None or screen.shows(text):
            return phone, messaging, screen
    phones = lab.person(name).phones
    wanted = f"the in-app message {text!r}" if text else "an in-app message"
    seen = "\n  ".join(f"{p.name}: {_describe(p)}" for p in phones) or "no phone"
    raise AssertionError(f"expected {name} to see {wanted}; what {name}'s phones show:\n  {seen}")


_LAYOUT = r"(?:(?P<layout>modal|banner|full-screen) )?"


@step(
    "then",
    en=rf'{NAME} sees the {_LAYOUT}in-app message "(?P<text>[^"]+)"',
    fr=rf'{NAME} voit le message in-app "(?P<text>[^"]+)"(?: en (?P<layout>modale|bannière|plein écran))?',
    example='Then Alice sees the in-app message "15% off today"',
    exemple='Alors Alice voit le message in-app "-15 % aujourd\'hui"',
)
def sees_message(lab: Lab, name: str, text: str, layout: str | None = None) -> None:
    """An in-app message with this title (or this text in its title or body) is on screen (in this layout)."""
    phone, _, screen = _showing(lab, name, text)
    if layout is not None and screen.layout != LAYOUTS[layout]:
        raise AssertionError(f"the in-app message on {phone.name} is {screen.describe()}, not a {layout}")


@step(
    "then",
    en=rf"{NAME} sees no in-app message",
    fr=rf"{NAME} ne voit aucun message in-app",
    example="Then Alice sees no in-app message",
    exemple="Alors Alice ne voit aucun message in-app",
)
def sees_none(lab: Lab, name: str) -> None:
    """No in-app message is on screen on any of the person's phones."""
    shown = _on_screen(lab, name)
    if shown:
        raise AssertionError(
            f"expected no in-app message for {name}; {shown[0][0].name} shows {shown[0][2].describe()}"
        )


@step(
    "then",
    en=rf'the in-app message on {NAME}\'s phone has the (?P<what>buttons?|image) (?P<values>"[^"]+"(?:(?:, | and )"[^"]+")*)',
    fr=rf"le message in-app sur le téléphone d(?:\'|e ){NAME} a (?P<what>les boutons|le bouton|l\'image) "
    rf'(?P<values>"[^"]+"(?:(?:, | et )"[^"]+")*)',
    example='Then the in-app message on Alice\'s phone has the buttons "Shop now" and "Not now"',
    exemple='Alors le message in-app sur le téléphone d\'Alice a les boutons "Acheter" et "Plus tard"',
)
def message_has(lab: Lab, name: str, what: str, values: str) -> None:
    """The message on screen shows these buttons (by label, in order) or this image."""
    _, _, screen = _showing(lab, name)
    wanted = re.findall(r'"([^"]+)"', values)
    if what in ("image", "l'image"):
        if screen.image != wanted[0]:
            raise AssertionError(f"expected the image {wanted[0]!r}; the message is {screen.describe()}")
        return
    labels = [b.label for b in screen.buttons]
    if labels != wanted:
        raise AssertionError(f"expected the buttons {wanted}; the message is {screen.describe()}")


@step(
    "when",
    en=rf'{NAME} taps "(?P<label>[^"]+)" in the in-app message',
    fr=rf'{NAME} touche "(?P<label>[^"]+)" dans le message in-app',
    example='When Alice taps "Shop now" in the in-app message',
    exemple='Quand Alice touche "Acheter" dans le message in-app',
)
def taps_button(lab: Lab, name: str, label: str) -> None:
    """Tap a button of the message on screen: tracked, the message closes, and its deep link or URL opens."""
    _, messaging, _ = _showing(lab, name)
    act(lab, messaging.tap, label)


@step(
    "when",
    en=rf"{NAME} closes the in-app message",
    fr=rf"{NAME} ferme le message in-app",
    example="When Alice closes the in-app message",
    exemple="Quand Alice ferme le message in-app",
)
def closes_message(lab: Lab, name: str) -> None:
    """Close the message on screen with its close button (a dismissal)."""
    _, messaging, _ = _showing(lab, name)
    act(lab, messaging.dismiss)


@step(
    "then",
    en=rf'the in-app message "(?P<text>[^"]+)" was not shown to {NAME} because of a (?P<reason>\w+)',
    fr=rf'le message in-app "(?P<text>[^"]+)" n\'a pas été montré à {NAME} pour cause de (?P<reason>\w+)',
    example='Then the in-app message "Flash sale" was not shown to Alice because of a Conflict',
    exemple='Alors le message in-app "Vente flash" n\'a pas été montré à Alice pour cause de Conflict',
)
def suppressed(lab: Lab, name: str, text: str, reason: str) -> None:
    """The phone suppressed the message's display (and told the platform why)."""
    for phone in lab.person(name).phones:
        look(lab, phone)
        for app_id in phone.apps:
            for entry in phone.messaging.app(app_id).inapp.suppressed:
                if entry.screen.shows(text) and entry.reason == reason:
                    return
    seen = "\n  ".join(f"{p.name}: {_describe(p)}" for p in lab.person(name).phones)
    raise AssertionError(f"expected {text!r} suppressed for {reason} on {name}'s phone:\n  {seen}")


@step(
    "then",
    en=rf'{NAME} has seen the in-app message "(?P<text>[^"]+)" (?P<times>once|twice|\d+ times)',
    fr=rf'{NAME} a vu le message in-app "(?P<text>[^"]+)" (?P<times>une fois|deux fois|\d+ fois)',
    example='Then Alice has seen the in-app message "15% off today" twice',
    exemple='Alors Alice a vu le message in-app "-15 % aujourd\'hui" deux fois',
)
def seen_times(lab: Lab, name: str, text: str, times: str) -> None:
    """How many times the message was displayed on the person's phones."""
    expected = {"once": 1, "une fois": 1, "twice": 2, "deux fois": 2}.get(times) or int(times.split()[0])
    count = 0
    for phone in lab.person(name).phones:
        look(lab, phone)
        for app_id in phone.apps:
            count += sum(1 for s in phone.messaging.app(app_id).inapp.displayed if s.screen.shows(text))
    if count != expected:
        seen = "\n  ".join(f"{p.name}: {_describe(p)}" for p in lab.person(name).phones)
        raise AssertionError(f"expected {text!r} displayed {expected} time(s) to {name}, it was {count}:\n  {seen}")
