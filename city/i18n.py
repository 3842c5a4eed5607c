"""Words, numbers and dates in the wall's languages.

A display language is one catalog file, ``<lang>.toml``: the UI's words, the KPI
labels, the disaster ladder's texts and the record titles. CityWall ships some in
``city/locales/``; a city adds its own, or corrects a shipped one, by dropping a file
into ``locales/`` beside its profile (``cities/locales/ja.toml`` for
``cities/tokyo.toml``), no code. Numbers and dates follow each language's CLDR
conventions through Babel, the same data the browsers' ``Intl`` uses
(1,234.5 · 1.234,5; "11월 25일 14:38", "12月6日 14:38").

A missing key is a bug that a test (shipped catalogs) or ``citywall city check``
(a city's own) catches, so ``t`` never guesses in production: it falls back to
English and then to the key itself rather than raising on a wall.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_decimal

FALLBACK = "en"  # complete by test: what a missing key shows instead
LOCALES = Path(__file__).with_name("locales")  # the shipped catalogs
DROP_IN_FOLDER = "locales"  # a city's own catalogs, beside its profile
# a catalog's file name: a language tag Babel knows (ja, pt, pt_PT, zh_Hant)
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")

# The catalogs beside the profile this process runs (one city per process); set
# when the profile loads (``city.profile.load_profile``).
_drop_ins: dict[str, Path | None] = {"folder": None}


def use_drop_in_folder(folder: Path | None) -> None:
    """Read the city's own catalogs from ``folder`` from now on (read again, so a
    file added since the last profile load counts)."""
    _drop_ins["folder"] = folder
    for cached in (_catalog, _scanned, languages):
        cached.cache_clear()


@cache
def _scanned(folder: Path | None) -> tuple[str, ...]:
    return languages_in(folder)


def languages_in(folder: Path | None) -> tuple[str, ...]:
    """The languages of the catalogs in ``folder``, read now."""
    if folder is None or not folder.is_dir():
        return ()
    return tuple(
        sorted(p.stem for p in folder.glob("*.toml") if LANGUAGE_TAG.match(p.stem))
    )


def shipped_languages() -> tuple[str, ...]:
    return _scanned(LOCALES)


@cache
def languages() -> tuple[str, ...]:
    """Every language with a catalog: shipped, or beside the profile in use."""
    return tuple(sorted({*shipped_languages(), *_scanned(_drop_ins["folder"])}))


def catalog_files(lang: str) -> list[Path]:
    """The files that make ``lang``'s catalog, the city's own last (it wins)."""
    folders = (LOCALES, _drop_ins["folder"])
    return [
        folder / f"{lang}.toml"
        for folder in folders
        if folder is not None and lang in _scanned(folder)
    ]


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def read_catalog(path: Path) -> dict[str, str]:
    """One catalog file's keys (``[nav] overview`` is ``nav.overview``)."""
    with open(path, "rb") as f:
        return _flatten(tomllib.load(f))


def catalog(lang: str) -> dict[str, str]:
    """``lang``'s words; empty for a language without a catalog (an address's
    ``?lang=`` may ask for anything: only known names are read and kept)."""
    return _catalog(lang) if lang in languages() else {}


@cache
def _catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalog_files(lang):
        merged |= read_catalog(path)
    return merged


def display_name(lang: str) -> str:
    """The language's name in itself, from CLDR ("日本語", "Português")."""
    try:
        name = Locale.parse(lang).get_display_name(lang) or lang
    except (UnknownLocaleError, ValueError):
        return lang
    return name[:1].upper() + name[1:]


def babel_knows(lang: str) -> bool:
    """Whether CLDR has the language's number and date formats."""
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Gaps:
    """What a catalog lacks against English, the complete one."""

    missing: list[str]
    extra: list[str]  # keys English does not have: a typo, or an old key
    empty: list[str]
    placeholders: list[str]  # keys whose {placeholders} differ from English's

    @property
    def complete(self) -> bool:
        return not (self.missing or self.extra or self.empty or self.placeholders)


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:  # an unbalanced brace
        return {"{"}


