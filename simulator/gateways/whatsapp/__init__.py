"""The fake WhatsApp Cloud API: Meta's send endpoint, templates, the 24-hour window and signed webhooks.

`WhatsAppGateway` holds the ordered request chain (`handle()`) and the phones' side (`receive_from_phone()`),
`create_app()` serves it as ASGI with the `/_sim/` routes, and `wiring.install(stack)` puts it into a stack with
the platform's WhatsApp channel.
"""

from simulator.gateways.whatsapp.app import create_app
from simulator.gateways.whatsapp.errors import ERRORS, AccessTokenError, UnknownObjectError, WhatsAppError
from simulator.gateways.whatsapp.models import (
    BusinessCreate,
    BusinessCredentials,
    SendAnswer,
    SendRequest,
    TemplateCreate,
)
from simulator.gateways.whatsapp.service import WhatsAppGateway
from simulator.gateways.whatsapp.webhooks import SIGNATURE_HEADER, sign, verify

__all__ = [
    "ERRORS",
    "SIGNATURE_HEADER",
    "AccessTokenError",
    "BusinessCreate",
    "BusinessCredentials",
    "SendAnswer",
    "SendRequest",
    "TemplateCreate",
    "UnknownObjectError",
    "WhatsAppError",
    "WhatsAppGateway",
    "create_app",
    "sign",
    "verify",
]
