"""Surfaces: where in an app a proposition shows, named by a URI `mobileapp://<bundle id>/<path>#<element>`.

The app surface `mobileapp://<bundle id>` is where in-app messages live; content cards and code-based experiences
name a screen (`mobileapp://com.acme.shop/home`) and optionally an element on it (`.../home#hero`). Two spellings of
one surface compare equal: a trailing `/` on the path is dropped (the SDK sends `mobileapp://com.acme.shop/iam/`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHEME = "mobileapp://"
#: The same bundle-id shape the platform accepts for an app (`AppCreate.app_id`).
BUNDLE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)+$")
PATH = re.compile(r"^[A-Za-z0-9._~\-]+(/[A-Za-z0-9._~\-]+)*$")
ELEMENT = re.compile(r"^[A-Za-z0-9._~\-]+$")


class SurfaceError(ValueError):
    """A string that is not a surface URI; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class Surface:
    """A parsed surface URI."""

    app_id: str
    path: str = ""
    element: str = ""

    @property
    def uri(self) -> str:
        """The canonical URI (no trailing slash)."""
        text = SCHEME + self.app_id
        if self.path:
            text += "/" + self.path
        if self.element:
            text += "#" + self.element
        return text

    @property
    def is_app(self) -> bool:
        """True for the app surface itself (where in-app messages live)."""
        return not self.path and not self.element

    def __str__(self) -> str:
        return self.uri

    @classmethod
    def parse(cls, text: str) -> Surface:
        """Parse `mobileapp://<bundle id>[/<path>][#<element>]`; SurfaceError says what is wrong."""
        if not isinstance(text, str) or not text.startswith(SCHEME):
            raise SurfaceError(f"{text!r} is not a surface: it must start with {SCHEME}<bundle id>")
        rest = text[len(SCHEME) :]
        rest, _, element = rest.partition("#")
        app_id, _, path = rest.partition("/")
        path = path.rstrip("/")
        if not BUNDLE_ID.match(app_id):
            raise SurfaceError(f"{text!r} is not a surface: {app_id!r} is not a bundle id (e.g. com.acme.shop)")
        if path and not PATH.match(path):
            raise SurfaceError(f"{text!r} is not a surface: its path {path!r} has characters a surface cannot hold")
        if "#" in text and not ELEMENT.match(element):
            raise SurfaceError(f"{text!r} is not a surface: its element {element!r} is empty or malformed")
        return cls(app_id, path, element)

    @classmethod
    def of_app(cls, app_id: str) -> Surface:
        """The app surface of a bundle id."""
        return cls.parse(SCHEME + app_id)


def canonical(text: str) -> str:
    """The canonical spelling of a surface URI (SurfaceError when it is not one)."""
    return Surface.parse(text).uri
