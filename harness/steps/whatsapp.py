"""Steps about WhatsApp: the business number and its templates, campaigns, what a person's chat shows, replies."""

from __future__ import annotations

import re
from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.campaigns import _CATEGORIES
from harness.steps.common import CAMPAIGN, NAME
from harness.steps.sms import wait_for
from simulator.devices.delivery import MessageChannel
from simulator.devices.phone import Phone
from simulator.platform.channels.whatsapp import provision_whatsapp

BUSINESS = "+15550100100"


def _chats(phone: Phone) -> Any:
    return phone.inbox(MessageChannel.WHATSAPP)


def _business(lab: Lab) -> str:
    config = lab.extras.get("whatsapp")
    if config is None:
        raise ScenarioError('no WhatsApp business yet: add "Given the WhatsApp business number "+15550100100""')
    return str(lab.extras.get("whatsapp_number", BUSINESS))


def _shown(phone: Phone, business: str) -> str:
    chats = _chats(phone)
    try:
        chat = chats.chat(business)
    except Exception:  # the app says which chats it has
        return "no chat with the business"
    return "; ".join(m.describe() for m in chat.messages) or "an empty chat"


def _template(row: dict[str, str]) -> dict[str, Any]:
    body = row.get("body", "")
    components: list[dict[str, Any]] = [{"type": "BODY", "text": body}]
    buttons = [b.strip() for b in row.get("buttons", "").split(",") if b.strip()]
    if buttons:
        components.append({"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": b} for b in buttons]})
    return {
        "name": row["name"], "language": row.get("language", "en_US"), "category": row.get("category", "MARKETING"),
        "status": row.get("status", "APPROVED"), "components": components,
    }  # fmt: skip


@step(
    "given",
    en=r'the WhatsApp business number "(?P<number>\+\d{6,15})"(?P<with> with the templates)?\s*:?',
    fr=r'le numéro WhatsApp Business "(?P<number>\+\d{6,15})"(?P<with> avec les modèles)?\s*:?',
    example='Given the WhatsApp business number "+15550100100" with the templates:\n'
    "  | name        | category  | status   | body                          | buttons             |\n"
    "  | spring_sale | MARKETING | APPROVED | Hello {{1}}! Spring sale today | Yes please, No thanks |",
    exemple='Soit le numéro WhatsApp Business "+15550100100" avec les modèles :\n'
    "  | name  | category  | status   | body             | buttons  |\n"
    "  | promo | MARKETING | APPROVED | Bonjour {{1}} !  | Oui, Non |",
)
def whatsapp_business(lab: Lab, number: str, datatable: list[list[str]] | None = None, **_: Any) -> None:
    """A WhatsApp business (its webhook verified by the platform) and its message templates."""
    templates = []
    if datatable:
        header = [h.strip().lower() for h in datatable[0]]
        templates = [_template(dict(zip(header, (c.strip() for c in row), strict=True))) for row in datatable[1:]]
    config = lab.run(lambda: provision_whatsapp(lab.client, lab.sandbox, templates, display_phone_number=number))
    lab.extras["whatsapp"] = config
    lab.extras["whatsapp_number"] = number


@step(
    "given",
    en=rf"an? (?P<category>marketing|transactional) WhatsApp campaign {CAMPAIGN}\s*:?",
    fr=rf"une campagne WhatsApp (?P<category>marketing|transactionnelle) {CAMPAIGN}\s*:?",
    example='Given a marketing WhatsApp campaign "Spring":\n  | template   | spring_sale |\n  | parameters | Alice       |',
    exemple='Soit une campagne WhatsApp marketing "Printemps" :\n  | template   | promo |\n  | parameters | Alice |',
)
def whatsapp_campaign(lab: Lab, category: str, campaign: str, datatable: list[list[str]]) -> None:
    """A WhatsApp campaign: free `text`, or a `template` with `parameters` (comma-separated, may personalise)."""
    _business(lab)
    fields = {row[0].strip().lower(): row[1].strip() for row in datatable}
    message: dict[str, Any]
    if "text" in fields:
        message = {"text": fields["text"]}
    elif "template" in fields:
        parameters = [p.strip() for p in fields.get("parameters", "").split(",") if p.strip()]
        message = {"template": {"name": fields["template"], "language": fields.get("language", "en_US"),
                                "parameters": parameters}}  # fmt: skip
    else:
        raise ScenarioError("a WhatsApp campaign table gives text, or template (with parameters)")
    body = {"name": campaign, "channel": "whatsapp", "category": _CATEGORIES[category], "message": message}
    lab.campaigns[campaign] = lab.call("core", "POST", "/campaigns", body)["id"]


