"""The fake Apple Push Notification service: Apple's HTTP/2 provider API, offline storage and token auth.

`ApnsGateway` holds the ordered request chain (`handle()`), `create_app()` serves it as ASGI with the `/_sim/`
routes, and `serve_h2()` puts any ASGI app on an HTTP/2 cleartext port that official clients (aioapns) accept.
"""

from simulator.gateways.apns.app import create_app
from simulator.gateways.apns.errors import REASONS, ApnsError
from simulator.gateways.apns.h2server import serve_h2
from simulator.gateways.apns.models import (
    ApnsRequest,
    ApnsResponse,
    DeviceRegistered,
    DeviceRegistration,
    KeyRegistration,
    ProviderKeyGrant,
)
from simulator.gateways.apns.service import ApnsGateway
from simulator.gateways.apns.tokens import DeviceToken

__all__ = [
    "REASONS",
    "ApnsError",
    "ApnsGateway",
    "ApnsRequest",
    "ApnsResponse",
    "DeviceRegistered",
    "DeviceRegistration",
    "DeviceToken",
    "KeyRegistration",
    "ProviderKeyGrant",
    "create_app",
    "serve_h2",
]
