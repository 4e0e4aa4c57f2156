"""The journeys, audiences and events API (an APIRouter included in the platform app).

- `POST /journeys` publishes a definition (JSON; YAML with `content-type: application/yaml`) or a new version;
  invalid definitions answer 422 with every problem's field path (and line/column for YAML).
- `GET /journeys/{id}`, `POST /journeys/{id}/stop`, `GET /journeys/{id}/report`, `GET /journeys/{id}/instances`,
  `GET /profiles/{id}/journeys` (each instance with its path: why a profile got, or did not get, a message).
- `POST /audiences` (a rule or a member list), `GET /audiences/{name}` (who is in it now).
- `POST /events`: a server-side business event for a profile; each `_id` is accepted once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.platform.errors import NotFound
from simulator.platform.journeys.audiences import Audience, audiences
from simulator.platform.journeys.engine import JourneyEngine
from simulator.platform.journeys.validation import JourneyInvalid, load_text, parse_journey
from simulator.platform.personalization import expression_error
from simulator.platform.profiles import Profile
from simulator.sandboxes import DEFAULT_SANDBOX

SandboxName = Annotated[str, Header(alias="x-sandbox-name")]


class AudienceCreate(BaseModel):
    """A rule audience or a list of members."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    rule: str | None = None
    members: list[dict[str, str]] = Field(default_factory=list, description='[{"namespace": "email", "id": "..."}]')

    @model_validator(mode="after")
    def _one_kind(self) -> AudienceCreate:
        if (self.rule is None) == (not self.members):
            raise ValueError("give a rule or members, not both")
        if self.rule is not None and (error := expression_error(self.rule)):
            raise ValueError(f"rule does not parse: {error}")
        for member in self.members:
            if set(member) != {"namespace", "id"}:
                raise ValueError("each member is {namespace, id}")
        return self


class BusinessEvent(BaseModel):
    """A server-side event about one profile."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event_type: str = Field(alias="eventType", min_length=1)
    id: str | None = Field(default=None, alias="_id", description="accepted once; a duplicate is acknowledged")
    profile_id: str | None = Field(default=None, alias="profileId")
    identity: dict[str, str] | None = Field(default=None, description='{"namespace": "email", "id": "..."}')
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _who(self) -> BusinessEvent:
        if self.profile_id is None and (not self.identity or set(self.identity) != {"namespace", "id"}):
            raise ValueError("give profileId, or identity {namespace, id}")
        return self


def journeys_router(engine: JourneyEngine) -> APIRouter:
    """The routes, bound to `engine` (and its platform)."""
    platform = engine.platform
    router = APIRouter()

    @router.post("/journeys", status_code=201, tags=["journeys"])
    async def publish(request: Request, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        state = platform.state(sandbox)
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            data, positions = load_text(raw)
            definition = parse_journey(data, positions=positions)
        except JourneyInvalid as invalid:
            detail = [p.to_json() for p in invalid.problems]
            return JSONResponse({"error": {"status": 422, "code": "ValidationError", "detail": detail}}, 422)
        record = engine.publish(state, definition)
        return {"id": record.id, "version": len(record.versions), "status": record.status}

    @router.get("/journeys/{journey_id}", tags=["journeys"])
    async def get_journey(journey_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        record = engine.journey(platform.state(sandbox), journey_id)
        return {"id": record.id, "status": record.status, "versions": len(record.versions),
                "definition": record.latest.model_dump(mode="json", exclude_none=True)}  # fmt: skip

    @router.post("/journeys/{journey_id}/stop", tags=["journeys"])
    async def stop(journey_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        state = platform.state(sandbox)
        exited = await engine.stop(state, journey_id)
        return {"id": journey_id, "status": "stopped", "exited": exited}

    @router.get("/journeys/{journey_id}/report", tags=["reports"])
    async def report(journey_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        return engine.report(platform.state(sandbox), journey_id)

    @router.get("/journeys/{journey_id}/instances", tags=["journeys"])
    async def instances(journey_id: str, profileId: str | None = None, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        state = platform.state(sandbox)
        engine.journey(state, journey_id)
        return {"instances": [i.to_json() for i in engine.instances(state, journey_id, profileId)]}

    @router.get("/profiles/{profile_id}/journeys", tags=["profiles"])
    async def profile_journeys(profile_id: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        platform.profile(sandbox, profile_id)
        return {"instances": [i.to_json() for i in engine.instances(platform.state(sandbox), profile_id=profile_id)]}

    @router.post("/audiences", status_code=201, tags=["audiences"])
    async def create_audience(body: AudienceCreate, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        state = platform.state(sandbox)
        members = [(m["namespace"], m["id"]) for m in body.members]
        audiences(state)[body.name] = Audience(body.name, body.rule, members)
        return {"name": body.name, "size": len(audiences(state)[body.name].profiles(state))}

    @router.get("/audiences/{name}", tags=["audiences"])
    async def get_audience(name: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        state = platform.state(sandbox)
        audience = audiences(state).get(name)
        if audience is None:
            raise NotFound(f"no audience {name!r}", field="name")
        return {"name": name, "profiles": [p.id for p in audience.profiles(state)]}

    @router.post("/events", status_code=202, tags=["events"])
    async def business_event(body: BusinessEvent, sandbox: SandboxName = DEFAULT_SANDBOX) -> Any:
        state = platform.state(sandbox)
        if body.id is not None:
            if body.id in state.seen_events:
                return {"status": "duplicate", "eventId": body.id}
            state.seen_events.add(body.id)
        profile: Profile
        if body.profile_id is not None:
            profile = platform.profile(sandbox, body.profile_id)
        else:
            assert body.identity is not None
            profile = platform.find_profile(sandbox, body.identity["namespace"], body.identity["id"])
        platform.record_event(
            state, profile, {"xdm": {"eventType": body.event_type, "_id": body.id}, "data": body.data}
        )
        return {"status": "accepted", "eventId": body.id, "profileId": profile.id}

    return router
