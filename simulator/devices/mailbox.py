"""The phone's mail app: the person's inbox, opening an email, clicking its links, unsubscribing.

Opening an email renders its HTML, so its remote images are loaded as a mail app loads them (through
`phone.services.fetch`): the sender's tracking pixel is fetched and the open is tracked. Clicking a link loads it in
the phone's browser: a tracked link goes through the sender's redirect (which records the click) and lands on its
target, added to `phone.browser` (a page on the stack is loaded; another site or an app's deep link is opened
without loading). Unsubscribing uses RFC 8058's one-click POST when the message offers it (`List-Unsubscribe` with
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`), else follows the unsubscribe link of the body and submits the
form of the page it opens, as a person would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from simulator.devices.delivery import MessageDelivery
from simulator.devices.phone import FetchResult, PhoneError

if TYPE_CHECKING:
    from simulator.devices.phone import Phone

_TEXT_URL = re.compile(r"""\bhttps?://[^\s<>()"']+""")
_ANGLE_URL = re.compile(r"<([^>]+)>")


class MailboxError(PhoneError):
    """Something the person cannot do in the inbox (no such email, no such link); says what the inbox holds."""


@dataclass(frozen=True, slots=True)
class Link:
    """A link of an email: what it says and where it points (the tracked URL, when the sender tracks it)."""

    text: str
    url: str


@dataclass(slots=True, eq=False)
class Email:
    """One email in the inbox, as the mail app shows it."""

    message_id: str
    sender: str
    to: str
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    received_at: float
    list_unsubscribe: str | None = None
    list_unsubscribe_post: str | None = None
    read: bool = False
    _rendered: tuple[list[Link], list[str]] | None = field(default=None, repr=False)

    def _render(self) -> tuple[list[Link], list[str]]:
        """Read the links and images once, when the person first looks (a mail app renders on opening)."""
        if self._rendered is None:
            if self.html:
                reader = _read_html(self.html)
                self._rendered = (reader.links, reader.images)
            else:
                self._rendered = ([Link(url, url) for url in _TEXT_URL.findall(self.text or "")], [])
        return self._rendered

    @property
    def links(self) -> list[Link]:
        """The links, in order: from the HTML (`<a href>` and its text), else the URLs of the text."""
        return self._render()[0]

    @property
    def images(self) -> list[str]:
        """The remote images of the HTML (the tracking pixel among them)."""
        return self._render()[1]

    def describe(self) -> str:
        """`'Subject' from sender`."""
        return f"{self.subject!r} from {self.sender}"

    @property
    def unsubscribe_urls(self) -> list[str]:
        """The http(s) URLs of `List-Unsubscribe`."""
        return [u for u in _ANGLE_URL.findall(self.list_unsubscribe or "") if u.startswith(("http://", "https://"))]

    @property
    def one_click(self) -> bool:
        """True when the sender offers RFC 8058 one-click unsubscription."""
        return bool(self.unsubscribe_urls) and "one-click" in (self.list_unsubscribe_post or "").lower()


