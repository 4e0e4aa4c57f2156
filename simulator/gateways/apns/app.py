"""The APNs gateway as an ASGI app: Apple's `POST /3/device/{token}`, and `/_sim/` to register, inspect and fail.

`POST /3/device/{token}` runs exactly `ApnsGateway.handle()`. The environment is read from the host (the
`:authority` of HTTP/2): a host naming `sandbox` or `development` (Apple's `api.sandbox.push.apple.com`,
`api.development.push.apple.com`) is the sandbox environment, any other production; the header
`x-mjlab-apns-environment` overrides it. An app created with a fixed `environment` serves only that one (whatever
the host), for clients such as aioapns that name the host they connect to in the request: serve one app per
environment on its own port. Every answer is Apple's JSON (`{"reason": ...}`) or, under `/_sim/`, a
JSON `{"detail": ...}` with a 4xx status; never a traceback.

`/_sim/` routes:

- `POST /_sim/keys` `{"sandbox", "team_id", "topics"}` → the `ProviderKeyGrant` (with the `.p8` PEM);
- `POST /_sim/devices` `{"sandbox", "device_id", "bundle_id", "environment"}` → `{"token"}`;
  `DELETE /_sim/devices/{token}` unregisters it (the app was uninstalled);
- `GET /_sim/notifications` (filters `token`, `topic`, `sandbox`, `status`), `GET /_sim/notifications/{id}`
  (`latest` accepted), `DELETE /_sim/notifications` (`?sandbox=` for one sandbox);
- `GET`/`POST`/`DELETE /_sim/faults` (a `FaultRule`); `GET /_sim/health`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways.apns.errors import ApnsError
from simulator.gateways.apns.models import (
    APNS_HEADERS,
    ApnsRequest,
    ApnsResponse,
    DeviceRegistered,
    DeviceRegistration,
    Environment,
    KeyRegistration,
)
from simulator.gateways.apns.service import ApnsGateway
from simulator.gateways.faults import FaultRule
from simulator.gateways.recording import RecordedCall
from simulator.sandboxes import SandboxNotFound

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
ENVIRONMENT_HEADER = "x-mjlab-apns-environment"
_APNS_HEADER_NAMES = frozenset(name.encode() for name in APNS_HEADERS)


def create_app(gateway: ApnsGateway, *, environment: Environment | None = None) -> Starlette:
    """The ASGI app serving `gateway`: Apple's provider API plus the `/_sim/` inspection routes.

    `environment` fixes the APNs environment of every request (the override header still wins); by default it is
    read from the host.
    """

    async def send_notification(request: Request) -> Response:
        chosen = _environment(request, environment)
        if chosen is None:
            return _detail(400, f"{ENVIRONMENT_HEADER} must be 'production' or 'sandbox'")
        apns_request = ApnsRequest.from_headers(
            request.path_params.get("token", ""),
            request.headers,
            await request.body(),
            chosen,
            duplicate_headers=_has_duplicate_headers(request),
        )
        return _apns_answer(await gateway.handle(apns_request))

    async def register_key(request: Request) -> Response:
        body = KeyRegistration.model_validate_json(await request.body())
        grant = gateway.register_key(body.sandbox, body.team_id, body.topics)
        return JSONResponse(grant.model_dump(), status_code=201)

    async def register_device(request: Request) -> Response:
        body = DeviceRegistration.model_validate_json(await request.body())
        token = gateway.register_device(body.sandbox, body.device_id, body.bundle_id, body.environment)
        return JSONResponse(DeviceRegistered(token=token).model_dump(), status_code=201)

    async def unregister_device(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            gateway.unregister_device(token)
        except KeyError:
            return _detail(404, f"no device token {token!r}")
        issued = gateway.device_token(token)
        return JSONResponse({"token": token, "unregistered_at": issued.unregistered_at_ms if issued else None})

    async def list_notifications(request: Request) -> Response:
        query = request.query_params
        wanted: dict[str, str] = {k: query[k] for k in ("token", "topic", "sandbox", "status") if k in query}

        def matches(call: RecordedCall) -> bool:
            return all(
                str(call.headers.get("apns-topic") if name == "topic" else getattr(call, name)) == value
                for name, value in wanted.items()
            )

        found = gateway.calls.filter(matches)
        return JSONResponse({"notifications": [call.to_json() for call in found], "total": len(found)})

    async def get_notification(request: Request) -> Response:
        call_id = request.path_params["id"]
        call = gateway.calls.get(call_id)
        if call is None:
            return _detail(404, f"no notification {call_id!r}")
        return JSONResponse(call.to_json())

    async def clear_notifications(request: Request) -> Response:
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
        return JSONResponse({"status": "ok", "service": "apns"})

    routes = [
        Route("/3/device/{token}", _guarded(send_notification), methods=["POST"]),
        Route("/3/device/", _guarded(send_notification), methods=["POST"]),
        Route("/_sim/keys", _guarded(register_key), methods=["POST"]),
        Route("/_sim/devices", _guarded(register_device), methods=["POST"]),
        Route("/_sim/devices/{token}", _guarded(unregister_device), methods=["DELETE"]),
        Route("/_sim/notifications", _guarded(list_notifications), methods=["GET"]),
        Route("/_sim/notifications", _guarded(clear_notifications), methods=["DELETE"]),
        Route("/_sim/notifications/{id}", _guarded(get_notification), methods=["GET"]),
        Route("/_sim/faults", _guarded(list_faults), methods=["GET"]),
        Route("/_sim/faults", _guarded(add_fault), methods=["POST"]),
        Route("/_sim/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/_sim/health", _guarded(health), methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.router.redirect_slashes = False
    return app


def _guarded(endpoint: Endpoint) -> Endpoint:
    """Turn every failure of an endpoint into a JSON answer: Apple's reason, a 4xx detail, or a logged 500."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ApnsError as error:
            return JSONResponse(error.to_body(), status_code=error.status)
        except ValidationError as error:
            return _validation_failed(error)
        except SandboxNotFound as error:
            return _detail(404, f"no sandbox {error.args[0]!r}")
        except ValueError as error:
            return _detail(422, str(error))
        except Exception:
            logger.exception("APNs gateway failed on %s %s", request.method, request.url.path)
            return _server_error_response(request)

    return guarded


