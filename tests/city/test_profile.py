"""The Seoul profile, and the errors a broken profile gives."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
import shapely

from city.geo import DistrictLocator
from city.profile import ProfileError, load_profile
from tests.conftest import PROJECT_ROOT


def test_seoul_has_its_25_districts_with_official_codes(seoul):
    codes = [d.code for d in seoul.districts]
    assert len(codes) == 25 and len(set(codes)) == 25
    assert codes[0] == "11110" and codes[-1] == "11740"
    assert seoul.districts_by_code["11110"].names == {"ko": "종로구", "en": "Jongno-gu"}
    assert seoul.districts_by_code["11680"].name("en") == "Gangnam-gu"
    assert seoul.timezone == ZoneInfo("Asia/Seoul")
    assert 9_000_000 < seoul.population < 10_000_000


def test_seoul_boundaries_are_real_valid_and_small(seoul):
    asset = PROJECT_ROOT / "cities" / "seoul" / "districts.geojson"
    assert asset.stat().st_size < 300_000
    shapes = [d.geometry for d in seoul.districts]
    assert all(s.is_valid for s in shapes)
    union = shapely.union_all(shapes)
    # Seoul spans about 126.76-127.18 E, 37.43-37.70 N
    minx, miny, maxx, maxy = union.bounds
    assert 126.7 < minx < 126.8 and 127.1 < maxx < 127.2
    assert 37.4 < miny < 37.45 and 37.68 < maxy < 37.72
    # one coverage: the districts barely overlap
    assert sum(s.area for s in shapes) / union.area == pytest.approx(1.0, abs=0.01)


def test_landmarks_fall_in_their_districts(seoul):
    locator = DistrictLocator(seoul)
    landmarks = {
        "11110": (126.9770, 37.5796),  # Gyeongbokgung
        "11680": (127.0473, 37.5172),  # Gangnam-gu office
        "11710": (127.1026, 37.5112),  # Lotte World Tower
        "11440": (126.9015, 37.5663),  # Mapo-gu office
    }
    lons = [p[0] for p in landmarks.values()] + [126.70]
    lats = [p[1] for p in landmarks.values()] + [37.30]  # the last one is at sea
    assert locator.locate(lons, lats) == [*landmarks, None]


def test_broken_profile_lists_every_problem(tmp_path):
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "1"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                        },
                    }
                ],
            }
        )
    )
    (tmp_path / "city.toml").write_text(
        '[city]\nid = "x"\nname = "X"\ntimezone = "Mars/Olympus"\nboundaries = "b.geojson"\n'
        '[[districts]]\ncode = "2"\nname = { en = "Two" }\npopulation = 1\n'
        '[[sources]]\nname = "a"\nconnector = "simulator"\n'
        '[[sources]]\nname = "a"\nconnector = "simulator"\n'
    )
    with pytest.raises(ProfileError) as raised:
        load_profile(tmp_path / "city.toml")
    text = str(raised.value)
    for expected in (
        "Mars/Olympus",
        "not a valid polygon",
        "district 2 has no polygon",
        "not listed in [[districts]]",
        "used twice",
    ):
        assert expected in text, expected


def test_missing_profile_says_it_is_not_there_and_which_are(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def problems(path: str) -> list[str]:
        with pytest.raises(ProfileError) as raised:
            load_profile(path)
        return raised.value.problems

    assert problems("missing.toml") == [
        "there is no file missing.toml: write one with `citywall city init`"
    ]
    (tmp_path / "cities").mkdir()
    (tmp_path / "cities" / "quito.toml").write_text('[city]\nid = "q"\n')
    (tmp_path / "pyproject.toml").write_text("[project]\n")  # not a profile
    assert problems("missing.toml") == [
        "there is no file missing.toml; the profiles in cities/ are: quito.toml"
    ]
    # beside the file named first
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "lima.toml").write_text('[city]\nid = "l"\n')
    assert problems("mine/missing.toml") == [
        "there is no file mine/missing.toml; the profiles in mine/ are: lima.toml"
    ]
