"""Any code the profile accepts works on every road a district's code takes
through the wall: its page (typed, linked, quoted or not), a click on the map,
the CSV files (named by it, and holding the city's own code beside it), the
embeds and the kiosk's rotation. Seoul, with Gangnam-gu under the longest code
and Jongno-gu under one with "-" and "_" (tests/long_codes.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from city.records import Event
from store import writes
from tests.conftest import PROXY_SIGN_IN, build_wall, router_body, wall_environment
from tests.long_codes import DASHED, LONGEST, seoul_with_long_codes
from web.runtime import engine as runtime_engine

STAFF = {"X-Remote-User": "tester", "X-Remote-Role": "staff"}
ADMIN = {"X-Remote-User": "ada", "X-Remote-Role": "admin"}
DISTRICTS = {LONGEST: ("Gangnam-gu", "11680"), DASHED: ("Jongno-gu", "11110")}


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("codes")
    (folder / "city").mkdir()  # beside the plain Seoul wall_environment writes
    profile = str(seoul_with_long_codes(folder / "city"))
    with wall_environment(folder, CITYWALL_PROFILE=profile, **PROXY_SIGN_IN):
        now = datetime.now(UTC).replace(microsecond=0)
        with runtime_engine().begin() as conn:
            writes.upsert_events(
                conn,
                "test",
                [
                    Event(
                        f"c-{code}",
                        "complaints",
                        "noise",
                        now - timedelta(hours=1),
                        title="Noise at night",
                        district_code=code,
                    )
                    for code in DISTRICTS
                ],
                now,
            )
        yield build_wall()


def drawn(wall, path: str, headers: dict = STAFF) -> str:
    """What Dash's router draws at ``path``, as the browser asks for it."""
    answer = wall.server.test_client().post(
        "/_dash-update-component", json=router_body(path), headers=headers
    )
    assert answer.status_code == 200, answer.text[:500]
    return json.dumps(answer.json, ensure_ascii=False)  # "é", "/" as they are


def rows_of(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.mark.parametrize("code", DISTRICTS)
def test_a_districts_page_answers_under_its_code_with_its_name_and_official_code(
    wall, code
):
    name, official = DISTRICTS[code]
    client = wall.server.test_client()
    for path in (f"/district/{code}", f"/district/{quote(code, safe='')}"):
        assert client.get(path, headers=STAFF).status_code == 200
        page = drawn(wall, path)
        assert f'"title": "{name} — Seoul · CityWall"' in page
    # the header shows the city's own code, not the wall's
    assert f"Code {official}" in page and f"Code {code}" not in page


def test_an_unknown_code_with_accents_answers_a_clear_not_found(wall):
    path = "/district/" + quote("Comité del Pueblo", safe="")
    assert wall.server.test_client().get(path, headers=STAFF).status_code == 404
    assert "No district with code Comité del Pueblo in Seoul." in drawn(wall, path)


@pytest.mark.parametrize("code", DISTRICTS)
def test_a_click_on_the_districts_shape_opens_its_page(wall, code):
    from pages import district, overview

    click = {"points": [{"curveNumber": 0, "customdata": code, "location": code}]}
    with wall.server.test_request_context("/"):
        assert overview.open_district(click, "?lang=en", None) == (
            f"/district/{code}?lang=en"
        )
        other = DASHED if code == LONGEST else LONGEST
        assert district.open_other_district(
            {"points": [{"customdata": other}]}, "?lang=en"
        ) == (f"/district/{other}?lang=en")


@pytest.mark.parametrize("code", DISTRICTS)
def test_a_districts_csv_files_are_named_by_its_code_and_hold_its_official_one(
    wall, code
):
    name, official = DISTRICTS[code]
    client = wall.server.test_client()
    tile = client.get(
        f"/csv/tile/complaints_open?district={code}&lang=en", headers=STAFF
    )
    assert tile.status_code == 200
    assert (
        f'filename="complaints_open-{code}.csv"' in tile.headers["Content-Disposition"]
    )
    (row,) = rows_of(tile.text)
    assert (row["district"], row["district_official_code"], row["district_name"]) == (
        code,
        official,
        name,
    )
    records = client.get(
        f"/csv/records/complaints?district={code}&period=24h&lang=en", headers=STAFF
    )
    assert records.status_code == 200
    assert (
        f'filename="complaints-{code}-24h.csv"'
        in records.headers["Content-Disposition"]
    )
    (row,) = rows_of(records.text)
    assert (
        row["district_code"],
        row["district_official_code"],
        row["district_name"],
    ) == (code, official, name)


@pytest.mark.parametrize("code", DISTRICTS)
def test_a_districts_embeds_answer(wall, code):
    name, _ = DISTRICTS[code]
    client = wall.server.test_client()
    for path in (
        f"/embed/district/{code}",
        f"/embed/tile/complaints_open?district={code}",
        f"/embed/complaints?district={code}",
    ):
        assert client.get(path, headers=ADMIN).status_code == 200, path
    assert name in drawn(wall, f"/embed/district/{code}", ADMIN)


def test_the_kiosk_rotates_to_a_district_under_the_longest_code(wall):
    wall_page = drawn(wall, "/wall", ADMIN)
    assert f'"page": "/district/{LONGEST}", "seconds": 20.0' in wall_page
    assert '"title": "Gangnam-gu"' in wall_page


@pytest.mark.parametrize("code", DISTRICTS)
def test_an_embed_token_for_a_district_opens_its_embeds_and_tile_csv(wall, code):
    from access import embed_tokens
    from web import runtime
    from web.signing import signing_key

    issued = {
        target: embed_tokens.issue(
            runtime.engine(),
            signing_key(wall.server),
            target,
            code,
            timedelta(days=1),
            datetime.now(UTC),
        )
        for target in ("complaints", "tile/complaints_open")
    }
    frame = wall.server.test_client()  # signed in by nothing but the token
    page = f"/embed/complaints?district={code}&token={issued['complaints']}"
    answer = frame.get(page)
    assert answer.status_code == 200, answer.text[:300]
    tile = f"/embed/tile/complaints_open?district={code}"
    assert (
        frame.get(f"{tile}&token={issued['tile/complaints_open']}").status_code == 200
    )
    other = DASHED if code == LONGEST else LONGEST
    refused = f"/embed/complaints?district={other}&token={issued['complaints']}"
    assert frame.get(refused).status_code in (401, 403)


def test_the_embed_token_command_prints_a_working_link_for_the_longest_code(
    wall, capsys
):
    from citywall.cli import main

    assert main(["embed-token", "complaints", "--district", LONGEST]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith(f"/embed/complaints?district={LONGEST}&token=")
    assert wall.server.test_client().get(link).status_code == 200
