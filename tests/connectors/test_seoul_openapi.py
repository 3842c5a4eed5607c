"""The Seoul Open API's envelopes, read alike whichever the service answers in
(written from the Plaza's published examples and answers recorded by its users),
and any dataset through a column mapping, paged 1,000 rows a call, through
`citywall ingest` against the local feed server (the air by district, on the same
envelope: ``test_seoul_air``)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from connectors.base import PayloadRejected
from connectors.seoul_api import NO_DATA, OK, read_answer
from store.schema import events
from tests.connectors.harness import (
    IngestCli,
    quarantine_reasons,
    source_block,
    summary_numbers,
)

KEY = "4d6f6e6b657973417265436f6f6c3432"
DONE = "정상 처리되었습니다"
NOTHING = "해당하는 데이터가 없습니다."
REFUSED = "인증키가 유효하지 않습니다."


def table(service: str, rows: list[dict], total: int | None = None) -> str:
    return json.dumps(
        {
            service: {
                "list_total_count": len(rows) if total is None else total,
                "RESULT": {"CODE": OK, "MESSAGE": DONE},
                "row": rows,
            }
        },
        ensure_ascii=False,
    )


# -- the envelopes
def test_a_table_service_answers_rows_and_its_count():
    answer = read_answer(
        table("RealtimeCityAir", [{"A": 1}], 25).encode(), "RealtimeCityAir"
    )
    assert (answer.code, answer.message, answer.total) == (OK, DONE, 25)
    assert answer.rows == [{"A": 1}]


@pytest.mark.parametrize(
    "body",
    [
        # a bare RESULT: no data now, as JSON and as XML
        json.dumps(
            {"RESULT": {"CODE": NO_DATA, "MESSAGE": NOTHING}}, ensure_ascii=False
        ),
        f"<RESULT><CODE>{NO_DATA}</CODE><MESSAGE>{NOTHING}</MESSAGE></RESULT>",
        # citydata's dotted keys, inside RESULT and at the top level
        json.dumps({"RESULT": {"RESULT.CODE": NO_DATA, "RESULT.MESSAGE": NOTHING}}),
        json.dumps({"RESULT.CODE": NO_DATA, "RESULT.MESSAGE": NOTHING}),
    ],
)
def test_no_data_reads_the_same_in_every_envelope(body):
    answer = read_answer(body.encode(), "citydata")
    assert (answer.code, answer.message, answer.rows) == (NO_DATA, NOTHING, [])


def test_a_refused_key_comes_as_xml_even_when_json_was_asked_for():
    body = f"<RESULT><CODE>INFO-100</CODE><MESSAGE><![CDATA[{REFUSED}]]></MESSAGE></RESULT>"
    answer = read_answer(body.encode(), "RealtimeCityAir")
    assert (answer.code, answer.message) == ("INFO-100", REFUSED)


def test_citydata_xml_reads_as_its_json_lists_unwrapped():
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<SeoulRtd.citydata><list_total_count>1</list_total_count>
<RESULT><RESULT.CODE>{OK}</RESULT.CODE><RESULT.MESSAGE>{DONE}.</RESULT.MESSAGE></RESULT>
<CITYDATA><AREA_NM>광화문·덕수궁</AREA_NM><AREA_CD>POI009</AREA_CD>
<LIVE_PPLTN_STTS><LIVE_PPLTN_STTS><AREA_CONGEST_LVL>보통</AREA_CONGEST_LVL>
<FCST_PPLTN><FCST_PPLTN><FCST_TIME>2026-08-11 19:00</FCST_TIME></FCST_PPLTN>
<FCST_PPLTN><FCST_TIME>2026-08-11 20:00</FCST_TIME></FCST_PPLTN></FCST_PPLTN>
</LIVE_PPLTN_STTS></LIVE_PPLTN_STTS>
<ACDNT_CNTRL_STTS/>
</CITYDATA></SeoulRtd.citydata>"""
    answer = read_answer(body.encode(), "citydata")
    assert (answer.code, answer.total) == (OK, 1)
    city = answer.payload["CITYDATA"]
    assert city["AREA_CD"] == "POI009"
    (live,) = city["LIVE_PPLTN_STTS"]
    assert live["AREA_CONGEST_LVL"] == "보통"
    assert [f["FCST_TIME"] for f in live["FCST_PPLTN"]] == [
        "2026-08-11 19:00",
        "2026-08-11 20:00",
    ]
    assert city["ACDNT_CNTRL_STTS"] == ""  # an empty section: nothing, not an error


