"""A profile declares its own domains and indicators; each mistake is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from city.indicators import declarations, standard_raw
from city.profile import ProfileError, load_profile
from tests.conftest import seoul_profile_copy

AIR = """
[[domains]]
id = "air"
label = { en = "Air", ko = "대기", es = "Aire" }
series = "pm10"
chart = "pm10_mean"
colour = "#5fb3b3"

[[indicators]]
id = "pm10_mean"
domain = "air"
label = { en = "PM10, last 3 h", ko = "미세먼지, 최근 3시간" }
unit = { en = "µg/m³" }
measure = "mean"
series = "pm10"
window = "3h"
compare = "7d_average"
target = 50
decimals = 1

[[indicators]]
id = "noise_tonight"
domain = "complaints"
label = { en = "Noise complaints today", ko = "오늘 소음 민원" }
measure = "count"
where = { category = ["noise"] }
window = "today"
per_resident = true
district_target = "population_share"
target = 120

[[indicators]]
id = "severe_share"
domain = "safety"
measure = "share"
where = { severity = ["Severe", "Extreme"] }
window = "7d"
compare = "previous"

[[indicators]]
id = "pm10_monthly"
domain = "air"
label = { en = "PM10, monthly mean", ko = "미세먼지 월평균", es = "PM10, media mensual" }
measure = "mean"
series = "pm10"
period = "month"
plan = { "2026-01" = 40, "2026-02" = 38 }
direction = "lower"
"""


def with_air(folder: Path, extra: str = AIR) -> Path:
    """Seoul's shipped profile with an air domain and three more indicators."""
    path = seoul_profile_copy(folder, 1)
    text = path.read_text(encoding="utf-8")
    at = text.index("[traffic]\n")
    path.write_text(text[:at] + extra + "\n" + text[at:], encoding="utf-8")
    return path


def test_a_fifth_domain_and_its_indicators_are_profile_text(tmp_path):
    profile = load_profile(with_air(tmp_path))
    assert [d.id for d in profile.domains][-1] == "air"
    air = profile.domains_by_id["air"]
    assert (air.path, air.series, air.series_kpi) == ("/air", "pm10", "pm10_mean")
    assert air.label("ko") == "대기"
    pm10 = profile.indicators_by_id["pm10_mean"]
    assert (pm10.measure, pm10.window.length.total_seconds(), pm10.compare.days) == (
        "mean",
        3 * 3600,
        7,
    )
    noise = profile.indicators_by_id["noise_tonight"]
    assert noise.where == (("category", ("noise",)),)
    assert noise.scales_with_population and noise.counts
    share = profile.indicators_by_id["severe_share"]
    assert share.percent and not share.counts  # a share shows as a percentage
    # the rollups keep counts by the keys the filters read, one group each
    assert profile.facet_groups == (("category",), ("severity",))
    # the kiosk turns through every domain when the profile names no rotation
    assert "/air" in [d.path for d in profile.domains]
    assert profile.targets["noise_tonight"].target == 120
    monthly = profile.indicators_by_id["pm10_monthly"]
    # a periodic indicator: its window and comparison are its periods'
    assert (monthly.window.kind, monthly.compare.kind) == ("this_month", "previous")
    assert monthly.has_plan and monthly.plan["2026-02"] == 38


def test_no_declaration_is_the_standard_set_read_by_the_same_code():
    problems: list[str] = []
    found = declarations(standard_raw(), problems, set())
    assert problems == []
    assert [d.id for d in found.domains] == [
        "traffic",
        "safety",
        "disaster",
        "complaints",
    ]
    assert len(found.indicators) == 8


