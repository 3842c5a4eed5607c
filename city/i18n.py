"""Words, numbers and dates in the wall's three languages: Korean, English, Spanish.

Every label lives in one catalog per language (``city/locales/<lang>.toml``);
numbers and dates follow each language's CLDR conventions through Babel, the same
data the browsers' ``Intl`` uses (1,234.5 · 1.234,5; "11월 25일 14:38").
A missing key is a bug that a test catches, so ``t`` never guesses in production:
it falls back to English and then to the key itself rather than raising on a wall.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

from babel.dates import format_skeleton
from babel.numbers import format_decimal

LANGUAGES = ("ko", "en", "es")
LANGUAGE_NAMES = {"ko": "한국어", "en": "English", "es": "Español"}
LOCALES = Path(__file__).with_name("locales")


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def catalog(lang: str) -> dict[str, str]:
    with open(LOCALES / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def t(lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled in."""
    text = catalog(lang if lang in LANGUAGES else "en").get(key)
    if text is None:
        text = catalog("en").get(key, key)
    return text.format(**values) if values else text


def t_or(lang: str, key: str, default: str) -> str:
    """For words that come with the data (a feed's own status or category): the
    catalog's translation when it has one, else the data's own word."""
    return catalog(lang if lang in LANGUAGES else "en").get(key) or default


def record_title(lang: str, title: str, key: str | None) -> str:
    """A record's title as shown: the catalog's words for a title the source made
    from a kind the wall knows (``city.records.TITLE_KEY``), else the feed's own."""
    if not key:
        return title
    return t_or(lang, f"record_title.{key}", title)


def pick(lang: str, texts: dict[str, str]) -> str:
    """A text declared per language in data (KPI labels, units)."""
    return texts.get(lang) or texts["en"]


def language_of(search: str | None, default: str) -> str:
    """The language asked for in a query string (``?lang=es``), else the default."""
    asked = parse_qs((search or "").lstrip("?")).get("lang", [""])[0]
    return asked if asked in LANGUAGES else default


def resolve(lang: str | None, default: str) -> str:
    return lang if lang in LANGUAGES else default


def number(value: float | None, lang: str, decimals: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang)


def signed(value: float, lang: str, decimals: int = 0) -> str:
    text = number(abs(value), lang, decimals)
    return f"+{text}" if value > 0 else f"-{text}" if value < 0 else text


def clock(t_: datetime | None, zone: tzinfo, lang: str, seconds: bool = False) -> str:
    """Hours and minutes (and seconds) in the city's zone: 14:38."""
    if t_ is None:
        return "—"
    return format_skeleton("Hms" if seconds else "Hm", t_, tzinfo=zone, locale=lang)


def day_and_clock(t_: datetime | None, zone: tzinfo, lang: str) -> str:
    """Month, day and time in the city's zone: "Nov 25 14:38", "11월 25일 14:38"."""
    if t_ is None:
        return "—"
    day = format_skeleton("MMMd", t_, tzinfo=zone, locale=lang)
    return f"{day} {clock(t_, zone, lang)}"


def day(t_: datetime, zone: tzinfo, lang: str) -> str:
    return format_skeleton("MMMd", t_, tzinfo=zone, locale=lang)
