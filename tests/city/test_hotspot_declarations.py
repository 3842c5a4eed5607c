"""A city's hotspots and its crowd domain are profile text: the hotspots' CSV, a
domain's hotspot map, the places_at_least measure and the hotspot stage rule,
each mistake answered by one line that says what to write."""

from __future__ import annotations

import pytest

from city.profile import ProfileError, load_profile
from tests.conftest import PROJECT_ROOT, seoul_profile_copy

HOTSPOTS = PROJECT_ROOT / "cities" / "seoul" / "hotspots.csv"


def test_seoul_lists_its_hotspots_and_maps_them_on_its_crowd_domain(seoul):
    assert len(seoul.hotspots) >= 30
    gangnam = seoul.hotspots_by_code["POI014"]
    assert (gangnam.name("ko"), gangnam.name("en"), gangnam.district) == (
        "강남역",
        "Gangnam Station",
        "11680",
    )
    crowd = seoul.domains_by_id["crowd"]
    assert crowd.hotspots is not None and crowd.hotspots.level == "crowd_level"
    assert crowd.hotspots.curve == ("crowd_min", "crowd_max")
    crowded = seoul.indicators_by_id["crowd_hotspots_crowded"]
    assert (crowded.measure, crowded.at_least, crowded.window.kind) == (
        "places_at_least",
        4.0,
        "duration",
    )
    (rule,) = [r for r in seoul.ladder.rules if r.when == "hotspot"]
    assert (rule.stage, rule.series, rule.at_least, rule.minutes) == (
        2,
        "crowd_level",
        4.0,
        30.0,
    )


MISTAKES = {
    "a hotspots file not there": (
        'hotspots = "{hotspots}"',
        'hotspots = "nowhere/hotspots.csv"',
        "[city] hotspots: hotspots file {folder}/nowhere/hotspots.csv not found",
    ),
    "a hotspot map naming no series": (
        'level = "crowd_level"        # 1 relaxed',
        'series_of_level = "crowd_level"        # 1 relaxed',
        "[[domains]] #5 (crowd) hotspots must be a table naming its level series: "
        '{{ level = "crowd_level", curve = ["crowd_min", "crowd_max"] }}',
    ),
    "a curve of three series": (
        'curve = ["crowd_min", "crowd_max"]',
        'curve = ["crowd_min", "crowd_max", "crowd_level"]',
        "[[domains]] #5 (crowd) hotspots.curve must list one or two series",
    ),
    "places at no level": (
        "at_least = 4                 # 붐빔",
        "# 붐빔",
        "[[indicators]] #9 (crowd_hotspots_crowded) places_at_least needs "
        "at_least = <number>: the level a place's newest reading must reach",
    ),
    "places compared with an average": (
        'window = "30m"\ncompare = "yesterday"\ntarget = 0',
        'window = "30m"\ncompare = "7d_average"\ntarget = 0',
        "[[indicators]] #9 (crowd_hotspots_crowded) places_at_least reads places "
        "at one moment: compare with yesterday, previous, last_year or none",
    ),
    "a level for another measure": (
        'measure = "max"\nseries = "crowd_max"',
        'measure = "max"\nat_least = 3\nseries = "crowd_max"',
        "[[indicators]] #11 (crowd_largest) at_least is for measure = "
        '"places_at_least" only',
    ),
    "a hotspot rule with no level": (
        'when = "hotspot"\nseries = "crowd_level"\nat_least = 4\n',
        'when = "hotspot"\nseries = "crowd_level"\n',
        "[[disaster.rules]] #8 (hotspot): `at_least` must be the level, a number",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_hotspot_mistake_is_one_line(tmp_path, mistake):
    old, new, line = MISTAKES[mistake]
    path = seoul_profile_copy(tmp_path, 1, crowd_stage=True)
    text = path.read_text("utf-8")
    old = old.format(hotspots=HOTSPOTS)
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert raised.value.problems == [line.format(folder=tmp_path)]


def test_a_hotspot_list_answers_each_wrong_row_in_one_line(tmp_path):
    rows = HOTSPOTS.read_text("utf-8").splitlines()
    rows[1] = rows[1].replace(",11680,", ",11699,")  # POI001: no such district
    rows[2] = rows[2].replace("127.0090", "1270.090")  # POI002: off the globe
    rows.append(rows[3])  # POI003 twice
    (tmp_path / "hotspots.csv").write_text("\n".join(rows), "utf-8")
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text("utf-8").replace(str(HOTSPOTS), "hotspots.csv")
    path.write_text(text, "utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert raised.value.problems == [
        "[city] hotspots: hotspot #1 (POI001): district '11699' is not in the profile",
        "[city] hotspots: hotspot #2 (POI002): lon/lat '1270.090', '37.5670'",
        "[city] hotspots: hotspot #38 (POI003): listed twice",
    ]


def test_a_domain_cannot_map_hotspots_a_city_has_not_listed(tmp_path):
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text("utf-8")
    text = text.replace(f'hotspots = "{HOTSPOTS}"', "")
    path.write_text(text, "utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert raised.value.problems == [
        "[[domains]] (crowd) maps hotspots, but [city] hotspots names no list"
    ]


def test_the_kiosk_may_show_a_hotspots_page_the_city_lists(tmp_path):
    from citywall.onboarding import check_city

    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text("utf-8")
    step = '  { page = "/crowd", seconds = 30 },\n'
    listed = text.replace(
        step, step + '  { page = "/hotspot/POI014", seconds = 20 },\n'
    )
    path.write_text(listed, "utf-8")
    assert check_city(path).ok
    path.write_text(listed.replace("/hotspot/POI014", "/hotspot/POI0014"), "utf-8")
    report = check_city(path)
    assert report.problems == [
        "[[wall.rotation]] #7 (/hotspot/POI0014): no hotspot 'POI0014' in this city "
        "(did you mean /hotspot/POI014?)"
    ]
