"""Durations as definitions write them: `40s`, `5m`, `2h`, `3d`, `1w`, combinations (`1d12h`), or ISO 8601 (`P3D`,
`PT90M`)."""

from __future__ import annotations

import re

_SIMPLE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*w)?\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*"
                     r"(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$")  # fmt: skip
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_WEIGHTS = (604_800, 86_400, 3_600, 60, 1)

MINUTE = 60.0
HOUR = 3_600.0
DAY = 86_400.0


def parse_duration(value: str | int | float) -> float:
    """Seconds in `value`; raises ValueError with the accepted forms."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    text = str(value).strip()
    for pattern in (_ISO, _SIMPLE):
        match = pattern.match(text.upper() if pattern is _ISO else text.lower())
        if match and any(match.groups()):
            return sum(float(g) * w for g, w in zip(match.groups(), _WEIGHTS, strict=True) if g)
    raise ValueError(f"not a duration: {value!r} (write e.g. 40s, 5m, 2h, 3d, 1w, 1d12h or P3D)")


def format_duration(seconds: float) -> str:
    """`3d`, `2h30m`, `40s`."""
    parts = []
    remaining = round(seconds)
    for unit, weight in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if remaining >= weight:
            parts.append(f"{remaining // weight}{unit}")
            remaining %= weight
    return "".join(parts) or "0s"
