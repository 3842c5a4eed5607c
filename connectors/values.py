"""Reading the loosely typed values feeds send: times, numbers, identifiers.

Each reader raises ``ValueError`` with a message fit for the quarantine table, so a
connector can turn one bad field into one rejected record.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime, tzinfo
from typing import Any

# Times a city wall can mean; beyond them date arithmetic (a quake's active hours,
# a zone's offset) overflows, so a feed's year 9999 is refused here.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MONTH = re.compile(r"\d{4}-\d{2}")  # "2026-03": ISO 8601's month, which Python skips
# digits in groups of three between commas ("1,234,000.5"); "1,5" stays no number
GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def parse_time(
    value: Any, naive_zone: tzinfo, field: str = "time", written: str | None = None
) -> datetime:
    """W3C/ISO 8601 text (``Z`` or an offset), or epoch seconds/milliseconds; text
    ``written`` in a format of its own (``strptime``'s, e.g. ``%Y%m%d%H%M``) when
    one is given.

    A time without a zone (Socrata's floating timestamps, sloppy servers) is read in
    ``naive_zone``, the city's own zone.
    """
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{field} is missing")
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) > 1e11 else value  # ms since 1973
        if not math.isfinite(seconds):
            raise ValueError(f"{field} {value!r} is not a time")
        if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
            raise ValueError(f"{field} {value!r} is out of range")
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        raise ValueError(f"{field} {value!r} is not a time")
    text = value.strip()
    if written is not None:
        try:
            parsed = datetime.strptime(text, written)
        except ValueError:
            raise ValueError(f"{field} {value!r} is not written {written}") from None
        return _checked(parsed, naive_zone, field, value)
    if MONTH.fullmatch(text):  # a spreadsheet's month: its first day, 00:00
        text += "-01"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field} {value!r} is not an ISO 8601 time") from None
    return _checked(parsed, naive_zone, field, value)


def _checked(parsed: datetime, naive_zone: tzinfo, field: str, value: Any) -> datetime:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    if not EARLIEST.year < parsed.year < LATEST.year:  # a year's margin for zones
        raise ValueError(f"{field} {value!r} is out of range")
    return parsed.astimezone(UTC)


def optional_time(
    value: Any, naive_zone: tzinfo, field: str, written: str | None = None
) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_time(value, naive_zone, field, written)


def parse_number(value: Any, field: str) -> float:
    """A number, or text of one: "1234.5", " 1,234,000 " (a spreadsheet's
    thousands separators, commas between groups of three digits)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field} {value!r} is not a number")
    if isinstance(value, str) and GROUPED.fullmatch(value.strip()):
        value = value.replace(",", "")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"{field} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{field} {value!r} is not a finite number")
    return number


def optional_number(value: Any, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_number(value, field)


def position(lon: Any, lat: Any) -> tuple[float | None, float | None]:
    """Both coordinates or neither; (0, 0) is "no position" in many feeds."""
    x, y = optional_number(lon, "longitude"), optional_number(lat, "latitude")
    if x is None or y is None or (x == 0 and y == 0):
        return None, None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ValueError(f"position ({x}, {y}) is off the globe")
    return x, y


def identifier(value: Any, field: str = "id") -> str:
    if value is None or isinstance(value, (bool, dict, list)):
        raise ValueError(f"{field} is missing")
    text = str(value).strip()
    if not text:
        raise ValueError(f"{field} is missing")
    return text


def slug(text: str) -> str:
    """A category key from a label: "Pot Hole / Road" → "pot_hole_road".

    Letters and digits of every script stay ("Straßen- und Gehwegschäden" →
    "straßen_und_gehwegschäden", "도로 파손" → "도로_파손"), so two categories a city
    names in its own language never merge into one key. The label is NFKC-normalised
    first: composed and decomposed forms, full-width letters and their ASCII give
    the same key. Marks stay with their letters (Devanagari, Thai vowel signs).
    """
    kept = [
        ch if unicodedata.category(ch)[0] in "LMN" else " "
        for ch in unicodedata.normalize("NFKC", text).lower()
    ]
    return "_".join("".join(kept).split())[:64].strip("_") or "other"
