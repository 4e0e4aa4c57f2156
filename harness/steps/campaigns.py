"""Steps about campaigns: authoring a push message, sending it, and reading its report and exclusions."""

from __future__ import annotations

from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import APP, CAMPAIGN, NAME, names, parse_duration

#: Message fields a data table may set, in English and French, to the platform's field names.
FIELDS = {
    "title": "title", "titre": "title",
    "body": "body", "texte": "body", "corps": "body",
    "image": "image",
    "deep link": "deeplink", "lien profond": "deeplink",
    "web url": "webUrl", "lien web": "webUrl",
    "buttons": "buttons", "boutons": "buttons",
    "badge": "badge",
    "sound": "sound", "son": "sound",
    "collapse id": "collapseId", "identifiant de regroupement": "collapseId",
    "expires after": "expiration", "expire après": "expiration",
    "priority": "priority", "priorité": "priority",
}  # fmt: skip


def _button(spec: str, index: int) -> dict[str, Any]:
    """'Buy now -> shop://buy' (deep link), 'Read -> https://…' (web URL) or 'Later' (dismiss)."""
    label, _, target = (part.strip() for part in spec.partition("->"))
    click: dict[str, Any] = {"type": "dismiss"}
    if target:
        click = {"type": "webUrl" if target.startswith(("http://", "https://")) else "deeplink", "uri": target}
    return {"id": f"button{index + 1}", "label": label, "click": click}


def message_from_table(datatable: list[list[str]]) -> dict[str, Any]:
    """A push message from a two-column table of field and value."""
    message: dict[str, Any] = {"data": {}}
    for row in datatable:
        if len(row) != 2:
            raise ScenarioError(f"each row of the message table has a field and a value; got {row}")
        field, value = row[0].strip(), row[1].strip()
        key = FIELDS.get(field.casefold())
        if field.casefold().startswith("data."):
            message["data"][field[5:]] = value
        elif key is None:
            known = ", ".join(sorted({k for k in FIELDS if k.isascii()}))
            raise ScenarioError(f"unknown message field {field!r}; use one of: {known}, data.<key>")
        elif key in ("deeplink", "webUrl"):
            message["click"] = {"type": key, "uri": value}
        elif key == "buttons":
            message["buttons"] = [_button(spec, i) for i, spec in enumerate(value.split(",")) if spec.strip()]
        elif key == "badge":
            message["badge"] = int(value)
        elif key == "expiration":
            message["expirationSeconds"] = int(parse_duration(value))
        elif key == "priority":
            message["priority"] = value.lower()
        else:
            message[key] = value
    return message


def create_campaign(
    lab: Lab, name: str, category: str, app: str, message: dict[str, Any], channel: str = "push"
) -> str:
    """Create a campaign (push unless `channel` says otherwise) and remember it by name."""
    body = {"name": name, "channel": channel, "category": category, "appId": lab.app_id(app), "message": message}
    campaign = lab.call("core", "POST", "/campaigns", body)
    lab.campaigns[name] = campaign["id"]
    lab.last_campaign = name
    return str(campaign["id"])


_CATEGORIES = {"marketing": "marketing", "transactional": "transactional", "transactionnelle": "transactional"}


@step(
    "given",
    en=rf"an? (?P<category>marketing|transactional) push campaign {CAMPAIGN} for the {APP} app\s*:?",
    fr=rf"une campagne push (?P<category>marketing|transactionnelle) {CAMPAIGN} pour l'application {APP}\s*:?",
    example='Given a marketing push campaign "Summer sale" for the "Shop" app:\n  | title | Summer sale |\n  | body  | 15% off today |',
    exemple='Soit une campagne push marketing "Soldes" pour l\'application "Shop" :\n  | titre | Soldes |\n  | texte | -15 % aujourd\'hui |',
)
def push_campaign(lab: Lab, category: str, campaign: str, app: str, datatable: list[list[str]]) -> None:
    """An API-triggered push campaign; the table gives the message (title, body, deep link, buttons...)."""
    create_campaign(lab, campaign, _CATEGORIES[category], app, message_from_table(datatable))


