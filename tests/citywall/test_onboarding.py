"""`citywall city init` and `citywall city check`: a new city from one file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyproj import Transformer

from city import i18n
from city.profile import load_profile
from citywall.cli import main
from tests.conftest import PROJECT_ROOT

TO_UTM17S = Transformer.from_crs(4326, 32717, always_xy=True)


def square(lon: float, lat: float, size: float = 0.02) -> list[list[float]]:
    """A square of ``size`` degrees, projected to UTM 17S (metres)."""
    corners = [
        (lon, lat),
        (lon + size, lat),
        (lon + size, lat + size),
        (lon, lat + size),
    ]
    ring = [list(TO_UTM17S.transform(x, y)) for x, y in corners]
    return [*ring, ring[0]]


def parishes(tmp_path: Path, overlap: bool = False) -> Path:
    """Three parishes near Guayaquil (lon -79.9, lat -2.2), in UTM 17S metres with
    a legacy `crs` member, as a municipal GIS exports them."""
    shift = 0.01 if overlap else 0.02
    features = [
        {
            "type": "Feature",
            "properties": {
                "DPA_PARROQ": code,
                "DPA_DESPAR": name,
                "POB": pop,
                "extra": 1,
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [square(-79.92 + k * shift, -2.22)],
            },
        }
        for k, (code, name, pop) in enumerate(
            [
                ("090150", "Tarqui", 1050826),
                ("090112", "Ximena", 546254),
                ("090111", "Urdaneta", 22680),
            ]
        )
    ]
    path = tmp_path / "parroquias.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {
                    "type": "name",
                    "properties": {"name": "urn:ogc:def:crs:EPSG::32717"},
                },
                "features": features,
            }
        ),
        encoding="utf-8",
    )
    return path


def init(tmp_path: Path, boundaries: Path, *extra: str) -> int:
    return main(
        [
            "city", "init", str(boundaries), "--id", "gye", "--name", "Guayaquil",
            "--timezone", "America/Guayaquil", "--language", "es",
            "--code-property", "DPA_PARROQ", "--name-property", "DPA_DESPAR",
            "--population-property", "POB", "--out", str(tmp_path / "cities"), *extra,
        ]
    )  # fmt: skip


def test_init_writes_a_profile_that_loads_and_checks(tmp_path, capsys):
    assert init(tmp_path, parishes(tmp_path)) == 0
    path = tmp_path / "cities" / "gye.toml"
    assert f"next: citywall city check {path}" in capsys.readouterr().out
    profile = load_profile(path)
    assert [d.code for d in profile.districts] == ["090150", "090112", "090111"]
    assert profile.districts_by_code["090150"].names == {"es": "Tarqui"}
    assert profile.districts_by_code["090150"].population == 1050826
    assert profile.timezone.key == "America/Guayaquil"
    assert profile.default_language == "es"
    # reprojected from UTM 17S back to degrees
    tarqui = profile.districts_by_code["090150"].geometry
    assert tarqui.bounds == pytest.approx((-79.92, -2.22, -79.90, -2.20), abs=1e-4)
    assert [s.connector for s in profile.sources] == ["simulator"]
    assert main(["city", "check", str(path)]) == 0
    assert "Guayaquil: 3 districts, 1 source(s)" in capsys.readouterr().out


def test_init_names_the_properties_it_could_not_find(tmp_path, capsys):
    code = main(
        [
            "city", "init", str(parishes(tmp_path)), "--id", "gye", "--name", "G",
            "--timezone", "America/Guayaquil", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "no feature has the property 'code': fix --code-property" in err
    assert "'DPA_PARROQ'" in err


def test_init_refuses_an_unknown_zone_or_crs(tmp_path, capsys):
    boundaries = parishes(tmp_path)
    assert main(["city", "init", str(boundaries), "--id", "x", "--name", "X",
                 "--timezone", "Mars/Olympus", "--out", str(tmp_path)]) == 2  # fmt: skip
    assert "not an IANA zone" in capsys.readouterr().err
    assert init(tmp_path, boundaries, "--crs", "EPSG:999999") == 2
    assert "unknown CRS 'EPSG:999999'" in capsys.readouterr().err


def test_check_lists_every_problem(tmp_path, capsys):
    assert init(tmp_path, parishes(tmp_path, overlap=True)) == 0
    path = tmp_path / "cities" / "gye.toml"
    text = path.read_text(encoding="utf-8")
    text += """
[[sources]]
name = "nowhere"
connector = "telepathy"

[[sources]]
name = "quakes"
connector = "usgs"
options = { url = "ftp://quakes.example/feed" }

