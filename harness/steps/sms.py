"""Steps about SMS, MMS and RCS: the sender number, campaigns, what a person's messages app shows, and replies.

A text takes a few seconds to reach a handset (queued → sending → sent → delivered on the carrier's clock), so the
steps that look at a phone's messages let up to `CARRIER_SECONDS` of virtual time pass while they wait.
"""

from __future__ import annotations

from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.campaigns import _CATEGORIES
from harness.steps.common import CAMPAIGN, NAME
from simulator.devices.delivery import MessageChannel
from simulator.devices.phone import Phone
from simulator.gateways.twilio.provision import provision_sms

CARRIER_SECONDS = 10
NUMBER = r'"(?P<number>\+\d{6,15})"'


def _config(lab: Lab) -> dict[str, Any]:
    found = lab.extras.get("sms")
    if found is None:
        raise ScenarioError('no SMS sender yet: add "Given the SMS sender number "+15550100001""')
    return dict(found)


def wait_for(lab: Lab, check: Any, seconds: int = CARRIER_SECONDS) -> bool:
    """Let up to `seconds` of virtual time pass, a second at a time, until `check()` holds."""
    lab.settle()
    for _ in range(seconds):
        if check():
            return True
        lab.run(lab.client.advance, lab.sandbox, 1)
    return bool(check())


def threads(phone: Phone) -> Any:
    """The phone's messages app."""
    return phone.inbox(MessageChannel.SMS)


def _shown(phone: Phone) -> str:
    app = threads(phone)
    texts = [f"from {t.sender}: {m.describe()}" for t in app.threads for m in t.messages]
    return "; ".join(texts) or "no message"


@step(
    "given",
    en=rf"the SMS sender number {NUMBER}(?P<rcs> with the RCS agent \"(?P<agent>[^\"]+)\")?",
    fr=rf"le numéro d'envoi SMS {NUMBER}(?P<rcs> avec l'agent RCS \"(?P<agent>[^\"]+)\")?",
    example='Given the SMS sender number "+15550100001"',
    exemple='Soit le numéro d\'envoi SMS "+15550100001"',
)
def sms_sender(lab: Lab, number: str, rcs: str | None = None, agent: str | None = None) -> None:
    """A Twilio account with this number (and an RCS agent), configured as the platform's SMS channel."""
    config = lab.run(lambda: provision_sms(lab.client, lab.sandbox, number=number, rcs_agent=agent))
    lab.extras["sms"] = config


@step(
    "given",
    en=rf"{NAME}'s phone (?P<can>supports|does not support) RCS",
    fr=rf"le téléphone d(?:'|e ){NAME} (?P<can>prend en charge|ne prend pas en charge) RCS",
    example="Given Alice's phone supports RCS",
    exemple="Soit le téléphone d'Alice prend en charge RCS",
)
def rcs_capable(lab: Lab, name: str, can: str) -> None:
    """Declare whether the person's handset takes RCS (otherwise RCS falls back to SMS/MMS)."""
    person = lab.person(name)
    body = {"sandbox": lab.sandbox, "phone_number": person.phone_number, "rcs": can in ("supports", "prend en charge")}
    lab.call("twilio", "POST", "/_sim/subscribers", body)


