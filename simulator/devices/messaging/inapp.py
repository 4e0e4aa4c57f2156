"""In-app messages on the phone: the rules fetched for the app, what triggers them, how often, and what is on screen.

- Frequency (per message, i.e. per activity): `every` shows it at each trigger; `once` at most once per session;
  `until_clickthrough` at each trigger until the person taps one of its buttons that opens a deep link or a URL.
- One message at a time: when several are triggered together, the best ranked (highest priority) shows and the
  others are suppressed with reason `Conflict`; while a message is on screen, newly triggered ones are suppressed
  with `Conflict` too (the person is looking at the first one). This holds for every layout (modal, banner,
  full-screen): the SDK shows one message at a time.
- A message triggered while the app is not in the foreground (the close trigger) waits, and competes with the
  launch-triggered ones when the app comes back; one withdrawn in the meantime (gone from the latest fetch) is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.devices.messaging.propositions import InAppRule
from simulator.devices.messaging.rules import evaluate
from simulator.devices.messaging.screen import InAppScreen, read_html


@dataclass(slots=True)
class Shown:
    """A message displayed on the phone."""

    rule: InAppRule
    screen: InAppScreen


@dataclass(slots=True)
class Suppressed:
    """A triggered message the phone did not display, and why."""

    rule: InAppRule
    screen: InAppScreen
    reason: str


@dataclass(eq=False)
class InAppMessages:
    """One app's in-app messages."""

    rules_by_surface: dict[str, list[InAppRule]] = field(default_factory=dict)
    on_screen: Shown | None = None
    pending: list[InAppRule] = field(default_factory=list)
    shown_in_session: set[str] = field(default_factory=set)
    clicked_through: set[str] = field(default_factory=set)
    displayed: list[Shown] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)

    @property
    def rules(self) -> list[InAppRule]:
        """Every rule the app holds."""
        return [rule for rules in self.rules_by_surface.values() for rule in rules]

    def replace(self, surface: str, rules: list[InAppRule]) -> None:
        """Take a fetch's rules for a surface (what is not in it is withdrawn)."""
        if rules:
            self.rules_by_surface[surface] = rules
        else:
            self.rules_by_surface.pop(surface, None)

    def new_session(self) -> None:
        """A session starts: `once` messages may show again."""
        self.shown_in_session.clear()

    def allowed(self, rule: InAppRule) -> bool:
        """Whether the message's frequency lets it show now."""
        check = FREQUENCIES.get(rule.frequency)
        return check is not None and check(self, rule.ref.activity_id)

    def matching(self, data: dict[str, Any]) -> list[InAppRule]:
        """The messages this event triggers (condition holds, frequency allows, not already on screen)."""
        showing = self.on_screen.rule.ref.activity_id if self.on_screen else None
        return [
            r for r in self.rules if r.ref.activity_id != showing and evaluate(r.condition, data) and self.allowed(r)
        ]

    def take_pending(self) -> list[InAppRule]:
        """The messages waiting for the foreground that are still live (fetched last time)."""
        live = {rule.ref.activity_id for rule in self.rules}
        pending = [r for r in self.pending if r.ref.activity_id in live]
        self.pending = []
        return pending

    def choose(self, triggered: list[InAppRule]) -> tuple[InAppRule | None, list[InAppRule]]:
        """The message to display and those suppressed for Conflict."""
        ordered = sorted(triggered, key=lambda r: r.ref.rank)
        if self.on_screen is not None:
            return None, ordered
        return ordered[0], ordered[1:]

    def show(self, rule: InAppRule) -> Shown:
        """Put a message on screen."""
        shown = Shown(rule, read_html(rule.html, rule.layout))
        self.on_screen = shown
        self.displayed.append(shown)
        self.shown_in_session.add(rule.ref.activity_id)
        return shown

    def suppress(self, rules: list[InAppRule], reason: str) -> None:
        """Remember messages that were triggered but not displayed."""
        self.suppressed.extend(Suppressed(r, read_html(r.html, r.layout), reason) for r in rules)


#: Whether a message (by activity id) may show again, by frequency.
FREQUENCIES: dict[str, Callable[[InAppMessages, str], bool]] = {
    "every": lambda messages, activity: True,
    "once": lambda messages, activity: activity not in messages.shown_in_session,
    "until_clickthrough": lambda messages, activity: activity not in messages.clicked_through,
}
