"""Steps about content cards: authoring a card campaign, the card inbox of an app, tapping and dismissing cards.

Looking at the cards opens the app's card screen: the app refreshes its card surfaces (as apps do when the screen
appears) and tracks a display for each card shown for the first time in the session.
"""

from __future__ import annotations

import re
from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import APP, CAMPAIGN, NAME
from harness.steps.inbound import (
    act,
    app_messaging,
    card_surfaces,
    inbound_campaign,
    look,
    remember_card_surface,
    sdk_errors,
)
from simulator.devices.messaging import AppMessaging, CardView, surface_uri

#: Table fields, English and French, to the card's fields.
FIELDS = {
    "surface": "surface", "title": "title", "titre": "title", "body": "body", "texte": "body", "corps": "body",
    "image": "image", "action url": "actionUrl", "link": "actionUrl", "lien": "actionUrl",
    "priority": "priority", "priorité": "priority", "expires": "expiryDate", "expire": "expiryDate",
}  # fmt: skip


def card_from_table(lab: Lab, app_id: str, datatable: list[list[str]]) -> dict[str, Any]:
    """A content card from a two-column table of field and value (surface relative to the app: `home#offers`)."""
    card: dict[str, Any] = {"surface": surface_uri(app_id, "cards")}
    for row in datatable:
        if len(row) != 2:
            raise ScenarioError(f"each row of the card table has a field and a value; got {row}")
        key = FIELDS.get(row[0].strip().casefold())
        value = row[1].strip()
        if key is None:
            known = ", ".join(k for k in FIELDS if k.isascii())
            raise ScenarioError(f"unknown content card field {row[0]!r}; use one of: {known}")
        card[key] = surface_uri(app_id, value) if key == "surface" else int(value) if key == "priority" else value
    return card


@step(
    "given",
    en=rf"a content card campaign {CAMPAIGN} for the {APP} app\s*:?",
    fr=rf"une campagne de carte de contenu {CAMPAIGN} pour l'application {APP}\s*:?",
    example='Given a content card campaign "Spring sale" for the "Shop" app:\n  | title   | Spring sale    |\n'
    "  | body    | 20% off shoes  |\n  | expires | 2026-01-08     |",
    exemple='Soit une campagne de carte de contenu "Printemps" pour l\'application "Shop" :\n'
    "  | titre  | Soldes de printemps |\n  | expire | 2026-01-08          |",
)
def card_campaign(lab: Lab, campaign: str, app: str, datatable: list[list[str]]) -> None:
    """A content card campaign: surface (default `cards`), title, body, image, action url, priority, expires (an
    ISO date or instant, UTC)."""
    app_id = lab.app_id(app)
    card = card_from_table(lab, app_id, datatable)
    remember_card_surface(lab, app_id, card["surface"])
    inbound_campaign(lab, campaign, app, "contentCard", card)


def _surfaces(lab: Lab, app_id: str, surface: str | None) -> list[str]:
    return [surface_uri(app_id, surface)] if surface else card_surfaces(lab, app_id)


def _inbox(lab: Lab, name: str, app: str, surface: str | None) -> tuple[AppMessaging, list[str], list[CardView]]:
    messaging = app_messaging(lab, name, app)
    surfaces = _surfaces(lab, messaging.app_id, surface)
    look(lab, messaging.device.phone)
    views = lab.run(messaging.view_cards, surfaces)
    lab.settle()
    return messaging, surfaces, views


def _shown(views: list[CardView], messaging: AppMessaging) -> str:
    return ("; ".join(v.describe() for v in views) or "no card") + sdk_errors(messaging)


_ON = r'(?: on "(?P<surface>[^"]+)")?'
_SUR = r'(?: sur "(?P<surface>[^"]+)")?'


