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

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways import sim_routes
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
from simulator.gateways.recording import RecordedCall

logger = logging.getLogger(__name__)

ENVIRONMENT_HEADER = "x-mjlab-apns-environment"
_APNS_HEADER_NAMES = frozenset(name.encode() for name in APNS_HEADERS)
_NOTIFICATION_FILTERS: dict[str, sim_routes.Filter[RecordedCall]] = {
    **sim_routes.attributes_equal("token", "sandbox", "status"),
    "topic": sim_routes.equals(lambda call: call.headers.get("apns-topic")),
}


def create_app(gateway: ApnsGateway, *, environment: Environment | None = None) -> Starlette:
    """The ASGI app serving `gateway`: Apple's provider API plus the `/_sim/` inspection routes.

    `environment` fixes the APNs environment of every request (the override header still wins); by default it is
    read from the host.
    """

    async def send_notification(request: Request) -> Response:
        chosen = _environment(request, environment)
        if chosen is None:
            return sim_routes.detail(400, f"{ENVIRONMENT_HEADER} must be 'production' or 'sandbox'")
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
            return sim_routes.detail(404, f"no device token {token!r}")
        issued = gateway.device_token(token)
        return JSONResponse({"token": token, "unregistered_at": issued.unregistered_at_ms if issued else None})

    routes = [
        Route("/3/device/{token}", send_notification, methods=["POST"]),
        Route("/3/device/", send_notification, methods=["POST"]),
        Route("/_sim/keys", register_key, methods=["POST"]),
        Route("/_sim/devices", register_device, methods=["POST"]),
        Route("/_sim/devices/{token}", unregister_device, methods=["DELETE"]),
        *sim_routes.recording_routes(
            "/_sim/notifications",
            gateway.calls,
            key="notifications",
            noun="notification",
            filters=_NOTIFICATION_FILTERS,
            describe=RecordedCall.to_json,
        ),
        *sim_routes.fault_routes(gateway.faults),
        sim_routes.health_route("apns"),
    ]
    return sim_routes.gateway_app(routes, _ERRORS)


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


def _apple_error(error: ApnsError) -> Response:
    return JSONResponse(error.to_body(), status_code=error.status)


def _unrouted(request: Request, status: int) -> Response | None:
    """Starlette's own 404/405 (no route, wrong method), answered as Apple does."""
    reason = {404: "BadPath", 405: "MethodNotAllowed"}.get(status)
    return None if reason is None else JSONResponse(ApnsError(reason).to_body(), status_code=status)


_ERRORS = sim_routes.GatewayErrors(
    service="APNs",
    logger=logger,
    answers=(
        sim_routes.Answer(ApnsError, _apple_error),
        sim_routes.INVALID_BODY,
        sim_routes.NO_SANDBOX,
        sim_routes.INVALID_VALUE,
    ),
    unrouted=_unrouted,
    internal=lambda: JSONResponse(ApnsError("InternalServerError").to_body(), status_code=500),
)
