"""The Twilio gateway as an ASGI app: the Messages resource, the Content API, and `/_sim/` to set up and inspect.

Twilio's routes (HTTP Basic auth `AccountSid:AuthToken`; every error is Twilio's JSON
`{"code", "message", "more_info", "status"}`):

- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form: `To`, `From` or `MessagingServiceSid`, `Body`,
  `MediaUrl`..., `StatusCallback`, `ContentSid`, `ContentVariables`) runs exactly `TwilioGateway.create_message()`;
- `GET .../Messages.json` (`To`, `From`, `DateSent`, `DateSent<`, `DateSent>`, `PageSize`, `Page`) and
  `GET .../Messages/{Sid}.json`;
- `POST /v1/Content` (JSON) and `GET /v1/Content/{Sid}`: content templates for RCS rich cards.

`/_sim/` routes (JSON; errors are `{"detail": ...}` with a 4xx status):

- `POST /_sim/accounts` `{"sandbox"}` → `{"account_sid", "auth_token", "sandbox"}`;
- `POST /_sim/numbers` `{"account_sid", "phone_number", "sms_url", "status_callback"?, "capabilities"?}`;
- `POST /_sim/services` `{"account_sid", "friendly_name", "numbers", "rcs_sender"?, "inbound_url"?,
  "status_callback"?}` → the Messaging Service with its `sid`;
- `POST /_sim/subscribers` `{"sandbox", "phone_number", "line_type", "rcs", "failure"}`, `GET /_sim/subscribers`;
- `POST /_sim/phones/messages` `{"sandbox", "from", "payload": {"to", "body", "media", "button_payload"}}`: what a
  phone texts (answered with the inbound Message resource);
- `GET /_sim/messages` (filters `to`, `from`, `status`, `sandbox`, `direction`, `channel`, `account_sid`),
  `GET /_sim/messages/{sid}` (`latest` accepted), `DELETE /_sim/messages` (`?sandbox=`);
- `GET /_sim/requests`: every Messages create request and its answer;
- `POST /_sim/media` `{"content_type", "size"|"data"}` → `{"url"}`, served at `GET /_sim/media/{id}`;
- `GET`/`POST`/`DELETE /_sim/faults` (a `FaultRule` whose `error` is a Twilio code, e.g. `"20429"`, status 429);
  `GET /_sim/health`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways.faults import FaultRule
from simulator.gateways.twilio.errors import TwilioError
from simulator.gateways.twilio.messages import Message
from simulator.gateways.twilio.models import (
    AccountCreate,
    ContentCreate,
    MediaUpload,
    MessageCreate,
    NumberCreate,
    PhoneMessage,
    ServiceCreate,
    SubscriberCreate,
)
from simulator.gateways.twilio.service import TwilioAnswer, TwilioGateway
from simulator.sandboxes import SandboxNotFound

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
_MESSAGE_FILTERS = ("to", "from", "status", "sandbox", "direction", "channel", "account_sid")


def create_app(gateway: TwilioGateway) -> Starlette:
    """The ASGI app serving `gateway`."""

    async def create_message(request: Request) -> Response:
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        answer = await gateway.create_message(
            request.path_params["account_sid"], request.headers.get("authorization"), MessageCreate.from_form(form)
        )
        return _answer(answer)

    async def list_messages(request: Request) -> Response:
        account_sid = request.path_params["account_sid"]
        query = dict(request.query_params)
        return _answer(gateway.list_messages(account_sid, request.headers.get("authorization"), query))

    async def fetch_message(request: Request) -> Response:
        account_sid, sid = request.path_params["account_sid"], request.path_params["sid"]
        return _answer(gateway.fetch_message(account_sid, request.headers.get("authorization"), sid))

    async def create_content(request: Request) -> Response:
        body = ContentCreate.model_validate_json(await request.body())
        return _answer(gateway.create_content(request.headers.get("authorization"), body))

    async def fetch_content(request: Request) -> Response:
        return _answer(gateway.fetch_content(request.headers.get("authorization"), request.path_params["sid"]))

    async def create_account(request: Request) -> Response:
        body = AccountCreate.model_validate_json(await request.body())
        return JSONResponse(gateway.create_account(body.sandbox, body.friendly_name).model_dump(), status_code=201)

    async def add_number(request: Request) -> Response:
        body = NumberCreate.model_validate_json(await request.body())
        return JSONResponse(gateway.add_number(body).to_json(), status_code=201)

    async def add_service(request: Request) -> Response:
        body = ServiceCreate.model_validate_json(await request.body())
        return JSONResponse(gateway.add_service(body).to_json(), status_code=201)

    async def set_subscriber(request: Request) -> Response:
        body = SubscriberCreate.model_validate_json(await request.body())
        return JSONResponse(gateway.set_subscriber(body).to_json(), status_code=201)

    async def list_subscribers(request: Request) -> Response:
        found = gateway.directory.subscribers(request.query_params.get("sandbox"))
        return JSONResponse({"subscribers": [s.to_json() for s in found]})

    async def phone_message(request: Request) -> Response:
        body = PhoneMessage.model_validate_json(await request.body())
        try:
            sent = await gateway.receive_from_phone(body.sandbox, body.from_, body.payload.model_dump())
        except LookupError as error:
            return _detail(404, str(error.args[0]))
        return JSONResponse(sent, status_code=201)

    async def list_messages_sim(request: Request) -> Response:
        wanted = {k: request.query_params[k] for k in _MESSAGE_FILTERS if k in request.query_params}
        found = gateway.messages.filter(lambda m: all(_field(m, k) == v for k, v in wanted.items()))
        return JSONResponse({"messages": [m.to_sim_json() for m in found], "total": len(found)})

    async def get_message_sim(request: Request) -> Response:
        sid = request.path_params["sid"]
        message = gateway.messages.get(sid)
        if message is None:
            return _detail(404, f"no message {sid!r}")
        return JSONResponse(message.to_sim_json())

    async def clear_messages(request: Request) -> Response:
        sandbox = request.query_params.get("sandbox")
        gateway.calls.clear(sandbox)
        return JSONResponse({"deleted": gateway.messages.clear(sandbox)})

    async def list_requests(request: Request) -> Response:
        sandbox = request.query_params.get("sandbox")
        found = gateway.calls.query(sandbox=sandbox)
        return JSONResponse({"requests": [call.to_json() for call in found], "total": len(found)})

    async def upload_media(request: Request) -> Response:
        body = MediaUpload.model_validate_json(await request.body())
        url = gateway.host_media(body.content_type, size=body.size, data=body.data)
        return JSONResponse({"url": url, "content_type": body.content_type}, status_code=201)

    async def get_media(request: Request) -> Response:
        hosted = gateway.media.get(request.path_params["id"])
        if hosted is None:
            return _detail(404, f"no media {request.path_params['id']!r}")
        return Response(hosted.data, media_type=hosted.content_type)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [rule.model_dump() for rule in gateway.faults.rules]})

    async def add_fault(request: Request) -> Response:
        rule = FaultRule.model_validate_json(await request.body())
        if not rule.error.isdigit():
            return _detail(422, f"a Twilio fault names a numeric error code (e.g. '20429'), not {rule.error!r}")
        gateway.faults.add(rule)
        return JSONResponse(rule.model_dump(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        dropped = len(gateway.faults.rules)
        gateway.faults.clear()
        return JSONResponse({"deleted": dropped})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "twilio"})

    messages = "/2010-04-01/Accounts/{account_sid}/Messages"
    routes = [
        Route(messages + ".json", _guarded(create_message), methods=["POST"]),
        Route(messages + ".json", _guarded(list_messages), methods=["GET"]),
        Route(messages + "/{sid}.json", _guarded(fetch_message), methods=["GET"]),
        Route("/v1/Content", _guarded(create_content), methods=["POST"]),
        Route("/v1/Content/{sid}", _guarded(fetch_content), methods=["GET"]),
        Route("/_sim/accounts", _guarded(create_account), methods=["POST"]),
        Route("/_sim/numbers", _guarded(add_number), methods=["POST"]),
        Route("/_sim/services", _guarded(add_service), methods=["POST"]),
        Route("/_sim/subscribers", _guarded(set_subscriber), methods=["POST"]),
        Route("/_sim/subscribers", _guarded(list_subscribers), methods=["GET"]),
        Route("/_sim/phones/messages", _guarded(phone_message), methods=["POST"]),
        Route("/_sim/messages", _guarded(list_messages_sim), methods=["GET"]),
        Route("/_sim/messages", _guarded(clear_messages), methods=["DELETE"]),
        Route("/_sim/messages/{sid}", _guarded(get_message_sim), methods=["GET"]),
        Route("/_sim/requests", _guarded(list_requests), methods=["GET"]),
        Route("/_sim/media", _guarded(upload_media), methods=["POST"]),
        Route("/_sim/media/{id}", _guarded(get_media), methods=["GET"]),
        Route("/_sim/faults", _guarded(list_faults), methods=["GET"]),
        Route("/_sim/faults", _guarded(add_fault), methods=["POST"]),
        Route("/_sim/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/_sim/health", _guarded(health), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.router.redirect_slashes = False
    return app


def _guarded(endpoint: Endpoint) -> Endpoint:
    """Turn every failure of an endpoint into JSON: Twilio's error, a 4xx detail, or a logged 500."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except TwilioError as error:
            return JSONResponse(error.to_body(), status_code=error.status)
        except ValidationError as error:
            problems = [
                {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
                for item in error.errors(include_url=False)
            ]
            return _detail(422, problems)
        except SandboxNotFound as error:
            return _detail(404, f"no sandbox {error.args[0]!r}")
        except KeyError as error:
            return _detail(404, f"unknown {error.args[0]!r}")
        except ValueError as error:
            return _detail(422, str(error))
        except Exception:
            logger.exception("Twilio gateway failed on %s %s", request.method, request.url.path)
            return _server_error_response(request)

    return guarded


def _answer(answer: TwilioAnswer) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if answer.status == 401 else None
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


def _field(message: Message, name: str) -> str:
    value = {"from": message.from_, "account_sid": message.account_sid}.get(name, getattr(message, name, None))
    return str(value)


def _detail(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _is_sim(request: Request) -> bool:
    return request.url.path.startswith("/_sim")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405, answered as Twilio does outside `/_sim/`."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if _is_sim(request):
        return _detail(status, exc.detail if isinstance(exc, HTTPException) else "error")
    if status == 405:
        return JSONResponse(TwilioError(20004, 405, "Method not allowed").to_body(), status_code=405)
    return JSONResponse(TwilioError(20404, path=request.url.path).to_body(), status_code=404)


async def _server_error(request: Request, exc: Exception) -> Response:
    return _server_error_response(request)


def _server_error_response(request: Request) -> Response:
    if _is_sim(request):
        return _detail(500, "internal error")
    return JSONResponse(TwilioError(20500).to_body(), status_code=500)