@step(
    "then",
    en=rf'{NAME} receives a WhatsApp message "(?P<text>[^"]+)"',
    fr=rf'{NAME} reçoit un message WhatsApp "(?P<text>[^"]+)"',
    example='Then Alice receives a WhatsApp message "Hello Alice! Spring sale today"',
    exemple='Alors Alice reçoit un message WhatsApp "Bonjour Alice !"',
)
def receives_whatsapp(lab: Lab, name: str, text: str) -> None:
    """The person's chat with the business shows a message containing this text."""
    phone, business = lab.phone(name), _business(lab)

    def found() -> bool:
        try:
            return any(text in m.text for m in _chats(phone).chat(business).received())
        except Exception:  # no chat yet
            return False

    if not wait_for(lab, found):
        raise AssertionError(
            f"expected {name} to receive {text!r} on WhatsApp; the chat shows: {_shown(phone, business)}"
        )
    lab.note(name, phone, f"WhatsApp {text!r}", kind="received", channel="whatsapp")


@step(
    "then",
    en=rf"{NAME} receives no WhatsApp message",
    fr=rf"{NAME} ne reçoit aucun message WhatsApp",
    example="Then Alice receives no WhatsApp message",
    exemple="Alors Alice ne reçoit aucun message WhatsApp",
)
def receives_no_whatsapp(lab: Lab, name: str) -> None:
    """Nothing from the business reached the person's WhatsApp."""
    phone, business = lab.phone(name), _business(lab)
    wait_for(lab, lambda: False, seconds=3)
    shown = _shown(phone, business)
    if shown not in ("no chat with the business", "an empty chat"):
        received = _chats(phone).chat(business).received()
        if received:
            raise AssertionError(f"expected no WhatsApp message for {name}; the chat shows: {shown}")


@step(
    "when",
    en=rf'{NAME} writes "(?P<text>[^"]+)" on WhatsApp',
    fr=rf'{NAME} écrit "(?P<text>[^"]+)" sur WhatsApp',
    example='When Alice writes "Where is my order?" on WhatsApp',
    exemple='Quand Alice écrit "Où est ma commande ?" sur WhatsApp',
)
def writes(lab: Lab, name: str, text: str) -> None:
    """The person writes to the business (this opens the 24-hour window)."""
    phone = lab.phone(name)
    lab.run(_chats(phone).send_text, _business(lab), text)
    lab.note(name, phone, f"wrote {text!r}", channel="whatsapp")
    lab.settle()


@step(
    "when",
    en=rf'{NAME} taps "(?P<label>[^"]+)" in the WhatsApp chat',
    fr=rf'{NAME} touche "(?P<label>[^"]+)" dans la conversation WhatsApp',
    example='When Alice taps "Yes please" in the WhatsApp chat',
    exemple='Quand Alice touche "Oui" dans la conversation WhatsApp',
)
def taps_whatsapp_button(lab: Lab, name: str, label: str) -> None:
    """Tap a quick-reply or reply button of the latest message that offers it."""
    phone = lab.phone(name)
    lab.run(_chats(phone).tap_button, _business(lab), label)
    lab.note(name, phone, f"tapped {label!r}", channel="whatsapp")
    lab.settle()


@step(
    "then",
    en=rf"the WhatsApp message of {CAMPAIGN} to {NAME} (?P<how>failed|bounced) with (?P<code>\d+)",
    fr=rf"le message WhatsApp de {CAMPAIGN} pour {NAME} a (?P<how>échoué|rebondi) avec (?P<code>\d+)",
    example='Then the WhatsApp message of "Spring" to Alice failed with 131047',
    exemple='Alors le message WhatsApp de "Printemps" pour Alice a échoué avec 131047',
)
def whatsapp_failed(lab: Lab, campaign: str, name: str, how: str, code: str) -> None:
    """The platform recorded the message as failed (or bounced) with Meta's error code."""
    lab.settle()
    wanted = "bounced" if how in ("bounced", "rebondi") else "failed"
    records = lab.call("core", "GET", f"/profiles/{lab.person(name).profile_id}/messages")["messages"]
    mine = [r for r in records if r["source"] == lab.campaign_id(campaign)]
    if not any(
        r["outcome"] == wanted and re.search(rf"\b{code}\b", f"{r['reason']} {r.get('detail', '')}") for r in mine
    ):
        seen = [f"{r['outcome']} {r['reason'] or ''}" for r in mine] or ["nothing"]
        raise AssertionError(f"expected {campaign!r} {wanted} for {name} with {code}; recorded: {', '.join(seen)}")
