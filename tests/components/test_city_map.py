"""The district map: what it frames, where its labels go (never on top of each
other), and their colour, readable on the district's fill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash import Patch
from plotly.colors import unlabel_rgb
from shapely.geometry.base import BaseGeometry

from city.map_frame import dominant_district, far_districts
from city.profile import CityProfile, ProfileError, load_profile
from components.city_map import (
    COUNT_LABELS,
    DARK_TEXT,
    LIGHT_TEXT,
    contrast,
    counts_map_figure,
    counts_map_patch,
    district_map,
    fill_colours,
    label_colours,
    outline_districts,
    z_range,
)
from components.map_labels import (
    DESIGN_REM,
    design_projector,
    figure_label_boxes,
    lines,
    overlap,
)
from tests.fixtures.cities.shapes import (
    bogota_shapes,
    quito_shapes,
    tokyo_shapes,
    write_boundaries,
)


def _rgb(colour: str) -> tuple[float, float, float]:
    if colour.startswith("#"):
        return tuple(float(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return tuple(float(c) for c in unlabel_rgb(colour))


def test_every_label_stands_out_from_its_district():
    z = [float(v) for v in range(0, 101, 5)]
    for reverse in (False, True):
        fills = fill_colours(z, reverse)
        for fill, text in zip(fills, label_colours(z, reverse), strict=True):
            assert contrast(_rgb(fill), _rgb(text)) >= 4.5, (fill, text)


def test_dark_text_on_the_bright_end_and_light_text_on_the_dark_end():
    z = [0.0, 50.0, 100.0]
    assert label_colours(z, reverse=False)[0] == LIGHT_TEXT  # Cividis starts dark blue
    assert label_colours(z, reverse=False)[-1] == DARK_TEXT  # and ends bright yellow
    assert label_colours(z, reverse=True)[0] == DARK_TEXT


def test_a_district_without_a_value_gets_light_text_on_the_dark_page():
    assert label_colours([None, 3.0, 7.0], reverse=False)[0] == LIGHT_TEXT
    assert fill_colours([None, 3.0], reverse=False)[0] is None


def test_the_scale_ends_are_plotlys_own():
    assert z_range([3.0, None, 9.0]) == (3.0, 9.0)
    assert z_range([4.0, 4.0]) == (3.5, 4.5)  # one value: plotly widens by ±0.5
    assert z_range([None]) == (0.0, 1.0)


# -- framing and labels on real-shaped cities ---------------------------------------


def _city(
    folder: Path, shapes: dict[str, tuple[str, BaseGeometry]], map_toml: str = ""
) -> CityProfile:
    """A profile of these districts, written and loaded as a city's would be."""
    write_boundaries(shapes, folder / "districts.geojson")
    districts = "".join(
        f'\n[[districts]]\ncode = "{code}"\nname = {{ en = {json.dumps(name)} }}\n'
        "population = 1000\n"
        for code, (name, _) in shapes.items()
    )
    path = folder / "city.toml"
    path.write_text(
        '[city]\nid = "test"\nname = "Test"\ntimezone = "UTC"\n'
        'boundaries = "districts.geojson"\n'
        f"{map_toml}\n{districts}",
        "utf-8",
    )
    return load_profile(path)


def _counts_map(profile: CityProfile) -> dict:
    counts = {d.code: 1000 + 37 * i for i, d in enumerate(profile.districts)}
    figure = counts_map_figure(profile, counts, [], "en", "open")
    return figure.to_plotly_json()


def _ranges(figure: dict) -> tuple[list[float], list[float]]:
    geo = figure["layout"]["geo"]
    return geo["lonaxis"]["range"], geo["lataxis"]["range"]


def test_a_far_island_is_drawn_but_the_map_frames_the_wards(tmp_path):
    tokyo = _city(tmp_path, tokyo_shapes())
    figure = _counts_map(tokyo)
    lon, lat = _ranges(figure)
    # the wards, 35.5°–35.8° N; Ogasawara (27° N) is not in the frame ...
    assert 35.4 < lat[0] < 35.6 and 35.8 < lat[1] < 35.9, lat
    assert 139.5 < lon[0] < 139.65 and 139.9 < lon[1] < 140.0, lon
    # ... but still drawn, and named under the map instead of labelled
    assert "13421" in figure["data"][0]["locations"]
    assert "小笠原村" in figure["layout"]["meta"]["citywall"]["dropped"]
    assert far_districts({c: g for c, (_, g) in tokyo_shapes().items()}) == ["13421"]


