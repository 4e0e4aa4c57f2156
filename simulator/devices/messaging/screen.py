"""What a person sees of an in-app message: its HTML read with the standard library's parser.

The title is the text of the first heading, the body the text of the paragraphs, the image the first `<img>`; each
link whose href is an `adbinapp://` command and that has text is a button (its label is that text); a link with
class `btnClose` is the close button. The layout comes from the message's `mobileParameters` (as the SDK sizes its
web view): full-screen when it fills the screen, a banner when it does not take over the UI, otherwise a modal.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

HEADINGS = ("h1", "h2", "h3", "h4")


@dataclass(frozen=True, slots=True)
class ScreenButton:
    """A button of an in-app message."""

    label: str
    href: str

    @property
    def interaction(self) -> str | None:
        """The interaction the SDK tracks for it (`?interaction=`), if any."""
        return _query(self.href).get("interaction")

    @property
    def link(self) -> str | None:
        """The deep link or URL it opens (`&link=`), if any."""
        return _query(self.href).get("link")


def _query(href: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items() if values}


@dataclass(frozen=True, slots=True)
class InAppScreen:
    """An in-app message as it appears: layout, title, body text, image and buttons."""

    layout: str
    title: str
    body: str
    image: str | None
    buttons: tuple[ScreenButton, ...]
    close: str | None

    def shows(self, text: str) -> bool:
        """True when `text` is the title, or part of the title or body."""
        return text == self.title or text in self.title or text in self.body

    def button(self, label: str) -> ScreenButton | None:
        """The button with this label (case-insensitive)."""
        return next((b for b in self.buttons if b.label.casefold() == label.casefold()), None)

    def describe(self) -> str:
        """One line: `a modal 'Welcome' saying '15% off' with buttons 'Shop now', 'Later'`."""
        words = {"fullscreen": "a full-screen message", "banner": "a banner", "modal": "a modal"}
        text = words.get(self.layout, self.layout)
        if self.title:
            text += f" {self.title!r}"
        if self.body:
            text += f" saying {self.body!r}"
        if self.image:
            text += f" with the image {self.image!r}"
        if self.buttons:
            text += " with buttons " + ", ".join(repr(b.label) for b in self.buttons)
        return text


def layout_of(mobile_parameters: dict[str, Any]) -> str:
    """`fullscreen`, `banner` or `modal`, from the message's geometry."""
    if not mobile_parameters.get("uiTakeover", True):
        return "banner"
    if mobile_parameters.get("width", 100) >= 100 and mobile_parameters.get("height", 100) >= 100:
        return "fullscreen"
    return "modal"


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.paragraphs: list[str] = []
        self.image: str | None = None
        self.buttons: list[ScreenButton] = []
        self.close_href: str | None = None
        self._heading = False
        self._paragraph: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag in HEADINGS and not self.title:
            self._heading = True
        elif tag == "p":
            self._paragraph = []
        elif tag == "img" and self.image is None:
            self.image = attributes.get("src") or None
        elif tag == "a":
            href = attributes.get("href", "")
            if "btnClose" in attributes.get("class", "").split():
                self.close_href = href
            elif href.startswith("adbinapp://"):
                self._link = (href, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS:
            self._heading = False
        elif tag == "p" and self._paragraph is not None:
            self.paragraphs.append(" ".join("".join(self._paragraph).split()))
            self._paragraph = None
        elif tag == "a" and self._link is not None:
            href, text = self._link
            label = " ".join("".join(text).split())
            if label:
                self.buttons.append(ScreenButton(label, href))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link[1].append(data)
        elif self._heading:
            self.title.append(data)
        elif self._paragraph is not None:
            self._paragraph.append(data)


def read_html(html: str, layout: str) -> InAppScreen:
    """What a person sees of this HTML."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    title = " ".join("".join(reader.title).split())
    body = " ".join(p for p in reader.paragraphs if p)
    return InAppScreen(layout, title, body, reader.image, tuple(reader.buttons), reader.close_href)
