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
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways.faults import FaultRule
from simulator.gateways.recording import RecordedCall
from simulator.gateways.smtp.errors import SmtpError
from simulator.gateways.smtp.models import BounceRule, InboundRoute, RateLimit
from simulator.gateways.smtp.records import message_json
from simulator.gateways.smtp.service import MailGateway

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]


def _matches(call: RecordedCall, query: dict[str, str]) -> bool:
    body: dict[str, Any] = call.body
    if "sandbox" in query and call.sandbox != query["sandbox"]:
        return False
    if "to" in query:
        wanted = query["to"].lower()
        if wanted not in [a.lower() for a in [*body.get("rcpt_tos", []), *body.get("to", [])]]:
            return False
    if "from" in query:
        wanted = query["from"].lower()
        if wanted not in (str(body.get("mail_from", "")).lower(), str(body.get("from", "")).lower()) and (
            f"<{wanted}>" not in str(body.get("from", "")).lower()
        ):
            return False
    if "subject" in query and query["subject"].lower() not in str(body.get("subject", "")).lower():
        return False
    if "outcome" in query and call.extra.get("outcome") != query["outcome"]:
        return False
    return "kind" not in query or call.extra.get("kind") == query["kind"]


def create_app(gateway: MailGateway) -> Starlette:
    """The ASGI app serving `gateway`'s `/_sim/` routes."""

    async def list_messages(request: Request) -> Response:
        query = dict(request.query_params)
        found = gateway.calls.filter(lambda call: _matches(call, query))
        return JSONResponse({"messages": [message_json(call) for call in found], "total": len(found)})

    async def get_message(request: Request) -> Response:
        call = gateway.calls.get(request.path_params["id"])
        if call is None:
            return _detail(404, f"no message {request.path_params['id']!r}")
        return JSONResponse(message_json(call))

    async def get_raw(request: Request) -> Response:
        raw = gateway.raw(request.path_params["id"])
        if raw is None:
            return _detail(404, f"no message source {request.path_params['id']!r}")
        return Response(raw, media_type="message/rfc822")

    async def clear_messages(request: Request) -> Response:
        return JSONResponse({"deleted": gateway.clear_messages(request.query_params.get("sandbox"))})

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

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [rule.model_dump() for rule in gateway.faults.rules]})

    async def add_fault(request: Request) -> Response:
        rule = FaultRule.model_validate_json(await request.body())
        SmtpError(rule.error, code=rule.status)  # a reply the server can give, or a ValueError (422)
        gateway.faults.add(rule)
        return JSONResponse(rule.model_dump(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        dropped = len(gateway.faults.rules)
        gateway.faults.clear()
        return JSONResponse({"deleted": dropped})

    async def reset(request: Request) -> Response:
        gateway.reset()
        return JSONResponse({"reset": True})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "smtp", "messages": len(gateway.calls)})

    routes = [
        Route("/_sim/messages", _guarded(list_messages), methods=["GET"]),
        Route("/_sim/messages", _guarded(clear_messages), methods=["DELETE"]),
        Route("/_sim/messages/{id}", _guarded(get_message), methods=["GET"]),
        Route("/_sim/messages/{id}/raw", _guarded(get_raw), methods=["GET"]),
        Route("/_sim/bounces", _guarded(list_bounces), methods=["GET"]),
        Route("/_sim/bounces", _guarded(add_bounce), methods=["POST"]),
        Route("/_sim/bounces", _guarded(clear_bounces), methods=["DELETE"]),
        Route("/_sim/rate-limit", _guarded(set_rate_limit), methods=["POST"]),
        Route("/_sim/rate-limit", _guarded(clear_rate_limit), methods=["DELETE"]),
        Route("/_sim/routes", _guarded(list_routes), methods=["GET"]),
        Route("/_sim/routes", _guarded(add_route), methods=["POST"]),
        Route("/_sim/faults", _guarded(list_faults), methods=["GET"]),
        Route("/_sim/faults", _guarded(add_fault), methods=["POST"]),
        Route("/_sim/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/_sim/reset", _guarded(reset), methods=["POST"]),
        Route("/_sim/health", _guarded(health), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.router.redirect_slashes = False
    return app


def _guarded(endpoint: Endpoint) -> Endpoint:
    """Turn every failure of an endpoint into a JSON answer: a 4xx detail, or a logged 500."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ValidationError as error:
            problems = [
                {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
                for item in error.errors(include_url=False)
            ]
            return _detail(422, problems)
        except ValueError as error:
            return _detail(422, str(error))
        except Exception:
            logger.exception("SMTP gateway failed on %s %s", request.method, request.url.path)
            return _detail(500, "internal error")

    return guarded


def _detail(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return _detail(status, exc.detail if isinstance(exc, HTTPException) else "error")


async def _server_error(request: Request, exc: Exception) -> Response:
    return _detail(500, "internal error")