def _environment(request: Request, fixed: Environment | None) -> Environment | None:
    override = request.headers.get(ENVIRONMENT_HEADER)
    if override is not None:
        value = override.strip().lower()
        return "sandbox" if value == "sandbox" else "production" if value == "production" else None
    if fixed is not None:
        return fixed
    host = request.headers.get("host", "").lower()
    return "sandbox" if "sandbox" in host or "development" in host else "production"


def _has_duplicate_headers(request: Request) -> bool:
    names = [name for name, _ in request.headers.raw if name in _APNS_HEADER_NAMES]
    return len(names) != len(set(names))


def _apns_answer(answer: ApnsResponse) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers={"apns-id": answer.apns_id})
    return JSONResponse(answer.body, status_code=answer.status, headers={"apns-id": answer.apns_id})


def _detail(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _validation_failed(error: ValidationError) -> JSONResponse:
    problems = [
        {"loc": ["body", *error_item["loc"]], "msg": error_item["msg"], "type": error_item["type"]}
        for error_item in error.errors(include_url=False)
    ]
    return _detail(422, problems)


def _is_sim(request: Request) -> bool:
    return request.url.path.startswith("/_sim")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (no route, wrong method), answered as Apple does outside `/_sim/`."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    reason = {404: "BadPath", 405: "MethodNotAllowed"}.get(status)
    if _is_sim(request) or reason is None:
        return _detail(status, exc.detail if isinstance(exc, HTTPException) else "error")
    return JSONResponse(ApnsError(reason).to_body(), status_code=status)


async def _server_error(request: Request, exc: Exception) -> Response:
    return _server_error_response(request)


def _server_error_response(request: Request) -> Response:
    if _is_sim(request):
        return _detail(500, "internal error")
    return JSONResponse(ApnsError("InternalServerError").to_body(), status_code=500)