@step(
    "given",
    en=rf"an? (?P<category>marketing|transactional) push campaign {CAMPAIGN} for the {APP} app with a body of (?P<size>\d+) characters",
    fr=rf"une campagne push (?P<category>marketing|transactionnelle) {CAMPAIGN} pour l'application {APP} avec un texte de (?P<size>\d+) caractères",
    example='Given a marketing push campaign "Huge" for the "Shop" app with a body of 5000 characters',
    exemple='Soit une campagne push marketing "Énorme" pour l\'application "Shop" avec un texte de 5000 caractères',
)
def push_campaign_of_size(lab: Lab, category: str, campaign: str, app: str, size: str) -> None:
    """A push campaign whose body is `size` characters long (to test payload limits)."""
    body = ("Big news! " * (int(size) // 10 + 1))[: int(size)]
    create_campaign(lab, campaign, _CATEGORIES[category], app, {"title": campaign, "body": body})


@step(
    "when",
    en=rf"the campaign {CAMPAIGN} is sent to (?P<people>.+)",
    fr=rf"la campagne {CAMPAIGN} est envoyée à (?P<people>.+)",
    example='When the campaign "Summer sale" is sent to Alice and Bob',
    exemple='Quand la campagne "Soldes" est envoyée à Alice et Bob',
)
def send_campaign(lab: Lab, campaign: str, people: str) -> None:
    """Trigger the campaign for these people, and let the stack settle."""
    recipients = [{"profileId": lab.person(name).profile_id} for name in names(people)]
    lab.call("core", "POST", f"/campaigns/{lab.campaign_id(campaign)}/trigger", {"recipients": recipients})
    lab.settle()


_METRICS = {
    "targeted": "targeted", "ciblés": "targeted", "excluded": "excluded", "exclus": "excluded",
    "sent": "sent", "envoyés": "sent", "delivered": "delivered", "remis": "delivered",
    "opened": "opened", "ouverts": "opened", "clicked": "clicked", "cliqués": "clicked",
    "bounces": "bounces", "rebonds": "bounces", "errors": "errors", "erreurs": "errors",
    "pending": "pending", "en attente": "pending",
}  # fmt: skip


@step(
    "then",
    en=rf"the report of {CAMPAIGN} shows\s*:?",
    fr=rf"le rapport de {CAMPAIGN} indique\s*:?",
    example='Then the report of "Summer sale" shows:\n  | targeted | sent | delivered | opened |\n  | 1 | 1 | 1 | 1 |',
    exemple='Alors le rapport de "Soldes" indique :\n  | ciblés | envoyés | remis | ouverts |\n  | 1 | 1 | 1 | 1 |',
)
def report_shows(lab: Lab, campaign: str, datatable: list[list[str]]) -> None:
    """Compare the campaign's counters with a table (a header row of metrics, a row of numbers)."""
    lab.settle()
    report = lab.call("core", "GET", f"/campaigns/{lab.campaign_id(campaign)}/report")
    if len(datatable) != 2:
        raise ScenarioError("the report table has a row of metric names and a row of numbers")
    wrong = []
    for metric, expected in zip(datatable[0], datatable[1], strict=True):
        key = _METRICS.get(metric.strip().casefold())
        if key is None:
            raise ScenarioError(
                f"unknown metric {metric!r}; use one of: {', '.join(k for k in _METRICS if k.isascii())}"
            )
        if report[key] != int(expected):
            wrong.append(f"{metric}: expected {expected}, got {report[key]}")
    if wrong:
        raise AssertionError(f"the report of {campaign!r} differs: " + "; ".join(wrong) + f"\nfull report: {report}")
    if not report["reconciles"]:
        raise AssertionError(f"the report of {campaign!r} does not reconcile: {report}")


def _log(lab: Lab, name: str, campaign: str) -> list[dict[str, Any]]:
    person = lab.person(name)
    records = lab.call("core", "GET", f"/profiles/{person.profile_id}/messages")["messages"]
    source = lab.campaign_id(campaign)
    return [r for r in records if r["source"] == source]


@step(
    "then",
    en=rf"{NAME} was excluded from {CAMPAIGN} with (?P<reason>\w+) (?P<code>\d{{6}})",
    fr=rf"{NAME} a été exclue? de {CAMPAIGN} avec (?P<reason>\w+) (?P<code>\d{{6}})",
    example='Then Alice was excluded from "Summer sale" with PushNoConsent 050111',
    exemple='Alors Alice a été exclue de "Soldes" avec PushNoConsent 050111',
)
def excluded_with(lab: Lab, name: str, campaign: str, reason: str, code: str) -> None:
    """The person's message log shows the exclusion with its reason and code."""
    lab.settle()
    records = _log(lab, name, campaign)
    if not any(r["outcome"] == "excluded" and r["reason"] == reason and r["code"] == code for r in records):
        seen = [f"{r['outcome']} {r['reason'] or ''} {r['code'] or ''}".strip() for r in records] or ["nothing"]
        raise AssertionError(
            f"expected {name} excluded from {campaign!r} with {reason} {code}; their log for it shows: {', '.join(seen)}"
        )


@step(
    "then",
    en=rf"the push service (?P<outcome>refused|bounced) {CAMPAIGN} for {NAME} with (?P<reason>\w+)",
    fr=rf"le service de push a (?P<outcome>refusé|rejeté) {CAMPAIGN} pour {NAME} avec (?P<reason>\w+)",
    example='Then the push service refused "Huge" for Alice with PayloadTooLarge',
    exemple='Alors le service de push a refusé "Énorme" pour Alice avec PayloadTooLarge',
)
def push_service_refused(lab: Lab, outcome: str, campaign: str, name: str, reason: str) -> None:
    """The message failed (or bounced) at the push service with its reason, as recorded by the platform."""
    lab.settle()
    wanted = "bounced" if outcome in ("bounced", "rejeté") else "failed"
    records = _log(lab, name, campaign)
    if not any(r["outcome"] == wanted and reason in (r["reason"] or "") for r in records):
        seen = [f"{r['outcome']} {r['reason'] or ''}".strip() for r in records] or ["nothing"]
        raise AssertionError(
            f"expected {campaign!r} {wanted} for {name} with {reason}; the platform recorded: {', '.join(seen)}"
        )


@step(
    "given",
    en=rf"an? (?P<category>marketing|transactional) push campaign {CAMPAIGN} for the {APP} app, sent to the audience"
    rf' "(?P<audience>[^"]+)" (?:on "(?P<at>[^"]+)"|every (?P<every>day|week) from "(?P<start>[^"]+)")\s*:?',
    fr=rf"une campagne push (?P<category>marketing|transactionnelle) {CAMPAIGN} pour l\'application {APP}, envoyée à"
    rf' l\'audience "(?P<audience>[^"]+)" (?:le "(?P<at>[^"]+)"|chaque (?P<every>jour|semaine) à partir du "(?P<start>[^"]+)")\s*:?',
    example='Given a marketing push campaign "Weekly deals" for the "Shop" app, sent to the audience "gold" every week'
    ' from "2026-01-09T09:00:00Z":\n  | title | Weekly deals |\n  | body | New this week |',
    exemple='Soit une campagne push marketing "Bons plans" pour l\'application "Shop", envoyée à l\'audience "gold"'
    ' chaque semaine à partir du "2026-01-09T09:00:00Z" :\n  | titre | Bons plans |\n  | texte | Nouveautés |',
)
def scheduled_campaign(
    lab: Lab, category: str, campaign: str, app: str, audience: str, datatable: list[list[str]],
    at: str | None = None, every: str | None = None, start: str | None = None,
) -> None:  # fmt: skip
    """A scheduled campaign to an audience: once at a date, or every day/week from a date."""
    schedule: dict[str, Any] = {"at": at or start}
    if every:
        schedule["every"] = {"day": "daily", "jour": "daily", "week": "weekly", "semaine": "weekly"}[every]
    body = {
        "name": campaign, "channel": "push", "category": _CATEGORIES[category], "appId": lab.app_id(app),
        "message": message_from_table(datatable), "audience": audience, "schedule": schedule,
    }  # fmt: skip
    created = lab.call("core", "POST", "/campaigns", body)
    lab.campaigns[campaign] = created["id"]
    lab.settle()


@step(
    "when",
    en=rf'the campaign {CAMPAIGN} is sent to the audience "(?P<audience>[^"]+)"',
    fr=rf'la campagne {CAMPAIGN} est envoyée à l\'audience "(?P<audience>[^"]+)"',
    example='When the campaign "Summer sale" is sent to the audience "gold"',
    exemple='Quand la campagne "Soldes" est envoyée à l\'audience "gold"',
)
def send_to_audience(lab: Lab, campaign: str, audience: str) -> None:
    """Trigger the campaign for everyone in the audience now, and settle."""
    lab.call("core", "POST", f"/campaigns/{lab.campaign_id(campaign)}/trigger", {"audience": audience})
    lab.settle()


@step(
    "when",
    en=rf"the campaign {CAMPAIGN} is sent to (?P<people>.+?) with context\s*:?",
    fr=rf"la campagne {CAMPAIGN} est envoyée à (?P<people>.+?) avec le contexte\s*:?",
    example='When the campaign "Order shipped" is sent to Alice with context:\n  | orderId | A-1042 |',
    exemple='Quand la campagne "Commande expédiée" est envoyée à Alice avec le contexte :\n  | orderId | A-1042 |',
)
def send_with_context(lab: Lab, campaign: str, people: str, datatable: list[list[str]]) -> None:
    """Trigger an API campaign with a context payload (`{{ context.<key> }}` in the message), and settle."""
    context = {row[0].strip(): row[1].strip() for row in datatable}
    recipients = [{"profileId": lab.person(name).profile_id} for name in names(people)]
    body = {"recipients": recipients, "context": context}
    lab.call("core", "POST", f"/campaigns/{lab.campaign_id(campaign)}/trigger", body)
    lab.settle()
