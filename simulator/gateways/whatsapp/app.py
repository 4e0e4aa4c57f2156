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
from simulator.sandboxes import SandboxNotFound

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
_MESSAGE_FILTERS = ("sandbox", "to", "phone_number_id", "direction", "type", "status", "http_status", "error")


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
            return _detail(400, "The callback URL or verify token couldn't be validated. Please verify the provided "
                                "information or try again later.")  # fmt: skip
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

    async def list_messages(request: Request) -> Response:
        wanted = {k: request.query_params[k] for k in _MESSAGE_FILTERS if k in request.query_params}
        found = gateway.calls.filter(lambda call: _matches(call, wanted))
        return JSONResponse({"messages": [call.to_json() for call in found], "total": len(found)})

    async def get_message(request: Request) -> Response:
        call = gateway.calls.get(request.path_params["id"])
        if call is None:
            return _detail(404, f"no message {request.path_params['id']!r}")
        return JSONResponse(call.to_json())

    async def clear_messages(request: Request) -> Response:
        sandbox = request.query_params.get("sandbox")
        gateway.conversations.clear_messages(sandbox)
        return JSONResponse({"deleted": gateway.calls.clear(sandbox)})

    async def list_webhooks(request: Request) -> Response:
        query = request.query_params

        def matches(call: RecordedCall) -> bool:
            return (
                query.get("sandbox", call.sandbox) == call.sandbox
                and query.get("phone_number_id", call.extra["phone_number_id"]) == call.extra["phone_number_id"]
                and query.get("delivered", str(call.delivered).lower()) == str(call.delivered).lower()
            )

        found = gateway.webhooks.log.filter(matches)
        return JSONResponse({"webhooks": [call.to_json() for call in found], "total": len(found)})

    async def clear_webhooks(request: Request) -> Response:
        return JSONResponse({"deleted": gateway.webhooks.clear(request.query_params.get("sandbox"))})

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [rule.model_dump() for rule in gateway.faults.rules]})

    async def add_fault(request: Request) -> Response:
        rule = FaultRule.model_validate_json(await request.body())
        if not rule.error.isdigit():
            return _detail(422, f"error must be a WhatsApp error code (digits), got {rule.error!r}")
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
        return JSONResponse({"status": "ok", "service": "whatsapp"})

    routes = [
        Route("/_sim/businesses", _guarded(create_business), methods=["POST"]),
        Route("/_sim/businesses", _guarded(list_businesses), methods=["GET"]),
        Route("/_sim/businesses/{phone_number_id}", _guarded(patch_business), methods=["PATCH"]),
        Route("/_sim/businesses/{phone_number_id}/webhook", _guarded(subscribe), methods=["PUT"]),
        Route("/_sim/templates", _guarded(create_template), methods=["POST"]),
        Route("/_sim/templates", _guarded(list_templates), methods=["GET"]),
        Route("/_sim/phones/messages", _guarded(phone_message), methods=["POST"]),
        Route("/_sim/phones/read", _guarded(phone_read), methods=["POST"]),
        Route("/_sim/messages", _guarded(list_messages), methods=["GET"]),
        Route("/_sim/messages", _guarded(clear_messages), methods=["DELETE"]),
        Route("/_sim/messages/{id:path}", _guarded(get_message), methods=["GET"]),
        Route("/_sim/webhooks", _guarded(list_webhooks), methods=["GET"]),
        Route("/_sim/webhooks", _guarded(clear_webhooks), methods=["DELETE"]),
        Route("/_sim/faults", _guarded(list_faults), methods=["GET"]),
        Route("/_sim/faults", _guarded(add_fault), methods=["POST"]),
        Route("/_sim/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/_sim/reset", _guarded(reset), methods=["POST"]),
        Route("/_sim/health", _guarded(health), methods=["GET"]),
        # Last: `/_sim/phones/messages` would match it too.
        Route("/{version}/{phone_number_id}/messages", _guarded(send_message), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.router.redirect_slashes = False
    return app


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


def _matches(call: RecordedCall, wanted: dict[str, str]) -> bool:
    for name, value in wanted.items():
        if name == "to":
            actual: Any = call.token
            value = wa_digits(value)
        elif name == "http_status":
            actual = call.status
        elif name == "sandbox":
            actual = call.sandbox
        else:
            actual = call.extra.get(name)
        if str(actual) != value:
            return False
    return True


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
        except SandboxNotFound as error:
            return _detail(404, f"no sandbox {error.args[0]!r}")
        except LookupError as error:
            return _detail(404, str(error.args[0]) if error.args else "not found")
        except ValueError as error:
            return _detail(422, str(error))
        except Exception:
            logger.exception("WhatsApp gateway failed on %s %s", request.method, request.url.path)
            return _detail(500, "internal error")

    return guarded


def _detail(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405: Graph's unknown-path answer outside `/_sim/`."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith("/_sim") or status != 404:
        return _detail(status, exc.detail if isinstance(exc, HTTPException) else "error")
    body = {"error": {"message": f"Unknown path components: {request.url.path}", "type": "OAuthException",
                      "code": 2500, "fbtrace_id": "AmjlabUnknownPath"}}  # fmt: skip
    return JSONResponse(body, status_code=400)


async def _server_error(request: Request, exc: Exception) -> Response:
    return _detail(500, "internal error")
