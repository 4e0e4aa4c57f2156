"""`X-Twilio-Signature`: how Twilio signs the webhooks it posts, and how a receiver checks them.

The signature is base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value, sorted by name)); a
parameter given several times contributes each of its values, sorted. A receiver checks it against the URL with
and without the default port, as Twilio's own `RequestValidator` does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def _pairs(params: Params) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    return sorted(set(items))


def compute_signature(auth_token: str, url: str, params: Params) -> str:
    """The `X-Twilio-Signature` of a form POST of `params` to `url`."""
    data = url + "".join(name + value for name, value in _pairs(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> set[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        return {url, urlunsplit(parts._replace(netloc=host))}
    default = 443 if parts.scheme == "https" else 80
    return {url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}"))}


def is_valid_signature(auth_token: str, url: str, params: Params, signature: str | None) -> bool:
    """True when `signature` is the one Twilio would send for this POST (the URL with or without its port)."""
    if not signature:
        return False
    pairs = _pairs(params)
    return any(
        hmac.compare_digest(compute_signature(auth_token, variant, pairs), signature) for variant in _port_variants(url)
    )
