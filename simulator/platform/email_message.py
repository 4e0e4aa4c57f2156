"""The email a campaign or journey sends, the sandbox's email configuration, and HTML read as plain text.

`EmailMessage` is what an author writes: a subject, an HTML body and/or a text body (generated from the HTML when
absent), and optional sender overrides; every text field may hold personalization expressions, checked when the
campaign is created. `EmailSettings` is the channel configuration (`PUT /channels/email`), as the platform's email
configuration holds it: the delegated sending domain, the sender, the reply-to, the bounce (error) address on that
domain, and whether opens and clicks are tracked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.platform.personalization import validate

EMAIL_ADDRESS = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
EmailAddress = Annotated[str, Field(pattern=EMAIL_ADDRESS, max_length=254)]
#: The sending domain a sandbox uses until its email channel is configured.
DEFAULT_DOMAIN = "mail.mjlab.test"


class EmailMessage(BaseModel):
    """An email as authored in the platform (text may hold personalization expressions)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    subject: str = Field(min_length=1, max_length=998)
    html: str | None = Field(default=None, description="the HTML body; links are tracked, a pixel is added")
    text: str | None = Field(default=None, description="the plain-text body; generated from the HTML when absent")
    from_name: str | None = Field(default=None, alias="fromName", max_length=200)
    from_address: EmailAddress | None = Field(default=None, alias="fromAddress")
    reply_to: EmailAddress | None = Field(default=None, alias="replyTo")

    @model_validator(mode="after")
    def _body_and_templates(self) -> EmailMessage:
        if not self.html and not self.text:
            raise ValueError("give an html body, a text body, or both")
        for name in ("subject", "html", "text", "from_name"):
            value = getattr(self, name)
            problem = validate(value) if value else None
            if problem is not None:
                raise ValueError(f"{name}: personalization does not parse: {problem}")
        return self


class EmailSettings(BaseModel):
    """The email channel of one sandbox: `PUT /channels/email`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    domain: str = Field(default=DEFAULT_DOMAIN, pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+$")
    from_address: EmailAddress = Field(default=f"news@{DEFAULT_DOMAIN}", alias="fromAddress")
    from_name: str = Field(default="Mobile Journey Lab", alias="fromName", max_length=200)
    reply_to: EmailAddress | None = Field(default=None, alias="replyTo")
    bounce_address: EmailAddress | None = Field(
        default=None, alias="bounceAddress", description="where bounces go (default bounces@<domain>)"
    )
    track_opens: bool = Field(default=True, alias="trackOpens")
    track_clicks: bool = Field(default=True, alias="trackClicks")

    @model_validator(mode="after")
    def _on_the_domain(self) -> EmailSettings:
        domain = self.domain.lower()
        for name in ("from_address", "bounce_address"):
            value = getattr(self, name)
            if value is not None and value.rpartition("@")[2].lower() != domain:
                raise ValueError(f"{name} must be on the sending domain {self.domain!r}")
        if len(self.bounce_local) > 30:
            raise ValueError("bounce_address: the local part must leave room for a per-message tag (30 at most)")
        return self

    @property
    def bounce_local(self) -> str:
        """The local part of the bounce address."""
        return (self.bounce_address or f"bounces@{self.domain}").rpartition("@")[0]

    def return_path(self, tag: str) -> str:
        """The envelope sender of one message: the bounce address tagged with it (VERP), `bounces+tag@domain`."""
        return f"{self.bounce_local}+{tag}@{self.domain.lower()}"


_BLOCKS = frozenset({"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "hr"})
_HIDDEN = frozenset({"head", "style", "script", "title"})
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _TextReader(HTMLParser):
    """Collects the visible text of an HTML document, with a line per block and links as `text (url)`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._href: list[str | None] = []
        self._link_start: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._link_start.append(len(self.parts))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a" and self._href:
            href, start = self._href.pop(), self._link_start.pop()
            label = "".join(self.parts[start:]).strip()
            if href and re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) and href != label:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The plain-text alternative of an HTML body: visible text, a line per block, links as `text (url)`."""
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(reader.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
