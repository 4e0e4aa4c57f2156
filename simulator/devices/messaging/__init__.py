"""What a phone's mobile SDK does with inbound channels: in-app messages, content cards, code-based experiences.

    sdk.py           per phone and per app: fetch, lifecycle and sessions, triggers, tracking (`PhoneMessaging`)
    rules.py         the rules engine that evaluates a proposition's conditions on the phone
    propositions.py  fetched propositions as the SDK reads them, and the tracking events it sends
    inapp.py         in-app messages: frequency, one at a time (Conflict), on screen
    screen.py        an in-app message's HTML read into what a person sees
    cards.py         the card inbox: persistent, ordered, read/unread, dismissed

`phone.messaging` is the phone's `PhoneMessaging`; `phone.messaging.app(app_id)` an app's `AppMessaging`.
"""

from simulator.devices.messaging.cards import CardView
from simulator.devices.messaging.screen import InAppScreen
from simulator.devices.messaging.sdk import AppMessaging, PhoneMessaging, surface_uri

__all__ = ["AppMessaging", "CardView", "InAppScreen", "PhoneMessaging", "surface_uri"]