DECLARATION_MISTAKES = {
    "an unknown domain": (
        'domain = "air"\nlabel = { en = "PM10',
        'domain = "aire"\nlabel = { en = "PM10',
        "[[indicators]] #13 (pm10_mean) domain 'aire' is not declared (the domains: "
        "air, complaints, crowd, disaster, safety, traffic)",
    ),
    "a filter on a series by something else": (
        'series = "pm10"\nwindow = "3h"',
        'series = "pm10"\nwhere = { station = ["a"] }\nwindow = "3h"',
        "[[indicators]] #13 (pm10_mean) a series can be filtered by category only",
    ),
    "a filter of no values": (
        'where = { category = ["noise"] }',
        "where = { category = [] }",
        "[[indicators]] #14 (noise_tonight) where.category must be a string or a "
        "list of strings",
    ),
    "a paced count over a window not today": (
        'window = "today"\nper_resident = true\ndistrict_target',
        'window = "24h"\npaced = true\nper_resident = true\ndistrict_target',
        '[[indicators]] #14 (noise_tonight) paced is for a count over window = "today"',
    ),
    "an average of a moment": (
        'window = "7d"\ncompare = "previous"',
        'window = "open_now"\ncompare = "7d_average"',
        "[[indicators]] #15 (severe_share) measure 'share' cannot use window "
        "'open_now'",
    ),
    "a comparison of no kind": (
        'compare = "7d_average"',
        'compare = "last_week"',
        "[[indicators]] #13 (pm10_mean) compare 'last_week' must be one of "
        "yesterday, previous, last_year, none or <N>d_average (e.g. 7d_average)",
    ),
    "a domain on another page's address": (
        'id = "air"\n',
        'id = "air"\npath = "/cameras"\n',
        "[[domains]] #6 (air) path /cameras is another page's",
    ),
    "a district target for no district": (
        'district_target = "population_share"\ntarget = 120',
        'district_target = { "99999" = 3 }\ntarget = 120',
        "[[indicators]] #14 (noise_tonight) district_target names no district 99999",
    ),
    "an id twice": (
        'id = "severe_share"',
        'id = "noise_tonight"',
        "[[indicators]] #15 (noise_tonight) the id 'noise_tonight' is declared twice",
    ),
    "a plan with a month that is not one": (
        '"2026-02" = 38',
        '"2026-13" = 38',
        "[[indicators]] #16 (pm10_monthly) plan key '2026-13' is not a month: "
        "write YYYY-MM",
    ),
    "a periodic indicator with a window": (
        'period = "month"\n',
        'period = "month"\nwindow = "24h"\n',
        "[[indicators]] #16 (pm10_monthly) a periodic indicator is read by its "
        "period (the last one over, against its plan and the one before): leave "
        "out window and compare",
    ),
    "a watch band on the wrong side": (
        "target = 50\ndecimals = 1",
        "target = 50\nwatch_ratio = 0.8\ndecimals = 1",
        "[[indicators]] #13 (pm10_mean) watch_ratio 0.8 with a lower-is-better "
        "target: the watch band lies over the target, write a ratio over 1 "
        "(e.g. 1.25)",
    ),
}


@pytest.mark.parametrize("mistake", DECLARATION_MISTAKES)
def test_each_declaration_mistake_is_one_line(tmp_path, mistake):
    old, new, line = DECLARATION_MISTAKES[mistake]
    assert old in AIR, old
    with pytest.raises(ProfileError) as raised:
        load_profile(with_air(tmp_path, AIR.replace(old, new, 1)))
    assert raised.value.problems == [line]


def test_targets_beside_declared_indicators_are_refused(tmp_path):
    path = with_air(tmp_path, AIR + "\n[targets]\npm10_mean = { target = 3 }\n")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert raised.value.problems == [
        "[targets] is for the standard indicators only: with [[indicators]] "
        "declared, write each target in its declaration (target = ...)"
    ]


def test_the_check_names_the_indicators_and_their_missing_words(tmp_path):
    from citywall.onboarding import check_city

    report = check_city(with_air(tmp_path))
    assert report.ok, report.problems
    assert (
        "indicators (declared): 16 in traffic (2), safety (2), disaster (2), "
        "complaints (4), crowd (4), air (2)"
    ) in report.notes
    # Seoul's wall speaks ko, en and es: what has no word in one is said
    assert 'indicator pm10_mean has no label in es: add es = "…" to its label' in (
        report.notes
    )
    assert not any("domain air" in n for n in report.notes)  # labelled in all three


def test_an_embed_token_may_show_a_declared_domain_and_its_tiles(tmp_path):
    from access.embed_tokens import EmbedTokenError, checked_target

    profile = load_profile(with_air(tmp_path))
    assert checked_target("air", None, profile) == "air"
    assert checked_target("tile/pm10_mean", "11680", profile) == "tile/pm10_mean"
    with pytest.raises(EmbedTokenError) as refused:
        checked_target("tile/pm10_mea", None, profile)
    assert "tile/pm10_mean" in str(refused.value)
