"""Steps the business use cases (`features/use_cases/`) need beyond the channel steps: a person walking into a
geofence or a beacon zone, and a link in an email that opens the app on a given screen.

- Places: the phone's location service sees the person enter or leave a region. The apps on screen evaluate their
  in-app location rules (as `When Alice enters the point of interest "..."` does), and each app's Places extension
  reports the region event to the platform as an experience event — `location.entry` or `location.exit`, with
  `poi` (the region's name), `poiType` (`geofence` or `beacon`) and the XDM `placeContext` — whether the app is on
  screen or not (geofences and beacons are monitored by the OS), so a journey can start on it
  (`entry: {type: event, event: location.entry, when: "event.poi == 'Downtown store'"}`).
- App links from an email: the mail app follows the link through the sender's tracked redirect (the click is
  counted), and the redirect ends on the app's deep link (`shop://profile`), which the OS hands to the app: the app
  comes to the foreground on that screen, launched first if it was not on screen (a launch: its session, its
  in-app rules fetched).
"""

from __future__ import annotations

from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import APP, NAME
from harness.steps.email import SUBJECT, mailbox
from harness.steps.inbound import act, look
from simulator.devices.mailbox import MailboxError
from simulator.devices.phone import AppState

#: Region kinds as steps write them, English and French, to the `poiType` the event carries.
REGION_KINDS = {
    "geofence": "geofence", "beacon zone": "beacon",
    "la zone géorepérée": "geofence", "la zone de la balise": "beacon",
}  # fmt: skip
ENTERING = ("walks into", "entre dans")


def region_event(poi: str, kind: str, entering: bool) -> tuple[str, dict[str, Any]]:
    """The experience event an app's Places extension sends for a region event: its type and data."""
    interaction: dict[str, Any] = {"poiDetail": {"name": poi, "category": kind}}
    interaction["poiEntries" if entering else "poiExits"] = {"value": 1}
    data = {"poi": poi, "poiType": kind, "placeContext": {"POIinteraction": interaction}}
    return ("location.entry" if entering else "location.exit"), data


@step(
    "when",
    en=rf'{NAME} (?P<move>walks into|walks out of) the (?P<kind>geofence|beacon zone) "(?P<poi>[^"]+)"',
    fr=rf'{NAME} (?P<move>entre dans|sort de) (?P<kind>la zone géorepérée|la zone de la balise) "(?P<poi>[^"]+)"',
    example='When Alice walks into the geofence "Downtown store"',
    exemple='Quand Alice entre dans la zone géorepérée "Magasin du centre"',
)
def walks_into_region(lab: Lab, name: str, move: str, kind: str, poi: str) -> None:
    """The phone enters (or leaves) a geofence or beacon zone, and its apps report it to the platform.

    The apps on screen evaluate their in-app location rules; every app sends `location.entry` (or `location.exit`)
    with `poi` and `poiType`, on screen or not; then the stack settles."""
    person = lab.person(name)
    if not person.phones:
        raise ScenarioError(f"{name} has no phone in this scenario")
    entering = move in ENTERING
    region = REGION_KINDS[kind]
    event_type, data = region_event(poi, region, entering)
    for phone in person.phones:
        look(lab, phone)
        act(lab, phone.messaging.enter_poi if entering else phone.messaging.exit_poi, poi)
        for app_id in list(phone.apps):
            messaging = phone.messaging.app(app_id)
            act(lab, messaging.send_event, event_type, data)
        what = f"{'entered' if entering else 'left'} the {region} {poi!r}"
        lab.note(name, phone, what, channel="location")


@step(
    "when",
    en=rf'{NAME} follows "(?P<link>[^"]+)" in the email {SUBJECT} into the {APP} app',
    fr=rf'{NAME} suit "(?P<link>[^"]+)" dans l\'email {SUBJECT} jusque dans l\'application {APP}',
    example='When Alice follows "Finish my profile" in the email "One minute to go" into the "Shop" app',
    exemple='Quand Alice suit "Finir mon profil" dans l\'email "Plus qu\'une minute" jusque dans l\'application "Shop"',
)
def follows_email_app_link(lab: Lab, name: str, link: str, subject: str, app: str) -> None:
    """Tap an email link that leads into the app: the click is counted and the app opens on that screen.

    The mail app follows the sender's tracked redirect; the deep link it ends on opens the app (launched first when
    it was not on screen) on that screen. A link that ends on a web page fails the step."""
    phone = lab.phone(name)
    app_id = lab.app_id(app)
    if app_id not in phone.apps:
        raise ScenarioError(f"{name}'s {phone.name} has no {app!r} app installed to open the link")
    try:
        result = lab.run(mailbox(phone).click, link, subject)
    except MailboxError as error:  # it says what the inbox and the email hold
        raise ScenarioError(str(error)) from None
    if result.status != 0 or result.url.startswith(("http://", "https://")):
        raise AssertionError(
            f"expected the link {link!r} of {subject!r} to lead into the {app!r} app; it opened the web page "
            f"{result.url!r} (status {result.status})"
        )
    if phone.browser and phone.browser[-1] == result.url:
        phone.browser.pop()  # the browser handed the deep link to the app: it does not stay open on it
    installed = phone.app(app_id)
    if installed.state is not AppState.FOREGROUND:
        look(lab, phone)
        act(lab, phone.launch, app_id)
    installed.screen = result.url
    lab.note(name, phone, f"followed {link!r} in {subject!r} into {app} at {result.url}", channel="email")
    lab.settle()
