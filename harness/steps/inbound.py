"""Steps shared by the inbound channels (in-app messages, content cards, code-based experiences): a person's phone and
its apps as the messaging SDK sees them (installing, closing, updating, language, places, tracked actions), profile
changes, and the engagement report of an inbound campaign.

Helpers here are used by `harness.steps.inapp`, `.cards` and `.codebased`: `app_messaging()` finds a person's app,
`look()` settles the stack and sets the phone's clock to the sandbox's before a step looks at the screen.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from harness.catalogue import step
from harness.lab import PHONE_WORDS, Lab, ScenarioError
from harness.steps.campaigns import create_campaign
from harness.steps.common import APP, CAMPAIGN, MODEL, NAME, attributes_from_table
from harness.steps.people import ensure_person, install
from simulator.devices.messaging import AppMessaging, surface_uri
from simulator.devices.phone import OS, Phone, PhoneError

#: The card surfaces campaigns put on each app, per scenario (what "the content cards of an app" means).
_CARD_SURFACES: WeakKeyDictionary[Lab, dict[str, list[str]]] = WeakKeyDictionary()
DEFAULT_CARD_SURFACE = "cards"


def card_surfaces(lab: Lab, app_id: str) -> list[str]:
    """The card surfaces of an app in this scenario (the default `cards` surface when no campaign named one)."""
    known = _CARD_SURFACES.setdefault(lab, {}).get(app_id)
    return list(known) if known else [surface_uri(app_id, DEFAULT_CARD_SURFACE)]


def remember_card_surface(lab: Lab, app_id: str, surface: str) -> None:
    """Note that a campaign puts cards on `surface`."""
    surfaces = _CARD_SURFACES.setdefault(lab, {}).setdefault(app_id, [])
    if surface not in surfaces:
        surfaces.append(surface)


def inbound_campaign(lab: Lab, name: str, app: str, channel: str, message: dict[str, Any]) -> str:
    """Create a marketing campaign on an inbound channel (its validation errors said plainly)."""
    try:
        return create_campaign(lab, name, "marketing", app, message, channel=channel)
    except Exception as error:  # StackError: the platform's 422 names the field
        raise ScenarioError(f"the platform refused the {channel} campaign {name!r}: {error}") from None


def phone_with(lab: Lab, name: str, app_id: str, model: str | None = None) -> Phone:
    """The person's phone with this app installed (the one of that model, if given)."""
    person = lab.person(name)
    wanted = PHONE_WORDS.get(_model(model).casefold()) if model else None
    for phone in person.phones:
        if app_id in phone.apps and (wanted is None or phone.os is wanted):
            return phone
    raise ScenarioError(f"{name} has no phone with the app {app_id} installed")


def app_messaging(lab: Lab, name: str, app: str, model: str | None = None) -> AppMessaging:
    """The messaging SDK state of a person's app."""
    app_id = lab.app_id(app)
    return phone_with(lab, name, app_id, model).messaging.app(app_id)


def look(lab: Lab, phone: Phone) -> None:
    """Let the stack settle, and set the phone's clock to the sandbox's (the person looks at the screen now)."""
    lab.settle()
    phone.messaging.tick(float(lab.run(lab.client.now, lab.sandbox)["timestamp"]))


def act(lab: Lab, call: Any, *args: Any) -> None:
    """Do something on the phone (PhoneError becomes a scenario error saying what is on screen), then settle."""
    try:
        lab.run(call, *args)
    except PhoneError as error:
        raise ScenarioError(str(error)) from None
    lab.settle()


def sdk_errors(messaging: AppMessaging) -> str:
    """What the SDK could not do (for failure messages), or ''."""
    return f"\n(the app's SDK logged: {'; '.join(messaging.errors[-3:])})" if messaging.errors else ""


def _model(model: str | None) -> str:
    return {"téléphone android": "Android phone"}.get((model or "").casefold(), model or "")


_ON = rf"(?: on (?:their|her|his) {MODEL})?"


@step(
    "given",
    en=rf"{NAME} has an? {MODEL}",
    fr=rf"{NAME} a un (?P<model>iPhone|téléphone Android|iPad)",
    example="Given Alice has an iPhone",
    exemple="Soit Alice a un iPhone",
)
def has_phone(lab: Lab, name: str, model: str) -> None:
    """A person (with a profile) and a phone with no app of the scenario on it yet."""
    person = ensure_person(lab, name)
    os = PHONE_WORDS.get(_model(model).casefold(), OS.ANDROID)
    if not any(p.os is os for p in person.phones):
        phone = lab.run(
            lambda: lab.client.new_phone(
                lab.sandbox, os, name=f"{name}'s {model}", phone_number=person.phone_number, email=person.email
            )
        )
        person.phones.append(phone)