class _HtmlReader(HTMLParser):
    """Collects the links (text and href) and the remote images of an HTML body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.images: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self._href, self._text = values["href"], []
        elif tag == "img" and values.get("src", "").startswith(("http://", "https://")):
            self.images.append(values["src"])
        elif tag == "form":
            self.forms.append({"action": values.get("action", ""), "method": values.get("method", "get"), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append(Link(" ".join("".join(self._text).split()), self._href))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)


def _read_html(html: str) -> _HtmlReader:
    reader = _HtmlReader()
    reader.feed(html)
    reader.close()
    return reader


class Mailbox:
    """The person's inbox on one phone (newest first in `emails`)."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self._emails: list[Email] = []

    def receive(self, delivery: MessageDelivery) -> None:
        """Take one email from the mail server."""
        payload = delivery.payload
        self._emails.append(
            Email(
                message_id=delivery.message_id,
                sender=str(payload.get("from") or delivery.sender),
                to=delivery.recipient,
                subject=str(payload.get("subject") or ""),
                text=payload.get("text"),
                html=payload.get("html"),
                headers=dict(payload.get("headers") or {}),
                received_at=delivery.sent_at,
                list_unsubscribe=payload.get("list_unsubscribe"),
                list_unsubscribe_post=payload.get("list_unsubscribe_post"),
            )
        )

    @property
    def emails(self) -> list[Email]:
        """Every email, newest first."""
        return self._emails[::-1]

    @property
    def unread(self) -> list[Email]:
        """Unread emails, newest first."""
        return [email for email in self.emails if not email.read]

    def __len__(self) -> int:
        return len(self._emails)

    def _holds(self) -> str:
        if not self._emails:
            return "the inbox is empty"
        return "the inbox holds " + "; ".join(email.describe() for email in self.emails)

    def find(self, subject_or_index: str | int | Email) -> Email:
        """An email by subject (exact, else contained, any case; the newest wins) or index (0 is the newest)."""
        if isinstance(subject_or_index, Email):
            if subject_or_index not in self._emails:
                raise MailboxError(f"{self.phone!r} does not hold {subject_or_index.describe()}; {self._holds()}")
            return subject_or_index
        emails = self.emails
        if isinstance(subject_or_index, int):
            if not -len(emails) <= subject_or_index < len(emails):
                raise MailboxError(f"{self.phone!r} has no email #{subject_or_index}; {self._holds()}")
            return emails[subject_or_index]
        wanted = subject_or_index.casefold()
        for match in (lambda e: e.subject.casefold() == wanted, lambda e: wanted in e.subject.casefold()):
            found = next((email for email in emails if match(email)), None)
            if found is not None:
                return found
        raise MailboxError(f"{self.phone!r} has no email about {subject_or_index!r}; {self._holds()}")

    async def open(self, subject_or_index: str | int | Email = 0) -> Email:
        """Open an email: it is read, and its remote images (the tracking pixel among them) are loaded."""
        email = self.find(subject_or_index)
        email.read = True
        for image in email.images:
            await self.phone.services.fetch(self.phone, image)
        return email

    def link(self, link_text_or_url: str, email: str | int | Email | None = None) -> tuple[Email, Link]:
        """The link (by its text, exact then contained, any case; or by URL) of an email, or of the newest having it."""
        emails = [self.find(email)] if email is not None else self.emails
        wanted = link_text_or_url.casefold()
        for match in (
            lambda li: li.text.casefold() == wanted or li.url == link_text_or_url,
            lambda li: wanted in li.text.casefold(),
        ):
            for candidate in emails:
                found = next((li for li in candidate.links if match(li)), None)
                if found is not None:
                    return candidate, found
        offered = "; ".join(
            f"{e.describe()}: {', '.join(repr(li.text) for li in e.links) or 'no links'}" for e in emails
        )
        raise MailboxError(f"{self.phone!r} has no link {link_text_or_url!r} ({offered or self._holds()})")

    async def click(self, link_text_or_url: str, email: str | int | Email | None = None) -> FetchResult:
        """Tap a link: it opens in the browser (through the sender's tracked redirect), which ends on its target."""
        found, link = self.link(link_text_or_url, email)
        found.read = True
        result = await self.phone.services.fetch(self.phone, link.url)
        self.phone.browser.append(result.url)
        return result

    async def unsubscribe(self, email: str | int | Email = 0) -> FetchResult:
        """Unsubscribe: one-click (RFC 8058) when offered, else the body's unsubscribe link and its page's form."""
        found = self.find(email)
        if found.one_click:
            return await self.phone.services.fetch(
                self.phone, found.unsubscribe_urls[0], method="POST", data={"List-Unsubscribe": "One-Click"}
            )
        link = next((li for li in found.links if "unsubscribe" in li.text.casefold()), None)
        url = link.url if link is not None else next(iter(found.unsubscribe_urls), None)
        if url is None:
            raise MailboxError(f"{found.describe()} offers no way to unsubscribe (no List-Unsubscribe, no link)")
        page = await self.phone.services.fetch(self.phone, url)
        self.phone.browser.append(page.url)
        forms = _read_html(page.text).forms if page.status == 200 else []
        if not forms:
            return page
        form = forms[0]
        target = urljoin(page.url, str(form["action"]) or page.url)
        method = "POST" if str(form["method"]).lower() == "post" else "GET"
        return await self.phone.services.fetch(self.phone, target, method=method, data=dict(form["fields"]))
