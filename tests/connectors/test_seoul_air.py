"""Seoul's air by district (the Open API's ``RealtimeCityAir``) through `citywall
ingest` against the local feed server: both of its field namings, JSON and XML,
numbers as numbers or text, a station of zeros taken for the outage it is."""

from __future__ import annotations

import json
import unicodedata

import pytest
from sqlalchemy import select

from connectors.seoul_api import NO_DATA, OK
from store.schema import measurements
from tests.connectors.harness import (
    IngestCli,
    quarantine_reasons,
    source_block,
    summary_numbers,
)
from tests.connectors.test_seoul_openapi import DONE, KEY, NOTHING, path, table


@pytest.fixture
def ingest(monkeypatch, capsys, tmp_path) -> IngestCli:
    return IngestCli(monkeypatch, capsys, tmp_path)


AIR = "RealtimeCityAir"


def air_today(station: str, pm, fpm, grade="보통", index="54", when="202605181500"):
    """A row as the service writes it now."""
    return {
        "MSRMT_DT": when, "SAREA_NM": "도심권", "MSRSTN_NM": station, "PM": pm,
        "FPM": fpm, "OZON": 0.031, "NTDX": "0.018", "CBMX": 0.4, "SPDX": "0.003",
        "CAI_GRD": grade, "CAI_IDX": index, "CRST_SBSTN": "PM-2.5",
    }  # fmt: skip


def air_source(base: str, fmt: str = "json") -> str:
    options = {"base_url": base, "api_key": KEY, "format": fmt, "retries": 1}
    return source_block("air", "seoul_air", options, interval_seconds=600)


def readings(engine, series: str) -> dict[str, float]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(measurements.c.district_code, measurements.c.value).where(
                measurements.c.series == series
            )
        )
        return dict(rows.all())


def test_air_by_district_lands_and_a_station_of_zeros_is_an_outage(feed_server, ingest):
    rows = [
        air_today("중구", 34.0, 18, index=61),  # numbers as numbers
        air_today("강남구", "41", "22.5"),  # and as text
        # a district's name sent as separate jamo (NFD) is still the district
        air_today(unicodedata.normalize("NFD", "마포구"), "29", ""),
        # down: zeros everywhere and no grade
        air_today("종로구", 0, 0, grade="", index="0")
        | {"OZON": 0, "NTDX": "0", "CBMX": 0, "SPDX": 0},
        air_today("세종시", "10", "5"),  # not a district of Seoul
    ]
    feed_server.route(path(AIR, 1, 1000), table(AIR, rows))
    ingest.use(air_source(feed_server.base))
    done = ingest()
    assert done.exit_code == 0, done.err
    assert quarantine_reasons(ingest.engine(), "air") == [
        "station 종로구 is down: every reading 0 or empty and no grade (an outage, "
        "not clean air)",
        "station '세종시' is not a district of this city",
    ]
    engine = ingest.engine()
    assert readings(engine, "pm25") == {"11140": 18.0, "11680": 22.5}  # 마포: no PM2.5
    assert readings(engine, "pm10") == {"11140": 34.0, "11680": 41.0, "11440": 29.0}
    assert "11110" not in readings(engine, "air_index")  # missing, never 0
    with engine.connect() as conn:
        jung = (
            conn.execute(
                select(measurements).where(
                    measurements.c.series == "air_index",
                    measurements.c.district_code == "11140",
                )
            )
            .mappings()
            .one()
        )
    assert (jung["value"], jung["category"]) == (61.0, "보통")
    assert jung["observed_at"].isoformat() == "2026-05-18T06:00:00+00:00"  # 15:00 KST
    assert jung["lon"] is not None


def test_air_in_the_former_naming_and_as_xml_reads_the_same(feed_server, ingest):
    feed_server.route(
        path(AIR, 1, 1000, fmt="xml"),
        f"""<?xml version="1.0" encoding="UTF-8"?>
<RealtimeCityAir><list_total_count>1</list_total_count>
<RESULT><CODE>{OK}</CODE><MESSAGE>{DONE}</MESSAGE></RESULT>
<row><MSRDT>202502041100</MSRDT><MSRRGN_NM>도심권</MSRRGN_NM><MSRSTE_NM>중구</MSRSTE_NM>
<PM10>24</PM10><PM25>16</PM25><O3>0.035</O3><NO2>0.008</NO2><CO>0.3</CO><SO2>0.004</SO2>
<IDEX_NM>보통</IDEX_NM><IDEX_MVL>54</IDEX_MVL><ARPLT_MAIN>O3</ARPLT_MAIN></row>
</RealtimeCityAir>""",
    )
    ingest.use(air_source(feed_server.base, "xml"))
    done = ingest()
    assert done.exit_code == 0, done.err
    engine = ingest.engine()
    assert readings(engine, "pm25") == {"11140": 16.0}
    assert readings(engine, "o3") == {"11140": 0.035}
    assert readings(engine, "air_index") == {"11140": 54.0}


def test_no_air_data_now_is_a_quiet_run_and_a_server_error_a_failed_one(
    feed_server, ingest
):
    feed_server.route(
        path(AIR, 1, 1000),
        json.dumps(
            {"RESULT": {"CODE": NO_DATA, "MESSAGE": NOTHING}}, ensure_ascii=False
        ),
        json.dumps(
            {"RESULT": {"CODE": "ERROR-500", "MESSAGE": "서버 오류입니다."}},
            ensure_ascii=False,
        ),
    )
    ingest.use(air_source(feed_server.base))
    quiet = ingest()
    assert quiet.exit_code == 0, quiet.err
    assert summary_numbers(quiet.out)["stored"] == 0
    failed = ingest()
    assert failed.exit_code == 1
    assert "RealtimeCityAir ERROR-500: 서버 오류입니다." in failed.out
    assert KEY not in quiet.out + quiet.err + failed.out + failed.err