[[sources]]
name = "311"
connector = "open311"
options = { format = "yaml", url = "https://311.example/v2", windw_hours = 6 }
"""
    path.write_text(text, encoding="utf-8")
    assert main(["city", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "districts 090150 and 090112 overlap (50.0% of the smaller)" in err
    assert "source 'nowhere': unknown connector 'telepathy'" in err
    assert (
        "source 'quakes': url 'ftp://quakes.example/feed' is not an http(s) URL" in err
    )
    assert (
        "source '311': the open311 connector: option `windw_hours` is unknown "
        "(did you mean `window_hours`?)" in err
    )
    assert 'option `format` must be one of "json", "xml", not "yaml"' in err


def test_check_reports_a_broken_profile_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text('[city]\nid = "x"\ntimezone = "Nowhere/City"\n', encoding="utf-8")
    assert main(["city", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "[city] needs `name`" in err and "not an IANA zone" in err


def test_the_shipped_profiles_pass_the_check(capsys):
    shipped = sorted((PROJECT_ROOT / "cities").glob("*.toml"))
    assert len(shipped) >= 2  # Seoul and a city outside Korea
    for profile in shipped:
        assert main(["city", "check", str(profile)]) == 0, capsys.readouterr().err


def test_init_sizes_the_demo_to_the_city_its_climate_and_language(tmp_path):
    from connectors.simulator import SimulatorConnector

    assert init(tmp_path, parishes(tmp_path)) == 0
    profile = load_profile(tmp_path / "cities" / "gye.toml")
    options = profile.sources[0].options
    residents = 1050826 + 546254 + 22680
    assert options["complaints_per_day"] == round(850 * residents / 9_420_000)
    assert options["traffic_incidents_per_day"] == round(53 * residents / 9_420_000, 1)
    assert options["climate"] == "tropical-south"  # 2.2° south of the equator
    assert options["agencies"]["fire"] == "Bomberos"  # Spanish, for the city to name
    assert options["alert_sender"] == "Gestión de riesgos de Guayaquil"
    sim = SimulatorConnector(profile, options)
    assert sim.per_day["complaints"] == options["complaints_per_day"]
    # targets a little above what the rates bring, not a fixed 100 and 300
    today, backlog = (
        profile.targets["complaints_today"],
        profile.targets["complaints_open"],
    )
    assert (
        1.1 * sim.per_day["complaints"] < today.target < 1.2 * sim.per_day["complaints"]
    )
    assert (
        3 * sim.per_day["complaints"] < backlog.target < 4 * sim.per_day["complaints"]
    )


def test_init_without_populations_sizes_the_demo_to_a_city_of_a_million(tmp_path):
    boundaries = parishes(tmp_path)
    collection = json.loads(boundaries.read_text(encoding="utf-8"))
    for feature in collection["features"]:  # the column is there, empty
        feature["properties"]["POB"] = None
    boundaries.write_text(json.dumps(collection), encoding="utf-8")
    assert init(tmp_path, boundaries) == 0
    options = load_profile(tmp_path / "cities" / "gye.toml").sources[0].options
    assert options["population"] == 1_000_000
    assert options["complaints_per_day"] == round(850 / 9.42)


@pytest.mark.parametrize(
    ("latitude", "climate"),
    [
        (37.57, "temperate-north"),  # Seoul
        (-34.60, "temperate-south"),  # Buenos Aires
        (-0.18, "tropical-south"),  # Quito
        (14.60, "tropical-north"),  # Manila
    ],
)
def test_the_climate_comes_from_the_latitude(latitude, climate):
    from connectors.simulator import climate_at

    assert climate_at(latitude) == climate


def test_a_city_in_japanese_inits_and_checks(tmp_path, capsys):
    assert init(tmp_path, parishes(tmp_path), "--language", "ja") == 0
    path = tmp_path / "cities" / "gye.toml"
    assert 'languages = ["ja", "en"]' in path.read_text(encoding="utf-8")
    assert main(["city", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "languages: 日本語 (ja), English (en)" in out and f"{path}: ok" in out


def test_init_refuses_a_language_without_a_catalog_and_says_where_one_goes(
    tmp_path, capsys
):
    assert init(tmp_path, parishes(tmp_path), "--language", "qu") == 2
    err = capsys.readouterr().err
    assert "--language qu: no catalog" in err and "ja" in err
    assert str(tmp_path / "cities" / "locales") in err
    # with its catalog beside the profiles, the language is one like the others
    locales = tmp_path / "cities" / "locales"
    locales.mkdir(parents=True)
    (locales / "qu.toml").write_text('[nav]\noverview = "Qhawariy"\n', "utf-8")
    assert init(tmp_path, parishes(tmp_path), "--language", "qu") == 0, (
        capsys.readouterr().err
    )
    path = tmp_path / "cities" / "gye.toml"
    # check counts what the city's catalog lacks, one line, and fails until it is whole
    assert main(["city", "check", str(path)]) == 1
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "qu.toml" in x]
    assert "keys missing (the wall shows English instead)" in line
    total = len(i18n.catalog("en"))
    assert f"qu.toml: {total - 1} of {total} keys missing" in line
