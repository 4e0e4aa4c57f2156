"""Adding email to a stack: the mail gateway, the platform's email channel, and their HTTP routes.

`install(stack)` is called right after `Stack.build()` and before anything uses `stack.apps()`:

- the gateway goes in `stack.messaging["smtp"]` (serve its SMTP with `serve_smtp(stack.messaging["smtp"], host,
  port)`, e.g. on the base port + 25);
- the platform's `EmailChannel` goes in `stack.platform.channels[Channel.EMAIL]`, sending through `DirectMail`
  (the gateway's own handler, no socket: in network mode the platform and the gateway share the server process);
- the email routes (configuration, tracking, unsubscribe, bounce intake) join the core app;
- the gateway's `/_sim/` app is added to `stack.apps()` as `smtp_http`, at `stack.urls["smtp_http"]`
  (`http://smtp.mjlab.test` in-process; `mjlab serve` sets the served URL, and `smtp` to `smtp://host:port`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from simulator.gateways.smtp.app import create_app
from simulator.gateways.smtp.routing import InboundMail
from simulator.gateways.smtp.service import MailGateway
from simulator.platform.channels.email import BounceIntake, EmailChannel, MailAnswer
from simulator.platform.email_api import email_router
from simulator.platform.models import Channel

if TYPE_CHECKING:
    from simulator.stack import Stack

#: The endpoint name and in-process base URL of the gateway's HTTP side.
HTTP_ENDPOINT = "smtp_http"
INPROCESS_URL = "http://smtp.mjlab.test"


class DirectMail:
    """The platform's MTA in one process: the gateway's SMTP hooks driven directly with the message's bytes."""

    def __init__(self, gateway: MailGateway) -> None:
        self.gateway = gateway

    async def submit(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> MailAnswer:
        """MAIL FROM, RCPT TO each, DATA: the final reply."""
        answer = await self.gateway.submit(mail_from, rcpt_tos, content)
        return MailAnswer(answer.code, answer.enhanced, answer.text)

    def route_bounces(self, domain: str, intake: BounceIntake) -> None:
        """Mail for `domain` that no phone holds goes to `intake` (the platform's bounce intake)."""

        async def deliver(mail: InboundMail) -> None:
            await intake(mail.sandbox, mail.raw)

        self.gateway.routes.add(domain, deliver)


def install(stack: Stack) -> None:
    """Add the mail gateway and the email channel to `stack` (before `stack.apps()` is handed out); once only."""
    if isinstance(stack.messaging.get("smtp"), MailGateway):
        return
    gateway = MailGateway(stack.sandboxes, stack.hub, webhooks=stack.webhooks)
    stack.messaging["smtp"] = gateway
    stack.platform.channels[Channel.EMAIL] = EmailChannel(DirectMail(gateway), stack.platform, stack.urls)
    stack.urls.setdefault(HTTP_ENDPOINT, INPROCESS_URL)
    apps = stack.apps()
    core = apps["core"]
    assert isinstance(core, FastAPI)
    core.include_router(email_router(stack.platform))
    apps[HTTP_ENDPOINT] = create_app(gateway)
