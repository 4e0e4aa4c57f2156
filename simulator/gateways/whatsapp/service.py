"""The fake WhatsApp Cloud API: Meta's send endpoint in one ordered request chain, and the phones' side of it.

`WhatsAppGateway.handle()` runs every `POST /{version}/{phone_number_id}/messages` through the same steps, in this
order, whether it came over HTTP (`app.py`) or straight from the platform in-process:

1. authenticate: the bearer token (190 unparsable or unknown, 190/463 expired), and its right to this phone number
   id (100/33); a `{"status": "read", "message_id"}` body marks an incoming message read and stops here;
2. validate: the envelope and the message object (`validation.py`), a template against the registry
   (`templates.py`);
3. faults: an injected failure, answered with the rule's code and status;
4. recipient: a test number's allowed list (131030);
5. the 24-hour window: a free-form message to someone who has not written in 24 hours is refused with 131047 when
   the business says `send_error`, or accepted and then failed with a 131047 status when it says `failed_status`
   (the default, as the Cloud API does it);
6. record: every request, accepted or not, lands in `calls` (`latest` accepted as an id);
7. deliver: `sent` at once, `delivered` when the phone has it (an offline phone gets it when it comes back), `read`
   when the person opens the chat; a number with no WhatsApp phone fails with 131026 instead.

Phones reach it through `receive_from_phone()`: a message from a person opens (or refreshes) the window and is
posted to the business's webhook; `{"type": "read"}` sends read statuses. The gateway is global, like Meta's; each
business belongs to a sandbox, whose clock decides token expiry, windows and timestamps.

Message ids are `wamid.` and base64 (URL-safe here, so an id fits in a path) of the recipient and a seeded id.
"""

from __future__ import annotations

import base64
from typing import Any

from simulator.clock import pause
from simulator.devices.delivery import MessageChannel, MessageDelivery
from simulator.devices.hub import DeviceHub
from simulator.gateways.faults import FaultInjector, FaultRule
from simulator.gateways.recording import CallLog, RecordedCall
from simulator.gateways.whatsapp.accounts import Business, BusinessRegistry, wa_digits
from simulator.gateways.whatsapp.conversations import Conversations, InboundMessage, OutboundMessage
from simulator.gateways.whatsapp.errors import WhatsAppError, invalid_parameter
from simulator.gateways.whatsapp.inbound import InboundError, inbound_message
from simulator.gateways.whatsapp.models import BusinessCreate, SendAnswer, SendRequest, TemplateCreate
from simulator.gateways.whatsapp.templates import RenderedTemplate, Template, TemplateRegistry
from simulator.gateways.whatsapp.validation import CheckedSend, check_content, check_envelope, read_body
from simulator.gateways.whatsapp.webhooks import (
    WebhookDispatcher,
    WebhookPoster,
    envelope,
    messages_value,
    statuses_value,
    user_id,
)
from simulator.sandboxes import DEFAULT_SANDBOX, Sandbox, Sandboxes


