"""The WhatsApp gateway as an ASGI app: Meta's `POST /{version}/{phone_number_id}/messages`, and `/_sim/`.

The send route runs exactly `WhatsAppGateway.handle()` and answers Meta's JSON (a 401 adds Graph's
`WWW-Authenticate` header). Under `/_sim/` every failure is `{"detail": ...}` with a 4xx status, never a traceback:

- `POST /_sim/businesses` (`BusinessCreate`) → 201 `{"waba_id", "phone_number_id", "access_token", "app_secret",
  "display_phone_number", "verified_name", "webhook_verified"}`; `GET /_sim/businesses` (`?sandbox=`);
  `PATCH /_sim/businesses/{phone_number_id}` (`BusinessPatch`);
  `PUT /_sim/businesses/{phone_number_id}/webhook` `{"callback_url", "verify_token"}` → the handshake: 200
  `{"verified": true}`, or 400 when the URL did not echo the challenge (webhooks then stay undelivered);
- `POST /_sim/templates` (`TemplateCreate`) → 201; `GET /_sim/templates?waba_id=`;
- `POST /_sim/phones/messages` `{"sandbox", "from", "payload"}` (a person writes, taps, reads);
  `POST /_sim/phones/read` `{"sandbox", "from", "to", "message_ids"?}` (the person opened the chat);
- `GET /_sim/messages` (filters `sandbox`, `to`, `phone_number_id`, `direction`, `type`, `status` (the message's
  status), `http_status`, `error`), `GET /_sim/messages/{id}` (`latest` accepted), `DELETE /_sim/messages`
  (`?sandbox=`);
- `GET /_sim/webhooks` (filters `sandbox`, `phone_number_id`, `delivered`), `DELETE /_sim/webhooks`;
- `GET`/`POST`/`DELETE /_sim/faults` (a `FaultRule` whose `error` is Meta's numeric code, e.g. `"130429"` with
  status 429; its `token` matches the recipient's WhatsApp id, its `topic` the phone number id),
  `POST /_sim/reset`, `GET /_sim/health`.
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
from simulator.gateways.whatsapp.accounts import Business, wa_digits
from simulator.gateways.whatsapp.models import (
    BusinessCreate,
    BusinessPatch,
    PhoneMessage,
    PhoneRead,
    SendRequest,
    TemplateCreate,
    WebhookSubscription,
)
from simulator.gateways.whatsapp.service import WhatsAppGateway

logger = logging.getLogger(__name__)


def _extra(name: str) -> sim_routes.Filter[RecordedCall]:
    return sim_routes.equals(lambda call: call.extra.get(name))


#: `status` is the message's own status (in `extra`); `http_status` the status the send was answered with.
_MESSAGE_FILTERS: dict[str, sim_routes.Filter[RecordedCall]] = {
    **sim_routes.attributes_equal("sandbox"),
    "to": lambda call, value: str(call.token) == wa_digits(value),
    "http_status": sim_routes.equals(lambda call: call.status),
    **{name: _extra(name) for name in ("phone_number_id", "direction", "type", "status", "error")},
}
_WEBHOOK_FILTERS: dict[str, sim_routes.Filter[RecordedCall]] = {
    "sandbox": lambda call, value: call.sandbox == value,
    "phone_number_id": lambda call, value: call.extra["phone_number_id"] == value,
    "delivered": lambda call, value: str(call.delivered).lower() == value,
}


def create_app(gateway: WhatsAppGateway) -> Starlette:
    """The ASGI app serving `gateway`: Meta's send endpoint plus the `/_sim/` routes."""

    async def send_message(request: Request) -> Response:
        send = SendRequest(
            version=request.path_params["version"],
            phone_number_id=request.path_params["phone_number_id"],
            authorization=request.headers.get("authorization"),
            access_token=request.query_params.get("access_token"),
            body=await request.body(),
        )
        answer = await gateway.handle(send)
        headers = None
        if answer.status == 401:
            message = answer.body["error"]["message"]
            headers = {"www-authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'}
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)

    async def create_business(request: Request) -> Response:
        business = await gateway.create_business(BusinessCreate.model_validate_json(await request.body()))
        return JSONResponse(business.credentials().model_dump(), status_code=201)

    async def list_businesses(request: Request) -> Response:
        sandbox = request.query_params.get("sandbox")
        found = [b for b in gateway.businesses if sandbox is None or b.sandbox.name == sandbox]
        return JSONResponse({"businesses": [_business_json(b) for b in found]})

    async def patch_business(request: Request) -> Response:
        business = _business(gateway, request)
        patch = BusinessPatch.model_validate_json(await request.body())
        if patch.window_enforcement is not None:
            business.window_enforcement = patch.window_enforcement
        if "allowed_recipients" in patch.model_fields_set:
            gateway.businesses.set_allowed(business, patch.allowed_recipients)
        return JSONResponse(_business_json(business))

    async def subscribe(request: Request) -> Response:
        business = _business(gateway, request)
        body = WebhookSubscription.model_validate_json(await request.body())
        if not await gateway.subscribe(business, body.callback_url, body.verify_token):
            return sim_routes.detail(400, "The callback URL or verify token couldn't be validated. Please verify "
                                          "the provided information or try again later.")  # fmt: skip
        return JSONResponse({"verified": True, "callback_url": body.callback_url})

    async def create_template(request: Request) -> Response:
        template = gateway.register_template(TemplateCreate.model_validate_json(await request.body()))
        return JSONResponse(template.to_json(), status_code=201)

    async def list_templates(request: Request) -> Response:
        waba_id = request.query_params.get("waba_id", "")
        return JSONResponse({"data": [t.to_json() for t in gateway.templates.of(waba_id)]})

    async def phone_message(request: Request) -> Response:
        body = PhoneMessage.model_validate_json(await request.body())
        return JSONResponse(await gateway.receive_from_phone(body.sandbox, body.sender, body.payload))

    async def phone_read(request: Request) -> Response:
        body = PhoneRead.model_validate_json(await request.body())
        payload: dict[str, Any] = {"to": body.to, "type": "read"}
        if body.message_ids is not None:
            payload["message_ids"] = body.message_ids
        return JSONResponse(await gateway.receive_from_phone(body.sandbox, body.sender, payload))

    def clear_messages(sandbox: str | None) -> int:
        gateway.conversations.clear_messages(sandbox)
        return gateway.calls.clear(sandbox)

    routes = [
        Route("/_sim/businesses", create_business, methods=["POST"]),
        Route("/_sim/businesses", list_businesses, methods=["GET"]),
        Route("/_sim/businesses/{phone_number_id}", patch_business, methods=["PATCH"]),
        Route("/_sim/businesses/{phone_number_id}/webhook", subscribe, methods=["PUT"]),
        Route("/_sim/templates", create_template, methods=["POST"]),
        Route("/_sim/templates", list_templates, methods=["GET"]),
        Route("/_sim/phones/messages", phone_message, methods=["POST"]),
        Route("/_sim/phones/read", phone_read, methods=["POST"]),
        *sim_routes.recording_routes(
            "/_sim/messages",
            gateway.calls,
            key="messages",
            noun="message",
            filters=_MESSAGE_FILTERS,
            describe=RecordedCall.to_json,
            clear=clear_messages,
            id_convertor="path",
        ),
        sim_routes.listing_route(
            "/_sim/webhooks",
            gateway.webhooks.log,
            key="webhooks",
            filters=_WEBHOOK_FILTERS,
            describe=RecordedCall.to_json,
        ),
        sim_routes.clearing_route("/_sim/webhooks", gateway.webhooks.clear),
        *sim_routes.fault_routes(gateway.faults, check=_meta_code),
        sim_routes.reset_route(gateway.reset),
        sim_routes.health_route("whatsapp"),
        # Last: `/_sim/phones/messages` would match it too.
        Route("/{version}/{phone_number_id}/messages", send_message, methods=["POST"]),
    ]
    return sim_routes.gateway_app(routes, _ERRORS)


