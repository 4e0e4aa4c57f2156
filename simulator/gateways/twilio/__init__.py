"""The fake Twilio: Programmable Messaging (SMS, MMS, RCS through Messaging Services), keywords and webhooks.

`TwilioGateway` holds the ordered request chain (`create_message()`) and what phones send
(`receive_from_phone()`); `create_app()` serves it as ASGI with the `/_sim/` routes; `install()` puts it and the
platform's SMS channel into a stack; `provision_sms()` gives a sandbox an account, a number and a configured channel.
"""

from simulator.gateways.twilio.app import create_app
from simulator.gateways.twilio.errors import API_ERRORS, DELIVERY_ERRORS, TwilioError
from simulator.gateways.twilio.keywords import Keyword, classify
from simulator.gateways.twilio.lifecycle import Timings
from simulator.gateways.twilio.messages import Message
from simulator.gateways.twilio.models import (
    AccountGrant,
    ContentCreate,
    MessageCreate,
    NumberCreate,
    ServiceCreate,
    SubscriberCreate,
)
from simulator.gateways.twilio.segments import Encoding, Segments, count_segments
from simulator.gateways.twilio.service import TwilioAnswer, TwilioGateway, basic_authorization
from simulator.gateways.twilio.signature import compute_signature, is_valid_signature

__all__ = [
    "API_ERRORS",
    "DELIVERY_ERRORS",
    "AccountGrant",
    "ContentCreate",
    "Encoding",
    "Keyword",
    "Message",
    "MessageCreate",
    "NumberCreate",
    "Segments",
    "ServiceCreate",
    "SubscriberCreate",
    "Timings",
    "TwilioAnswer",
    "TwilioError",
    "TwilioGateway",
    "basic_authorization",
    "classify",
    "compute_signature",
    "count_segments",
    "create_app",
    "is_valid_signature",
]
