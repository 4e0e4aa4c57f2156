"""The FCM gateway as an ASGI app: FCM's `messages:send`, Google's token endpoint, and `/_sim/` to register, inspect
and fail.

`POST /v1/projects/{project}/messages:send` runs exactly `FcmGateway.handle()`; `POST /token` is Google's OAuth
token endpoint (form-encoded). Every answer is Google's JSON (`{"error": {...}}` for FCM, `{"error",
"error_description"}` for the token endpoint) or, under `/_sim/`, a JSON `{"detail": ...}` with a 4xx status; never
a traceback.

`/_sim/` routes:

- `POST /_sim/projects` `{"sandbox", "project_id", "token_uri"?}` → the service-account JSON (`token_uri` defaults
  to this server's `/token`);
- `POST /_sim/devices` `{"sandbox", "device_id", "package", "project_id"}` → `{"token"}`;
  `DELETE /_sim/devices/{token}` unregisters it (the app was uninstalled);
- `POST`/`DELETE /_sim/topics/{topic}/tokens/{token}` subscribes a token to a topic of its project, or removes it;
- `GET /_sim/messages` (filters `token`, `sandbox`, `status`), `GET /_sim/messages/{id}` (`latest` accepted),
  `DELETE /_sim/messages` (`?sandbox=` for one sandbox);
- `GET`/`POST`/`DELETE /_sim/faults` (a `FaultRule`); `GET /_sim/health`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways import sim_routes
from simulator.gateways.fcm.errors import FcmError, OAuthError
from simulator.gateways.fcm.service import FcmGateway
from simulator.gateways.recording import RecordedCall

logger = logging.getLogger(__name__)

GOOGLE_JSON = "application/json; charset=UTF-8"


class ProjectRegistration(BaseModel):
    """`POST /_sim/projects`: a Firebase project whose service-account key to create."""

    model_config = ConfigDict(extra="forbid")

    sandbox: str = Field(min_length=1)
    project_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$", description="safe in a URL path")
    token_uri: str | None = None


class DeviceRegistration(BaseModel):
    """`POST /_sim/devices`: an Android app instance asking for a registration token."""

    model_config = ConfigDict(extra="forbid")

    sandbox: str = Field(min_length=1)
    device_id: str = Field(min_length=1)
    package: str = Field(min_length=1)
    project_id: str = Field(min_length=1)


def create_app(gateway: FcmGateway) -> Starlette:
    """The ASGI app serving `gateway`: FCM's send endpoint, Google's token endpoint, and the `/_sim/` routes."""

    async def send_message(request: Request) -> Response:
        status, answer = await gateway.handle(
            request.path_params["project"], request.headers.get("authorization"), await request.body()
        )
        return JSONResponse(answer, status_code=status, media_type=GOOGLE_JSON)

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        try:
            answer = gateway.oauth.token_request(form)
        except OAuthError as error:
            return JSONResponse(error.to_body(), status_code=error.http_status, media_type=GOOGLE_JSON)
        return JSONResponse(answer, media_type=GOOGLE_JSON)

    async def register_project(request: Request) -> Response:
        body = ProjectRegistration.model_validate_json(await request.body())
        token_uri = body.token_uri or str(request.base_url).rstrip("/") + "/token"
        return JSONResponse(gateway.register_project(body.sandbox, body.project_id, token_uri), status_code=201)

    async def register_device(request: Request) -> Response:
        body = DeviceRegistration.model_validate_json(await request.body())
        issued = gateway.register_device(body.sandbox, body.device_id, body.package, body.project_id)
        return JSONResponse({"token": issued}, status_code=201)

    async def unregister_device(request: Request) -> Response:
        registration = request.path_params["token"]
        try:
            gateway.unregister_device(registration)
        except KeyError:
            return sim_routes.detail(404, f"no registration token {registration!r}")
        return JSONResponse({"token": registration, "registered": False})

    async def subscribe(request: Request) -> Response:
        topic, registration = request.path_params["topic"], request.path_params["token"]
        try:
            gateway.subscribe(registration, topic)
        except KeyError:
            return sim_routes.detail(404, f"no registration token {registration!r}")
        return JSONResponse({"token": registration, "topic": topic}, status_code=201)

    async def unsubscribe(request: Request) -> Response:
        gateway.unsubscribe(request.path_params["token"], request.path_params["topic"])
        return JSONResponse({"token": request.path_params["token"], "topic": request.path_params["topic"]})

    routes = [
        Route("/v1/projects/{project}/messages:send", send_message, methods=["POST"]),
        Route("/token", token, methods=["POST"]),
        Route("/_sim/projects", register_project, methods=["POST"]),
        Route("/_sim/devices", register_device, methods=["POST"]),
        Route("/_sim/devices/{token}", unregister_device, methods=["DELETE"]),
        Route("/_sim/topics/{topic}/tokens/{token}", subscribe, methods=["POST"]),
        Route("/_sim/topics/{topic}/tokens/{token}", unsubscribe, methods=["DELETE"]),
        *sim_routes.recording_routes(
            "/_sim/messages",
            gateway.calls,
            key="messages",
            noun="message",
            filters=sim_routes.attributes_equal("token", "sandbox", "status"),
            describe=RecordedCall.to_json,
        ),
        *sim_routes.fault_routes(gateway.faults),
        sim_routes.health_route("fcm"),
    ]
    return sim_routes.gateway_app(routes, _ERRORS)


def _google_error(error: FcmError) -> Response:
    return JSONResponse(error.to_body(), status_code=error.http_status, media_type=GOOGLE_JSON)


def _unrouted(request: Request, status: int) -> Response:
    """Starlette's own 404/405 (no route, wrong method), answered as Google does."""
    error = FcmError(
        None, "Requested entity was not found." if status == 404 else "Method not allowed.", http_status=status
    )
    return JSONResponse(_without_fcm_detail(error), status_code=status, media_type=GOOGLE_JSON)


def _without_fcm_detail(error: FcmError) -> dict[str, Any]:
    body = error.to_body()
    del body["error"]["details"]
    return body


_ERRORS = sim_routes.GatewayErrors(
    service="FCM",
    logger=logger,
    answers=(
        sim_routes.Answer(FcmError, _google_error),
        sim_routes.INVALID_BODY,
        sim_routes.NO_SANDBOX,
        sim_routes.INVALID_VALUE,
    ),
    unrouted=_unrouted,
    internal=lambda: JSONResponse(FcmError("INTERNAL").to_body(), status_code=500, media_type=GOOGLE_JSON),
)
