"""The card inbox of an app: content cards per surface, kept across sessions and restarts.

Cards come from fetches of the card surfaces and stay on the phone: an offline phone still shows them. A card is
shown while its rule holds (from publication until its expiry, by the phone's clock), unless the person dismissed it
or the app disqualified it ("permanently hidden"), ordered by rank (priority, then the newest first). Read and
unread, dismissed and displayed-this-session are remembered per card (proposition id) across fetches and restarts.
A card the platform stopped serving disappears at the next fetch of its surface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.devices.messaging.propositions import Card
from simulator.devices.messaging.rules import evaluate


@dataclass(slots=True)
class CardState:
    """What the phone remembers of one card."""

    read: bool = False
    hidden: str | None = None
    """`dismissed` or `disqualified`: never shown again."""
    displayed_in: int = -1
    """The session in which it was last displayed."""


@dataclass(frozen=True, slots=True)
class CardView:
    """A card as the person sees it in the inbox."""

    title: str
    body: str
    image: str | None
    action_url: str | None
    read: bool
    card: Card

    def describe(self) -> str:
        """One line, e.g. `'Spring sale' (unread): '20% off'`."""
        text = f"{self.title!r} ({'read' if self.read else 'unread'})"
        return text + (f": {self.body!r}" if self.body else "")


@dataclass(eq=False)
class CardInbox:
    """One app's content cards."""

    by_surface: dict[str, list[Card]] = field(default_factory=dict)
    states: dict[str, CardState] = field(default_factory=dict)

    def replace(self, surface: str, cards: list[Card]) -> None:
        """Take a fetch's cards for a surface."""
        if cards:
            self.by_surface[surface] = cards
        else:
            self.by_surface.pop(surface, None)

    def state(self, card: Card) -> CardState:
        """What the phone remembers of a card."""
        state = self.states.get(card.ref.id)
        if state is None:
            state = self.states[card.ref.id] = CardState()
        return state

    def visible(self, surfaces: list[str], data: dict[str, Any]) -> list[CardView]:
        """The cards shown on these surfaces now, in order."""
        cards = [
            card
            for surface in surfaces
            for card in self.by_surface.get(surface, [])
            if self.state(card).hidden is None and evaluate(card.condition, data)
        ]
        cards.sort(key=lambda c: (c.ref.rank, -c.published))
        return [CardView(c.title, c.body, c.image, c.action_url, self.state(c).read, c) for c in cards]
