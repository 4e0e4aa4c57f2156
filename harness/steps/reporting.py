"""Steps about reports (`/reports/...`): reconciliation, funnels and the reasons behind every loss — and the push
service failures that a report has to count.

A report's subject is a campaign (`"Summer sale"`), a journey (`the journey "welcome"`) or one step of a journey
(`the step "gift" of the journey "welcome"`); in French `"Soldes"`, `du parcours "welcome"`,
`de l'étape "gift" du parcours "welcome"`.
"""

from __future__ import annotations

from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError
from harness.steps.common import MODEL, NAME

_OF = r'(?: the step "(?P<step>[^"]+)" of)? (?:the journey "(?P<journey>[^"]+)"|"(?P<campaign>[^"]+)")'
_DE = r'(?: de l\'étape "(?P<step>[^"]+)")? (?:du parcours "(?P<journey>[^"]+)"|de "(?P<campaign>[^"]+)")'

#: Funnel stages and figures as tables write them, in English and French, to the report's names.
FIGURES = {
    "targeted": "targeted", "ciblés": "targeted", "excluded": "excluded", "exclus": "excluded",
    "sent": "sent", "envoyés": "sent", "delivered": "delivered", "remis": "delivered",
    "displayed": "displayed", "affichés": "displayed", "opened": "opened", "ouverts": "opened",
    "clicked": "clicked", "cliqués": "clicked", "dismissed": "dismissed", "fermés": "dismissed",
    "bounces": "bounces", "bounced": "bounces", "rebonds": "bounces", "errors": "errors", "erreurs": "errors",
    "pending": "pending", "en attente": "pending",
}  # fmt: skip
#: Outcomes in a table of reasons, to the report's table of each.
OUTCOMES = {
    "excluded": "exclusions", "exclu": "exclusions", "bounced": "bounces", "rejeté": "bounces",
    "failed": "errors", "échoué": "errors", "suppressed": "suppressions", "supprimé": "suppressions",
}  # fmt: skip


