"""The platform's WhatsApp channel: the message model, the sender, its routes and a provisioning helper.

`WhatsAppChannel` (registered under `Channel.WHATSAPP`) sends `WhatsAppMessage`s through a `WhatsAppTransport`;
`whatsapp_router(platform)` adds `PUT /channels/whatsapp` and the webhook routes `GET/POST
/webhooks/whatsapp/{sandbox}` to the platform's API; `provision_whatsapp(client, sandbox, templates)` sets up a
business at the gateway and the channel in the platform.
"""

from simulator.platform.channels.whatsapp.channel import (
    WhatsAppAnswer,
    WhatsAppChannel,
    WhatsAppConfig,
    WhatsAppExclusion,
    WhatsAppTransport,
)
from simulator.platform.channels.whatsapp.message import WhatsAppMessage, cloud_api_body
from simulator.platform.channels.whatsapp.provisioning import provision_whatsapp
from simulator.platform.channels.whatsapp.router import whatsapp_router

__all__ = [
    "WhatsAppAnswer",
    "WhatsAppChannel",
    "WhatsAppConfig",
    "WhatsAppExclusion",
    "WhatsAppMessage",
    "WhatsAppTransport",
    "cloud_api_body",
    "provision_whatsapp",
    "whatsapp_router",
]
