"""Inbound routes: where mail for an address no phone holds goes (the platform's bounce address, a team's service).

Real senders receive bounces the way any mail is received: the bounce domain's MX hands each message to a program
or posts it to a webhook (SES receipt rules, SendGrid Inbound Parse, Mailgun routes). Here a route maps a domain to
either an in-process handler (how the platform's bounce intake is wired when it runs in the same process) or a URL
that gets the raw message as `POST` with `Content-Type: message/rfc822` and the envelope in `X-Mjlab-Mail-From`,
`X-Mjlab-Rcpt-To` and `X-Sandbox-Name` headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from simulator.gateways.webhooks import WebhookSender


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One message handed to a route: its envelope and its bytes."""

    sandbox: str
    mail_from: str
    rcpt_to: str
    raw: bytes


InboundHandler = Callable[[InboundMail], Awaitable[Any]]


class InboundRoutes:
    """Routes by recipient domain; a handler or a URL each."""

    def __init__(self, webhooks: WebhookSender | None = None) -> None:
        self._webhooks = webhooks
        self._routes: dict[str, InboundHandler | str] = {}

    def add(self, domain: str, target: InboundHandler | str) -> None:
        """Route mail for `domain` to `target` (a handler, or a URL to post the raw message to)."""
        self._routes[domain.lower()] = target

    def remove(self, domain: str) -> bool:
        """Drop the route of `domain`; False if there was none."""
        return self._routes.pop(domain.lower(), None) is not None

    def __contains__(self, domain: object) -> bool:
        return isinstance(domain, str) and domain.lower() in self._routes

    def to_json(self) -> list[dict[str, str]]:
        """The routes as `/_sim/routes` lists them (`in-process` for handlers)."""
        return [
            {"domain": domain, "url": target if isinstance(target, str) else "in-process"}
            for domain, target in sorted(self._routes.items())
        ]

    async def deliver(self, domain: str, mail: InboundMail) -> tuple[bool, str]:
        """Hand `mail` to the route of `domain`: (taken, what happened)."""
        target = self._routes.get(domain.lower())
        if target is None:
            return False, "no route"
        if not isinstance(target, str):
            await target(mail)
            return True, "in-process"
        if self._webhooks is None:
            self._webhooks = WebhookSender()
        headers = {
            "content-type": "message/rfc822",
            "x-sandbox-name": mail.sandbox,
            "x-mjlab-mail-from": mail.mail_from,
            "x-mjlab-rcpt-to": mail.rcpt_to,
        }
        answer = await self._webhooks.post(target, content=mail.raw, headers=headers)
        return 200 <= answer.status < 300, f"{target} answered {answer.status}"
