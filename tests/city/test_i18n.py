"""Every label in every language: a missing translation fails here, not on a wall."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from city import i18n
from kpis.definitions import KPIS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("components", "pages", "citywall", "web", "app.py")
# t(lang, "key") with a literal key; keys built with f-strings are checked below
LITERAL_KEY = re.compile(r"\bt\(\s*\w+,\s*[\"']([a-z_.0-9A-Z]+)[\"']")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_key_with_the_same_placeholders():
    english = i18n.catalog("en")
    for lang in i18n.LANGUAGES:
        other = i18n.catalog(lang)
        assert set(other) == set(english), (
            f"{lang}: missing {sorted(set(english) - set(other))}, "
            f"extra {sorted(set(other) - set(english))}"
        )
        for key, text in other.items():
            assert text.strip(), f"{lang}: {key} is empty"
            assert _placeholders(text) == _placeholders(english[key]), (lang, key)


def _code_files():
    for folder in CODE_FOLDERS:
        path = PROJECT_ROOT / folder
        yield from [path] if path.is_file() else path.rglob("*.py")


def test_every_key_the_code_asks_for_is_in_the_catalog():
    asked = {
        key
        for path in _code_files()
        for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert len(asked) > 40, "the scan found the code's keys"
    missing = sorted(asked - set(i18n.catalog("en")))
    assert not missing, f"keys used in the code but not in en.toml: {missing}"


def test_keys_built_from_data_exist_for_every_value_the_code_knows():
    from components.record_table import GRID_WORDS
    from components.source_table import COLUMNS
    from kpis.definitions import DOMAINS
    from kpis.queries import SEVERITY_RANK
    from kpis.records import PERIODS
    from kpis.values import ALERT, GOOD, NO_DATA, WATCH

    built = (
        [f"domain.{d.id}" for d in DOMAINS]
        + [f"feed.{d.id}" for d in DOMAINS]
        + [f"period.{p}" for p in PERIODS]
        + [f"period.title_{p}" for p in PERIODS]
        + [f"severity.{s}" for s in SEVERITY_RANK]
        + [f"status.{s}" for s in (GOOD, WATCH, ALERT, NO_DATA)]
        + [f"grid.{w}" for w in GRID_WORDS]
        + [f"sources.column.{c}" for c in COLUMNS]
        + [f"sources.state.{s}" for s in ("ok", "stale", "failing", "waiting")]
    )
    for lang in i18n.LANGUAGES:
        missing = [k for k in built if k not in i18n.catalog(lang)]
        assert not missing, (lang, missing)


def test_every_kpi_speaks_every_language():
    for kpi in KPIS:
        for field in ("labels", "unit", "comparison"):
            texts = getattr(kpi, field)
            missing = [lang for lang in i18n.LANGUAGES if not texts.get(lang)]
            assert not missing, f"{kpi.id}.{field} has no {missing}"


def test_the_simulators_words_are_translated():
    """The demo city's categories and statuses show in every language."""
    from connectors.simulator import ALERT_KINDS, STREAMS

    for stream in STREAMS:
        kinds = ALERT_KINDS if stream.domain == "disaster" else stream.categories
        words = [f"category.{c}" for c in kinds]
        words += [f"record_status.{stream.first_status}"]
        words += [f"record_status.{s.name}" for s in stream.stages]
        for lang in i18n.LANGUAGES:
            missing = [w for w in words if w not in i18n.catalog(lang)]
            assert not missing, (lang, stream.name, missing)


def test_the_simulators_titles_are_translated_and_a_feeds_own_stay_as_sent():
    """Every title the demo city makes has its words in every language, the
    English ones the simulator stores; a title with no key is shown as it came."""
    from connectors.simulator import AGENCY_ROLES, ALERT_KINDS, STREAMS

    kinds = {c for stream in STREAMS for c in stream.categories} | set(ALERT_KINDS)
    for category in sorted(kinds):
        english = i18n.t("en", f"record_title.{category}")
        assert english != f"record_title.{category}", category
        for lang in ("ko", "es"):
            shown = i18n.record_title(lang, english, category)
            assert shown == i18n.catalog(lang)[f"record_title.{category}"]
            assert shown != english, (lang, category)
    for lang in ("ko", "en", "es"):  # what the demo writes for a city that names no one
        words = [f"demo.agency.{r}" for r in AGENCY_ROLES]
        words += ["demo.alert_sender", "demo.alert_instruction"]
        assert not [w for w in words if w not in i18n.catalog(lang)], lang
        assert "{city}" in i18n.catalog(lang)["demo.alert_sender"]
    assert i18n.record_title("ko", "Farola rota", None) == "Farola rota"
    assert i18n.record_title("ko", "Own words", "no_such_kind") == "Own words"


@pytest.mark.parametrize(
    ("lang", "number", "share", "clock", "day"),
    [
        ("en", "12,345.7", "12.3", "14:38", "Nov 25 14:38"),
        ("ko", "12,345.7", "12.3", "14:38", "11월 25일 14:38"),
        ("es", "12.345,7", "12,3", "14:38", "25 nov 14:38"),
    ],
)
def test_numbers_and_dates_follow_the_language(lang, number, share, clock, day):
    seoul = ZoneInfo("Asia/Seoul")
    at = datetime(2026, 11, 25, 5, 38, tzinfo=UTC)  # 14:38 in Seoul
    assert i18n.number(12345.67, lang, 1) == number
    assert i18n.number(12.34, lang, 1) == share
    assert i18n.clock(at, seoul, lang) == clock
    assert i18n.day_and_clock(at, seoul, lang) == day
    assert i18n.number(None, lang) == "—"


def test_the_language_comes_from_the_address_else_the_profile():
    assert i18n.language_of("?district=11680&lang=ko", "en") == "ko"
    assert i18n.language_of("?lang=xx", "es") == "es"  # unknown: the default
    assert i18n.language_of("", "es") == "es"
    assert i18n.t("es", "ticker.until", time="14:38") == "hasta 14:38"