@step(
    "given",
    en=rf"an? (?P<category>marketing|transactional) (?P<kind>SMS|MMS|RCS) campaign {CAMPAIGN}\s*:?",
    fr=rf"une campagne (?P<kind>SMS|MMS|RCS) (?P<category>marketing|transactionnelle) {CAMPAIGN}\s*:?",
    example='Given a marketing SMS campaign "Flash sale":\n  | body | Hi {{ profile.firstName }}, 20% off today |',
    exemple='Soit une campagne SMS marketing "Vente flash" :\n  | texte | Bonjour {{ profile.firstName }}, -20 % |',
)
def sms_campaign(lab: Lab, category: str, kind: str, campaign: str, datatable: list[list[str]]) -> None:
    """An SMS/MMS/RCS campaign; the table gives body, media (URLs, or `image` for a hosted test image), card
    title/description, and suggestions ("Yes, No")."""
    _config(lab)
    message: dict[str, Any] = {"kind": kind.lower()}
    card: dict[str, str] = {}
    for row in datatable:
        field, value = row[0].strip().lower(), row[1].strip()
        if field in ("body", "texte"):
            message["body"] = value
        elif field in ("media", "image"):
            message.setdefault("media", []).append(_media(lab, value))
        elif field in ("card title", "titre de la carte"):
            card["title"] = value
        elif field in ("card description", "description de la carte"):
            card["description"] = value
        elif field in ("suggestions",):
            message["suggestions"] = [{"label": s.strip(), "type": "reply"} for s in value.split(",") if s.strip()]
        else:
            raise ScenarioError(
                f"unknown SMS field {row[0]!r}; use body, media, card title, card description, suggestions"
            )
    if card:
        message["card"] = {"title": card.get("title", ""), "description": card.get("description", "")}
        message["messagingService"] = True
    body = {"name": campaign, "channel": "sms", "category": _CATEGORIES[category], "message": message}
    created = lab.call("core", "POST", "/campaigns", body)
    lab.campaigns[campaign] = created["id"]