class WhatsAppGateway:
    """Meta's WhatsApp Cloud API for every sandbox: businesses, templates, the send chain, webhooks and windows."""

    def __init__(self, sandboxes: Sandboxes, hub: DeviceHub, sender: WebhookPoster) -> None:
        self._sandboxes = sandboxes
        self._hub = hub
        self.businesses = BusinessRegistry(sandboxes)
        self.templates = TemplateRegistry()
        self.conversations = Conversations()
        self.webhooks = WebhookDispatcher(sender)
        self.calls = CallLog()
        self.faults = FaultInjector(seed=f"{sandboxes.seed}/whatsapp/faults")
        hub.on_online(self._flush_waiting)
        sandboxes.on_close(lambda sandbox: self.forget_sandbox(sandbox.name))

    # -- what Meta's dashboards do ------------------------------------------------------------------------------

    async def create_business(self, body: BusinessCreate) -> Business:
        """Create a business (account, phone number, token, app secret); subscribe its webhook when one is given."""
        business = self.businesses.create(body)
        if body.callback_url:
            await self.subscribe(business, body.callback_url, body.verify_token or "")
        return business

    async def subscribe(self, business: Business, callback_url: str, verify_token: str) -> bool:
        """Set the business's callback URL and run Meta's handshake against it; True when the URL is verified."""
        business.callback_url, business.verify_token = callback_url, verify_token
        business.webhook_verified = await self.webhooks.handshake(business, callback_url, verify_token)
        return business.webhook_verified

    def register_template(self, body: TemplateCreate) -> Template:
        """Add or replace a template of an account; LookupError for an unknown account."""
        owners = self.businesses.by_account(body.waba_id)
        if not owners:
            raise LookupError(f"no WhatsApp Business Account {body.waba_id!r}")
        return self.templates.register(body, owners[0].sandbox)

    # -- the request chain --------------------------------------------------------------------------------------

    async def handle(self, request: SendRequest) -> SendAnswer:
        """Answer one `POST /{version}/{phone_number_id}/messages` as Meta would."""
        business: Business | None = None
        body: dict[str, Any] | None = None
        send: CheckedSend | None = None
        try:
            business = self.businesses.authenticate(_token(request), request.phone_number_id)
            body = read_body(request.body)
            if body.get("status") == "read":
                return self._mark_read(business, body)
            send = check_envelope(body)
            template: Template | None = None
            rendered: RenderedTemplate | None = None
            if send.type == "template":
                template, rendered = self.templates.render(business.waba_id, send.content)
            else:
                check_content(send.type, send.content)
            fault = self.faults.pick(token=send.wa_id, topic=business.phone_number_id)
            if fault is not None:
                await _fail_as(fault)
            if business.allowed_recipients is not None and send.wa_id not in business.allowed_recipients:
                raise WhatsAppError(131030)
            outside = template is None and not self.conversations.window_open(business, send.wa_id)
            if outside and business.window_enforcement == "send_error":
                raise WhatsAppError(131047)
            return self._accept(request, business, body, send, template, rendered, outside)
        except WhatsAppError as error:
            return self._refuse(request, business, body, send, error)

    def _accept(
        self,
        request: SendRequest,
        business: Business,
        body: dict[str, Any],
        send: CheckedSend,
        template: Template | None,
        rendered: RenderedTemplate | None,
        outside: bool,
    ) -> SendAnswer:
        sandbox = business.sandbox
        message_id = _wamid(sandbox, send.wa_id)
        accepted: dict[str, Any] = {"id": message_id}
        if template is not None:
            accepted["message_status"] = "accepted"
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": send.to, "wa_id": send.wa_id}],
            "messages": [accepted],
        }
        message = send.message()
        if rendered is not None:
            message["rendered"] = rendered.to_json()
        call = self.calls.record(
            RecordedCall(
                id=message_id,
                at=sandbox.clock.timestamp(),
                method="POST",
                path=f"/{request.version}/{request.phone_number_id}/messages",
                headers={},
                body=body,
                status=200,
                response=answer,
                token=send.wa_id,
                sandbox=sandbox.name,
                delivered=False,
                extra={"direction": "outbound", "phone_number_id": business.phone_number_id, "type": send.type,
                       "status": "accepted", "statuses": []},
            )
        )  # fmt: skip
        category = template.category.lower() if template is not None else "service"
        outbound = OutboundMessage(message_id, business, send.wa_id, send.type, message, category, call)
        self.conversations.add(outbound)
        if outside:
            self._fail(outbound, WhatsAppError(131047))
        else:
            self._dispatch(outbound)
        return SendAnswer(status=200, body=answer)

    def _refuse(
        self,
        request: SendRequest,
        business: Business | None,
        body: dict[str, Any] | None,
        send: CheckedSend | None,
        error: WhatsAppError,
    ) -> SendAnswer:
        owner = business.sandbox if business is not None else self._sandboxes.get(DEFAULT_SANDBOX)
        fbtrace_id = "A" + base64.urlsafe_b64encode(bytes.fromhex(owner.ids.hex(32))).decode()[:22]
        response = error.to_body(fbtrace_id)
        raw = request.body if isinstance(request.body, dict) else request.body.decode("utf-8", "replace")
        self.calls.record(
            RecordedCall(
                id=fbtrace_id,
                at=owner.clock.timestamp(),
                method="POST",
                path=f"/{request.version}/{request.phone_number_id}/messages",
                headers={},
                body=body if body is not None else raw,
                status=error.status,
                response=response,
                reason=error.message,
                token=send.wa_id if send is not None else None,
                sandbox=business.sandbox.name if business is not None else None,
                delivered=False,
                extra={"direction": "outbound", "phone_number_id": request.phone_number_id, "error": error.code},
            )
        )
        return SendAnswer(status=error.status, body=response)

    def _mark_read(self, business: Business, body: dict[str, Any]) -> SendAnswer:
        """The business read an incoming message (Meta's read receipt on the send path): no webhook follows."""
        if body.get("messaging_product") != "whatsapp":
            raise invalid_parameter("The parameter messaging_product is required.")
        inbound = self.conversations.inbound.get(str(body.get("message_id", "")))
        if inbound is None or inbound.business is not business:
            raise invalid_parameter(f"Invalid message_id: {body.get('message_id')}")
        inbound.read = True
        inbound.call.extra["read"] = True
        return SendAnswer(status=200, body={"success": True})

    # -- delivery and statuses ----------------------------------------------------------------------------------

    def _dispatch(self, outbound: OutboundMessage) -> None:
        device_id = self._hub.device_for(outbound.business.sandbox.name, "+" + outbound.wa_id)
        if device_id is None:
            self._fail(outbound, WhatsAppError(131026))
            return
        outbound.device_id = device_id
        self._status(outbound, "sent")
        self._hand_over(outbound)

    def _hand_over(self, outbound: OutboundMessage) -> None:
        assert outbound.device_id is not None
        delivery = MessageDelivery(
            channel=MessageChannel.WHATSAPP,
            sender=outbound.business.number,
            recipient="+" + outbound.wa_id,
            message_id=outbound.id,
            payload=outbound.payload,
            sent_at=outbound.call.at,
        )
        if self._hub.deliver_message(outbound.device_id, delivery):
            outbound.call.delivered = True
            self._status(outbound, "delivered")
        else:
            self.conversations.keep_for(outbound.device_id, outbound)

    def _flush_waiting(self, device_id: str) -> None:
        """A phone came online: hand over what waited for it."""
        for outbound in self.conversations.take_for(device_id):
            if outbound.business.sandbox.name in self._sandboxes:
                self._hand_over(outbound)

    def _fail(self, outbound: OutboundMessage, error: WhatsAppError) -> None:
        outbound.call.reason = error.message
        outbound.call.extra["error"] = error.code
        self._status(outbound, "failed", error)

    def _status(self, outbound: OutboundMessage, status: str, error: WhatsAppError | None = None) -> None:
        business = outbound.business
        timestamp = str(int(business.sandbox.clock.timestamp()))
        entry: dict[str, Any] = {"id": outbound.id, "status": status, "timestamp": timestamp,
                                 "recipient_id": outbound.wa_id}  # fmt: skip
        if status != "failed":
            entry["recipient_user_id"] = user_id(business, outbound.wa_id)
        if status in ("sent", "delivered"):
            entry["conversation"] = self.conversations.conversation(outbound, first=status == "sent")
            entry["pricing"] = self.conversations.pricing(outbound)
        if error is not None:
            entry["errors"] = [error.status_error()]
        outbound.status = status
        outbound.call.extra["status"] = status
        outbound.call.extra["statuses"].append({"status": status, "timestamp": timestamp})
        self.webhooks.post(business, envelope(business, statuses_value(business, entry)))

    # -- the phones' side -----------------------------------------------------------------------------------------

    async def receive_from_phone(self, sandbox: str, sender: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A person's phone at `sender` sends `payload` to the business named in `payload["to"]`.

        LookupError for an unknown business; InboundError (a ValueError) for something WhatsApp could not send.
        """
        business = self.businesses.by_number(sandbox, str(payload.get("to") or ""))
        if business is None:
            raise LookupError(f"no WhatsApp business at {payload.get('to')!r} in sandbox {sandbox!r}")
        wa_id = wa_digits(sender)
        if payload.get("type") == "read":
            ids = payload.get("message_ids")
            return self.read_chat(business, wa_id, [str(i) for i in ids] if isinstance(ids, list) else None)
        replied = self._replied(business, wa_id, payload)
        message_id = _wamid(business.sandbox, wa_id)
        message = inbound_message(business, wa_id, message_id, payload, replied, user_id(business, wa_id))
        call = self.calls.record(
            RecordedCall(
                id=message_id,
                at=business.sandbox.clock.timestamp(),
                method="POST",
                path="/_sim/phones/messages",
                headers={},
                body=message,
                status=200,
                response=None,
                token=wa_id,
                sandbox=business.sandbox.name,
                delivered=True,
                extra={"direction": "inbound", "phone_number_id": business.phone_number_id, "type": message["type"]},
            )
        )
        self.conversations.inbound[message_id] = InboundMessage(message_id, business, wa_id, message, call)
        self.conversations.touch(business, wa_id)
        name = str(payload.get("profile_name") or "")
        self.webhooks.post(business, envelope(business, messages_value(business, name, wa_id, message)))
        return {"messaging_product": "whatsapp", "messages": [{"id": message_id, "timestamp": message["timestamp"]}]}

    def _replied(self, business: Business, wa_id: str, payload: dict[str, Any]) -> OutboundMessage | None:
        context_id = (payload.get("context") or {}).get("id")
        replied = self.conversations.outbound.get(context_id) if isinstance(context_id, str) else None
        if replied is not None and (replied.business is not business or replied.wa_id != wa_id):
            raise InboundError(f"message {context_id} was not sent by {business.number} to +{wa_id}")
        return replied

    def read_chat(self, business: Business, wa_id: str, message_ids: list[str] | None = None) -> dict[str, Any]:
        """The person opened the chat: every delivered message (or those named) is read, each with its status."""
        read: list[str] = []
        for outbound in self.conversations.chat(business, wa_id):
            if outbound.status == "delivered" and (message_ids is None or outbound.id in message_ids):
                self._status(outbound, "read")
                read.append(outbound.id)
        return {"success": True, "read": read}

    # -- state ----------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded calls, webhooks, messages and fault rules (businesses, templates and windows stay)."""
        self.calls.clear()
        self.webhooks.clear()
        self.faults.clear()
        self.conversations.clear_messages()

    def forget_sandbox(self, sandbox: str) -> None:
        """Drop everything of a closed sandbox: businesses, templates, windows, messages, calls and webhooks."""
        mine = [b for b in self.businesses if b.sandbox.name == sandbox]
        self.conversations.forget({b.phone_number_id for b in mine}, sandbox)
        self.templates.forget({b.waba_id for b in mine})
        self.businesses.forget_sandbox(sandbox)
        self.calls.clear(sandbox)
        self.webhooks.clear(sandbox)


def _token(request: SendRequest) -> str | None:
    if request.authorization:
        scheme, _, token = request.authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None
    return request.access_token


def _wamid(sandbox: Sandbox, wa_id: str) -> str:
    """A message id shaped like Meta's: `wamid.` and base64 of the recipient and a unique part."""
    raw = b"\x1c\x18" + bytes([len(wa_id)]) + wa_id.encode() + b"\x15\x02\x00\x11\x18\x12"
    raw += sandbox.ids.hex(18).upper().encode() + b"\x00"
    return "wamid." + base64.urlsafe_b64encode(raw).decode()


async def _fail_as(rule: FaultRule) -> None:
    """Answer as an injected rule says, after its latency (real time: it slows the transport)."""
    if rule.latency_ms:
        await pause(rule.latency_ms / 1000)
    raise WhatsAppError(int(rule.error), status=rule.status)