def test_a_big_rural_district_stays_in_the_frame_unless_the_profile_leaves_it_out(
    tmp_path,
):
    shapes = bogota_shapes()
    whole = _ranges(_counts_map(_city(tmp_path, shapes)))
    assert whole[1][0] < 3.8  # Sumapaz reaches 3.75° N: never cut silently
    assert dominant_district({c: g for c, (_, g) in shapes.items()}) == "20"
    urban = _city(tmp_path, shapes, '[map]\nframe_leaves_out = ["20"]\n')
    figure = _counts_map(urban)
    lon, lat = _ranges(figure)
    assert 4.35 < lat[0] < 4.45 and 4.78 < lat[1] < 4.8, lat  # the 19 urban ones
    assert "20" in figure["data"][0]["locations"]


def test_the_profile_can_set_the_frame_itself(tmp_path):
    tokyo = _city(
        tmp_path, tokyo_shapes(), "[map]\nframe = [139.7, 35.6, 139.8, 35.7]\n"
    )
    lon, lat = _ranges(_counts_map(tokyo))
    assert lon == pytest.approx([139.698, 139.802]) and lat == pytest.approx(
        [35.598, 35.702]
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("frame = [139.8, 35.6, 139.7, 35.7]", "[map] frame"),
        ("frame = [1, 2, 3]", "[map] frame"),
        ('frame_leaves_out = ["99999"]', "'99999'] are not district codes"),
        (
            'frame_leaves_out = "13421"',
            'frame_leaves_out must be an array of strings, not "13421"',
        ),
    ],
)
def test_a_wrong_frame_setting_is_refused_with_the_fix(tmp_path, setting, problem):
    with pytest.raises(ProfileError) as refused:
        _city(tmp_path, tokyo_shapes(), f"[map]\n{setting}\n")
    assert any(problem in p for p in refused.value.problems), refused.value.problems


@pytest.mark.parametrize(
    ("shapes", "frame", "labelled"),
    [
        (tokyo_shapes, "", 20),  # of 24: Ogasawara is off the map
        (bogota_shapes, "", 4),  # of 20: the urban ones crowd a third of the map
        (bogota_shapes, '[map]\nframe_leaves_out = ["20"]\n', 12),
        (quito_shapes, "", 10),  # of 32 small parishes with long names
    ],
)
def test_no_two_labels_overlap_on_the_smallest_wall_map(
    tmp_path, shapes, frame, labelled
):
    profile = _city(tmp_path, shapes(), frame)
    figure = _counts_map(profile)
    boxes = figure_label_boxes(figure)
    # the map itself (plotly clips what lies outside it) on the smallest wall map
    lon, lat = _ranges(figure)
    left, top, right, bottom = design_projector(lon, lat, 16).frame
    for i, (text, a) in enumerate(boxes):
        assert left <= a[0] and a[2] <= right and top <= a[1] and a[3] <= bottom, text
        for other, b in boxes[i + 1 :]:
            assert not overlap(a, b), (text, other)
    # every district is labelled or named under the map
    meta = figure["layout"]["meta"]["citywall"]
    assert len(boxes) + len(meta["dropped"]) == len(profile.districts)
    assert len(boxes) >= labelled, meta["dropped"]
    # a dropped label keeps its name and value on hover
    hover = [" ".join(lines(t)[:-1]) for t in figure["data"][0]["text"]]
    assert set(meta["dropped"]) <= set(hover)


def test_seoul_keeps_its_labels_and_a_refresh_keeps_the_dropped_ones_out(seoul):
    counts = {d.code: 100 for d in seoul.districts}
    figure = counts_map_figure(seoul, counts, [], "en", "open").to_plotly_json()
    shown = figure["data"][COUNT_LABELS]["text"]
    assert sum(1 for t in shown if t) >= 23
    patch = counts_map_patch(seoul, counts, [], "en").to_plotly_json()
    texts = [
        op["params"]["value"]
        for op in patch["operations"]
        if op["location"] == ["data", COUNT_LABELS, "text"]
    ]
    assert texts == [shown]


def test_every_colour_of_the_scale_has_text_readable_on_it():
    """WCAG AA for normal text (4.5:1) on every fill the map can paint."""
    steps = 1001
    for reverse in (False, True):
        z = [i / (steps - 1) for i in range(steps)]
        fills = fill_colours(z, reverse, bounds=(0.0, 1.0))
        for fill, text in zip(
            fills, label_colours(z, reverse, (0.0, 1.0)), strict=True
        ):
            assert contrast(_rgb(fill), _rgb(text)) >= 4.5, (fill, text)


