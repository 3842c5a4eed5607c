"""What a district map frames: the city's main mass, far islands left out, a big
district kept unless the profile says otherwise; what `city init` writes about it."""

from __future__ import annotations

import tomllib

from shapely.geometry import box

from city.map_frame import (
    AUTOMATIC,
    MapFrame,
    dominant_district,
    far_districts,
    frame_bounds,
    frame_toml,
)
from city.profile import load_profile
from tests.fixtures.cities.shapes import (
    bogota_shapes,
    initialised,
    tokyo_shapes,
)


def _geometries(districts):
    return {code: g for code, (_, g) in districts.items()}


def _names(districts):
    return {code: name for code, (name, _) in districts.items()}


def test_a_far_island_district_is_left_out_of_the_automatic_frame():
    tokyo = _geometries(tokyo_shapes())
    assert far_districts(tokyo) == ["13421"]
    west, south, east, north = frame_bounds(tokyo, AUTOMATIC)
    assert south > 35.5 and north < 35.83 and west > 139.59 and east < 139.94


def test_a_ward_keeps_its_near_islands_and_loses_a_far_one():
    main = box(0, 0, 1, 1)
    near = box(1.1, 0.2, 1.15, 0.25)  # a bay island: within reach
    far = box(9, 9, 9.05, 9.05)
    shapes = {"a": main.union(near).union(far), "b": box(0, 1, 1, 2)}
    assert frame_bounds(shapes, AUTOMATIC) == (0, 0, 1.15, 2)
    assert far_districts(shapes) == []  # the ward itself stays


def test_two_big_masses_far_apart_are_both_framed():
    # a city in two halves of like size (across a bay): neither is an outlier
    shapes = {"a": box(0, 0, 1, 1), "b": box(5, 0, 5.8, 0.8)}
    assert frame_bounds(shapes, AUTOMATIC) == (0, 0, 5.8, 1)


def test_a_big_rural_district_is_framed_unless_the_profile_leaves_it_out():
    bogota = _geometries(bogota_shapes())
    assert far_districts(bogota) == []
    assert frame_bounds(bogota, AUTOMATIC)[1] < 3.76  # Sumapaz's south end
    assert dominant_district(bogota) == "20"
    urban = frame_bounds(bogota, MapFrame(leaves_out=("20",)))
    assert urban[1] > 4.4
    # an explicit empty list frames everything, far islands too
    tokyo = _geometries(tokyo_shapes())
    assert frame_bounds(tokyo, MapFrame(leaves_out=()))[1] < 26.7
    assert frame_bounds(tokyo, MapFrame(bounds=(1, 2, 3, 4))) == (1, 2, 3, 4)


def test_no_suggestion_for_a_compact_city():
    shapes = {f"{x}{y}": box(x, y, x + 1, y + 1) for x in range(2) for y in range(2)}
    assert frame_toml(shapes, {}) == ""


def _init(tmp_path, districts) -> tuple[str, dict]:
    """``city init`` on these districts (a file in degrees): the profile's text."""
    path = initialised(districts, tmp_path)
    load_profile(path)  # what init wrote loads
    text = path.read_text("utf-8")
    return text, tomllib.loads(text)


def test_init_leaves_a_far_island_out_of_the_frame_and_says_why(tmp_path):
    text, profile = _init(tmp_path, tokyo_shapes())
    assert profile["map"]["frame_leaves_out"] == ["13421"]
    assert "# 小笠原村 (13421): far from the rest of the city" in text


def test_init_suggests_leaving_out_a_district_that_swells_the_frame(tmp_path):
    text, profile = _init(tmp_path, bogota_shapes())
    assert "frame_leaves_out" not in profile.get("map", {})  # only suggested
    assert '# frame_leaves_out = ["20"]' in text
    assert "Sumapaz (20) alone makes the map's frame" in text
