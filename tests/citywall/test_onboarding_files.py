"""`citywall city init` on real-shaped national files (tests/fixtures/cities,
see make_fixtures.py): each shape either comes through to a profile that checks,
or is refused with one line that says the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from city.district_codes import is_wall_code
from city.profile import load_profile
from citywall.cli import main
from tests.conftest import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "cities"
N03 = FIXTURES / "japan_n03_kanto.geojson"
QUITO = FIXTURES / "quito_parroquias.geojson"
BOGOTA = FIXTURES / "bogota_localidades_3116.geojson"


def init(tmp_path: Path, boundaries: Path, city_id: str, *flags: str) -> int:
    return main(
        ["city", "init", str(boundaries), "--id", city_id,
         "--out", str(tmp_path / "cities"), *flags]
    )  # fmt: skip


def tokyo(tmp_path: Path, *flags: str) -> int:
    return init(
        tmp_path, N03, "tokyo", "--name", "Tokyo", "--timezone", "Asia/Tokyo",
        "--code-property", "N03_007", *flags,
    )  # fmt: skip


def quito(tmp_path: Path, *flags: str) -> int:
    return init(
        tmp_path, QUITO, "quito", "--name", "Quito", "--language", "es",
        "--timezone", "America/Guayaquil", "--code-property", "PARROQUIA",
        "--name-property", "PARROQUIA", *flags,
    )  # fmt: skip


def bogota(tmp_path: Path, *flags: str, boundaries: Path = BOGOTA) -> int:
    return init(
        tmp_path, boundaries, "bogota", "--name", "Bogotá", "--language", "es",
        "--timezone", "America/Bogota", "--code-property", "LocCodigo",
        "--name-property", "LocNombre", *flags,
    )  # fmt: skip


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def written(tmp_path: Path, city_id: str):
    return load_profile(tmp_path / "cities" / f"{city_id}.toml")


def check(tmp_path: Path, city_id: str) -> int:
    return main(["city", "check", str(tmp_path / "cities" / f"{city_id}.toml")])


# -- national files: keep some features, skip null geometries, join parts -------


def test_where_keeps_tokyos_23_wards_and_joins_their_islands(tmp_path, capsys):
    assert tokyo(tmp_path, "--name-property", "N03_004", "--where", "N03_007=131*") == 0
    out = capsys.readouterr().out
    assert "--where N03_007=131*: kept 28 of 44 features, dropped 16" in out
    assert "joined 28 features into 23 districts" in out
    profile = written(tmp_path, "tokyo")
    codes = [d.code for d in profile.districts]
    assert len(codes) == 23 and set(codes) == {f"131{n:02}" for n in range(1, 24)}
    koto = profile.districts_by_code["13108"]  # its bay islands are features too
    assert koto.geometry.geom_type == "MultiPolygon"
    assert len(koto.geometry.geoms) == 3
    assert koto.names == {"en": "江東区"}
    assert check(tmp_path, "tokyo") == 0, capsys.readouterr().err


def test_null_geometries_are_skipped_and_far_islands_accepted(tmp_path, capsys):
    # every municipality of the file, named by prefecture: Ogasawara, 1,000 km
    # south, is joined (two islands) and still within Tokyo's country
    assert tokyo(tmp_path, "--name-property", "N03_001") == 0
    out = capsys.readouterr().out
    assert "skipped 6 feature(s) with no geometry" in out
    ogasawara = written(tmp_path, "tokyo").districts_by_code["13421"]
    assert len(ogasawara.geometry.geoms) == 2
    assert ogasawara.geometry.bounds[1] < 27
    # a village on the islands alone is still where Asia/Tokyo's country is
    flags = ["--name-property", "N03_003", "--where", "N03_007=13421"]
    assert init(tmp_path, N03, "ogasawara", "--name", "Ogasawara",
                "--timezone", "Asia/Tokyo", "--code-property", "N03_007", *flags) == 0  # fmt: skip


def test_a_name_missing_on_some_features_is_one_line(tmp_path, capsys):
    # N03 leaves the ward name empty for cities (their name is in N03_003)
    assert tokyo(tmp_path, "--name-property", "N03_004") == 2
    line = one_line(capsys.readouterr().err)
    assert "feature(s) lack `N03_007` or `N03_004`, e.g. feature #" in line
    assert "(--where)" in line


def test_where_that_keeps_nothing_shows_the_keys_values(tmp_path, capsys):
    assert tokyo(tmp_path, "--name-property", "N03_004", "--where", "N03_007=99*") == 2
    line = one_line(capsys.readouterr().err)
    assert "--where N03_007=99* keeps no feature; N03_007 has values such as " in line
    assert "'13101'" in line
    assert tokyo(tmp_path, "--where", "N03_07=131*") == 2
    assert "(did you mean 'N03_007'?)" in one_line(capsys.readouterr().err)
    assert tokyo(tmp_path, "--where", "131*") == 2
    assert "must be KEY=GLOB" in one_line(capsys.readouterr().err)


def test_features_of_one_code_must_agree_on_the_name(tmp_path, capsys):
    path = write_features(
        tmp_path,
        [
            ("7", "Norte", box(-78.50, -0.20)),
            ("7", "Sur", box(-78.50, -0.30)),
            ("8", "Centro", box(-78.40, -0.20)),
        ],
    )
    assert quito_like(tmp_path, path) == 2
    line = one_line(capsys.readouterr().err)
    assert "code 7 is on 2 features with different names ['Norte', 'Sur']" in line


# -- points and lines: skipped beside areas, refused alone, never a crash ------


def test_points_beside_areas_are_skipped_and_points_alone_refused(tmp_path, capsys):
    point = {"type": "Point", "coordinates": [-78.45, -0.15]}
    path = write_features(
        tmp_path,
        [("1", "Norte", box(-78.50, -0.20)), ("2", "Sur", box(-78.50, -0.30)),
         ("3", "Plaza", point)],
    )  # fmt: skip
    assert quito_like(tmp_path, path) == 0
    assert "skipped 1 Point feature(s): a district is an area" in (
        capsys.readouterr().out
    )
    line_string = {"type": "LineString", "coordinates": [[-78.5, -0.2], [-78.4, -0.1]]}
    path = write_features(tmp_path, [("1", "Norte", point), ("2", "Sur", line_string)])
    assert quito_like(tmp_path, path) == 2
    line = one_line(capsys.readouterr().err)
    assert "no feature is an area (1 LineString, 1 Point)" in line
    assert "a district is an area (Polygon or MultiPolygon)" in line


def boundaries_of(tmp_path: Path, city_id: str) -> tuple[Path, dict]:
    path = tmp_path / "cities" / city_id / "districts.geojson"
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_check_reports_points_and_lines_in_the_boundaries(tmp_path, capsys):
    assert quito(tmp_path, "--population-property", "poblacion") == 0
    capsys.readouterr()
    path, collection = boundaries_of(tmp_path, "quito")
    first, second, third = collection["features"][:3]
    # a point and a line inside their neighbour: no area to divide by
    inside = first["geometry"]["coordinates"][0][:2]
    centre = [sum(c) / 2 for c in zip(*inside)]
    second["geometry"] = {"type": "Point", "coordinates": centre}
    third["geometry"] = {"type": "LineString", "coordinates": inside}
    path.write_text(json.dumps(collection), encoding="utf-8")
    assert check(tmp_path, "quito") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for feature in (second, third):
        code = feature["properties"]["code"]
        assert f"district {code}: boundary is not a polygon (a district is an" in err


def test_check_reports_a_null_geometry_in_the_boundaries(tmp_path, capsys):
    assert quito(tmp_path) == 0
    capsys.readouterr()
    path, collection = boundaries_of(tmp_path, "quito")
    collection["features"][3]["geometry"] = None
    path.write_text(json.dumps(collection), encoding="utf-8")
    assert check(tmp_path, "quito") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    code = collection["features"][3]["properties"]["code"]
    assert f"district {code} has no polygon in the boundaries file" in err


# -- names as codes, populations ----------------------------------------------


def test_names_used_as_codes_become_wall_codes_with_the_official_kept(tmp_path, capsys):
    assert quito(tmp_path, "--population-property", "poblacion") == 0
    out = capsys.readouterr().out
    assert "codes such as 'Carcelén' cannot serve as they are" in out
    assert "1 district(s) with no population in `poblacion`" in out
    profile = written(tmp_path, "quito")
    assert all(is_wall_code(d.code) for d in profile.districts)
    comite = profile.districts_by_code["comite-del-pueblo"]
    assert comite.names == {"es": "Comité del Pueblo"}
    text = (tmp_path / "cities" / "quito.toml").read_text(encoding="utf-8")
    assert 'code = "comite-del-pueblo"\nofficial_code = "Comité del Pueblo"' in text
    # "57.812" (Spanish thousands), an object with a total, a number, null
    populations = {d.code: d.population for d in profile.districts}
    assert populations["carcelen"] == 57812
    assert populations["ponceano"] == 55269
    assert populations["el-condado"] == 94813
    assert populations["cochapamba"] == 0
    assert check(tmp_path, "quito") == 0


def test_a_misspelt_population_property_is_refused(tmp_path, capsys):
    assert quito(tmp_path, "--population-property", "poblacoin") == 2
    line = one_line(capsys.readouterr().err)
    assert "no feature has the property 'poblacoin' (did you mean 'poblacion'?)" in line
    assert "fix --population-property" in line


def test_a_population_object_without_a_count_names_its_feature(tmp_path, capsys):
    path = write_features(
        tmp_path,
        [("1", "Norte", box(-78.5, -0.2)), ("2", "Sur", box(-78.5, -0.3))],
        populations=[{"año": 2010, "fuente": "INEC"}, "12.000"],
    )
    assert quito_like(tmp_path, path, "--population-property", "pop") == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("citywall city init: feature #1 (district 1): population")
    assert "an object without a count member (one of total, value" in line


def test_populations_from_a_csv_beside_the_boundaries(tmp_path, capsys):
    csv = tmp_path / "proyecciones.csv"
    rows = [f"{n};{n * 1000}" for n in range(1, 20)]  # "1", not "01"; no Sumapaz
    csv.write_text("LOC;TOTAL\n" + "\n".join([*rows, "99;5"]) + "\n", encoding="utf-8")
    flags = ["--fix-encoding", "--population-file", str(csv),
             "--population-code-column", "LOC", "--population-column", "TOTAL"]  # fmt: skip
    assert bogota(tmp_path, *flags) == 0
    out = capsys.readouterr().out
    assert "proyecciones.csv: 1 code(s) not in the boundaries, left out: ['99']" in out
    assert "proyecciones.csv: no row for 1 district(s), population 0: ['20']" in out
    populations = {d.code: d.population for d in written(tmp_path, "bogota").districts}
    assert populations["01"] == 1000 and populations["19"] == 19000
    assert populations["20"] == 0
    assert bogota(tmp_path, *flags[:-1], "POBLACION") == 2
    assert "no column 'POBLACION'" in one_line(capsys.readouterr().err)


# -- encodings, CRS and place -------------------------------------------------


def test_mis_encoded_names_stop_init_until_fix_encoding(tmp_path, capsys):
    assert bogota(tmp_path) == 2
    line = one_line(capsys.readouterr().err)
    assert "look mis-encoded (UTF-8 read as Latin-1), e.g. 'USAQUÃ\\x89N'" in line
    assert "which reads 'USAQUÉN' once repaired: add --fix-encoding" in line
    assert not (tmp_path / "cities" / "bogota.toml").exists()
    assert bogota(tmp_path, "--fix-encoding") == 0
    assert "repaired 7 mis-encoded name(s)" in capsys.readouterr().out
    profile = written(tmp_path, "bogota")
    assert profile.districts_by_code["01"].names == {"es": "USAQUÉN"}
    assert profile.districts_by_code["11"].names == {"es": "SUBA"}  # untouched
    # the file's crs member (EPSG:3116) took it back to degrees, on Bogotá
    west, south, east, north = profile.districts_by_code["17"].geometry.bounds
    assert -74.2 < west < east < -74.0 and 4.5 < south < north < 4.7
    assert check(tmp_path, "bogota") == 0


def test_metre_coordinates_without_a_crs_are_refused(tmp_path, capsys):
    collection = json.loads(BOGOTA.read_text(encoding="utf-8"))
    del collection["crs"]
    path = tmp_path / "sin_crs.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    assert bogota(tmp_path, "--fix-encoding", boundaries=path) == 2
    line = one_line(capsys.readouterr().err)
    assert "coordinates look like metres" in line
    assert "give --crs (e.g. EPSG:32618 for UTM zone 18N" in line
    assert (
        bogota(tmp_path, "--fix-encoding", "--crs", "EPSG:3116", boundaries=path) == 0
    )


def test_a_wrong_crs_is_refused_by_the_time_zones_place(tmp_path, capsys):
    assert bogota(tmp_path, "--fix-encoding", "--crs", "EPSG:3857") == 2
    line = one_line(capsys.readouterr().err)
    assert "Bogotá lies 9,165 km from America/Bogota's reference point" in line
    assert line.endswith(
        "is --crs EPSG:3857 right, and is America/Bogota the city's time zone?"
    )
    # the right file with the wrong zone is caught the same way
    assert bogota(tmp_path, "--fix-encoding", "--timezone", "Asia/Tokyo") == 2
    assert "km from Asia/Tokyo's reference point" in capsys.readouterr().err


def test_topojson_is_read(tmp_path, capsys):
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.001, 0.001], "translate": [-78.55, -0.25]},
        "objects": {
            "parroquias": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "a",
                     "properties": {"name": "Norte"}},
                    {"type": "Polygon", "arcs": [[2, -2]], "id": "b",
                     "properties": {"name": "Sur"}},
                ],
            }
        },
        "arcs": [
            [[50, 0], [-50, 0], [0, 50], [50, 0]],
            [[50, 50], [0, -50]],
            [[50, 0], [50, 0], [0, 50], [-50, 0]],
        ],
    }  # fmt: skip
    path = tmp_path / "parroquias.topojson"
    path.write_text(json.dumps(topology), encoding="utf-8")
    # its codes are the geometries' own ids, as in world-atlas files
    assert init(tmp_path, path, "q", "--name", "Q", "--timezone", "America/Guayaquil",
                "--code-property", "id", "--simplify", "0") == 0  # fmt: skip
    assert "parroquias.topojson is TopoJSON" in capsys.readouterr().out
    profile = written(tmp_path, "q")
    assert profile.districts_by_code["b"].geometry.bounds == pytest.approx(
        (-78.5, -0.25, -78.45, -0.2)
    )
    assert check(tmp_path, "q") == 0


def test_a_shapefile_or_broken_json_is_named_with_the_fix(tmp_path, capsys):
    shapefile = tmp_path / "localidades.shp"
    shapefile.write_bytes(b"\x00\x00\x27\x0a")
    assert bogota(tmp_path, boundaries=shapefile) == 2
    line = one_line(capsys.readouterr().err)
    assert "localidades.shp is a Shapefile: convert it to GeoJSON first" in line
    assert "ogr2ogr -f GeoJSON districts.geojson localidades.shp" in line
    broken = tmp_path / "cut.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    assert bogota(tmp_path, boundaries=broken) == 2
    assert "cut.geojson is not GeoJSON or TopoJSON (not JSON: " in one_line(
        capsys.readouterr().err
    )


# -- the id and the help --------------------------------------------------------


@pytest.mark.parametrize("bad", ["../../evil", "a/b", "x.y", "two words", "Quito", ""])
def test_an_id_that_is_not_a_plain_name_is_refused(tmp_path, capsys, bad):
    assert quito(tmp_path) == 0  # the same file with a good id
    capsys.readouterr()
    code = init(tmp_path, QUITO, bad, "--name", "Q", "--timezone", "America/Guayaquil",
                "--code-property", "PARROQUIA", "--name-property", "PARROQUIA")  # fmt: skip
    assert code == 2
    assert "must be 1-32 lowercase letters, digits, - and _" in one_line(
        capsys.readouterr().err
    )
    assert [p.name for p in tmp_path.rglob("*.toml")] == ["quito.toml"]


def test_init_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        main(["city", "init", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for default in (
        "(default: en)", "(default: code)", "(default: name)", "(default: 20.0)",
        "(default: cities)", "(default: population)", "(default: keep all)",
        "(default: the file's `crs` member, else WGS84 lon/lat)",
        "(default: none, populations 0)",
    ):  # fmt: skip
        assert default in out


# -- small files of our own ------------------------------------------------------


def box(lon: float, lat: float, size: float = 0.05) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size],
            [lon, lat + size], [lon, lat]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def write_features(
    tmp_path: Path, rows: list[tuple[str, str, dict]], populations: list | None = None
) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": code,
                "name": name,
                **({"pop": populations[i]} if populations else {}),
            },
            "geometry": geometry,
        }
        for i, (code, name, geometry) in enumerate(rows)
    ]
    path = tmp_path / "own.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}),
        encoding="utf-8",
    )
    return path


def quito_like(tmp_path: Path, path: Path, *flags: str) -> int:
    return init(
        tmp_path, path, "own", "--name", "Own", "--timezone", "America/Guayaquil",
        *flags,
    )  # fmt: skip