def test_a_far_districts_own_page_frames_that_district(tmp_path):
    tokyo = _city(tmp_path, tokyo_shapes())
    counts = {d.code: 1 for d in tokyo.districts}
    figure = counts_map_figure(tokyo, counts, [], "en", "open", highlight="13421")
    lon, lat = _ranges(figure.to_plotly_json())
    assert 26.5 < lat[0] < lat[1] < 27.2 and 142.0 < lon[0] < lon[1] < 142.3
    # a ward's page keeps the city's frame
    figure = counts_map_figure(tokyo, counts, [], "en", "open", highlight="13101")
    assert _ranges(figure.to_plotly_json())[1][0] > 35.4


def test_a_district_off_the_map_is_drawn_in_an_inset_on_the_same_scale(tmp_path):
    tokyo = _city(tmp_path, tokyo_shapes())
    counts = {d.code: 10 + i for i, d in enumerate(tokyo.districts)}
    figure = counts_map_figure(tokyo, counts, [], "en", "open").to_plotly_json()
    main, inset = figure["data"][0], figure["data"][-1]
    assert inset["name"] == "inset" and inset["geo"] == "geo2"
    assert list(inset["locations"]) == ["13421"]
    assert [f["id"] for f in inset["geojson"]["features"]] == ["13421"]
    assert (inset["zmin"], inset["zmax"]) == (main["zmin"], main["zmax"])
    assert list(inset["z"]) == [counts["13421"]]
    lat = figure["layout"]["geo2"]["lataxis"]["range"]
    assert 26 < lat[0] < lat[1] < 28  # the inset frames Ogasawara
    # no label in the inset's corner of the smallest wall map
    domain = figure["layout"]["geo2"]["domain"]
    width, height = (v * 16 for v in DESIGN_REM)
    corner = (
        domain["x"][0] * width,
        (1 - domain["y"][1]) * height,
        domain["x"][1] * width,
        (1 - domain["y"][0]) * height,
    )
    assert not any(overlap(box, corner) for _, box in figure_label_boxes(figure))
    # a refresh recolours the inset too
    counts["13421"] = 500
    patch = counts_map_patch(tokyo, counts, [], "en").to_plotly_json()
    changes = {
        tuple(op["location"]): op["params"]["value"] for op in patch["operations"]
    }
    at = len(figure["data"]) - 1
    assert changes[("data", at, "z")] == [500]
    assert changes[("data", at, "zmax")] == 500 == changes[("data", 0, "zmax")]


def test_a_compact_city_has_no_inset(seoul):
    figure = counts_map_figure(seoul, {}, [], "en", "open").to_plotly_json()
    assert [t.get("name") for t in figure["data"]] == [None, "records", "labels"]
    assert "geo2" not in figure["layout"]


def test_a_disaster_outlines_a_district_in_the_inset_too(tmp_path):
    tokyo = _city(tmp_path, tokyo_shapes())
    figure = district_map(tokyo, [1.0] * len(tokyo.districts), ["a<br>1"] * 24, "")
    outlined = outline_districts(figure, tokyo, ("13421",), "#d55e00")
    inset = outlined.to_plotly_json()["data"][-1]
    assert list(inset["marker"]["line"]["color"]) == ["#d55e00"]
    patch = outline_districts(Patch(), tokyo, ("13421",), "#d55e00").to_plotly_json()
    changes = {
        tuple(op["location"]): op["params"]["value"] for op in patch["operations"]
    }
    assert changes[("data", 2, "marker", "line")]["color"] == ["#d55e00"]


def test_a_refresh_reuses_the_label_layout_and_a_new_profile_plans_its_own(seoul):
    """The layout rests on the names alone: other numbers reuse it (a refresh
    plans nothing); the same city loaded again, or other names, are planned anew."""
    from components.city_map import label_layout

    names = [d.name("en") for d in seoul.districts]
    first = label_layout(seoul, [f"{n}<br>12" for n in names])
    assert label_layout(seoul, [f"{n}<br>4,512" for n in names]) is first
    assert (
        label_layout(seoul, [f"{n}<br>12" for n in names], focus="11680") is not first
    )
    korean = [f"{d.name('ko')}<br>12" for d in seoul.districts]
    assert label_layout(seoul, korean) is not first
    again = load_profile(seoul.folder / f"{seoul.id}.toml")
    assert label_layout(again, [f"{n}<br>12" for n in names]) is not first
