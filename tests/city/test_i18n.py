"""Every label in every language: a missing translation fails here, not on a wall;
a language is one catalog file, shipped or dropped beside a profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from city import i18n
from city.ladder import DEFAULT_LADDER
from city.profile import ProfileError, load_profile
from tests.conftest import files_in_place
from tests.standard import KPIS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUAYAQUIL = PROJECT_ROOT / "cities" / "guayaquil.toml"
CODE_FOLDERS = ("components", "pages", "citywall", "web", "app.py")
# t(lang, "key") with a literal key; keys built with f-strings are checked below
LITERAL_KEY = re.compile(r"\bt\(\s*\w+,\s*[\"']([a-z_.0-9A-Z]+)[\"']")


def _catalogs_found() -> list[Path]:
    """Every catalog in the repository: shipped, and beside the shipped profiles."""
    return sorted(
        [
            *i18n.LOCALES.glob("*.toml"),
            *(PROJECT_ROOT / "cities").glob("locales/*.toml"),
        ]
    )


@pytest.fixture(autouse=True)
def _no_city_catalogs_after():
    """A test's temporary city leaves its catalogs behind for none of the others."""
    yield
    i18n.use_drop_in_folder(None)


def test_at_least_the_promised_languages_ship():
    assert {"en", "ko", "es", "ja", "pt"} <= set(i18n.shipped_languages())


@pytest.mark.parametrize("path", _catalogs_found(), ids=lambda p: p.stem)
def test_every_catalog_has_every_key_with_the_same_placeholders(path):
    found = i18n.gaps(i18n.read_catalog(path))
    # one list per kind, so a key added to en.toml shows here to add to the others
    assert not found.missing, f"{path.name} lacks {len(found.missing)}: {found.missing}"
    assert not found.extra, f"{path.name} has keys en.toml lacks: {found.extra}"
    assert not found.empty, f"{path.name} has empty keys: {found.empty}"
    assert not found.placeholders, (
        f"{path.name}: {{placeholders}} differ from en.toml in {found.placeholders}"
    )
    assert i18n.babel_knows(path.stem), f"{path.stem}: not a language CLDR knows"


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
    from kpis.queries import SEVERITY_RANK
    from kpis.records import PERIODS
    from kpis.values import ALERT, GOOD, NO_DATA, WATCH
    from tests.standard import DOMAINS

    WORDS = ("name", "guidance")

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
        + [f"kpi.{k.id}.{w}" for k in KPIS for w in ("label", "unit", "comparison")]
        + [f"ladder.stage_{s.level}.{w}" for s in DEFAULT_LADDER.stages for w in WORDS]
    )
    missing = [k for k in built if k not in i18n.catalog("en")]
    assert not missing, missing  # and every other catalog has en's keys, above


def test_kpi_labels_and_the_ladders_words_come_from_the_catalogs():
    from components.format import comparison, label, unit

    kpi = KPIS[0]
    assert label(kpi, "ja") == i18n.catalog("ja")[f"kpi.{kpi.id}.label"]
    assert unit(kpi, "pt") == i18n.catalog("pt")[f"kpi.{kpi.id}.unit"]
    assert comparison(kpi, "ko") == i18n.catalog("ko")[f"kpi.{kpi.id}.comparison"]
    alert = DEFAULT_LADDER.stage(4)
    assert (alert.name("ja"), alert.name("pt"), alert.name("en")) == (
        "警戒",
        "Alerta",
        "Alert",
    )
    assert alert.advice("pt").startswith("Impactos graves")


def test_the_simulators_words_are_translated():
    """The demo city's categories and statuses show in every language."""
    from connectors.simulator import ALERT_KINDS, STREAMS

    for stream in STREAMS:
        kinds = ALERT_KINDS if stream.domain == "disaster" else stream.categories
        words = [f"category.{c}" for c in kinds]
        words += [f"record_status.{stream.first_status}"]
        words += [f"record_status.{s.name}" for s in stream.stages]
        missing = [w for w in words if w not in i18n.catalog("en")]
        assert not missing, (stream.name, missing)


def test_the_simulators_titles_are_translated_and_a_feeds_own_stay_as_sent():
    """Every title the demo city makes has its words in every language, the
    English ones the simulator stores; a title with no key is shown as it came."""
    from connectors.simulator import AGENCY_ROLES, ALERT_KINDS, STREAMS

    kinds = {c for stream in STREAMS for c in stream.categories} | set(ALERT_KINDS)
    for category in sorted(kinds):
        english = i18n.t("en", f"record_title.{category}")
        assert english != f"record_title.{category}", category
        for lang in set(i18n.shipped_languages()) - {"en"}:
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
        ("ja", "12,345.7", "12.3", "14:38", "11月25日 14:38"),
        ("pt", "12.345,7", "12,3", "14:38", "25 de nov. 14:38"),
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
    offered = ("es", "en")
    assert i18n.language_of("?district=11680&lang=en", "es", offered) == "en"
    assert i18n.language_of("?lang=xx", "es", offered) == "es"  # unknown: the default
    assert i18n.language_of("?lang=ko", "es", offered) == "es"  # not offered: same
    assert i18n.language_of("", "es", offered) == "es"
    assert i18n.t("es", "ticker.until", time="14:38") == "hasta 14:38"
    assert i18n.catalog("../../etc/passwd") == {}  # an address asks for anything


def test_each_language_is_named_in_itself():
    names = {lang: i18n.display_name(lang) for lang in ("ko", "en", "es", "ja", "pt")}
    assert names == {
        "ko": "한국어",
        "en": "English",
        "es": "Español",
        "ja": "日本語",
        "pt": "Português",
    }


# -- a city's own languages -------------------------------------------------------