def _business(gateway: WhatsAppGateway, request: Request) -> Business:
    phone_number_id = request.path_params["phone_number_id"]
    business = gateway.businesses.get(phone_number_id)
    if business is None:
        raise LookupError(f"no WhatsApp business with phone number id {phone_number_id!r}")
    return business


def _business_json(business: Business) -> dict[str, Any]:
    return {
        **business.credentials().model_dump(),
        "sandbox": business.sandbox.name,
        "callback_url": business.callback_url,
        "window_enforcement": business.window_enforcement,
        "allowed_recipients": sorted(business.allowed_recipients) if business.allowed_recipients is not None else None,
    }


def _meta_code(rule: FaultRule) -> None:
    if not rule.error.isdigit():
        raise ValueError(f"error must be a WhatsApp error code (digits), got {rule.error!r}")


def _unrouted(request: Request, status: int) -> Response | None:
    """Starlette's own 404: Graph's unknown-path answer (a 405 stays a `{"sim_routes.detail"}`)."""
    if status != 404:
        return None
    body = {"error": {"message": f"Unknown path components: {request.url.path}", "type": "OAuthException",
                      "code": 2500, "fbtrace_id": "AmjlabUnknownPath"}}  # fmt: skip
    return JSONResponse(body, status_code=400)


def _not_found(error: LookupError) -> Response:
    return sim_routes.detail(404, str(error.args[0]) if error.args else "not found")


_ERRORS = sim_routes.GatewayErrors(
    service="WhatsApp",
    logger=logger,
    answers=(
        sim_routes.INVALID_BODY,
        sim_routes.NO_SANDBOX,
        sim_routes.Answer(LookupError, _not_found),
        sim_routes.INVALID_VALUE,
    ),
    unrouted=_unrouted,
)
