"""Set up SMS for a sandbox the way a team does: a Twilio account, a number, and the platform's SMS channel.

`provision_sms()` works in every stack mode: it creates the account and number through the gateway's `/_sim/`
routes, points the number's inbound webhook at the platform (its base URL as the server itself knows it, from
`/_sim/endpoints`, so that it is right in a container too), and configures the platform's channel.
"""

from __future__ import annotations

from typing import Any

from simulator.client import StackClient

DEFAULT_NUMBER = "+15550100001"


async def provision_sms(
    client: StackClient, sandbox: str, *, number: str = DEFAULT_NUMBER, rcs_agent: str | None = None
) -> dict[str, Any]:
    """Create a Twilio account and `number` (and, with `rcs_agent`, a Messaging Service with that RCS sender) and
    configure the platform's SMS channel with them.

    Returns `{"accountSid", "authToken", "numbers", "statusCallback", "messagingServiceSid", "inboundUrl"}`.
    """
    grant = await client.call("twilio", "POST", "/_sim/accounts", json={"sandbox": sandbox})
    account_sid = grant["account_sid"]
    core = await _core_url(client)
    inbound_url = f"{core}/webhooks/twilio/{sandbox}/inbound"
    await client.call(
        "twilio", "POST", "/_sim/numbers",
        json={"account_sid": account_sid, "phone_number": number, "sms_url": inbound_url},
    )  # fmt: skip
    service_sid = None
    if rcs_agent is not None:
        body = {
            "account_sid": account_sid,
            "friendly_name": f"{sandbox} messaging",
            "numbers": [number],
            "rcs_sender": rcs_agent if rcs_agent.startswith("rcs:") else f"rcs:{rcs_agent}",
            "inbound_url": inbound_url,
        }
        service_sid = (await client.call("twilio", "POST", "/_sim/services", json=body))["sid"]
    config: dict[str, Any] = {
        "accountSid": account_sid,
        "authToken": grant["auth_token"],
        "numbers": [number],
        "statusCallback": f"{core}/webhooks/twilio/{sandbox}/status",
    }
    if service_sid is not None:
        config["messagingServiceSid"] = service_sid
    await client.call("core", "PUT", "/channels/sms", sandbox=sandbox, json=config)
    return {**config, "messagingServiceSid": service_sid, "inboundUrl": inbound_url}


async def _core_url(client: StackClient) -> str:
    """The platform's base URL as the server knows it (what the gateway, beside it, can reach)."""
    endpoints = await client.call("core", "GET", "/_sim/endpoints")
    return str(endpoints["core"]).rstrip("/")