@step(
    "when",
    en=rf"{NAME} installs the {APP} app{_ON}",
    fr=rf"{NAME} installe l'application {APP}",
    example='When Alice installs the "Shop" app',
    exemple='Quand Alice installe l\'application "Shop"',
)
def installs(lab: Lab, name: str, app: str, model: str | None = None) -> None:
    """Install the app and open it for the first time (an install launch), signed in as the person."""
    person = lab.person(name)
    if not person.phones:
        raise ScenarioError(f"{name} has no phone yet: say 'Given {name} has an iPhone' first")
    phone = person.phones[0] if model is None else lab.phone(name, _model(model))
    install(lab, phone, person, lab.app_id(app))
    lab.settle()


@step(
    "when",
    en=rf"{NAME} (?P<how>closes|force-quits) the {APP} app{_ON}",
    fr=rf"{NAME} (?P<how>ferme|force la fermeture de) l'application {APP}",
    example='When Alice closes the "Shop" app',
    exemple='Quand Alice ferme l\'application "Shop"',
)
def closes(lab: Lab, name: str, how: str, app: str, model: str | None = None) -> None:
    """Close the app: to the background (back within 5 minutes: same session), or force-quit (the session ends)."""
    messaging = app_messaging(lab, name, app, model)
    look(lab, messaging.device.phone)
    force = how in ("force-quits", "force la fermeture de")
    act(lab, lambda: messaging.close(force=force))


@step(
    "when",
    en=rf'{NAME} updates the {APP} app(?: to version "(?P<version>[^"]+)")?',
    fr=rf'{NAME} met à jour l\'application {APP}(?: en version "(?P<version>[^"]+)")?',
    example='When Alice updates the "Shop" app to version "2.0"',
    exemple='Quand Alice met à jour l\'application "Shop" en version "2.0"',
)
def updates(lab: Lab, name: str, app: str, version: str | None = None) -> None:
    """Install a new version of the app (it closes; its next launch is an update launch)."""
    messaging = app_messaging(lab, name, app)
    messaging.update(version or _next_version(messaging.version))


def _next_version(version: str) -> str:
    major = version.partition(".")[0]
    return f"{int(major) + 1}.0" if major.isdigit() else version + ".1"


@step(
    "given",
    en=r'(?P<name>[A-ZÀ-Ý][\w\'-]*)\'s phone is set to the "(?P<locale>[^"]+)" language',
    fr=r'le téléphone d(?:\'|e )(?P<name>[A-ZÀ-Ý][\w\'-]*) est réglé sur la langue "(?P<locale>[^"]+)"',
    example='Given Alice\'s phone is set to the "fr-FR" language',
    exemple='Soit le téléphone d\'Alice est réglé sur la langue "fr-FR"',
)
def phone_language(lab: Lab, name: str, locale: str) -> None:
    """The locale the phone's apps report (the `locale` trait of in-app messages)."""
    for phone in lab.person(name).phones:
        phone.messaging.locale = locale


@step(
    "when",
    en=rf'{NAME}\'s {APP} app tracks the (?P<kind>action|state) "(?P<what>[^"]+)"',
    fr=rf'l\'application {APP} d(?:\'|e ){NAME} suit (?P<kind>l\'action|l\'état) "(?P<what>[^"]+)"',
    example='When Alice\'s "Shop" app tracks the action "add_to_cart"',
    exemple='Quand l\'application "Shop" d\'Alice suit l\'action "add_to_cart"',
)
def tracks(lab: Lab, name: str, app: str, kind: str, what: str) -> None:
    """The app tracks an action or a state (a screen): sent to the platform, and evaluated by in-app rules."""
    messaging = app_messaging(lab, name, app)
    look(lab, messaging.device.phone)
    call = messaging.track_action if kind == "action" or kind == "l'action" else messaging.track_state
    act(lab, call, what)


