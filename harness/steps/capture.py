"""Steps about data capture: the platform's landing pages, filled in from a person's phone, and what they write.

A page is configured with a table (`title`, `email`, `phone`, `consents`, `fields` as `Label -> attribute`); a person
fills it in through their phone's browser (`phone.services.fetch`, a real form POST to `/lp/<page>?sandbox=<sandbox>`
on the platform), typing their own email and number unless the table says otherwise. A consent box the table does
not tick is left unticked — and the platform records an unticked box as `n`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from harness.catalogue import step
from harness.lab import Lab, Person, ScenarioError
from harness.steps.common import NAME
from simulator.devices.phone import OS, Phone

PAGE = r'"(?P<page>[^"]+)"'
#: Configuration rows, in English and French, to the page's fields.
SETTINGS = {
    "title": "title", "titre": "title", "intro": "intro", "introduction": "intro", "email": "email",
    "phone": "phone", "téléphone": "phone", "consents": "consents", "consentements": "consents",
    "fields": "custom", "champs": "custom", "button": "submit", "bouton": "submit", "thanks": "thanks",
    "remerciement": "thanks",
}  # fmt: skip
YES = {"yes", "y", "oui", "true", "ticked", "coché", "cochée", "x", "✓"}
NO = {"no", "n", "non", "false", "not ticked", "unticked", "non coché", "décoché", "décochée", ""}
CONSENT_ROW = re.compile(r"^(?:(?P<a>push|sms|email|whatsapp) consent|consentement (?P<b>push|sms|email|whatsapp))$")
EMAIL_ROWS = {"email", "e-mail", "email address", "adresse email", "courriel"}
PHONE_ROWS = {"phone", "mobile", "mobile number", "phone number", "téléphone", "portable", "numéro de téléphone"}


def _yes(value: str, what: str) -> bool:
    word = value.strip().casefold()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ScenarioError(f"{what}: write yes/ticked or no/not ticked (oui/coché, non/non coché), not {value!r}")


def page_config(datatable: list[list[str]]) -> dict[str, Any]:
    """A landing page's configuration from a two-column table."""
    config: dict[str, Any] = {}
    for row in datatable:
        if len(row) != 2:
            raise ScenarioError(f"each row of the page table has a setting and a value; got {row}")
        key = SETTINGS.get(row[0].strip().casefold())
        value = row[1].strip()
        if key is None:
            raise ScenarioError(
                f"unknown page setting {row[0]!r}; use: {', '.join(k for k in SETTINGS if k.isascii())}"
            )
        if key in ("email", "phone"):
            config[key] = _yes(value, row[0])
        elif key == "consents":
            config[key] = [part.strip().lower() for part in re.split(r",|\s+(?:and|et)\s+", value) if part.strip()]
        elif key == "custom":
            config[key] = [_custom(spec) for spec in value.split(",") if spec.strip()]
        else:
            config[key] = value
    return config


def _custom(spec: str) -> dict[str, Any]:
    """`First name -> firstName`, `Tier -> loyalty.tier`, `Age -> age (number)`, `Member -> member (checkbox)`."""
    label, _, target = (part.strip() for part in spec.partition("->"))
    kind = "text"
    typed = re.fullmatch(r"(?P<target>.+?)\s*\((?P<kind>text|number|checkbox)\)", target or label)
    if typed:
        target, kind = typed.group("target"), typed.group("kind")
    attribute = target or re.sub(r"\W+", "_", label).strip("_")
    name = re.sub(r"\W+", "_", attribute)
    return {"name": name, "label": label, "attribute": attribute, "type": kind}


@step(
    "given",
    en=rf"the landing page {PAGE} with\s*:?",
    fr=rf"la page de capture {PAGE} avec\s*:?",
    example='Given the landing page "newsletter" with:\n  | title    | Join the club |\n  | consents | push, email |\n'
    "  | fields   | First name -> firstName |",
    exemple='Soit la page de capture "newsletter" avec :\n  | titre | Rejoignez le club |\n'
    "  | consentements | push, email |\n  | champs | Prénom -> firstName |",
)
def landing_page(lab: Lab, page: str, datatable: list[list[str]]) -> None:
    """A landing page served by the platform: email (default yes), phone, consent boxes, fields mapped to attributes."""
    answer = lab.call("core", "PUT", f"/landing-pages/{page}", page_config(datatable), ok=False)
    if isinstance(answer, dict) and "error" in answer:
        details = answer["error"].get("detail") or [answer["error"]]
        raise ScenarioError(
            f"the landing page {page!r} is not valid: " + "; ".join(str(d.get("message")) for d in details)
        )


def core_url(lab: Lab) -> str:
    """The platform's base URL as a phone's browser reaches it."""
    if lab.client.stack is not None:
        return lab.client.stack.urls["core"]
    return lab.client.endpoints["core"]


def _visitor(lab: Lab, name: str) -> tuple[Person | None, Phone, str, str]:
    """The person's phone (a new one when they have none), their email and number; a person the scenario does not
    know yet gets an address and a number, and their profile only from the form."""
    person = lab.people.get(name)
    if person is not None:
        email, number = person.email, person.phone_number
    else:
        email = f"{name.lower()}.{lab.faker.user_name()}@{lab.faker.free_email_domain()}"
        number = "+1" + lab.faker.numerify("415555####")
    if person is not None and person.phones:
        return person, person.phones[0], email, number
    phone = lab.run(lambda: lab.client.new_phone(lab.sandbox, OS.IOS, name=f"{name}'s phone", phone_number=number))
    if person is not None:
        person.phones.append(phone)
    return person, phone, email, number