def subject_report(
    lab: Lab, campaign: str | None = None, journey: str | None = None, step: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(how to name it, its report block) for a campaign, a journey or a journey's step, after the stack settled."""
    lab.settle()
    if campaign is not None:
        return f"{campaign!r}", lab.call("core", "GET", f"/reports/campaigns/{lab.campaign_id(campaign)}")
    assert journey is not None
    report = lab.call("core", "GET", f"/reports/journeys/{journey}", ok=False)
    if "error" in report:
        raise ScenarioError(f"no report for the journey {journey!r}: {report['error']['message']}")
    if step is None:
        return f"the journey {journey!r}", report
    found = next((s for s in report["steps"] if s["step"] == step), None)
    if found is None or "message" not in found:
        actions = [s["step"] for s in report["steps"] if "message" in s]
        raise ScenarioError(f"the journey {journey!r} has no action step {step!r} (its action steps: {actions})")
    return f"the step {step!r} of the journey {journey!r}", found["message"]


def _figures_line(report: dict[str, Any]) -> str:
    return ", ".join(f"{name} {value}" for name, value in report["figures"].items())


@step(
    "then",
    en=rf"the report of{_OF} reconciles",
    fr=rf"le rapport{_DE} est cohérent",
    example='Then the report of "Summer sale" reconciles',
    exemple='Alors le rapport de "Soldes" est cohérent',
)
def reconciles(lab: Lab, campaign: str | None = None, journey: str | None = None, step: str | None = None) -> None:
    """Every target is accounted for once: targeted = excluded + sent, sent = delivered + bounces + errors + pending."""
    name, report = subject_report(lab, campaign, journey, step)
    if not report["reconciles"]:
        failing = "; ".join(f"{c['rule']}: {c['left']} ≠ {c['right']}" for c in report["checks"] if not c["holds"])
        raise AssertionError(
            f"the report of {name} does not reconcile: {failing}\nits figures: {_figures_line(report)}"
        )


@step(
    "then",
    en=rf"the funnel of{_OF} is\s*:?",
    fr=rf"l'entonnoir{_DE} est\s*:?",
    example='Then the funnel of "Summer sale" is:\n  | sent | delivered | opened | clicked |\n  | 4 | 3 | 2 | 1 |\n'
    "  | 100% | 75% | 50% | 25% |",
    exemple='Alors l\'entonnoir de "Soldes" est :\n  | envoyés | remis | ouverts | cliqués |\n  | 4 | 3 | 2 | 1 |',
)
def funnel_is(
    lab: Lab,
    datatable: list[list[str]],
    campaign: str | None = None,
    journey: str | None = None,
    step: str | None = None,
) -> None:
    """Compare the funnel (or any figure) with a table: names, counts, and optionally each stage's share of sent.

    A row of figure names (sent, delivered, opened, clicked, or any other figure), a row of counts, and optionally
    a row of shares of sent (`75%`)."""
    name, report = subject_report(lab, campaign, journey, step)
    if len(datatable) not in (2, 3):
        raise ScenarioError("the funnel table has a row of figure names, a row of counts, and maybe a row of shares")
    shares = {s["stage"]: s["ofSent"] for s in report["funnel"]}
    wrong = []
    for index, column in enumerate(datatable[0]):
        key = FIGURES.get(column.strip().casefold())
        if key is None:
            known = ", ".join(k for k in FIGURES if k.isascii() and " " not in k)
            raise ScenarioError(f"unknown figure {column!r}; use one of: {known}")
        expected = datatable[1][index].strip()
        if report["figures"][key] != int(expected):
            wrong.append(f"{column.strip()}: expected {expected}, got {report['figures'][key]}")
        if len(datatable) == 3 and datatable[2][index].strip():
            wanted = datatable[2][index].strip().rstrip("%").strip()
            share = shares.get(key)
            got = "n/a" if share is None else f"{round(100 * share)}"
            if got != wanted:
                wrong.append(f"{column.strip()} share of sent: expected {wanted}%, got {got}%")
    if wrong:
        raise AssertionError(
            f"the funnel of {name} differs: " + "; ".join(wrong) + f"\nits figures: {_figures_line(report)}"
        )


@step(
    "then",
    en=rf"the reasons in the report of{_OF} are\s*:?",
    fr=rf"les raisons du rapport{_DE} sont\s*:?",
    example='Then the reasons in the report of "Summer sale" are:\n  | outcome | reason | code | count |\n'
    "  | excluded | PushNoConsent | 050111 | 2 |\n  | bounced | Unregistered | | 1 |",
    exemple='Alors les raisons du rapport de "Soldes" sont :\n  | issue | raison | code | nombre |\n'
    "  | exclu | PushNoConsent | 050111 | 2 |\n  | rejeté | Unregistered | | 1 |",
)
def reasons_are(
    lab: Lab,
    datatable: list[list[str]],
    campaign: str | None = None,
    journey: str | None = None,
    step: str | None = None,
) -> None:
    """Every exclusion, bounce, error and suppression of the report, by reason and code, exactly as the table lists.

    A header row, then one row each: outcome (excluded, bounced, failed or suppressed), reason, code (empty when it
    has none) and count."""
    name, report = subject_report(lab, campaign, journey, step)
    expected = set()
    for row in datatable[1:]:
        if len(row) != 4:
            raise ScenarioError(f"each row has an outcome, a reason, a code and a count; got {row}")
        outcome = OUTCOMES.get(row[0].strip().casefold())
        if outcome is None:
            raise ScenarioError(f"unknown outcome {row[0]!r}; use excluded, bounced, failed or suppressed")
        expected.add((outcome, row[1].strip(), row[2].strip(), int(row[3])))
    actual = {
        (table, str(entry["reason"]), str(entry.get("code", "")), int(entry["count"]))
        for table in ("exclusions", "bounces", "errors", "suppressions")
        for entry in report[table]
    }
    if actual != expected:
        missing = sorted(expected - actual)
        unexpected = sorted(actual - expected)
        raise AssertionError(
            f"the reasons in the report of {name} differ; expected but absent: {missing or 'none'}; "
            f"present but not expected: {unexpected or 'none'}"
        )


def _fault_status(gateway: str, error: str) -> int:
    if gateway == "apns":
        from simulator.gateways.apns.errors import REASONS

        statuses = dict(REASONS)
    else:
        from simulator.gateways.fcm.errors import ERROR_CODES

        statuses = {str(code): spec[0] for code, spec in ERROR_CODES.items()}
    if error not in statuses:
        service = "APNs" if gateway == "apns" else "FCM"
        raise ScenarioError(f"{service} has no error {error!r}; it answers with: {', '.join(sorted(statuses))}")
    return statuses[error]


@step(
    "given",
    en=rf'the push service fails every delivery to {NAME}\'s (?:phone|{MODEL}) with "(?P<error>\w+)"',
    fr=rf'le service de push fait échouer chaque envoi vers le téléphone d(?:\'|e ){NAME} avec "(?P<error>\w+)"',
    example='Given the push service fails every delivery to Bob\'s phone with "ServiceUnavailable"',
    exemple='Soit le service de push fait échouer chaque envoi vers le téléphone de Bob avec "ServiceUnavailable"',
)
def push_fault(lab: Lab, name: str, error: str, model: str | None = None) -> None:
    """Make the push service answer every push to the phone with its own error (an APNs reason or FCM errorCode).

    One fault rule per app token of the phone; 429/500/503 errors are retried by the platform, then counted as
    errors."""
    phone = lab.phone(name, model)
    gateway = "apns" if phone.os.value == "ios" else "fcm"
    status = _fault_status(gateway, error)
    tokens = [app.token for app in phone.apps.values() if app.token]
    if not tokens:
        raise ScenarioError(f"{phone.name} has no app with a push token yet")
    for token in tokens:  # a rule per token: other scenarios sharing the gateway are not affected
        lab.call(gateway, "POST", "/_sim/faults", {"error": error, "status": status, "token": token})
