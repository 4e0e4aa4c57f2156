"""Steps about people, their phones, their apps and their consent."""

from __future__ import annotations

from harness.catalogue import step
from harness.lab import PHONE_WORDS, Lab, Person, ScenarioError
from harness.steps.common import APP, MODEL, NAME, attributes_from_table
from simulator.devices.phone import OS, Phone


def ensure_person(lab: Lab, name: str) -> Person:
    """The person `name`, created with a profile (a seeded fake email and number) on first mention."""
    if name in lab.people:
        return lab.people[name]
    email = f"{name.lower()}.{lab.faker.user_name()}@{lab.faker.free_email_domain()}"
    number = "+1" + lab.faker.numerify("415555####")
    profile = lab.call(
        "core", "POST", "/profiles",
        {"identities": {"email": email, "phone": number}, "attributes": {"firstName": name}},
    )  # fmt: skip
    person = Person(name=name, profile_id=profile["id"], email=email, phone_number=number)
    lab.people[name] = person
    return person


def install(lab: Lab, phone: Phone, person: Person, app_id: str, *, permission: bool = True) -> None:
    """Install and launch an app, signed in as the person: the SDK registers the push token on their profile."""
    app = lab.call("core", "GET", f"/apps/{app_id}")
    sender = app["fcm"]["projectId"] if app.get("fcm") else None
    ecid = lab.run(_new_ecid, lab)
    phone.install(app_id, ecid=ecid, environment=app["environment"], permission=permission, sender=sender)
    phone.app(app_id).identities["email"] = person.email
    lab.run(phone.launch, app_id)


async def _new_ecid(lab: Lab) -> str:
    return "".join(lab.faker.random_elements("0123456789", length=38))


@step(
    "given",
    en=rf"{NAME} has an? {MODEL} with the {APP} app(?P<denied> but notifications turned off)?",
    fr=rf"{NAME} a un (?P<model>iPhone|téléphone Android|iPad) avec l'application {APP}(?P<denied> mais les notifications désactivées)?",
    example='Given Alice has an iPhone with the "Shop" app',
    exemple='Soit Alice a un iPhone avec l\'application "Shop"',
)
def has_phone_with_app(lab: Lab, name: str, model: str, app: str, denied: str | None) -> None:
    """A person with a phone on which the app is installed, launched and signed in (its push token registered)."""
    person = ensure_person(lab, name)
    os = PHONE_WORDS.get(model.casefold(), OS.ANDROID)
    phone = next((p for p in person.phones if p.os is os), None)
    if phone is None:
        phone = lab.run(
            lambda: lab.client.new_phone(
                lab.sandbox, os, name=f"{name}'s {model}", phone_number=person.phone_number, email=person.email
            )
        )
        person.phones.append(phone)
    install(lab, phone, person, lab.app_id(app), permission=denied is None)


@step(
    "given",
    en=rf"{NAME} has (?P<verb>agreed to|refused|not answered about) marketing (?P<channel>push|SMS|email|WhatsApp)",
    fr=rf"{NAME} a (?P<verb>accepté|refusé|pas répondu pour) (?:les|le) (?P<channel>push|SMS|email|WhatsApp) marketing",
    example="Given Alice has agreed to marketing push",
    exemple="Soit Alice a accepté les push marketing",
)
def marketing_consent(lab: Lab, name: str, verb: str, channel: str) -> None:
    """Set the person's marketing consent for a channel (`consents.marketing.<channel>.val`)."""
    person = ensure_person(lab, name)
    if verb in ("not answered about", "pas répondu pour"):
        return
    value = "y" if verb in ("agreed to", "accepté") else "n"
    body = {"consents": {"marketing": {channel.lower(): {"val": value}}}}
    lab.call("core", "PATCH", f"/profiles/{person.profile_id}", body)


@step(
    "when",
    en=rf"{NAME} (?:turns off|turned off) notifications for the {APP} app(?: on (?:their|her|his) {MODEL})?",
    fr=rf"{NAME} désactive les notifications de l'application {APP}",
    example='When Alice turns off notifications for the "Shop" app',
    exemple='Quand Alice désactive les notifications de l\'application "Shop"',
)
def turn_off_notifications(lab: Lab, name: str, app: str, model: str | None = None) -> None:
    """The person denies the app's notification permission in the phone's settings."""
    lab.phone(name, model).set_permission(lab.app_id(app), False)


@step(
    "when",
    en=rf"{NAME} uninstalls the {APP} app(?: from (?:their|her|his) {MODEL})?",
    fr=rf"{NAME} désinstalle l'application {APP}",
    example='When Alice uninstalls the "Shop" app',
    exemple='Quand Alice désinstalle l\'application "Shop"',
)
def uninstall(lab: Lab, name: str, app: str, model: str | None = None) -> None:
    """Remove the app: its push token stops working at the push service."""
    phone = lab.phone(name, model)
    lab.run(phone.uninstall, lab.app_id(app))


@step(
    "when",
    en=rf"{NAME} opens the {APP} app(?: on (?:their|her|his) {MODEL})?",
    fr=rf"{NAME} ouvre l'application {APP}",
    example='When Alice opens the "Shop" app',
    exemple='Quand Alice ouvre l\'application "Shop"',
)
def open_app(lab: Lab, name: str, app: str, model: str | None = None) -> None:
    """Launch the app (it refreshes its push registration)."""
    phone = lab.phone(name, model)
    lab.run(phone.launch, lab.app_id(app))


@step(
    "when",
    en=rf"{NAME}'s (?:phone|{MODEL}) (?P<state>goes offline|comes back online)",
    fr=rf"le téléphone d(?:'|e ){NAME} (?P<state>passe hors ligne|revient en ligne)",
    example="When Alice's phone goes offline",
    exemple="Quand le téléphone d'Alice passe hors ligne",
)
def connectivity(lab: Lab, name: str, state: str, model: str | None = None) -> None:
    """The phone loses or regains its connection; the push service keeps what it cannot deliver."""
    phone = lab.phone(name, model)
    lab.run(phone.go_offline if "offline" in state or "hors" in state else phone.go_online)


@step(
    "given",
    en=rf'{NAME} lives in the "(?P<zone>[^"]+)" time zone',
    fr=rf'{NAME} vit dans le fuseau horaire "(?P<zone>[^"]+)"',
    example='Given Alice lives in the "Europe/Paris" time zone',
    exemple='Soit Alice vit dans le fuseau horaire "Europe/Paris"',
)
def lives_in(lab: Lab, name: str, zone: str) -> None:
    """Set the person's time zone (the profile's `timezone` attribute)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(f"unknown time zone {zone!r}; use an IANA name such as Europe/Paris") from None
    person = ensure_person(lab, name)
    person.timezone = zone
    lab.call("core", "PATCH", f"/profiles/{person.profile_id}", {"attributes": {"timezone": zone}})


@step(
    "given",
    en=rf"{NAME}'s profile has\s*:?",
    fr=rf"le profil d(?:'|e ){NAME} contient\s*:?",
    example="Given Alice's profile has:\n  | tier       | gold |\n  | churnScore | 0.8  |",
    exemple="Soit le profil d'Alice contient :\n  | tier       | gold |\n  | churnScore | 0.8  |",
)
def profile_has(lab: Lab, name: str, datatable: list[list[str]]) -> None:
    """Set profile attributes (values read as JSON when they parse: numbers, true/false, lists)."""
    attributes = attributes_from_table(datatable)
    person = ensure_person(lab, name)
    lab.call("core", "PATCH", f"/profiles/{person.profile_id}", {"attributes": attributes})
