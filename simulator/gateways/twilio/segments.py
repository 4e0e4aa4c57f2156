"""How many SMS segments a body takes, counted as carriers and Twilio count them.

A body is GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table; one character
outside both makes the whole message UCS-2.

- GSM-7: 160 septets fit in a single message; a concatenated message carries 153 per segment (the user data
  header takes the rest). The extension characters (`€ [ ] { } \\ ^ ~ |` and form feed) are an escape plus a
  character: two septets, never split across two segments.
- UCS-2: 70 UTF-16 code units alone, 67 per segment when split. A character outside the Basic Multilingual Plane
  (most emoji) is a surrogate pair: two code units, never split across two segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The GSM 03.38 default alphabet (one septet each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table, reached through the escape septet (two septets each).
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67


class Encoding(StrEnum):
    """The data coding of an SMS."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Segments:
    """A body's encoding, its length in that encoding's units, and how many segments it takes."""

    encoding: Encoding
    units: int
    count: int


def encoding_of(body: str) -> Encoding:
    """GSM-7 when every character is in the GSM alphabet or its extension, UCS-2 otherwise."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in body):
        return Encoding.GSM7
    return Encoding.UCS2


def _unit_sizes(body: str, encoding: Encoding) -> list[int]:
    """The units each character takes: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding is Encoding.GSM7:
        return [2 if char in GSM7_EXTENDED else 1 for char in body]
    return [2 if ord(char) > 0xFFFF else 1 for char in body]


def count_segments(body: str) -> Segments:
    """The segments `body` takes (an empty body is one segment, as Twilio counts a media-only message)."""
    encoding = encoding_of(body)
    sizes = _unit_sizes(body, encoding)
    units = sum(sizes)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        return Segments(encoding, units, 1)
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count += 1
            used = 0
        used += size
    return Segments(encoding, units, count)
