"""The fake Firebase Cloud Messaging (HTTP v1) service and Google's OAuth token endpoint.

`service.FcmGateway` holds the request path of `messages:send` and the simulation API (projects and their
service accounts, registration tokens, topics); `app.create_app()` serves it over HTTP; `models` are Google's wire
payloads, `errors` Google's error bodies, `oauth` the token endpoint, `validation` FCM's checks, `tokens` and
`storage` what FCM keeps per app instance and per offline device.
"""

from simulator.gateways.fcm.app import create_app
from simulator.gateways.fcm.errors import CredentialsError, ErrorCode, FcmError, InvalidPayloadError, OAuthError
from simulator.gateways.fcm.models import Message, SendRequest, SendResponse
from simulator.gateways.fcm.service import FcmGateway

__all__ = [
    "CredentialsError",
    "ErrorCode",
    "FcmError",
    "FcmGateway",
    "InvalidPayloadError",
    "Message",
    "OAuthError",
    "SendRequest",
    "SendResponse",
    "create_app",
]
