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
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways import sim_routes
from simulator.gateways.faults import FaultRule
from simulator.gateways.recording import RecordedCall
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

logger = logging.getLogger(__name__)

_MESSAGE_FILTERS: dict[str, sim_routes.Filter[Message]] = {
    **sim_routes.attributes_equal("to", "status", "sandbox", "direction", "channel", "account_sid"),
    "from": sim_routes.equals(lambda message: message.from_),
}


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
            return sim_routes.detail(404, str(error.args[0]))
        return JSONResponse(sent, status_code=201)

    def clear_messages(sandbox: str | None) -> int:
        gateway.calls.clear(sandbox)
        return gateway.messages.clear(sandbox)

    async def upload_media(request: Request) -> Response:
        body = MediaUpload.model_validate_json(await request.body())
        url = gateway.host_media(body.content_type, size=body.size, data=body.data)
        return JSONResponse({"url": url, "content_type": body.content_type}, status_code=201)

    async def get_media(request: Request) -> Response:
        hosted = gateway.media.get(request.path_params["id"])
        if hosted is None:
            return sim_routes.detail(404, f"no media {request.path_params['id']!r}")
        return Response(hosted.data, media_type=hosted.content_type)

    messages = "/2010-04-01/Accounts/{account_sid}/Messages"
    routes = [
        Route(messages + ".json", create_message, methods=["POST"]),
        Route(messages + ".json", list_messages, methods=["GET"]),
        Route(messages + "/{sid}.json", fetch_message, methods=["GET"]),
        Route("/v1/Content", create_content, methods=["POST"]),
        Route("/v1/Content/{sid}", fetch_content, methods=["GET"]),
        Route("/_sim/accounts", create_account, methods=["POST"]),
        Route("/_sim/numbers", add_number, methods=["POST"]),
        Route("/_sim/services", add_service, methods=["POST"]),
        Route("/_sim/subscribers", set_subscriber, methods=["POST"]),
        Route("/_sim/subscribers", list_subscribers, methods=["GET"]),
        Route("/_sim/phones/messages", phone_message, methods=["POST"]),
        *sim_routes.recording_routes(
            "/_sim/messages",
            gateway.messages,
            key="messages",
            noun="message",
            filters=_MESSAGE_FILTERS,
            describe=Message.to_sim_json,
            clear=clear_messages,
        ),
        sim_routes.listing_route(
            "/_sim/requests",
            gateway.calls,
            key="requests",
            filters=sim_routes.attributes_equal("sandbox"),
            describe=RecordedCall.to_json,
        ),
        Route("/_sim/media", upload_media, methods=["POST"]),
        Route("/_sim/media/{id}", get_media, methods=["GET"]),
        *sim_routes.fault_routes(gateway.faults, check=_twilio_code),
        sim_routes.health_route("twilio"),
    ]
    return sim_routes.gateway_app(routes, _ERRORS)


def _twilio_code(rule: FaultRule) -> None:
    if not rule.error.isdigit():
        raise ValueError(f"a Twilio fault names a numeric error code (e.g. '20429'), not {rule.error!r}")


def _answer(answer: TwilioAnswer) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if answer.status == 401 else None
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


def _twilio_error(error: TwilioError) -> Response:
    return JSONResponse(error.to_body(), status_code=error.status)


def _unrouted(request: Request, status: int) -> Response:
    """Starlette's own 404/405, answered as Twilio does."""
    if status == 405:
        return JSONResponse(TwilioError(20004, 405, "Method not allowed").to_body(), status_code=405)
    return JSONResponse(TwilioError(20404, path=request.url.path).to_body(), status_code=404)


_ERRORS = sim_routes.GatewayErrors(
    service="Twilio",
    logger=logger,
    answers=(
        sim_routes.Answer(TwilioError, _twilio_error),
        sim_routes.INVALID_BODY,
        sim_routes.NO_SANDBOX,
        sim_routes.Answer(KeyError, lambda error: sim_routes.detail(404, f"unknown {error.args[0]!r}")),
        sim_routes.INVALID_VALUE,
    ),
    unrouted=_unrouted,
    internal=lambda: JSONResponse(TwilioError(20500).to_body(), status_code=500),
)