def _form(config: dict[str, Any], rows: list[list[str]], email: str, number: str) -> dict[str, str]:
    form: dict[str, str] = {}
    if config.get("email"):
        form["email"] = email
    if config.get("phone"):
        form["phone"] = number
    fields = {key.casefold(): f["name"] for f in config.get("custom", []) for key in (f["name"], f["label"]) if key}
    for row in rows:
        if len(row) != 2:
            raise ScenarioError(f"each row of the form has a field and a value; got {row}")
        key, value = row[0].strip().casefold(), row[1].strip()
        consent = CONSENT_ROW.match(key)
        if consent:
            channel = consent.group("a") or consent.group("b")
            if _yes(value, row[0]):
                form[f"consent.{channel}"] = "y"
        elif key in EMAIL_ROWS:
            form["email"] = value
        elif key in PHONE_ROWS:
            form["phone"] = value
        elif key in fields:
            form[fields[key]] = value
        else:
            known = ["email", "phone", *(f"{c} consent" for c in config.get("consents", [])), *sorted(fields)]
            raise ScenarioError(f"the landing page has no field {row[0]!r}; it has: {', '.join(known)}")
    return form


@step(
    "when",
    en=rf"{NAME} fills in the landing page {PAGE}(?P<with> with)?\s*:?",
    fr=rf"{NAME} remplit la page de capture {PAGE}(?P<with> avec)?\s*:?",
    example='When Alice fills in the landing page "newsletter" with:\n  | push consent | ticked |\n'
    "  | First name   | Alice  |",
    exemple='Quand Alice remplit la page de capture "newsletter" avec :\n  | consentement push | coché |\n'
    "  | Prénom | Alice |",
)
def fills_in(lab: Lab, name: str, page: str, datatable: list[list[str]] | None = None, **_: Any) -> None:
    """Submit the page's form from the person's phone (their email and number typed in; unlisted boxes unticked)."""
    config = lab.call("core", "GET", f"/landing-pages/{page}", ok=False)
    if "error" in config:
        raise ScenarioError(f"no landing page {page!r} in this scenario: {config['error']['message']}")
    person, phone, email, number = _visitor(lab, name)
    form = _form(config, datatable or [], email, number)
    url = f"{core_url(lab)}{config['url']}"
    answer = lab.run(lambda: phone.services.fetch(phone, url, method="POST", data=form))
    if answer.status != 200:
        problems = re.findall(r'class="problem" id="([\w.]+)-problem">([^<]*)<', answer.text)
        why = "; ".join(f"{field}: {text}" for field, text in problems) or answer.text[:300]
        raise ScenarioError(f"the landing page {page!r} refused {name}'s form ({answer.status}): {why}")
    if person is None:
        identity = f"email:{form['email']}" if form.get("email") else f"phone:{form['phone']}"
        profile = lab.call("core", "GET", f"/profiles?identity={identity}")
        person = lab.people[name] = Person(name, profile["id"], email, number, phones=[phone])
    ticked = [c for c in config.get("consents", []) if form.get(f"consent.{c}")]
    choices = ", ".join(f"{c} {'yes' if c in ticked else 'no'}" for c in config.get("consents", []))
    lab.note(name, phone, f'filled in "{page}"' + (f" ({choices})" if choices else ""), channel="web")
    lab.settle()


@step(
    "then",
    en=rf'{NAME}\'s consent to marketing (?P<channel>push|SMS|email|WhatsApp) is "(?P<val>y|n)"',
    fr=rf'le consentement d(?:\'|e ){NAME} aux (?P<channel>push|SMS|email|WhatsApp) marketing est "(?P<val>y|n)"',
    example='Then Alice\'s consent to marketing push is "y"',
    exemple='Alors le consentement d\'Alice aux push marketing est "y"',
)
def consent_is(lab: Lab, name: str, channel: str, val: str) -> None:
    """The profile's `consents.marketing.<channel>.val`."""
    lab.settle()
    profile = lab.call("core", "GET", f"/profiles/{lab.person(name).profile_id}")
    consents = profile["consents"]["marketing"]
    actual = (consents.get(channel.lower()) or {}).get("val")
    if actual != val:
        shown = ", ".join(f"{c}={v['val']}" for c, v in consents.items()) or "none"
        raise AssertionError(f"expected {name}'s marketing {channel} consent {val!r}; the profile holds: {shown}")


def _at(attributes: dict[str, Any], path: str) -> Any:
    value: Any = attributes
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


@step(
    "then",
    en=rf"{NAME}'s profile shows\s*:?",
    fr=rf"le profil d(?:'|e ){NAME} indique\s*:?",
    example="Then Alice's profile shows:\n  | firstName   | Alice |\n  | loyalty.tier | gold |",
    exemple="Alors le profil d'Alice indique :\n  | firstName   | Alice |\n  | loyalty.tier | gold |",
)
def profile_shows(lab: Lab, name: str, datatable: list[list[str]]) -> None:
    """Compare profile attributes (dotted paths; values read as JSON when they parse) with a table."""
    lab.settle()
    profile = lab.call("core", "GET", f"/profiles/{lab.person(name).profile_id}")
    wrong = []
    for row in datatable:
        if len(row) != 2:
            raise ScenarioError(f"each row has an attribute and a value; got {row}")
        try:
            expected: Any = json.loads(row[1])
        except ValueError:
            expected = row[1].strip()
        actual = _at(profile["attributes"], row[0].strip())
        if actual != expected and str(actual) != str(expected):
            wrong.append(f"{row[0].strip()}: expected {expected!r}, got {actual!r}")
    if wrong:
        raise AssertionError(f"{name}'s profile differs: " + "; ".join(wrong) + f"\nit holds: {profile['attributes']}")