@step(
    "when",
    en=rf'{NAME} (?P<move>enters|leaves) the point of interest "(?P<poi>[^"]+)"',
    fr=rf'{NAME} (?P<move>entre dans|quitte) le point d\'intérêt "(?P<poi>[^"]+)"',
    example='When Alice enters the point of interest "Downtown store"',
    exemple='Quand Alice entre dans le point d\'intérêt "Magasin du centre"',
)
def point_of_interest(lab: Lab, name: str, move: str, poi: str) -> None:
    """The phone enters or leaves a point of interest (the apps on screen evaluate their location rules)."""
    for phone in lab.person(name).phones:
        look(lab, phone)
        entering = move in ("enters", "entre dans")
        act(lab, phone.messaging.enter_poi if entering else phone.messaging.exit_poi, poi)


@step(
    "when",
    en=rf"{NAME}'s profile changes\s*:?",
    fr=rf"le profil d(?:'|e ){NAME} change\s*:?",
    example="When Alice's profile changes:\n  | tier | gold |",
    exemple="Quand le profil d'Alice change :\n  | tier | gold |",
)
def profile_changes(lab: Lab, name: str, datatable: list[list[str]]) -> None:
    """Update profile attributes now (values read as JSON when they parse)."""
    attributes = attributes_from_table(datatable)
    lab.call("core", "PATCH", f"/profiles/{lab.person(name).profile_id}", {"attributes": attributes})


#: Report columns, in English and French, to the report's keys; `suppressed <reason>` reads `suppressions`.
METRICS = {
    "targeted": "targeted", "ciblés": "targeted", "excluded": "excluded", "exclus": "excluded",
    "sent": "sent", "envoyés": "sent", "delivered": "delivered", "remis": "delivered",
    "displayed": "displayed", "affichés": "displayed", "clicked": "clicked", "cliqués": "clicked",
    "dismissed": "dismissed", "fermés": "dismissed", "errors": "errors", "erreurs": "errors",
}  # fmt: skip
SUPPRESSED = ("suppressed", "supprimés")

_CHANNELS = {"in-app": "in-app message", "content card": "content card", "code-based": "code-based experience",
             "carte de contenu": "content card", "expérience code": "code-based experience"}  # fmt: skip


def _metric(report: dict[str, Any], column: str) -> int:
    words = column.strip().split(None, 1)
    if words and words[0].casefold() in SUPPRESSED:
        reason = words[1] if len(words) > 1 else None
        suppressions: dict[str, int] = report["suppressions"]
        return sum(suppressions.values()) if reason is None else int(suppressions.get(reason, 0))
    if column.casefold().startswith(("clicked ", "cliqués ")):
        label = column.split(None, 1)[1].strip().strip('"')
        return int(report["interactions"].get(label, 0))
    key = METRICS.get(column.strip().casefold())
    if key is None:
        known = ", ".join(k for k in METRICS if k.isascii())
        raise ScenarioError(f'unknown metric {column!r}; use one of: {known}, suppressed <reason>, clicked "<label>"')
    return int(report[key])


@step(
    "then",
    en=rf"the (?P<channel>in-app|content card|code-based) report of {CAMPAIGN} shows\s*:?",
    fr=rf"le rapport (?P<channel>in-app|carte de contenu|expérience code) de {CAMPAIGN} indique\s*:?",
    example='Then the in-app report of "Welcome" shows:\n  | displayed | clicked | dismissed | suppressed Conflict |\n'
    "  | 2 | 1 | 1 | 1 |",
    exemple='Alors le rapport in-app de "Bienvenue" indique :\n  | affichés | cliqués | fermés | supprimés Conflict |\n'
    "  | 2 | 1 | 1 | 1 |",
)
def inbound_report(lab: Lab, channel: str, campaign: str, datatable: list[list[str]]) -> None:
    """Compare an inbound campaign's counters with a table: displays, clicks (or `clicked "<label>"`), dismissals,
    suppressed displays (`suppressed Conflict`), and the delivery counters."""
    lab.settle()
    report = lab.call("core", "GET", f"/campaigns/{lab.campaign_id(campaign)}/report")
    if len(datatable) != 2:
        raise ScenarioError("the report table has a row of metric names and a row of numbers")
    wrong = [
        f"{column}: expected {expected}, got {actual}"
        for column, expected in zip(datatable[0], datatable[1], strict=True)
        if (actual := _metric(report, column)) != int(expected)
    ]
    if wrong:
        raise AssertionError(f"the {_CHANNELS[channel]} report of {campaign!r} differs: " + "; ".join(wrong)
                             + f"\nfull report: {report}")  # fmt: skip
    if not report["reconciles"]:
        raise AssertionError(f"the report of {campaign!r} does not reconcile: {report}")
