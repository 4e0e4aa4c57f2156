"""The fake mail provider: an SMTP server (aiosmtpd) that delivers to the simulated phones' mailboxes.

`MailGateway` is the aiosmtpd handler holding the request chain (`service.py`); `serve_smtp()` serves it on a port
in the running event loop; `create_app()` serves its `/_sim/` routes over HTTP; `submit()` runs the same hooks
in-process. `wiring.install(stack)` adds it, and the platform's email channel, to a stack.
"""

from simulator.gateways.smtp.app import create_app
from simulator.gateways.smtp.errors import REPLIES, SmtpError
from simulator.gateways.smtp.models import (
    MAX_MESSAGE_BYTES,
    SANDBOX_HEADER,
    BounceRule,
    InboundRoute,
    ParsedMail,
    RateLimit,
    Submission,
)
from simulator.gateways.smtp.parsing import parse_message
from simulator.gateways.smtp.routing import InboundMail
from simulator.gateways.smtp.server import serve_smtp
from simulator.gateways.smtp.service import MailGateway

__all__ = [
    "MAX_MESSAGE_BYTES",
    "REPLIES",
    "SANDBOX_HEADER",
    "BounceRule",
    "InboundMail",
    "InboundRoute",
    "MailGateway",
    "ParsedMail",
    "RateLimit",
    "SmtpError",
    "Submission",
    "create_app",
    "parse_message",
    "serve_smtp",
]
