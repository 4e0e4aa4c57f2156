"""`/rules/...`: the sandbox's consent policies, frequency caps and quiet hours (PUT replaces a list; GET reads)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from simulator.platform.rules.models import CappingRule, ConsentPolicy, QuietHours
from simulator.platform.service import Platform
from simulator.sandboxes import DEFAULT_SANDBOX

SandboxName = Annotated[str, Header(alias="x-sandbox-name")]


def rules_router(platform: Platform) -> APIRouter:
    """The routes, bound to `platform`."""
    router = APIRouter(prefix="/rules", tags=["rules"])

    @router.get("")
    async def all_rules(sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        return platform.rules.rules(platform.state(sandbox)).model_dump(mode="json", by_alias=True)

    @router.put("/consent-policies")
    async def consent_policies(body: list[ConsentPolicy], sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        rules = platform.rules.set_rules(platform.state(sandbox), consent_policies=body)
        return rules.model_dump(mode="json", by_alias=True)["consent_policies"]

    @router.put("/capping")
    async def capping(body: list[CappingRule], sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        rules = platform.rules.set_rules(platform.state(sandbox), capping=body)
        return rules.model_dump(mode="json", by_alias=True)["capping"]

    @router.put("/quiet-hours")
    async def quiet_hours(body: list[QuietHours], sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        rules = platform.rules.set_rules(platform.state(sandbox), quiet_hours=body)
        return rules.model_dump(mode="json", by_alias=True)["quiet_hours"]

    return router
