"""The HTML of an in-app message, rendered by the platform from the message's fields (as the platform's editor does).

Buttons are links the SDK's message handler understands: `adbinapp://dismiss?interaction=<id>` closes the message
and tracks an interaction; `&link=<url-encoded deep link or URL>` also opens it. The close button is
`adbinapp://dismiss` alone (a dismissal, no interaction). `mobile_parameters()` gives the layout's geometry as the
SDK reads it (full-screen: 100x100; banner: no UI takeover).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

STYLE = (
    "html,body{margin:0;padding:0;font-family:-apple-system,Roboto,sans-serif;text-align:center}"
    ".body{display:flex;flex-direction:column;align-items:center}"
    ".title{font-size:1.1rem}.text{font-size:.9rem;color:#333}.image img{max-width:100%}"
    ".buttons{display:flex;flex-direction:column;gap:.3rem;width:100%}"
    ".button{background:#1473E6;color:#FFF;border-radius:.25rem;padding:.3rem;text-decoration:none}"
)

#: The geometry each layout has in the SDK's message settings.
LAYOUTS: dict[str, dict[str, Any]] = {
    "modal": {"width": 80, "height": 50, "verticalAlign": "center", "uiTakeover": True},
    "banner": {"width": 100, "height": 15, "verticalAlign": "top", "uiTakeover": False},
    "fullscreen": {"width": 100, "height": 100, "verticalAlign": "center", "uiTakeover": True},
}


def mobile_parameters(layout: str) -> dict[str, Any]:
    """The `mobileParameters` of a layout."""
    return {
        "schemaVersion": "1.0",
        **LAYOUTS[layout],
        "horizontalAlign": "center",
        "verticalInset": 0,
        "horizontalInset": 0,
        "displayAnimation": "bottom",
        "dismissAnimation": "bottom",
        "backdropColor": "#000000",
        "backdropOpacity": 0.3 if LAYOUTS[layout]["uiTakeover"] else 0,
        "cornerRadius": 0 if layout == "fullscreen" else 15,
        "gestures": {},
    }


def button_href(interaction: str, link: str | None) -> str:
    """The link of a button: dismiss and track `interaction`, then open `link` if given."""
    href = f"adbinapp://dismiss?interaction={quote(interaction, safe='')}"
    return href + (f"&link={quote(link, safe='')}" if link else "")


def render_html(
    *, layout: str, title: str, body: str, image: str | None, buttons: list[tuple[str, str, str | None]]
) -> str:
    """The message's HTML; `buttons` are (interaction id, label, link or None)."""
    parts = [
        '<html><head><meta name="viewport" content="width=device-width, initial-scale=1.0">',
        f'<style>{STYLE}</style></head><body><div class="body" data-layout="{escape(layout)}">',
        '<div class="closeBtn"><a class="btnClose" aria-label="Close" href="adbinapp://dismiss"></a></div>',
    ]
    if image:
        parts.append(f'<div class="image"><img src="{escape(image)}" alt=""></div>')
    parts.append('<div class="text">')
    if title:
        parts.append(f'<h3 class="title">{escape(title)}</h3>')
    if body:
        parts.append(f"<p>{escape(body)}</p>")
    parts.append("</div>")
    if buttons:
        parts.append('<div class="buttons">')
        for interaction, label, link in buttons:
            href = escape(button_href(interaction, link))
            parts.append(f'<a class="button" data-uuid="{escape(interaction)}" href="{href}">{escape(label)}</a>')
        parts.append("</div>")
    parts.append("</div></body></html>")
    return "".join(parts)
