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


_DAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
}  # fmt: skip


@step(
    "when",
    en=r"it is (?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) (?P<hhmm>\d{2}:\d{2})"
    r"(?: in (?P<name>[A-Z][\w'-]*)'s time zone)?",
    fr=r"nous sommes (?P<day>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) (?P<hhmm>\d{2}:\d{2})"
    r"(?: dans le fuseau horaire d(?:'|e )(?P<name>[A-Z][\w'-]*))?",
    example="When it is Friday 09:00 in Alice's time zone",
    exemple="Quand nous sommes vendredi 09:00 dans le fuseau horaire d'Alice",
)
def it_is(lab: Lab, day: str, hhmm: str, name: str | None = None) -> None:
    """Advance to the next such day and time (UTC, or the person's time zone), firing everything due on the way."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo((lab.person(name).timezone if name else None) or "UTC")
    now = datetime.fromisoformat(lab.run(lab.client.now, lab.sandbox)["now"]).astimezone(zone)
    hours, minutes = (int(p) for p in hhmm.split(":"))
    target = now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    target += timedelta(days=(_DAYS[day.lower()] - now.weekday()) % 7)
    if target <= now:
        target += timedelta(days=7)
    lab.run(lab.client.advance_to, lab.sandbox, target.astimezone(UTC).isoformat())
