"""The mail gateway's HTTP side: `/_sim/` routes to inspect what it received, make addresses bounce, and fail.

SMTP itself is served by `serve_smtp()`; this app only serves the simulator controls (as Mailpit's API does next to
its SMTP port). Every answer is JSON; an error is `{"detail": ...}` with a 4xx status, never a traceback.

- `GET /_sim/messages` (filters `to`, `from`, `subject` (contains, any case), `sandbox`, `outcome`, `kind`),
  `GET /_sim/messages/{id}` (`latest` accepted), `GET /_sim/messages/{id}/raw` (the bytes as received,
  `message/rfc822`), `DELETE /_sim/messages` (`?sandbox=` for one sandbox);
- `POST /_sim/bounces` (a `BounceRule`: `{"address", "kind": "hard"|"soft", "mode"?, "sandbox"?, "times"?}`),
  `GET`/`DELETE /_sim/bounces`;
- `POST /_sim/rate-limit` (`{"messages", "per_seconds", "sandbox"?}`), `DELETE /_sim/rate-limit`;
- `GET`/`POST /_sim/routes` (`{"domain", "url"}`: where mail for a domain no phone holds is posted);
- `GET`/`POST`/`DELETE /_sim/faults` (a `FaultRule` whose `error` names an SMTP reply and `status` its code);
- `POST /_sim/reset`; `GET /_sim/health`.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways import sim_routes
from simulator.gateways.faults import FaultRule
from simulator.gateways.recording import RecordedCall
from simulator.gateways.smtp.errors import SmtpError
from simulator.gateways.smtp.models import BounceRule, InboundRoute, RateLimit
from simulator.gateways.smtp.records import message_json
from simulator.gateways.smtp.service import MailGateway

logger = logging.getLogger(__name__)


def _to(call: RecordedCall, wanted: str) -> bool:
    """An envelope or header recipient, in any case."""
    body: dict[str, Any] = call.body
    return wanted.lower() in [a.lower() for a in [*body.get("rcpt_tos", []), *body.get("to", [])]]


def _from(call: RecordedCall, wanted: str) -> bool:
    """The envelope sender or the From header (all of it, or the `<address>` in it), in any case."""
    body: dict[str, Any] = call.body
    wanted, header = wanted.lower(), str(body.get("from", "")).lower()
    return wanted in (str(body.get("mail_from", "")).lower(), header) or f"<{wanted}>" in header


def _subject(call: RecordedCall, wanted: str) -> bool:
    """The subject contains it, in any case."""
    body: dict[str, Any] = call.body
    return wanted.lower() in str(body.get("subject", "")).lower()


_MESSAGE_FILTERS: dict[str, sim_routes.Filter[RecordedCall]] = {
    "sandbox": lambda call, value: call.sandbox == value,
    "to": _to,
    "from": _from,
    "subject": _subject,
    "outcome": lambda call, value: call.extra.get("outcome") == value,
    "kind": lambda call, value: call.extra.get("kind") == value,
}


def create_app(gateway: MailGateway) -> Starlette:
    """The ASGI app serving `gateway`'s `/_sim/` routes."""

    async def get_raw(request: Request) -> Response:
        raw = gateway.raw(request.path_params["id"])
        if raw is None:
            return sim_routes.detail(404, f"no message source {request.path_params['id']!r}")
        return Response(raw, media_type="message/rfc822")

    async def add_bounce(request: Request) -> Response:
        rule = BounceRule.model_validate_json(await request.body())
        gateway.bounces.add(rule)
        return JSONResponse(rule.model_dump(), status_code=201)

    async def list_bounces(request: Request) -> Response:
        return JSONResponse({"bounces": [rule.model_dump() for rule in gateway.bounces.rules]})

    async def clear_bounces(request: Request) -> Response:
        return JSONResponse({"deleted": gateway.bounces.clear(request.query_params.get("sandbox"))})

    async def set_rate_limit(request: Request) -> Response:
        limit = RateLimit.model_validate_json(await request.body())
        gateway.rate_limits.set(limit)
        return JSONResponse(limit.model_dump(), status_code=201)

    async def clear_rate_limit(request: Request) -> Response:
        gateway.rate_limits.clear()
        return JSONResponse({"deleted": True})

    async def list_routes(request: Request) -> Response:
        return JSONResponse({"routes": gateway.routes.to_json()})

    async def add_route(request: Request) -> Response:
        route = InboundRoute.model_validate_json(await request.body())
        gateway.routes.add(route.domain, route.url)
        return JSONResponse(route.model_dump(), status_code=201)

    routes = [
        *sim_routes.recording_routes(
            "/_sim/messages",
            gateway.calls,
            key="messages",
            noun="message",
            filters=_MESSAGE_FILTERS,
            describe=message_json,
            clear=gateway.clear_messages,
        ),
        Route("/_sim/messages/{id}/raw", get_raw, methods=["GET"]),
        Route("/_sim/bounces", list_bounces, methods=["GET"]),
        Route("/_sim/bounces", add_bounce, methods=["POST"]),
        Route("/_sim/bounces", clear_bounces, methods=["DELETE"]),
        Route("/_sim/rate-limit", set_rate_limit, methods=["POST"]),
        Route("/_sim/rate-limit", clear_rate_limit, methods=["DELETE"]),
        Route("/_sim/routes", list_routes, methods=["GET"]),
        Route("/_sim/routes", add_route, methods=["POST"]),
        *sim_routes.fault_routes(gateway.faults, check=_smtp_reply),
        sim_routes.reset_route(gateway.reset),
        sim_routes.health_route("smtp", details=lambda: {"messages": len(gateway.calls)}),
    ]
    return sim_routes.gateway_app(routes, _ERRORS)


def _smtp_reply(rule: FaultRule) -> None:
    SmtpError(rule.error, code=rule.status)  # a reply the server can give, or a ValueError (422)


_ERRORS = sim_routes.GatewayErrors(
    service="SMTP", logger=logger, answers=(sim_routes.INVALID_BODY, sim_routes.INVALID_VALUE)
)
