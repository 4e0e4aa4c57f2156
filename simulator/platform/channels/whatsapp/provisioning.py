"""Set up WhatsApp for a sandbox in one call, whatever the stack's mode: business, templates, webhook, channel.

`provision_whatsapp()` does what a team does in Meta's dashboards and in the platform's settings: create the
business number at the gateway, register its templates, configure the platform's WhatsApp channel with the
credentials, then subscribe the platform's webhook route (the gateway's handshake checks it against the verify
token the platform now holds). The callback URL is the core's base URL as the server knows it
(`/_sim/endpoints`), so webhooks stay inside the server in every mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.client import StackClient

DEFAULT_BUSINESS_NUMBER = "+15550100100"


async def provision_whatsapp(
    client: StackClient,
    sandbox: str,
    templates: Iterable[Mapping[str, Any]] = (),
    *,
    display_phone_number: str = DEFAULT_BUSINESS_NUMBER,
    verified_name: str = "Mobile Journey Lab",
    window_enforcement: str = "failed_status",
    allowed_recipients: list[str] | None = None,
) -> dict[str, Any]:
    """Create and wire a WhatsApp business for `sandbox`; returns its credentials, callback URL and verify token.

    `templates` are `/_sim/templates` bodies without `waba_id` (`name`, `language`, `category`, `status`,
    `components`, as Meta's template API takes them).
    """
    body: dict[str, Any] = {
        "sandbox": sandbox,
        "display_phone_number": display_phone_number,
        "verified_name": verified_name,
        "window_enforcement": window_enforcement,
    }
    if allowed_recipients is not None:
        body["allowed_recipients"] = allowed_recipients
    business: dict[str, Any] = await client.call("whatsapp", "POST", "/_sim/businesses", json=body)
    registered = [
        await client.call("whatsapp", "POST", "/_sim/templates", json={**template, "waba_id": business["waba_id"]})
        for template in templates
    ]
    verify_token = f"mjlab-{sandbox}-{business['phone_number_id'][-6:]}"
    config = {
        "wabaId": business["waba_id"],
        "phoneNumberId": business["phone_number_id"],
        "displayPhoneNumber": business["display_phone_number"],
        "accessToken": business["access_token"],
        "appSecret": business["app_secret"],
        "verifyToken": verify_token,
    }
    await client.call("core", "PUT", "/channels/whatsapp", sandbox=sandbox, json=config)
    endpoints = await client.call("core", "GET", "/_sim/endpoints")
    callback_url = f"{str(endpoints['core']).rstrip('/')}/webhooks/whatsapp/{sandbox}"
    webhook = {"callback_url": callback_url, "verify_token": verify_token}
    await client.call("whatsapp", "PUT", f"/_sim/businesses/{business['phone_number_id']}/webhook", json=webhook)
    return {
        **business,
        "webhook_verified": True,
        "callback_url": callback_url,
        "verify_token": verify_token,
        "templates": registered,
    }
