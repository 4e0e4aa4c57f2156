"""Steps about business rules: frequency caps, quiet hours and consent policies."""

from __future__ import annotations

from typing import Any

from harness.catalogue import step
from harness.lab import Lab, ScenarioError

_CHANNELS = {"push": "push", "sms": "sms", "email": "email", "whatsapp": "whatsapp", "in-app": "inapp",
             "content card": "contentCard", "code-based": "codeBased"}  # fmt: skip
_PERIODS = {"hour": "hour", "heure": "hour", "day": "day", "jour": "day", "week": "week", "semaine": "week",
            "month": "month", "mois": "month"}  # fmt: skip
_DAYS = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
         "saturday": "sat", "sunday": "sun", "lundi": "mon", "mardi": "tue", "mercredi": "wed", "jeudi": "thu",
         "vendredi": "fri", "samedi": "sat", "dimanche": "sun"}  # fmt: skip


def channel_list(text: str) -> list[str]:
    """ "push and SMS", "push, SMS et email" → platform channel names."""
    import re

    found = []
    for part in re.split(r",\s*|\s+(?:and|et)\s+", text.strip()):
        key = part.strip().lower()
        if key not in _CHANNELS:
            raise ScenarioError(f"unknown channel {part!r}; use: {', '.join(_CHANNELS)}")
        found.append(_CHANNELS[key])
    return found


def _add(lab: Lab, kind: str, rule: dict[str, Any]) -> None:
    current = lab.call("core", "GET", "/rules")[kind.replace("-", "_")]
    lab.call("core", "PUT", f"/rules/{kind}", [*current, rule])


@step(
    "given",
    en=r"a frequency cap of (?P<count>\d+) marketing messages? per (?:(?P<every>\d+) )?(?P<period>hour|day|week|month)s? on (?P<channels>.+)",
    fr=r"une limite de (?P<count>\d+) messages? marketing par (?:(?P<every>\d+) )?(?P<period>heure|jour|semaine|mois)s? sur (?P<channels>.+)",
    example="Given a frequency cap of 2 marketing messages per week on push and SMS",
    exemple="Soit une limite de 2 messages marketing par semaine sur push et SMS",
)
def frequency_cap(lab: Lab, count: str, period: str, channels: str, every: str | None = None) -> None:
    """A capping rule shared by the channels it names (marketing only; calendar windows in UTC)."""
    rule = {"name": f"cap-{len(lab.campaigns)}-{period}", "channels": channel_list(channels), "count": int(count),
            "period": _PERIODS[period], "every": int(every or 1)}  # fmt: skip
    _add(lab, "capping", rule)


@step(
    "given",
    en=r"quiet hours from (?P<start>\d{2}:\d{2}) to (?P<end>\d{2}:\d{2}) (?:every day|on (?P<days>[A-Za-z, ]+?)) in (?P<zone>the recipient's time zone|\"[^\"]+\") on (?P<channels>.+?), (?P<action>queued|discarded)",
    fr=r"des heures calmes de (?P<start>\d{2}:\d{2}) à (?P<end>\d{2}:\d{2}) (?:tous les jours|le (?P<days>[a-zé, ]+?)) dans (?P<zone>le fuseau du destinataire|\"[^\"]+\") sur (?P<channels>.+?), (?P<action>mis en attente|écartés)",
    example="Given quiet hours from 22:00 to 08:00 every day in the recipient's time zone on push and SMS, queued",
    exemple="Soit des heures calmes de 22:00 à 08:00 tous les jours dans le fuseau du destinataire sur push et SMS, mis en attente",
)
def quiet_hours(lab: Lab, start: str, end: str, zone: str, channels: str, action: str, days: str | None = None) -> None:
    """A weekly quiet period; messages inside it are queued until it ends (or discarded)."""
    rule: dict[str, Any] = {
        "name": f"quiet-{start}-{end}", "channels": channel_list(channels), "start": start, "end": end,
        "timezone": zone.strip('"') if zone.startswith('"') else "recipient",
        "action": "queue" if action in ("queued", "mis en attente") else "discard",
    }  # fmt: skip
    if days:
        import re

        rule["days"] = [_DAYS[d.strip().lower()] for d in re.split(r",\s*|\s+(?:and|et)\s+", days) if d.strip()]
    _add(lab, "quiet-hours", rule)


@step(
    "given",
    en=r"(?P<channel>in-app|content card|code-based) offers need marketing (?P<consent>push|email|SMS) consent",
    fr=r"les offres (?P<channel>in-app|content card|code-based) exigent le consentement marketing (?P<consent>push|email|SMS)",
    example="Given in-app offers need marketing push consent",
    exemple="Soit les offres in-app exigent le consentement marketing push",
)
def consent_policy(lab: Lab, channel: str, consent: str) -> None:
    """A consent policy: marketing content on an inbound channel only for profiles with this consent."""
    rule = {"name": f"{channel}-needs-{consent}", "channels": channel_list(channel),
            "consent": _CHANNELS[consent.lower()]}  # fmt: skip
    _add(lab, "consent-policies", rule)