def gaps(words: dict[str, str]) -> Gaps:
    english = read_catalog(LOCALES / f"{FALLBACK}.toml")
    return Gaps(
        missing=sorted(set(english) - set(words)),
        extra=sorted(set(words) - set(english)),
        empty=sorted(k for k, v in words.items() if not v.strip()),
        placeholders=sorted(
            k
            for k, v in words.items()
            if k in english and _placeholders(v) != _placeholders(english[k])
        ),
    )


def t(lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled in."""
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(FALLBACK).get(key, key)
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):  # a city's catalog with a typo
        return catalog(FALLBACK).get(key, key).format(**values)


def t_or(lang: str, key: str, default: str) -> str:
    """For words that come with the data (a feed's own status or category): the
    catalog's translation when it has one, else the data's own word."""
    return catalog(lang).get(key) or catalog(FALLBACK).get(key) or default


def declared(lang: str, texts: dict[str, str], key: str, default: str) -> str:
    """Words a profile may declare per language (an indicator's label): the
    declared ones in ``lang``, else the catalog's ``key``, else the declared ones
    in English or the first given, else ``default``."""
    return (
        texts.get(lang)
        or catalog(lang).get(key)
        or texts.get(FALLBACK)
        or catalog(FALLBACK).get(key)
        or next(iter(texts.values()), "")
        or default
    )


def record_title(lang: str, title: str, key: str | None) -> str:
    """A record's title as shown: the catalog's words for a title the source made
    from a kind the wall knows (``city.records.TITLE_KEY``), else the feed's own."""
    if not key:
        return title
    return t_or(lang, f"record_title.{key}", title)


def pick(lang: str, texts: dict[str, str]) -> str:
    """A text the profile declares per language (a ladder stage's name): in
    ``lang``, else in English, else the first given."""
    return texts.get(lang) or texts.get(FALLBACK) or next(iter(texts.values()), "")


def resolve(lang: str | None, default: str, offered: Sequence[str]) -> str:
    """``lang`` when the wall offers it, else the default: never an error."""
    return lang if lang in offered else default


def language_of(search: str | None, default: str, offered: Sequence[str]) -> str:
    """The language asked for in a query string (``?lang=es``), else the default."""
    asked = parse_qs((search or "").lstrip("?")).get("lang", [""])[0]
    return resolve(asked, default, offered)


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


def _listed(keys: list[str], most: int = 5) -> str:
    shown = ", ".join(keys[:most])
    return shown + (f", … ({len(keys) - most} more)" if len(keys) > most else "")


def unreadable_catalogs(folder: Path) -> list[str]:
    """The city's catalogs that cannot be read: the wall would not start on one."""
    problems = []
    for lang in languages_in(folder):
        path = folder / f"{lang}.toml"
        try:
            read_catalog(path)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: not a readable TOML catalog: {exc}")
    return problems


def drop_in_problems(folder: Path) -> list[str]:
    """What a city's own catalogs (``folder``: ``locales/`` beside its profile)
    lack against English, one line per file and kind of gap, each with its fix.
    A file that corrects a shipped language needs only the keys it changes."""
    english = read_catalog(LOCALES / f"{FALLBACK}.toml")
    problems = unreadable_catalogs(folder)
    for lang in languages_in(folder):
        path = folder / f"{lang}.toml"
        try:
            own = read_catalog(path)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # told above
        shipped = LOCALES / f"{lang}.toml"
        found = gaps((read_catalog(shipped) if shipped.is_file() else {}) | own)
        if found.missing:
            problems.append(
                f"{path}: {len(found.missing)} of {len(english)} keys missing (the "
                f"wall shows English instead): {_listed(found.missing)}; copy them "
                f"from {LOCALES / 'en.toml'} and translate"
            )
        if found.extra:
            problems.append(
                f"{path}: {len(found.extra)} key(s) English does not have (misspelt?): "
                f"{_listed(found.extra)}"
            )
        if found.empty:
            problems.append(
                f"{path}: {len(found.empty)} key(s) empty: {_listed(found.empty)}"
            )
        if found.placeholders:
            problems.append(
                f"{path}: {len(found.placeholders)} key(s) whose {{placeholders}} "
                f"differ from English's: {_listed(found.placeholders)}"
            )
        if not babel_knows(lang):
            problems.append(
                f"{path}: {lang!r} is not a language CLDR knows: name the file "
                "after a tag such as pt or pt_PT"
            )
    return problems
