"""`citywall city check` holds every district code to the wall's one rule
(``city.district_codes``): a code the store, a URL or a CSV file cannot carry as it
is is refused with one line that says the code to write and keeps the city's own
as ``official_code``; a code that passes, up to the longest, is taken as it is."""

from __future__ import annotations

import json
from pathlib import Path

from city.district_codes import MAX_LENGTH, slug
from city.profile import load_profile
from citywall.cli import main
from tests.conftest import PROJECT_ROOT

QUITO = PROJECT_ROOT / "tests" / "fixtures" / "cities" / "quito_parroquias.geojson"
LONG_NAME = "Parroquia urbana San Antonio de Pichincha del Norte"


def quito_keyed_by(tmp_path: Path, codes: dict[str, str], extra: str = "") -> Path:
    """A Quito profile written by hand the way a newcomer would: the parishes of
    the fixture file named in ``codes`` (parish → code), each keyed by that code
    in the boundaries and in [[districts]]; ``extra`` TOML per district row."""
    features = [
        f | {"properties": {"code": codes[f["properties"]["PARROQUIA"]]}}
        for f in json.loads(QUITO.read_text(encoding="utf-8"))["features"]
        if f["properties"]["PARROQUIA"] in codes
    ]
    (tmp_path / "quito.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}),
        encoding="utf-8",
    )
    rows = "".join(
        f'[[districts]]\ncode = "{code}"\nname = {{ es = "{parish}" }}\n'
        f"population = 50000\n{extra}\n"
        for parish, code in codes.items()
    )
    path = tmp_path / "quito.toml"
    path.write_text(
        '[city]\nid = "uio"\nname = "Quito"\ntimezone = "America/Guayaquil"\n'
        'default_language = "es"\nboundaries = "quito.geojson"\n\n' + rows,
        encoding="utf-8",
    )
    return path


def check(path: Path, capsys) -> tuple[int, list[str]]:
    status = main(["city", "check", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return status, captured.err.splitlines()


def test_a_name_used_as_a_code_is_refused_with_the_code_to_write(tmp_path, capsys):
    path = quito_keyed_by(
        tmp_path,
        {"San Juan": "San Juan", "Itchimbía": "Itchimbía", "Kennedy": "kennedy"},
    )
    status, lines = check(path, capsys)
    assert status == 1
    assert lines == [
        '  problem: district "San Juan": code must be 1–32 letters, digits, - or _ '
        '(URL-safe); write code = "san-juan" and official_code = "San Juan"',
        '  problem: district "Itchimbía": code must be 1–32 letters, digits, - or _ '
        '(URL-safe); write code = "itchimbia" and official_code = "Itchimbía"',
    ]


def test_a_code_longer_than_the_store_holds_is_refused(tmp_path, capsys):
    long_code = LONG_NAME.replace(" ", "_")
    assert len(long_code) > MAX_LENGTH
    status, lines = check(quito_keyed_by(tmp_path, {"Kennedy": long_code}), capsys)
    assert status == 1
    assert lines == [
        f'  problem: district "{long_code}": code must be 1–32 letters, digits, - '
        f'or _ (URL-safe); write code = "{slug(long_code)}" and official_code = '
        f'"{long_code}"'
    ]


def test_a_code_with_no_latin_letters_is_given_a_number(tmp_path, capsys):
    # the third row: a name in kanji has no slug, its place in the list serves
    path = quito_keyed_by(
        tmp_path, {"Kennedy": "k1", "Solanda": "s2", "Quitumbe": "千代田区"}
    )
    status, lines = check(path, capsys)
    assert status == 1
    assert lines == [
        '  problem: district "千代田区": code must be 1–32 letters, digits, - or _ '
        '(URL-safe); write code = "3" and official_code = "千代田区"'
    ]


def test_the_fix_it_says_passes_and_keeps_the_official_code(tmp_path, capsys):
    longest = "parroquia-urbana_san-isidro-inca"
    assert len(longest) == MAX_LENGTH
    path = quito_keyed_by(
        tmp_path,
        {"San Juan": "san-juan", "San Isidro del Inca": longest},
    )
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        'code = "san-juan"\n', 'code = "san-juan"\nofficial_code = "San Juan"\n'
    )
    path.write_text(text, encoding="utf-8")
    status, lines = check(path, capsys)
    assert status == 0, lines
    profile = load_profile(path)
    assert profile.districts_by_code["san-juan"].shown_code == "San Juan"
    assert profile.districts_by_code[longest].shown_code == longest  # none given


def test_an_official_code_must_be_text(tmp_path, capsys):
    path = quito_keyed_by(tmp_path, {"Kennedy": "kennedy"}, "official_code = 17\n")
    status, lines = check(path, capsys)
    assert status == 1
    assert lines == [
        "  problem: [[districts]] #1 (kennedy) official_code must be a string, not 17"
    ]