def test_a_result_inside_each_row_is_the_answer_s_result():
    body = json.dumps(
        {
            "SeoulRtd.citydata_ppltn": [
                {"AREA_CD": "POI009", "RESULT": {"RESULT.CODE": OK}}
            ]
        }
    )
    answer = read_answer(body.encode(), "SeoulRtd.citydata_ppltn")
    assert answer.code == OK and answer.rows[0]["AREA_CD"] == "POI009"


def test_garbage_is_refused_with_what_was_expected():
    with pytest.raises(PayloadRejected, match="the RealtimeCityAir answer is not JSON"):
        read_answer(b"{not json", "RealtimeCityAir")


# -- through the ingest
@pytest.fixture
def ingest(monkeypatch, capsys, tmp_path) -> IngestCli:
    return IngestCli(monkeypatch, capsys, tmp_path)


def path(service: str, start: int, end: int, *params: str, fmt: str = "json") -> str:
    tail = "".join(f"/{p}" for p in params)
    return f"/{KEY}/{fmt}/{service}/{start}/{end}{tail}"


SHELTER = "TbGtnHwcwP"  # a Plaza table: heat shelters, one row each


def shelter(n: int) -> dict:
    return {
        "R_SEQ_NO": str(n),
        "R_AREA_NM": f"쉼터 {n}",
        "SGG_NM": ("종로구", "강남구", "마포구")[n % 3],
        "LON": 126.97 + n / 10000,  # a number here, text below: both are read
        "LAT": f"{37.55 + n / 10000:.4f}",
        "REG_DT": "202607011030",
    }


def test_a_dataset_of_2500_rows_is_read_in_three_calls_through_the_mapping(
    feed_server, ingest
):
    rows = [shelter(n) for n in range(1, 2501)]
    rows[7]["REG_DT"] = "2026-07-01"  # not how the dataset writes its times
    for start in (1, 1001, 2001):
        page = rows[start - 1 : start + 999]
        feed_server.route(path(SHELTER, start, start + 999), table(SHELTER, page, 2500))
    ingest.use(
        source_block(
            "shelters",
            "seoul_openapi",
            {
                "base_url": feed_server.base,
                "api_key": KEY,
                "service": SHELTER,
                "time_format": "%Y%m%d%H%M",
                "record": {
                    "kind": "event",
                    "domain": "disaster",
                    "category": "shelter",
                },
                "columns": {
                    "source_id": "R_SEQ_NO",
                    "title": "R_AREA_NM",
                    "district": "SGG_NM",
                    "lon": "LON",
                    "lat": "LAT",
                    "occurred_at": "REG_DT",
                },
                "retries": 1,
            },
        )
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    assert summary_numbers(done.out) == {
        "fetched": 2500, "stored": 2499, "rejected": 1, "ignored": 0
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "shelters") == [
        "occurred_at '2026-07-01' is not written %Y%m%d%H%M"
    ]
    assert [
        len(feed_server.hits(path(SHELTER, s, s + 999))) for s in (1, 1001, 2001)
    ] == [1, 1, 1]
    with ingest.engine().connect() as conn:
        one = (
            conn.execute(select(events).where(events.c.source_id == "3"))
            .mappings()
            .one()
        )
    assert (one["district_code"], one["title"]) == ("11110", "쉼터 3")  # 종로구
    assert one["occurred_at"].isoformat() == "2026-07-01T01:30:00+00:00"  # 10:30 KST
    assert KEY not in done.out + done.err


def test_a_time_format_that_reads_nothing_back_is_refused_at_start(feed_server, ingest):
    ingest.use(
        source_block(
            "shelters",
            "seoul_openapi",
            {
                "api_key": KEY,
                "service": SHELTER,
                "time_format": "%Y%m%Q",
                "record": {"kind": "event", "domain": "disaster"},
                "columns": {"source_id": "R_SEQ_NO", "occurred_at": "REG_DT"},
            },
        )
    )
    done = ingest()
    assert done.exit_code != 0
    assert "time_format '%Y%m%Q' is not a strptime format" in done.out + done.err
