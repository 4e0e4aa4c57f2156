"""The reports API: what each campaign, journey, journey step and message did, as JSON.

- `GET /reports/campaigns/{id}`: one campaign (its one message);
- `GET /reports/journeys/{id}`: one journey — entries and exits, its totals, each step (who passed, branches) and
  each message (one per action step and journey version);
- `GET /reports/sandbox`: every campaign and journey of the sandbox, and the sandbox's totals.

Each message-level block holds the figures (targeted, excluded, sent, delivered, displayed, opened, clicked,
dismissed, bounces, errors, pending), a table of reasons for each kind of loss (exclusions by reason and code,
bounces and errors by the provider's reason, suppressions on the phone), the funnel sent → delivered → opened →
clicked (each stage with its share of sent and of the stage before), and the reconciliation: the two identities
`targeted = excluded + sent` and `sent = delivered + bounces + errors + pending`, each with its two sides, and a
`reconciles` flag that holds when both do. Totals (of a journey, of a sandbox) are sums of their messages' counters,
so they reconcile exactly when every message does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header

from simulator.platform.exclusions import ExclusionReason
from simulator.platform.reporting import DeliveryCounters
from simulator.platform.state import SandboxState
from simulator.sandboxes import DEFAULT_SANDBOX

if TYPE_CHECKING:
    from simulator.platform.journeys.engine import JourneyEngine
    from simulator.platform.service import Platform

SandboxName = Annotated[str, Header(alias="x-sandbox-name", description="the sandbox to act in")]

#: The figures of a message, in reading order.
FIGURES = (
    "targeted", "excluded", "sent", "delivered", "displayed", "opened", "clicked", "dismissed",
    "bounces", "errors", "pending",
)  # fmt: skip
#: The funnel's stages, each a share of the one before.
FUNNEL = ("sent", "delivered", "opened", "clicked")


def merge(parts: list[DeliveryCounters]) -> DeliveryCounters:
    """The sum of several messages' counters (every int and every table of reasons)."""
    total = DeliveryCounters()
    for part in parts:
        for spec in fields(DeliveryCounters):
            value = getattr(part, spec.name)
            if isinstance(value, Counter):
                getattr(total, spec.name).update(value)
            elif isinstance(value, int):
                setattr(total, spec.name, getattr(total, spec.name) + value)
    return total


def figures(counters: DeliveryCounters) -> dict[str, int]:
    """The message's figures."""
    return {name: int(getattr(counters, name)) for name in FIGURES}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def funnel(counters: DeliveryCounters) -> list[dict[str, Any]]:
    """sent → delivered → opened → clicked, each with its share of sent and of the stage before."""
    stages = []
    previous: int | None = None
    for stage in FUNNEL:
        count = int(getattr(counters, stage))
        stages.append({
            "stage": stage,
            "count": count,
            "ofSent": _share(count, counters.sent),
            "ofPrevious": _share(count, previous) if previous is not None else None,
        })  # fmt: skip
        previous = count
    return stages


def reasons(counters: DeliveryCounters) -> dict[str, list[dict[str, Any]]]:
    """A table of reasons for each kind of loss: exclusions (reason, code), bounces and errors (the provider's
    reason; errors carry the platform's dispatch code), suppressions on the phone."""
    dispatch = ExclusionReason.DISPATCH_ERROR
    return {
        "exclusions": [
            {"reason": reason.reason, "code": reason.code, "count": count}
            for reason, count in sorted(counters.exclusions.items(), key=lambda item: (item[0].code, item[0].reason))
        ],
        "bounces": [{"reason": r, "count": n} for r, n in sorted(counters.bounce_reasons.items())],
        "errors": [
            {"reason": r, "code": dispatch.code, "platformReason": dispatch.reason, "count": n}
            for r, n in sorted(counters.error_reasons.items())
        ],
        "suppressions": [{"reason": r, "count": n} for r, n in sorted(counters.suppressions.items())],
        "clicks": [{"action": a, "count": n} for a, n in sorted((counters.actions + counters.interactions).items())],
    }


def reconciliation(counters: DeliveryCounters) -> dict[str, Any]:
    """The two identities every report must satisfy, with their sides, and whether both hold."""
    checks = [
        {"rule": "targeted = excluded + sent", "left": counters.targeted, "right": counters.excluded + counters.sent},
        {
            "rule": "sent = delivered + bounces + errors + pending",
            "left": counters.sent,
            "right": counters.delivered + counters.bounces + counters.errors + counters.pending,
        },
    ]
    for check in checks:
        check["holds"] = check["left"] == check["right"]
    return {"checks": checks, "reconciles": all(check["holds"] for check in checks)}


