"""`citywall city hotspot-areas` on a file shaped like Seoul's published outlines
of its real-time city data places (national grid EPSG:5186 in metres, a legacy
`crs` member, AREA_CD and Korean AREA_NM, a place in two features, another in
two parts, a null geometry, a point, a place the profile does not list): the
areas land beside the profile in WGS84, the profile draws them filled by level
under their dots, and a click on an area is a click on its hotspot."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, mapping

from city.profile import ProfileError, load_profile
from citywall.cli import main
from components.hotspot_map import (
    hotspot_curves,
    hotspot_map_figure,
    hotspot_map_patch,
    level_colours,
)
from kpis.hotspots import HotspotNow
from tests.conftest import PROJECT_ROOT, seoul_profile_copy

HONGDAE, GWANGHWAMUN, ITAEWON = "POI007", "POI009", "POI004"
HALF = 0.002  # degrees: a few hundred metres either side of the place
SEOUL = PROJECT_ROOT / "cities" / "seoul.toml"
TO_GRID = Transformer.from_crs(4326, 5186, always_xy=True).transform


def square(lon: float, lat: float, dx: float = 0.0) -> shapely.Polygon:
    return box(lon + dx - HALF, lat - HALF, lon + dx + HALF, lat + HALF)


def in_metres(geometry) -> dict:
    return mapping(shapely.transform(geometry, TO_GRID, interleaved=False))


def feature(code: str, geometry: dict | None, name: str = "장소") -> dict:
    return {
        "type": "Feature",
        "properties": {"AREA_CD": code, "AREA_NM": name, "CATEGORY": "관광특구"},
        "geometry": geometry,
    }


@pytest.fixture
def seoul_copy(tmp_path: Path) -> Path:
    return seoul_profile_copy(tmp_path, backfill_days=1)


def published(tmp_path: Path, with_crs: bool = True) -> tuple[Path, dict]:
    """The outlines file, and the WGS84 area each listed place should get."""
    spots = load_profile(SEOUL).hotspots_by_code
    hong, gwang, itaewon = spots[HONGDAE], spots[GWANGHWAMUN], spots[ITAEWON]
    west = box(hong.lon - HALF, hong.lat - HALF, hong.lon, hong.lat + HALF)
    east = box(hong.lon, hong.lat - HALF, hong.lon + HALF, hong.lat + HALF)
    apart = shapely.MultiPolygon(
        [square(gwang.lon, gwang.lat), square(gwang.lon, gwang.lat, dx=0.01)]
    )
    features = [
        feature(HONGDAE, in_metres(west), "홍대 관광특구"),
        feature(HONGDAE, in_metres(east), "홍대 관광특구"),
        feature(GWANGHWAMUN, in_metres(apart), "광화문·덕수궁"),
        feature(ITAEWON, in_metres(square(itaewon.lon, itaewon.lat)), "이태원"),
        feature("POI116", None),  # withdrawn: no geometry
        feature("POI115", in_metres(shapely.Point(itaewon.lon, itaewon.lat))),
        feature("POI999", in_metres(square(127.0, 37.55)), "목록에 없는 곳"),
    ]
    collection: dict = {"type": "FeatureCollection", "features": features}
    if with_crs:
        collection["crs"] = {
            "type": "name",
            "properties": {"name": "urn:ogc:def:crs:EPSG::5186"},
        }
    path = tmp_path / "seoul_places.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    wanted = {
        HONGDAE: square(hong.lon, hong.lat),
        GWANGHWAMUN: apart,
        ITAEWON: square(itaewon.lon, itaewon.lat),
    }
    return path, wanted


def run(source: Path, profile: Path, *flags: str) -> int:
    return main(
        ["city", "hotspot-areas", str(source), "--profile", str(profile),
         "--code-property", "AREA_CD", *flags]
    )  # fmt: skip


def test_a_projected_file_lands_as_the_hotspots_areas(tmp_path, seoul_copy, capsys):
    source, wanted = published(tmp_path)
    assert run(source, seoul_copy) == 0
    said = capsys.readouterr().out
    assert "skipped 1 feature(s) with no geometry" in said
    assert "skipped 1 area(s) of no listed hotspot: POI999" in said
    assert f"joined 2 parts of {HONGDAE}" in said
    assert "wrote 3 area(s)" in said
    line = next(s for s in said.splitlines() if "add to [city]" in s).split(": ")[-1]
    assert line == 'hotspot_areas = "seoul/hotspot_areas.geojson"'

    text = seoul_copy.read_text(encoding="utf-8")
    seoul_copy.write_text(text.replace("[city]\n", f"[city]\n{line}\n", 1))
    spots = load_profile(seoul_copy).hotspots_by_code
    for code, area in wanted.items():
        got = spots[code].area
        assert got is not None
        # back in degrees, to within a metre or so
        assert got.symmetric_difference(area).area < 1e-4 * area.area
        assert got.contains(shapely.Point(spots[code].lon, spots[code].lat))
    assert spots[GWANGHWAMUN].area.geom_type == "MultiPolygon"
    assert spots["POI014"].area is None  # no outline: a dot only
    assert run(source, seoul_copy) == 0  # named already: nothing more to add
    assert "add to [city]" not in capsys.readouterr().out


def test_metres_without_a_crs_are_refused_with_the_fix(tmp_path, seoul_copy, capsys):
    source, _ = published(tmp_path, with_crs=False)
    assert run(source, seoul_copy) == 2
    said = capsys.readouterr().err
    assert "look like metres" in said and "--crs" in said
    assert not (seoul_copy.parent / "seoul" / "hotspot_areas.geojson").exists()
    assert run(source, seoul_copy, "--crs", "EPSG:5186") == 0


def test_a_wrong_code_property_says_what_the_codes_look_like(
    tmp_path, seoul_copy, capsys
):
    source, _ = published(tmp_path)
    assert run(source, seoul_copy, "--code-property", "AREA_NM") == 2
    assert "is --code-property right" in capsys.readouterr().err


def _with_areas(tmp_path: Path, seoul_copy: Path) -> Path:
    source, _ = published(tmp_path)
    assert run(source, seoul_copy) == 0
    text = seoul_copy.read_text(encoding="utf-8")
    named = 'hotspot_areas = "seoul/hotspot_areas.geojson"'
    seoul_copy.write_text(text.replace("[city]\n", f"[city]\n{named}\n", 1))
    return seoul_copy


def test_the_map_fills_each_area_in_its_level_s_colour(tmp_path, seoul_copy):
    profile = load_profile(_with_areas(tmp_path, seoul_copy))
    view = profile.domains_by_id["crowd"].hotspots
    kpi = profile.indicators_by_id["crowd_hotspots_crowded"]
    at = datetime(2026, 10, 31, 13, 0, tzinfo=UTC)
    now = {
        HONGDAE: HotspotNow(HONGDAE, 4, "crowded", at, 41_000),
        ITAEWON: HotspotNow(ITAEWON, 2, "normal", at, 9_000),
    }
    fig = hotspot_map_figure(profile, kpi, {}, view, now, "ko")
    districts, areas, dots, labels = fig.data[:4]
    assert (districts.name, areas.name, dots.name) == (
        None, "hotspot areas", "hotspots"
    )  # fmt: skip
    assert hotspot_curves(profile) == (1, 2)
    level = dict(zip(areas.locations, areas.z))
    assert level == {HONGDAE: 4, GWANGHWAMUN: 0, ITAEWON: 2}  # 0: nothing fresh
    # each level's colour is the dots' own
    steps = len(areas.colorscale) // 2
    colour_at = {
        z: next(
            c for (lo, c), (hi, _) in zip(areas.colorscale[::2], areas.colorscale[1::2])
            if lo <= (z + 0.5) / (view.levels + 1) <= hi
        )
        for z in range(steps)
    }  # fmt: skip
    assert (
        colour_at[4]
        == level_colours(4)[3]
        == dict(zip(dots.customdata, dots.marker.color))[HONGDAE]
    )
    hover = dict(zip(areas.locations, areas.text))[HONGDAE]
    assert "홍대" in hover and "41,000" in hover
    # a refresh patches the levels, not the outlines
    quiet = hotspot_map_patch(profile, kpi, {}, view, {}, "ko").to_plotly_json()
    ops = {tuple(op["location"]): op for op in quiet["operations"]}
    assert ops[("data", 1, "z")]["params"]["value"] == [0, 0, 0]
    assert ("data", 1) not in ops  # the geojson stays in the browser
    assert ops[("data", 2)]["params"]["value"]["name"] == "hotspots"


def test_a_profile_s_areas_file_is_checked_one_line_a_problem(tmp_path, seoul_copy):
    spots = load_profile(seoul_copy).hotspots_by_code
    hong = spots[HONGDAE]
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature(HONGDAE, mapping(square(hong.lon, hong.lat))),
            {"type": "Feature", "properties": {}, "geometry": None},
            {"type": "Feature", "properties": {"code": "POI999"}, "geometry": None},
            {"type": "Feature", "properties": {"code": ITAEWON},
             "geometry": in_metres(square(126.99, 37.53))},
            {"type": "Feature", "properties": {"code": GWANGHWAMUN},
             "geometry": {"type": "Point", "coordinates": [126.97, 37.57]}},
        ],
    }  # fmt: skip
    (tmp_path / "areas.geojson").write_text(json.dumps(bad), encoding="utf-8")
    text = seoul_copy.read_text(encoding="utf-8")
    seoul_copy.write_text(
        text.replace("[city]\n", '[city]\nhotspot_areas = "areas.geojson"\n', 1)
    )
    with pytest.raises(ProfileError) as raised:
        load_profile(seoul_copy)
    said = str(raised.value)
    assert "area #1: no `code` property" in said  # AREA_CD is not `code`
    assert "area #2: no `code` property" in said
    assert "area #3 (POI999): no hotspot 'POI999' in the hotspots list" in said
    assert "area #4 (POI004): coordinates" in said and "projected" in said
    assert "area #5 (POI009): a Point geometry" in said


def test_areas_without_a_hotspots_list_are_refused(tmp_path, seoul_copy):
    text = seoul_copy.read_text(encoding="utf-8")
    listed = next(line for line in text.splitlines() if line.startswith("hotspots ="))
    seoul_copy.write_text(
        text.replace(listed, 'hotspot_areas = "areas.geojson"'), encoding="utf-8"
    )
    with pytest.raises(ProfileError, match="names no list of them"):
        load_profile(seoul_copy)
