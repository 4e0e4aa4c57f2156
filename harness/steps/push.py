"""Steps about what a person sees and does with push notifications."""

from __future__ import annotations

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import APP, MODEL, NAME
from simulator.devices.notifications import Notification
from simulator.devices.phone import Phone

_ON = rf"(?: on (?:their|her|his) {MODEL})?"
_SUR = r"(?: sur son (?P<model>iPhone|téléphone Android|iPad))?"


def _model(model: str | None) -> str | None:
    return {"téléphone android": "Android phone"}.get(model.casefold(), model) if model else None


def _shown(phone: Phone) -> str:
    banners = phone.banners()
    if not banners:
        silenced = phone.silenced
        extra = f" ({len(silenced)} received but not shown: {silenced[-1].why})" if silenced else ""
        return "no notification" + extra
    return ", ".join(n.describe() for n in banners)


def _find(lab: Lab, name: str, title: str, model: str | None) -> tuple[Phone, Notification]:
    lab.settle()
    phone = lab.phone(name, _model(model))
    for notification in phone.banners():
        if title in (notification.title, notification.body):
            return phone, notification
    raise AssertionError(f"expected a notification {title!r} on {phone.name}; it shows: {_shown(phone)}")


@step(
    "then",
    en=rf'{NAME} sees the notification "(?P<title>[^"]+)"{_ON}(?: saying "(?P<body>[^"]+)")?',
    fr=rf'{NAME} voit la notification "(?P<title>[^"]+)"{_SUR}(?: qui dit "(?P<body>[^"]+)")?',
    example='Then Alice sees the notification "Summer sale" saying "15% off today"',
    exemple='Alors Alice voit la notification "Soldes" qui dit "-15 % aujourd\'hui"',
)
def sees_notification(lab: Lab, name: str, title: str, model: str | None = None, body: str | None = None) -> None:
    """The phone's notification centre shows a banner with this title (and body)."""
    phone, notification = _find(lab, name, title, model)
    if body is not None and notification.body != body:
        raise AssertionError(f"the notification {title!r} on {phone.name} says {notification.body!r}, not {body!r}")


@step(
    "then",
    en=rf"{NAME} sees (?P<count>no|\d+) notifications?{_ON}",
    fr=rf"{NAME} voit (?P<count>aucune|\d+) notifications?{_SUR}",
    example="Then Alice sees no notification",
    exemple="Alors Alice voit aucune notification",
)
def sees_count(lab: Lab, name: str, count: str, model: str | None = None) -> None:
    """How many banners the phone shows."""
    lab.settle()
    phone = lab.phone(name, _model(model))
    expected = 0 if count in ("no", "aucune") else int(count)
    if len(phone.banners()) != expected:
        raise AssertionError(f"expected {expected} notification(s) on {phone.name}; it shows: {_shown(phone)}")


@step(
    "then",
    en=rf'{NAME}\'s (?:phone|{MODEL}) received "(?P<title>[^"]+)" without showing it',
    fr=rf'le téléphone d(?:\'|e ){NAME} a reçu "(?P<title>[^"]+)" sans l\'afficher',
    example='Then Alice\'s phone received "Summer sale" without showing it',
    exemple="Alors le téléphone d'Alice a reçu \"Soldes\" sans l'afficher",
)
def received_not_shown(lab: Lab, name: str, title: str, model: str | None = None) -> None:
    """The notification reached the phone but the OS did not display it (permission denied...)."""
    lab.settle()
    phone = lab.phone(name, _model(model))
    for received in phone.silenced:
        if title in str(received.delivery.payload):
            if any(n.message_id == received.delivery.message_id for n in phone.banners()):
                break
            return
    raise AssertionError(
        f"expected {phone.name} to have received {title!r} without showing it; shown: {_shown(phone)}; "
        f"received but not shown: {[r.why for r in phone.silenced] or 'nothing'}"
    )