def _media(lab: Lab, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    content_type = "image/png" if value.endswith(".png") else "image/jpeg"
    hosted = lab.call("twilio", "POST", "/_sim/media", {"content_type": content_type, "size": 48_000})
    return str(hosted["url"])


@step(
    "then",
    en=rf'{NAME} receives an? (?P<kind>SMS|MMS|RCS card|text) "(?P<text>[^"]+)"(?: from {NUMBER})?',
    fr=rf'{NAME} reçoit un (?P<kind>SMS|MMS|carte RCS|texte) "(?P<text>[^"]+)"(?: de {NUMBER})?',
    example='Then Alice receives an SMS "Hi Alice, 20% off today" from "+15550100001"',
    exemple='Alors Alice reçoit un SMS "Bonjour Alice, -20 %" de "+15550100001"',
)
def receives(lab: Lab, name: str, kind: str, text: str, number: str | None = None) -> None:
    """The person's messages app shows this text (or card title), on the channel it says, within a few seconds."""
    phone = lab.phone(name)
    wanted = {"SMS": MessageChannel.SMS, "MMS": MessageChannel.MMS, "RCS card": MessageChannel.RCS,
              "carte RCS": MessageChannel.RCS}.get(kind)  # fmt: skip

    def found() -> bool:
        for thread in threads(phone).threads:
            if number and thread.sender != number:
                continue
            for message in thread.incoming:
                title = (message.card or {}).get("title", "")
                matches = text in (message.body, title) or text in message.body
                if matches and (wanted is None or message.channel is wanted):
                    return True
        return False

    if not wait_for(lab, found):
        raise AssertionError(f"expected {name} to receive {kind} {text!r}; {phone.name} shows: {_shown(phone)}")
    lab.note(name, phone, f"{kind} {text!r}", kind="received", channel="sms")


@step(
    "then",
    en=rf"{NAME} receives no (?:SMS|text)",
    fr=rf"{NAME} ne reçoit aucun (?:SMS|texte)",
    example="Then Alice receives no SMS",
    exemple="Alors Alice ne reçoit aucun SMS",
)
def receives_none(lab: Lab, name: str) -> None:
    """Nothing arrives in the person's messages app, even after the carrier's few seconds."""
    phone = lab.phone(name)
    wait_for(lab, lambda: False)
    incoming = [m for t in threads(phone).threads for m in t.incoming]
    if incoming:
        raise AssertionError(f"expected no text on {phone.name}; it shows: {_shown(phone)}")


@step(
    "when",
    en=rf'{NAME} replies "(?P<text>[^"]+)"(?: to {NUMBER})?',
    fr=rf'{NAME} répond "(?P<text>[^"]+)"(?: au {NUMBER})?',
    example='When Alice replies "STOP" to "+15550100001"',
    exemple='Quand Alice répond "STOP" au "+15550100001"',
)
def replies(lab: Lab, name: str, text: str, number: str | None = None) -> None:
    """The person texts back (STOP, START, HELP, YES...), then the carrier's few seconds pass."""
    phone = lab.phone(name)
    sender = number or _config(lab)["numbers"][0]
    lab.run(threads(phone).reply, sender, text)
    lab.note(name, phone, f"replied {text!r}", channel="sms")
    lab.run(lab.client.advance, lab.sandbox, CARRIER_SECONDS)


@step(
    "when",
    en=rf'{NAME} taps the suggestion "(?P<label>[^"]+)"',
    fr=rf'{NAME} touche la suggestion "(?P<label>[^"]+)"',
    example='When Alice taps the suggestion "Yes"',
    exemple='Quand Alice touche la suggestion "Oui"',
)
def taps_suggestion(lab: Lab, name: str, label: str) -> None:
    """Tap an RCS suggested reply in the latest conversation."""
    phone = lab.phone(name)
    app = threads(phone)
    offering = [t for t in app.threads if any(s.get("label") == label for m in t.incoming for s in m.suggestions)]
    if not offering:
        raise ScenarioError(f"no message on {phone.name} offers the suggestion {label!r}; it shows: {_shown(phone)}")
    lab.run(app.tap_suggestion, offering[-1].sender, label)
    lab.note(name, phone, f"tapped {label!r}", channel="rcs")
    lab.run(lab.client.advance, lab.sandbox, CARRIER_SECONDS)


@step(
    "then",
    en=rf"the (?P<kind>SMS|text) to {NAME} was sent in (?P<count>\d+) segments?",
    fr=rf"le (?P<kind>SMS|texte) pour {NAME} a été envoyé en (?P<count>\d+) segments?",
    example="Then the SMS to Alice was sent in 2 segments",
    exemple="Alors le SMS pour Alice a été envoyé en 2 segments",
)
def segments(lab: Lab, kind: str, name: str, count: str) -> None:
    """The gateway's record of the latest message to the person: its segment count."""
    lab.settle()
    person = lab.person(name)
    query = f"/_sim/messages?to={person.phone_number.replace('+', '%2B')}&direction=outbound-api"
    found = lab.call("twilio", "GET", query)
    messages = found.get("messages", found) if isinstance(found, dict) else found
    if not messages:
        raise AssertionError(f"the SMS gateway sent nothing to {name}")
    latest = messages[-1]
    if int(latest["num_segments"]) != int(count):
        raise AssertionError(f"expected {count} segment(s); the SMS {latest['body']!r} took {latest['num_segments']}")


@step(
    "then",
    en=rf"the report of {CAMPAIGN} shows (?P<count>\d+) delivered as (?P<via>SMS|MMS|RCS)",
    fr=rf"le rapport de {CAMPAIGN} indique (?P<count>\d+) remis? en (?P<via>SMS|MMS|RCS)",
    example='Then the report of "Rooftop" shows 1 delivered as SMS',
    exemple='Alors le rapport de "Rooftop" indique 1 remis en SMS',
)
def delivered_as(lab: Lab, campaign: str, count: str, via: str) -> None:
    """Which channel the carrier actually used (an RCS message falls back to SMS/MMS on a phone without RCS)."""
    wait_for(lab, lambda: False, seconds=3)
    report = lab.call("core", "GET", f"/campaigns/{lab.campaign_id(campaign)}/report")
    actual = report.get("deliveredVia", {}).get(via.lower(), 0)
    if actual != int(count):
        raise AssertionError(f"expected {count} delivered as {via}; the report says {report.get('deliveredVia')}")
