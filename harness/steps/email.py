"""Steps about email: the sender, campaigns, what a person's mailbox shows, opening, clicking, unsubscribing,
and bounces."""

from __future__ import annotations

from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.campaigns import _CATEGORIES
from harness.steps.common import CAMPAIGN, NAME
from simulator.devices.delivery import MessageChannel
from simulator.devices.phone import Phone
from simulator.platform.email_api import provision_email

SUBJECT = r'"(?P<subject>[^"]+)"'


def mailbox(phone: Phone) -> Any:
    """The phone's mail app."""
    return phone.inbox(MessageChannel.EMAIL)


def _shown(phone: Phone) -> str:
    box = mailbox(phone)
    return "; ".join(e.describe() for e in box.emails) or "an empty inbox"


@step(
    "given",
    en=r'the email sender "(?P<address>[^"@]+@(?P<domain>[^"]+))"',
    fr=r'l\'expéditeur email "(?P<address>[^"@]+@(?P<domain>[^"]+))"',
    example='Given the email sender "news@acme.test"',
    exemple='Soit l\'expéditeur email "news@acme.test"',
)
def email_sender(lab: Lab, address: str, domain: str) -> None:
    """Configure the sandbox's email sender (its domain receives the bounce notices)."""
    config = lab.run(lambda: provision_email(lab.client, lab.sandbox, domain=domain, from_address=address))
    lab.extras["email"] = config


@step(
    "given",
    en=rf"an? (?P<category>marketing|transactional) email campaign {CAMPAIGN}\s*:?",
    fr=rf"une campagne email (?P<category>marketing|transactionnelle) {CAMPAIGN}\s*:?",
    example='Given a marketing email campaign "Spring":\n  | subject | Spring is here |\n'
    '  | html    | <p>Hi {{ profile.firstName }}, <a href="https://shop.acme.test/spring">see the collection</a></p> |',
    exemple='Soit une campagne email marketing "Printemps" :\n  | sujet | Le printemps est là |\n'
    '  | html  | <p><a href="https://shop.acme.test/printemps">la collection</a></p> |',
)
def email_campaign(lab: Lab, category: str, campaign: str, datatable: list[list[str]]) -> None:
    """An email campaign: subject, html and/or text (personalisation allowed)."""
    if "email" not in lab.extras:
        raise ScenarioError('no email sender yet: add "Given the email sender "news@acme.test""')
    names = {"subject": "subject", "sujet": "subject", "html": "html", "text": "text", "texte": "text"}
    message: dict[str, Any] = {}
    for row in datatable:
        key = names.get(row[0].strip().lower())
        if key is None:
            raise ScenarioError(f"unknown email field {row[0]!r}; use subject, html, text")
        message[key] = row[1].strip()
    body = {"name": campaign, "channel": "email", "category": _CATEGORIES[category], "message": message}
    lab.campaigns[campaign] = lab.call("core", "POST", "/campaigns", body)["id"]


@step(
    "then",
    en=rf"{NAME} receives an email {SUBJECT}",
    fr=rf"{NAME} reçoit un email {SUBJECT}",
    example='Then Alice receives an email "Spring is here"',
    exemple='Alors Alice reçoit un email "Le printemps est là"',
)
def receives_email(lab: Lab, name: str, subject: str) -> None:
    """The person's inbox holds an email with this subject."""
    lab.settle()
    phone = lab.phone(name)
    if not any(e.subject == subject for e in mailbox(phone).emails):
        raise AssertionError(f"expected an email {subject!r} for {name}; the inbox shows: {_shown(phone)}")
    lab.note(name, phone, f"email {subject!r}", kind="received", channel="email")


@step(
    "then",
    en=rf"{NAME} receives no email",
    fr=rf"{NAME} ne reçoit aucun email",
    example="Then Alice receives no email",
    exemple="Alors Alice ne reçoit aucun email",
)
def receives_no_email(lab: Lab, name: str) -> None:
    """The person's inbox is empty."""
    lab.settle()
    phone = lab.phone(name)
    if mailbox(phone).emails:
        raise AssertionError(f"expected no email for {name}; the inbox shows: {_shown(phone)}")


@step(
    "when",
    en=rf"{NAME} opens the email {SUBJECT}",
    fr=rf"{NAME} ouvre l'email {SUBJECT}",
    example='When Alice opens the email "Spring is here"',
    exemple='Quand Alice ouvre l\'email "Le printemps est là"',
)
def opens_email(lab: Lab, name: str, subject: str) -> None:
    """The mail app shows the email and loads its images (the tracking pixel counts an open)."""
    phone = lab.phone(name)
    lab.run(mailbox(phone).open, subject)
    lab.note(name, phone, f"opened {subject!r}", channel="email")
    lab.settle()


@step(
    "when",
    en=rf'{NAME} clicks "(?P<link>[^"]+)" in the email {SUBJECT}',
    fr=rf'{NAME} clique sur "(?P<link>[^"]+)" dans l\'email {SUBJECT}',
    example='When Alice clicks "see the collection" in the email "Spring is here"',
    exemple='Quand Alice clique sur "la collection" dans l\'email "Le printemps est là"',
)
def clicks_email_link(lab: Lab, name: str, link: str, subject: str) -> None:
    """Follow a link (the platform's tracked redirect counts the click and sends the browser on)."""
    phone = lab.phone(name)
    result = lab.run(mailbox(phone).click, link, subject)
    phone.browser.append(result.url)
    lab.note(name, phone, f"clicked {link!r}", channel="email")
    lab.settle()


@step(
    "when",
    en=rf"{NAME} unsubscribes from the email {SUBJECT}",
    fr=rf"{NAME} se désabonne de l'email {SUBJECT}",
    example='When Alice unsubscribes from the email "Spring is here"',
    exemple='Quand Alice se désabonne de l\'email "Le printemps est là"',
)
def unsubscribes(lab: Lab, name: str, subject: str) -> None:
    """One-click unsubscribe (List-Unsubscribe-Post): marketing email consent becomes `n` at once."""
    phone = lab.phone(name)
    lab.run(mailbox(phone).unsubscribe, subject)
    lab.note(name, phone, f"unsubscribed from {subject!r}", channel="email")
    lab.settle()


@step(
    "given",
    en=rf"{NAME}'s mailbox (?P<kind>bounces|is full)",
    fr=rf"la boîte mail d(?:'|e ){NAME} (?P<kind>rejette tout|est pleine)",
    example="Given Alice's mailbox bounces",
    exemple="Soit la boîte mail d'Alice rejette tout",
)
def mailbox_bounces(lab: Lab, name: str, kind: str) -> None:
    """Mail to the person's address bounces: hard (550 5.1.1 user unknown) or soft (452 4.2.2 mailbox full)."""
    person = lab.person(name)
    hard = kind in ("bounces", "rejette tout")
    lab.call("smtp_http", "POST", "/_sim/bounces", {"address": person.email, "kind": "hard" if hard else "soft"})
