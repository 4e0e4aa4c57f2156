"""The email channel's HTTP routes on the platform: configuration, suppressions, tracking, unsubscribe, bounces.

- `PUT /channels/email` (an `EmailSettings`: domain, sender, reply-to, bounce address, tracking), `GET` it back;
- `GET /channels/email/suppressions`, `DELETE /channels/email/suppressions/{address}`;
- `GET /t/open/{token}.gif`: a real 1x1 GIF; the first load counts the message opened;
- `GET /t/click/{token}`: 302 to the link's target; counts the click, records a `message.clicked` event;
- `GET /u/{token}`: the unsubscribe page (a form; a GET never unsubscribes, so link scanners cannot);
  `POST /u/{token}`: unsubscribe, from the page's form or as RFC 8058's one-click POST
  (`List-Unsubscribe=One-Click`);
- `POST /email/bounces`: the bounce intake, an inbound-parse webhook taking a raw DSN (`message/rfc822`), with the
  sandbox in `x-sandbox-name` when the DSN does not name it.

Tracking URLs carry their sandbox in their signed token (a mail client sends no `x-sandbox-name`).
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from simulator.platform.channels.email import EmailChannel
from simulator.platform.email_feedback import resolve, take_bounce_report, track_click, track_open, unsubscribe
from simulator.platform.email_message import DEFAULT_DOMAIN, EmailSettings
from simulator.platform.email_tracking import email_book
from simulator.platform.errors import NotFound
from simulator.platform.models import Channel
from simulator.sandboxes import DEFAULT_SANDBOX

if TYPE_CHECKING:
    from simulator.client import StackClient
    from simulator.platform.service import Platform

#: The 1x1 transparent GIF every open pixel answers with.
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_NO_STORE = {"cache-control": "no-store, no-cache, must-revalidate, max-age=0", "pragma": "no-cache"}

SandboxName = Annotated[str, Header(alias="x-sandbox-name", description="the sandbox to act in")]


def _page(title: str, body: str) -> HTMLResponse:
    document = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, headers=_NO_STORE)


def email_router(platform: Platform) -> APIRouter:
    """The email routes bound to `platform` (its email channel must be an `EmailChannel`)."""
    router = APIRouter()

    def channel() -> EmailChannel:
        sender = platform.channels.get(Channel.EMAIL)
        if not isinstance(sender, EmailChannel):
            raise NotFound("the email channel is not available", field="channel")
        return sender

    @router.put("/channels/email", tags=["channels"])
    async def configure(body: EmailSettings, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        settings = channel().configure(platform.state(sandbox), body)
        return settings.model_dump(by_alias=True)

    @router.get("/channels/email", tags=["channels"])
    async def settings(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        return email_book(platform.state(sandbox)).settings.model_dump(by_alias=True)

    @router.get("/channels/email/suppressions", tags=["channels"])
    async def suppressions(sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        book = email_book(platform.state(sandbox))
        return {"suppressions": [s.to_json() for s in book.suppressed.values()]}

    @router.delete("/channels/email/suppressions/{address}", status_code=204, tags=["channels"])
    async def unsuppress(address: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> Response:
        book = email_book(platform.state(sandbox))
        if book.suppressed.pop(address.lower(), None) is None:
            raise NotFound(f"{address} is not suppressed", field="address")
        return Response(status_code=204)

    @router.get("/t/open/{token}.gif", tags=["tracking"])
    async def opened(token: str) -> Response:
        track_open(platform, token)
        return Response(PIXEL_GIF, media_type="image/gif", headers=_NO_STORE)

    @router.get("/t/click/{token}", tags=["tracking"])
    async def clicked(token: str) -> Response:
        return RedirectResponse(track_click(platform, token), status_code=302, headers=_NO_STORE)

    @router.get("/u/{token}", tags=["tracking"])
    async def unsubscribe_page(token: str) -> HTMLResponse:
        tracked = resolve(platform, token)
        sender = html.escape(tracked.book.settings.from_name)
        form = (
            f"<p>Stop marketing email from {sender} to {html.escape(tracked.sent.address)}?</p>"
            f'<form method="post" action="/u/{html.escape(token)}">'
            '<input type="hidden" name="confirm" value="yes">'
            '<button type="submit">Unsubscribe</button></form>'
        )
        return _page("Unsubscribe", form)

    @router.post("/u/{token}", tags=["tracking"])
    async def unsubscribed(token: str) -> HTMLResponse:
        tracked = unsubscribe(platform, token)
        return _page("Unsubscribed", f"<p>{html.escape(tracked.sent.address)} will get no more marketing email.</p>")

    @router.post("/email/bounces", tags=["channels"])
    async def bounces(
        request: Request, sandbox: Annotated[str | None, Header(alias="x-sandbox-name")] = None
    ) -> dict[str, Any]:
        return {"bounces": take_bounce_report(platform, sandbox, await request.body())}

    return router


async def provision_email(
    client: StackClient,
    sandbox: str,
    *,
    domain: str = DEFAULT_DOMAIN,
    from_address: str | None = None,
    from_name: str = "Mobile Journey Lab",
    reply_to: str | None = None,
    bounce_address: str | None = None,
) -> dict[str, Any]:
    """Configure the sandbox's email sender (domain, from, reply-to, bounce address) through the platform's API."""
    body: dict[str, Any] = {"domain": domain, "fromAddress": from_address or f"news@{domain}", "fromName": from_name}
    if reply_to is not None:
        body["replyTo"] = reply_to
    if bounce_address is not None:
        body["bounceAddress"] = bounce_address
    return dict(await client.call("core", "PUT", "/channels/email", sandbox=sandbox, json=body))