@step(
    "then",
    en=rf"{NAME}'s {APP} app shows (?P<count>no|\d+) content cards?{_ON}",
    fr=rf"l'application {APP} d(?:'|e ){NAME} montre (?P<count>aucune|\d+) cartes? de contenu{_SUR}",
    example='Then Alice\'s "Shop" app shows 2 content cards',
    exemple="Alors l'application \"Shop\" d'Alice montre 2 cartes de contenu",
)
def shows_count(lab: Lab, name: str, app: str, count: str, surface: str | None = None) -> None:
    """How many cards the app's card screen shows (of every card surface of the app's campaigns, or of one)."""
    messaging, _, views = _inbox(lab, name, app, surface)
    expected = 0 if count in ("no", "aucune") else int(count)
    if len(views) != expected:
        raise AssertionError(f"expected {expected} content card(s) in {name}'s {app!r} app; it shows: "
                             f"{_shown(views, messaging)}")  # fmt: skip


@step(
    "then",
    en=rf'{NAME}\'s {APP} app shows the content cards? (?P<titles>"[^"]+"(?:(?:, | and )"[^"]+")*)'
    rf"(?P<ordered> in that order)?{_ON}",
    fr=rf'l\'application {APP} d(?:\'|e ){NAME} montre (?:la|les) cartes? de contenu (?P<titles>"[^"]+"(?:(?:, | et )"[^"]+")*)'
    rf"(?P<ordered> dans cet ordre)?{_SUR}",
    example='Then Alice\'s "Shop" app shows the content cards "Flash sale" and "Spring sale" in that order',
    exemple='Alors l\'application "Shop" d\'Alice montre les cartes de contenu "Vente flash" et "Printemps" dans cet ordre',
)
def shows_cards(
    lab: Lab, name: str, app: str, titles: str, ordered: str | None = None, surface: str | None = None
) -> None:
    """These cards are shown (and, with "in that order", exactly these, in this order)."""
    messaging, _, views = _inbox(lab, name, app, surface)
    wanted = re.findall(r'"([^"]+)"', titles)
    shown = [v.title for v in views]
    ok = shown == wanted if ordered else all(title in shown for title in wanted)
    if not ok:
        how = "in that order" if ordered else ""
        raise AssertionError(f"expected the cards {wanted} {how} in {name}'s {app!r} app; it shows: "
                             f"{_shown(views, messaging)}")  # fmt: skip


@step(
    "then",
    en=rf'the content card "(?P<title>[^"]+)" in {NAME}\'s {APP} app is (?P<state>read|unread)',
    fr=rf'la carte de contenu "(?P<title>[^"]+)" dans l\'application {APP} d(?:\'|e ){NAME} est (?P<state>lue|non lue)',
    example='Then the content card "Spring sale" in Alice\'s "Shop" app is read',
    exemple='Alors la carte de contenu "Printemps" dans l\'application "Shop" d\'Alice est lue',
)
def card_state(lab: Lab, title: str, name: str, app: str, state: str) -> None:
    """The card is shown, read or unread."""
    messaging, _, views = _inbox(lab, name, app, None)
    view = next((v for v in views if v.title == title), None)
    if view is None:
        raise AssertionError(f"no content card {title!r} in {name}'s {app!r} app; it shows: {_shown(views, messaging)}")
    if view.read != (state in ("read", "lue")):
        raise AssertionError(f"expected the card {title!r} {state}; it is {view.describe()}")


@step(
    "when",
    en=rf'{NAME} (?P<how>taps|dismisses) the content card "(?P<title>[^"]+)" in the {APP} app',
    fr=rf'{NAME} (?P<how>touche|ferme) la carte de contenu "(?P<title>[^"]+)" dans l\'application {APP}',
    example='When Alice taps the content card "Spring sale" in the "Shop" app',
    exemple='Quand Alice touche la carte de contenu "Printemps" dans l\'application "Shop"',
)
def taps_card(lab: Lab, name: str, how: str, title: str, app: str) -> None:
    """Tap a card (it is read, its link opens, the click is tracked) or dismiss it (it never shows again)."""
    messaging, surfaces, _ = _inbox(lab, name, app, None)
    if how in ("taps", "touche"):
        act(lab, messaging.tap_card, surfaces, title)
    else:
        act(lab, messaging.hide_card, surfaces, title)
