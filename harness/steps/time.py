"""Steps that move the scenario's virtual clock."""

from __future__ import annotations

from harness.catalogue import step
from harness.lab import Lab
from harness.steps.common import duration


@step(
    "when",
    en=r"(?P<amount>\d+(?:\.\d+)?) (?P<unit>seconds?|minutes?|hours?|days?|weeks?) pass(?:es)?",
    fr=r"(?P<amount>\d+(?:\.\d+)?) (?P<unit>secondes?|minutes?|heures?|jours?|semaines?) (?:passe|passent|s'écoulent)",
    example="When 3 days pass",
    exemple="Quand 3 jours passent",
)
def time_passes(lab: Lab, amount: str, unit: str) -> None:
    """Advance the clock: every timer due on the way fires in time order, then the stack settles."""
    lab.run(lab.client.advance, lab.sandbox, duration(amount, unit))
