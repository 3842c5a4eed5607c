"""CSV and JSON tables, from a file or a URL, through `citywall ingest`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from sqlalchemy import select

from store.schema import events, measurements
from tests.connectors.feedserver import Reply
from tests.connectors.harness import (
    IngestCli,
    counts,
    quarantine_reasons,
    source_block,
    summary_numbers,
)

# A fire service's daily export as a spreadsheet saves it: a BOM, `;`, Korean
# headers, local times without a zone, a district given by name.
FIRE_CSV = (
    "\ufeff출동번호;발생일시;유형;자치구;상태;종료일시;신고자\n"
    "F-1001;2026-11-24 21:05:00;화재;강남구;종료;2026-11-24 22:10:00;김민수\n"
    "F-1002;2026-11-24 23:40:00;구조;Jongno-gu;출동;;이영희\n"
    "F-1003;어제;화재;강남구;출동;;박지훈\n"
    "F-1004;2026-11-25 01:15:00;화재;Atlantis;출동;;최수진\n"
)


def fire_source(**where: str) -> str:
    target = "\n".join(f'{k} = "{v}"' for k, v in where.items())
    return f"""
[[sources]]
name = "fire"
connector = "tabular"
interval_seconds = 3600
[sources.options]
{target}
format = "csv"
delimiter = ";"
closed_statuses = ["종료"]
[sources.options.record]
kind = "event"
domain = "safety"
[sources.options.columns]
source_id = "출동번호"
occurred_at = "발생일시"
category = "유형"
district = "자치구"
status = "상태"
closed_at = "종료일시"
[sources.options.categories]
"화재" = "fire"
"구조" = "rescue"
"""


def air_source(url: str, with_district: bool = True) -> str:
    """Hourly PM2.5 per station, as a JSON document with the rows inside."""
    district = 'district = "gu"\n' if with_district else ""
    return f"""
[[sources]]
name = "air"
connector = "tabular"
[sources.options]
url = "{url}"
records = "data.items"
[sources.options.record]
kind = "measurement"
series = "pm25"
[sources.options.columns]
place = "station"
{district}observed_at = "time"
value = "pm25"
"""


def stored(ingest: IngestCli) -> dict[str, dict]:
    with ingest.engine().connect() as conn:
        return {
            r["source_id"]: dict(r) for r in conn.execute(select(events)).mappings()
        }


def test_a_csv_file_with_local_conventions(ingest, tmp_path):
    (tmp_path / "fire.csv").write_text(FIRE_CSV, encoding="utf-8")
    ingest.use(fire_source(path="fire.csv"))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 4, "stored": 2, "rejected": 2, "ignored": 0
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "fire") == [
        "row 3: occurred_at '어제' is not an ISO 8601 time",
        "row 4: district 'Atlantis' is not a district of this city",
    ]
    got = stored(ingest)
    fire = got["F-1001"]
    assert fire["category"] == "fire" and fire["district_code"] == "11680"
    assert fire["status"] == "closed"
    assert fire["closed_at"] == datetime(2026, 11, 24, 13, 10, tzinfo=UTC)
    assert (
        got["F-1002"]["district_code"] == "11110" and got["F-1002"]["status"] == "open"
    )
    assert "김민수" not in json.dumps(list(got.values()), default=str)  # unmapped


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_is(ingest, tmp_path):
    table = tmp_path / "fire.csv"
    table.write_text(FIRE_CSV, encoding="utf-8")
    ingest.use(fire_source(path="fire.csv"))
    ingest()
    assert "fetched 0" in ingest().out
    table.write_text(
        FIRE_CSV + "F-1005;2026-11-25 02:00:00;구조;마포구;출동;;\n", encoding="utf-8"
    )
    os.utime(table, ns=(1, 2_000_000_000_000_000_000))
    again = ingest()
    assert summary_numbers(again.out)["stored"] == 3
    assert counts(ingest.engine(), "fire")["events"] == 3  # two again, one new


def test_a_json_url_with_records_inside(feed_server, ingest):
    payload = {
        "meta": {"station_count": 3},
        "data": {
            "items": [
                {
                    "station": "111123",
                    "gu": "11110",
                    "time": "2026-11-25T10:00:00+09:00",
                    "pm25": 18,
                },
                {
                    "station": "111261",
                    "gu": "11680",
                    "time": "2026-11-25T10:00:00+09:00",
                    "pm25": "41",
                },
                {
                    "station": "111291",
                    "gu": "11650",
                    "time": "2026-11-25T10:00:00+09:00",
                    "pm25": None,
                },
                {
                    "station": "111301",
                    "gu": "11440",
                    "time": "2026-11-25T10:00:00+09:00",
                    "pm25": 22,
                    "extra": [1],
                },
            ]
        },
    }
    url = feed_server.route("/air.json", Reply(json.dumps(payload), etag='"a1"'))
    ingest.use(air_source(url))

    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 4, "stored": 3, "rejected": 1, "ignored": 0
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "air") == [
        "row 3: value None is not a number"
    ]
    with ingest.engine().connect() as conn:
        rows = {r["place"]: r for r in conn.execute(select(measurements)).mappings()}
    assert (
        rows["111261"]["value"] == 41.0 and rows["111261"]["district_code"] == "11680"
    )
    assert rows["111261"]["observed_at"] == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    ingest()
    assert feed_server.hits("/air.json")[1].headers["If-None-Match"] == '"a1"'


def test_a_json_document_that_is_not_a_table_fails_clearly(feed_server, ingest):
    url = feed_server.route("/air.json", '{"data": {"count": 0}}')
    ingest.use(air_source(url, with_district=False))

    done = ingest()
    assert done.exit_code == 1 and "JSON has no `data.items` list" in done.out


def test_a_missing_file_fails_the_run_not_the_wall(ingest):
    ingest.use(fire_source(path="nowhere.csv"))
    done = ingest()
    assert done.exit_code == 1 and "nowhere.csv not found" in done.out


def test_a_spreadsheets_months_and_amounts_with_separators(ingest, tmp_path):
    # as Excel saves a budget sheet: a month for the date, amounts with thousands
    # separators (quoted, padded, or plain), an amount that is not one
    (tmp_path / "budget.csv").write_text(
        "기준월,부서,집행액\n"
        '2026-03,재무과,"1,095,500,000"\n'
        '2026-04,재무과," 655,120,000 "\n'
        "2026-05,재무과,701350000.5\n"
        '2026-06,재무과,"1,5"\n',
        encoding="utf-8",
    )
    ingest.use(
        source_block(
            "budget",
            "tabular",
            {"path": "budget.csv"},
        )
        + '[sources.options.record]\nkind = "measurement"\nseries = "budget"\n'
        '[sources.options.columns]\nobserved_at = "기준월"\nplace = "부서"\n'
        'value = "집행액"\n'
    )
    ingest()
    assert quarantine_reasons(ingest.engine(), "budget") == [
        "row 4: value '1,5' is not a number"  # a decimal comma is not guessed at
    ]
    with ingest.engine().connect() as conn:
        got = conn.execute(
            select(measurements.c.observed_at, measurements.c.value).order_by(
                measurements.c.observed_at
            )
        ).all()
    assert got == [
        # "2026-03": the month's first day at 00:00 in Seoul, 28 February in UTC
        (datetime(2026, 2, 28, 15, 0, tzinfo=UTC), 1_095_500_000.0),
        (datetime(2026, 3, 31, 15, 0, tzinfo=UTC), 655_120_000.0),
        (datetime(2026, 4, 30, 15, 0, tzinfo=UTC), 701_350_000.5),
    ]