def message_report(counters: DeliveryCounters) -> dict[str, Any]:
    """Everything about one message (or a sum of messages): figures, funnel, reasons, reconciliation."""
    checked = reconciliation(counters)
    body: dict[str, Any] = {
        "figures": figures(counters),
        "funnel": funnel(counters),
        **reasons(counters),
        "checks": checked["checks"],
        "reconciles": checked["reconciles"],
    }
    if counters.delivered_via:
        body["deliveredVia"] = dict(sorted(counters.delivered_via.items()))
    return body


# -- campaigns, journeys, sandboxes -----------------------------------------------------------------------------------


def campaign_report(state: SandboxState, campaign: Any) -> dict[str, Any]:
    """One campaign: its message's report."""
    return {
        "kind": "campaign",
        "id": campaign.id,
        "name": campaign.name,
        "channel": campaign.channel.value,
        "category": campaign.category.value,
        **message_report(state.report(campaign.id)),
    }


def journey_source(journey_id: str, version: int, step: str) -> str:
    """The message source of a journey's action step (as the engine names it)."""
    return f"journey:{journey_id}:v{version}:{step}"


def journey_report(state: SandboxState, engine: JourneyEngine, journey_id: str) -> dict[str, Any]:
    """One journey: entries and exits, totals, each step (entered, branches, its message) and each message."""
    from simulator.platform.journeys.definition import ActionStep

    record = engine.journey(state, journey_id)
    base = engine.report(state, journey_id)
    messages: list[dict[str, Any]] = []
    per_step: dict[str, list[DeliveryCounters]] = {}
    channels: dict[str, str] = {}
    for version, definition in enumerate(record.versions, start=1):
        for name, step in definition.steps.items():
            if not isinstance(step, ActionStep):
                continue
            channels[name] = step.channel.value
            source = journey_source(journey_id, version, name)
            counters = state.reports.get(source)
            if counters is None:
                continue
            per_step.setdefault(name, []).append(counters)
            messages.append({
                "step": name, "version": version, "source": source, "channel": step.channel.value,
                "category": step.category.value, **message_report(counters),
            })  # fmt: skip
    steps = []
    for name, summary in base["steps"].items():
        entry: dict[str, Any] = {"step": name, "type": summary["type"], "entered": summary["entered"]}
        if "branches" in summary:
            entry["branches"] = summary["branches"]
        if name in channels:
            entry["channel"] = channels[name]
            entry["message"] = message_report(merge(per_step.get(name, [])))
        steps.append(entry)
    total = merge([counters for parts in per_step.values() for counters in parts])
    return {
        "kind": "journey",
        "id": journey_id,
        "name": record.latest.name,
        "status": record.status,
        "versions": len(record.versions),
        "entries": {key: base[key] for key in ("entered", "active", "ended", "exited")},
        "exitReasons": base["exitReasons"],
        **message_report(total),
        "steps": steps,
        "messages": messages,
    }


def sandbox_report(state: SandboxState, engine: JourneyEngine) -> dict[str, Any]:
    """Every campaign and journey of the sandbox, what no campaign or journey claims (`other`), and the totals."""
    campaigns = [campaign_report(state, campaign) for campaign in state.campaigns.values()]
    journeys = [journey_report(state, engine, journey_id) for journey_id in engine.book(state).journeys]
    claimed = set(state.campaigns) | {m["source"] for j in journeys for m in j["messages"]}
    other = [
        {"kind": "source", "id": source, "name": source, **message_report(counters)}
        for source, counters in state.reports.items()
        if source not in claimed
    ]
    total = merge(list(state.reports.values()))
    return {
        "sandbox": state.sandbox.name,
        "now": state.clock.now().isoformat(),
        "campaigns": campaigns,
        "journeys": journeys,
        "other": other,
        "totals": message_report(total),
        "reconciles": total.reconciles() and all(part.reconciles() for part in state.reports.values()),
    }


def reports_router(platform: Platform, engine: JourneyEngine) -> APIRouter:
    """The `/reports` routes, bound to the platform and its journey engine."""
    router = APIRouter(prefix="/reports", tags=["reports"])

    @router.get("/campaigns/{campaign_id}")
    async def campaign(campaign_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return campaign_report(platform.state(sandbox), platform.campaign(sandbox, campaign_id))

    @router.get("/journeys/{journey_id}")
    async def journey(journey_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return journey_report(platform.state(sandbox), engine, journey_id)

    @router.get("/sandbox")
    async def whole(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return sandbox_report(platform.state(sandbox), engine)

    return router
