"""The platform's HTTP API (FastAPI; the OpenAPI document is served at `/openapi.json`).

Every call names its sandbox in the `x-sandbox-name` header, as the platform's own APIs do (default `prod`).
Simulator controls live under `/_sim/`: sandboxes, the sandbox's clock, settling, health.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from simulator.platform.clock_control import ClockControl
from simulator.platform.errors import Conflict, NotFound, PlatformError
from simulator.platform.models import (
    AppCreate,
    CampaignCreate,
    ClockAdvance,
    EdgeRequest,
    ProfileCreate,
    ProfilePatch,
    SandboxCreate,
    TriggerRequest,
)
from simulator.platform.service import Platform
from simulator.sandboxes import DEFAULT_SANDBOX, SandboxNotFound

SandboxName = Annotated[str, Header(alias="x-sandbox-name", description="the sandbox to act in")]


def _field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """`("body", "message", "body")` → `message.body`; headers and query parameters keep their names."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(str(p) for p in parts)


def create_app(platform: Platform) -> FastAPI:
    """The platform API bound to `platform`."""
    api = FastAPI(
        title="Mobile Journey Lab platform",
        version="1",
        description="An emulated journey-orchestration platform with mobile channels.",
    )
    control = ClockControl(platform)

    @api.exception_handler(PlatformError)
    async def platform_error(_: Request, error: PlatformError) -> JSONResponse:
        return JSONResponse(error.to_body(), status_code=error.status)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        detail = [{"field": _field_path(e["loc"]), "message": e["msg"], "type": e["type"]} for e in error.errors()]
        return JSONResponse({"error": {"status": 422, "code": "ValidationError", "detail": detail}}, status_code=422)

    # -- simulator controls ---------------------------------------------------------------------------------------

    @api.get("/_sim/health", tags=["_sim"])
    async def health() -> dict[str, Any]:
        return {"status": "ok", "sandboxes": len(platform.sandboxes.names())}

    @api.post("/_sim/sandboxes", status_code=201, tags=["_sim"])
    async def open_sandbox(body: SandboxCreate) -> dict[str, Any]:
        if body.name in platform.sandboxes:
            raise Conflict(f"sandbox {body.name!r} exists", field="name")
        sandbox = platform.sandboxes.open(body.name, seed=body.seed)
        return {"name": sandbox.name, "now": sandbox.clock.now().isoformat()}

    @api.get("/_sim/sandboxes", tags=["_sim"])
    async def list_sandboxes() -> dict[str, Any]:
        return {"sandboxes": platform.sandboxes.names()}

    @api.delete("/_sim/sandboxes/{name}", status_code=204, tags=["_sim"])
    async def close_sandbox(name: str) -> Response:
        try:
            platform.sandboxes.close(name)
        except SandboxNotFound:
            raise NotFound(f"no sandbox {name!r}", field="name") from None
        return Response(status_code=204)

    @api.get("/_sim/clock", tags=["_sim"])
    async def clock(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return await control.reading(sandbox)

    @api.post("/_sim/clock/advance", tags=["_sim"])
    async def advance(body: ClockAdvance, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return await control.advance(sandbox, body)

    @api.post("/_sim/settle", tags=["_sim"])
    async def settle(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return await control.settle(sandbox)

    # -- profiles ---------------------------------------------------------------------------------------------------

    @api.post("/profiles", status_code=201, tags=["profiles"])
    async def create_profile(body: ProfileCreate, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.create_profile(sandbox, body).to_json()

    @api.get("/profiles", tags=["profiles"])
    async def find_profile(
        identity: Annotated[str, Query(pattern=r"^[A-Za-z]+:.+$", description="namespace:value")],
        sandbox: SandboxName = DEFAULT_SANDBOX,
    ) -> dict[str, Any]:
        namespace, value = identity.split(":", 1)
        return platform.find_profile(sandbox, namespace, value).to_json()

    @api.get("/profiles/{profile_id}", tags=["profiles"])
    async def get_profile(profile_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.profile(sandbox, profile_id).to_json()

    @api.patch("/profiles/{profile_id}", tags=["profiles"])
    async def patch_profile(
        profile_id: str, body: ProfilePatch, sandbox: SandboxName = DEFAULT_SANDBOX
    ) -> dict[str, Any]:
        return platform.patch_profile(sandbox, profile_id, body).to_json()

    @api.get("/profiles/{profile_id}/messages", tags=["profiles"])
    async def profile_messages(profile_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return {"messages": [m.to_json() for m in platform.messages(sandbox, profile_id)]}

    # -- apps -------------------------------------------------------------------------------------------------------

    @api.post("/apps", status_code=201, tags=["apps"])
    async def create_app_(body: AppCreate, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.create_app(sandbox, body).to_json()

    @api.get("/apps/{app_id}", tags=["apps"])
    async def get_app(app_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.app(sandbox, app_id).to_json()

    # -- campaigns ----------------------------------------------------------------------------------------------------

    @api.post("/campaigns", status_code=201, tags=["campaigns"])
    async def create_campaign(body: CampaignCreate, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.create_campaign(sandbox, body).to_json()

    @api.get("/campaigns/{campaign_id}", tags=["campaigns"])
    async def get_campaign(campaign_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.campaign(sandbox, campaign_id).to_json()

    @api.post("/campaigns/{campaign_id}/trigger", status_code=202, tags=["campaigns"])
    async def trigger(campaign_id: str, body: TriggerRequest, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.trigger(sandbox, campaign_id, body)

    @api.get("/campaigns/{campaign_id}/report", tags=["reports"])
    async def report(campaign_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.report(sandbox, campaign_id)

    # -- the mobile SDK's Edge Network endpoint -----------------------------------------------------------------------

    @api.post("/ee/v2/interact", tags=["edge"])
    async def interact(body: EdgeRequest, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return platform.edge(sandbox, body)

    return api
