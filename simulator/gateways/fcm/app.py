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
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways.faults import FaultRule
from simulator.gateways.fcm.errors import FcmError, OAuthError
from simulator.gateways.fcm.service import FcmGateway
from simulator.gateways.recording import RecordedCall
from simulator.sandboxes import SandboxNotFound

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
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
            return _detail(404, f"no registration token {registration!r}")
        return JSONResponse({"token": registration, "registered": False})

    async def subscribe(request: Request) -> Response:
        topic, registration = request.path_params["topic"], request.path_params["token"]
        try:
            gateway.subscribe(registration, topic)
        except KeyError:
            return _detail(404, f"no registration token {registration!r}")
        return JSONResponse({"token": registration, "topic": topic}, status_code=201)

    async def unsubscribe(request: Request) -> Response:
        gateway.unsubscribe(request.path_params["token"], request.path_params["topic"])
        return JSONResponse({"token": request.path_params["token"], "topic": request.path_params["topic"]})

    async def list_messages(request: Request) -> Response:
        wanted = {k: request.query_params[k] for k in ("token", "sandbox", "status") if k in request.query_params}

        def matches(call: RecordedCall) -> bool:
            return all(str(getattr(call, name)) == value for name, value in wanted.items())

        found = gateway.calls.filter(matches)
        return JSONResponse({"messages": [call.to_json() for call in found], "total": len(found)})

    async def get_message(request: Request) -> Response:
        call_id = request.path_params["id"]
        call = gateway.calls.get(call_id)
        if call is None:
            return _detail(404, f"no message {call_id!r}")
        return JSONResponse(call.to_json())

    async def clear_messages(request: Request) -> Response:
        return JSONResponse({"deleted": gateway.calls.clear(request.query_params.get("sandbox"))})

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [rule.model_dump() for rule in gateway.faults.rules]})

    async def add_fault(request: Request) -> Response:
        rule = FaultRule.model_validate_json(await request.body())
        gateway.faults.add(rule)
        return JSONResponse(rule.model_dump(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        dropped = len(gateway.faults.rules)
        gateway.faults.clear()
        return JSONResponse({"deleted": dropped})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "fcm"})

    routes = [
        Route("/v1/projects/{project}/messages:send", _guarded(send_message), methods=["POST"]),
        Route("/token", _guarded(token), methods=["POST"]),
        Route("/_sim/projects", _guarded(register_project), methods=["POST"]),
        Route("/_sim/devices", _guarded(register_device), methods=["POST"]),
        Route("/_sim/devices/{token}", _guarded(unregister_device), methods=["DELETE"]),
        Route("/_sim/topics/{topic}/tokens/{token}", _guarded(subscribe), methods=["POST"]),
        Route("/_sim/topics/{topic}/tokens/{token}", _guarded(unsubscribe), methods=["DELETE"]),
        Route("/_sim/messages", _guarded(list_messages), methods=["GET"]),
        Route("/_sim/messages", _guarded(clear_messages), methods=["DELETE"]),
        Route("/_sim/messages/{id}", _guarded(get_message), methods=["GET"]),
        Route("/_sim/faults", _guarded(list_faults), methods=["GET"]),
        Route("/_sim/faults", _guarded(add_fault), methods=["POST"]),
        Route("/_sim/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/_sim/health", _guarded(health), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.router.redirect_slashes = False
    return app


def _guarded(endpoint: Endpoint) -> Endpoint:
    """Turn every failure of an endpoint into a JSON answer: Google's error, a 4xx detail, or a logged 500."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except FcmError as error:
            return JSONResponse(error.to_body(), status_code=error.http_status, media_type=GOOGLE_JSON)
        except ValidationError as error:
            return _validation_failed(error)
        except SandboxNotFound as error:
            return _detail(404, f"no sandbox {error.args[0]!r}")
        except ValueError as error:
            return _detail(422, str(error))
        except Exception:
            logger.exception("FCM gateway failed on %s %s", request.method, request.url.path)
            return _server_error_response(request)

    return guarded


def _detail(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _validation_failed(error: ValidationError) -> JSONResponse:
    problems = [
        {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False)
    ]
    return _detail(422, problems)


def _is_sim(request: Request) -> bool:
    return request.url.path.startswith("/_sim")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (no route, wrong method), answered as Google does outside `/_sim/`."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if _is_sim(request):
        return _detail(status, exc.detail if isinstance(exc, HTTPException) else "error")
    error = FcmError(
        None, "Requested entity was not found." if status == 404 else "Method not allowed.", http_status=status
    )
    return JSONResponse(_without_fcm_detail(error), status_code=status, media_type=GOOGLE_JSON)


def _without_fcm_detail(error: FcmError) -> dict[str, Any]:
    body = error.to_body()
    del body["error"]["details"]
    return body


async def _server_error(request: Request, exc: Exception) -> Response:
    return _server_error_response(request)


def _server_error_response(request: Request) -> Response:
    if _is_sim(request):
        return _detail(500, "internal error")
    return JSONResponse(FcmError("INTERNAL").to_body(), status_code=500, media_type=GOOGLE_JSON)
