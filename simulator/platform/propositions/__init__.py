"""Propositions: the inbound channels of the platform — in-app messages, content cards, code-based experiences.

    surfaces.py    surface URIs, mobileapp://<bundle id>/<path>#<element>
    messages.py    each channel's message model (what a campaign or journey action authors)
    store.py       what is live for whom: make_live(), withdraw()
    decisions.py   answering a fetch: propositions, personalised, ranked
    rules.py       the rules the phone evaluates (triggers, traits, expiry), in the SDK rules engine's JSON
    inapp_html.py  an in-app message's HTML and layout parameters
    tracking.py    display / interact / dismiss / disqualify / trigger / suppressDisplay, counted
    edge.py        the Edge handler that answers fetches and tracking events
    channels.py    the senders registered in `Platform.channels`
    errors.py      what the Edge endpoint refuses, as problem details

A journey makes an inbound action live through the channel's sender (`Platform.channels[channel].send(Dispatch)`,
which calls `make_live`), withdraws it when the profile leaves (`withdraw(state, profile_id, predicate)`), and
matches tracking events to its steps with `proposition_source(event)`.
"""

from simulator.platform.propositions.channels import InboundChannel, inbound_channels
from simulator.platform.propositions.edge import answer_edge
from simulator.platform.propositions.store import LiveProposition, make_live, store_of, withdraw
from simulator.platform.propositions.surfaces import Surface, SurfaceError
from simulator.platform.propositions.tracking import proposition_source

__all__ = [
    "InboundChannel",
    "LiveProposition",
    "Surface",
    "SurfaceError",
    "answer_edge",
    "inbound_channels",
    "make_live",
    "proposition_source",
    "store_of",
    "withdraw",
]