@step(
    "when",
    en=rf'{NAME} taps (?:"(?P<button>[^"]+)" on )?the notification "(?P<title>[^"]+)"{_ON}',
    fr=rf'{NAME} touche (?:"(?P<button>[^"]+)" sur )?la notification "(?P<title>[^"]+)"{_SUR}',
    example='When Alice taps "Buy now" on the notification "Summer sale"',
    exemple='Quand Alice touche "Acheter" sur la notification "Soldes"',
)
def taps(lab: Lab, name: str, title: str, button: str | None = None, model: str | None = None) -> None:
    """Tap the banner, or one of its buttons: the app opens on the link and the SDK tracks it."""
    phone, notification = _find(lab, name, title, model)
    shown = ": ".join(part for part in (notification.title, notification.body) if part)
    lab.note(
        name, phone, shown, kind="received", channel="push", at=notification.received_at, ref=notification.message_id
    )
    try:
        lab.run(phone.tap, notification, button)
    except Exception as error:  # a PhoneError says what is on screen
        raise ScenarioError(str(error)) from None
    lab.note(
        name, phone, f"tapped {f'“{button}” on ' if button else ''}“{notification.title or shown}”", channel="push"
    )
    lab.settle()


@step(
    "then",
    en=rf'the {APP} app is open on {NAME}\'s (?:phone|{MODEL})(?: at "(?P<link>[^"]+)")?',
    fr=rf'l\'application {APP} est ouverte sur le téléphone d(?:\'|e ){NAME}(?: sur "(?P<link>[^"]+)")?',
    example='Then the "Shop" app is open on Alice\'s phone at "shop://sale"',
    exemple='Alors l\'application "Shop" est ouverte sur le téléphone d\'Alice sur "shop://sale"',
)
def app_open(lab: Lab, app: str, name: str, link: str | None = None, model: str | None = None) -> None:
    """The app is in the foreground (on the deep-linked screen)."""
    phone = lab.phone(name, model)
    installed = phone.app(lab.app_id(app))
    if installed.state.value != "foreground":
        raise AssertionError(f"expected {app!r} open on {phone.name}; it is {installed.state.value}")
    if link is not None and installed.screen != link:
        raise AssertionError(f"expected {app!r} on {link!r} on {phone.name}; it shows {installed.screen!r}")


@step(
    "then",
    en=rf'{NAME}\'s browser opens "(?P<url>[^"]+)"',
    fr=rf'le navigateur d(?:\'|e ){NAME} ouvre "(?P<url>[^"]+)"',
    example='Then Alice\'s browser opens "https://shop.example/sale"',
    exemple='Alors le navigateur d\'Alice ouvre "https://shop.example/sale"',
)
def browser_opens(lab: Lab, name: str, url: str) -> None:
    """A web-URL click opened the browser on this address."""
    person = lab.person(name)
    opened = [u for phone in person.phones for u in phone.browser]
    if url not in opened:
        raise AssertionError(f"expected {name}'s browser on {url!r}; it opened: {opened or 'nothing'}")


@step(
    "then",
    en=rf"the push token of {NAME}\'s {MODEL} for the {APP} app is denylisted",
    fr=rf"le jeton push de l\'(?P<model>iPhone|téléphone Android) d(?:\'|e ){NAME} pour l\'application {APP} est sur liste noire",
    example='Then the push token of Alice\'s iPhone for the "Shop" app is denylisted',
    exemple="Alors le jeton push de l'iPhone d'Alice pour l'application \"Shop\" est sur liste noire",
)
def token_denylisted(lab: Lab, name: str, model: str, app: str) -> None:
    """The platform marked the token as dead on the profile (after a 410 / UNREGISTERED)."""
    lab.settle()
    profile = lab.call("core", "GET", f"/profiles/{lab.person(name).profile_id}")
    app_id = lab.app_id(app)
    platforms = ("apns", "apnsSandbox") if model.casefold() in ("iphone", "ipad") else ("fcm",)
    details = [d for d in profile["pushNotificationDetails"] if d["appID"] == app_id and d["platform"] in platforms]
    if not details or not all(d["denylisted"] for d in details):
        raise AssertionError(f"expected {name}'s {model} token for {app_id} denylisted; the profile holds: {details}")