def city_speaking(
    tmp_path: Path, city_lines: str, catalogs: dict[str, str] | None = None
) -> Path:
    """Guayaquil's profile in ``tmp_path`` with other ``[city]`` language lines, and
    ``catalogs`` (language: TOML text) in ``locales/`` beside it."""
    text = GUAYAQUIL.read_text(encoding="utf-8")
    text = text.replace('default_language = "es"\nlocal_language = "es"\n', city_lines)
    text = files_in_place(text, "guayaquil")
    path = tmp_path / "guayaquil.toml"
    path.write_text(text, encoding="utf-8")
    for lang, words in (catalogs or {}).items():
        (tmp_path / "locales").mkdir(exist_ok=True)
        (tmp_path / "locales" / f"{lang}.toml").write_text(words, encoding="utf-8")
    return path


def test_without_a_list_the_wall_offers_the_default_the_citys_own_and_english(
    tmp_path,
):
    assert load_profile(GUAYAQUIL).languages == ("es", "en")
    seoul = load_profile(PROJECT_ROOT / "cities" / "seoul.toml")
    assert seoul.languages == ("ko", "en", "es")  # its own list, in its order
    lines = 'default_language = "pt"\nlocal_language = "ja"\n'
    assert load_profile(city_speaking(tmp_path, lines)).languages == ("pt", "ja", "en")


def test_the_profile_lists_what_the_wall_offers_and_nothing_else_is_shown(tmp_path):
    lines = 'default_language = "pt"\nlocal_language = "es"\nlanguages = ["pt", "en"]\n'
    profile = load_profile(city_speaking(tmp_path, lines))
    assert profile.languages == ("pt", "en")
    assert profile.language("en") == "en"
    assert profile.language("es") == "pt"  # shipped, but not offered: the default
    assert profile.language("xx") == profile.language(None) == "pt"
    assert profile.language_of("?period=7d&lang=ko") == "pt"
    # the city's names: its own language's, shown where it has no other
    assert profile.name("en") == "Guayaquil"


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ('default_language = "xx"\n', "default_language 'xx' has no catalog"),
        ('default_language = "es"\nlanguages = ["es", "fr"]\n', "'fr' has no catalog"),
        ('default_language = "es"\nlanguages = ["en"]\n', "must include the default"),
        ('default_language = "es"\nlanguages = "es"\n', "must be an array of strings"),
    ],
)
def test_a_language_without_a_catalog_is_refused_with_the_fix(tmp_path, lines, problem):
    with pytest.raises(ProfileError) as refused:
        load_profile(city_speaking(tmp_path, lines))
    (line,) = [p for p in refused.value.problems if "language" in p]
    assert problem in line
    if "catalog" in problem:  # says where a catalog would go
        assert str(tmp_path / "locales") in line and "ja" in line


def test_a_catalog_dropped_beside_the_profile_is_a_new_language(tmp_path):
    italian = (
        '[nav]\noverview = "Panoramica"\n[tile]\nstale_since = "FERMO dalle {time}"\n'
    )
    lines = 'default_language = "it"\nlocal_language = "es"\nlanguages = ["it", "es"]\n'
    profile = load_profile(city_speaking(tmp_path, lines, {"it": italian}))
    assert profile.languages == ("it", "es")
    assert "it" in i18n.languages() and i18n.display_name("it") == "Italiano"
    assert i18n.t("it", "nav.overview") == "Panoramica"
    assert i18n.t("it", "tile.stale_since", time="14:38") == "FERMO dalle 14:38"
    assert i18n.t("it", "nav.sources") == "Sources"  # missing: English meanwhile
    assert i18n.number(1234.5, "it", 1) == "1.234,5"  # CLDR's, through Babel
    # city check names what the file lacks, with the count, on one line
    (missing,) = i18n.drop_in_problems(tmp_path / "locales")
    total = len(i18n.catalog("en"))
    assert f"it.toml: {total - 2} of {total} keys missing" in missing
    assert "nav.sources" in missing or "more" in missing


def test_a_citys_catalog_corrects_a_shipped_language_a_word_at_a_time(tmp_path):
    lines = 'default_language = "pt"\nlocal_language = "pt"\n'
    portugal = '[nav]\noverview = "Panorâmica"\n'
    load_profile(city_speaking(tmp_path, lines, {"pt": portugal}))
    assert i18n.t("pt", "nav.overview") == "Panorâmica"
    assert i18n.t("pt", "nav.sources") == "Fontes"  # the shipped one's
    assert i18n.drop_in_problems(tmp_path / "locales") == []


def test_a_typo_in_a_citys_catalog_never_breaks_the_wall(tmp_path):
    lines = 'default_language = "it"\nlocal_language = "it"\n'
    wrong = '[tile]\nstale_since = "FERMO dalle {ora}"\n[nav]\noverveiw = "x"\n'
    load_profile(city_speaking(tmp_path, lines, {"it": wrong}))
    assert i18n.t("it", "tile.stale_since", time="14:38") == "STALE since 14:38"
    problems = i18n.drop_in_problems(tmp_path / "locales")
    assert any("misspelt?): nav.overveiw" in p for p in problems), problems
    assert any("placeholders" in p and "tile.stale_since" in p for p in problems)


def test_a_catalog_that_is_not_toml_stops_the_profile_with_its_place(tmp_path):
    lines = 'default_language = "es"\nlocal_language = "es"\n'
    path = city_speaking(tmp_path, lines, {"it": '[nav]\noverview = "Panoramica\n'})
    with pytest.raises(ProfileError) as refused:
        load_profile(path)
    (problem,) = refused.value.problems
    assert problem.startswith(f"{tmp_path / 'locales' / 'it.toml'}: not a readable")
