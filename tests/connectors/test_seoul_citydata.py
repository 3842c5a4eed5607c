"""Seoul's real-time city data per hotspot (the Open API's ``citydata``) through
`citywall ingest` against the local feed server. The answers are written after
the service's published description and answers its users recorded (2026): the
dotted ``RESULT.CODE``, sections as lists or single objects, numbers as text or
numbers, empty strings, the XML form with its lists wrapped twice."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from store.schema import events, measurements
from tests.connectors.feedserver import Reply
from tests.connectors.harness import IngestCli, quarantine_reasons, source_block
from tests.connectors.test_seoul_openapi import KEY, NOTHING

HOTSPOTS = """code,name_ko,name_en,district,lon,lat
POI009,광화문·덕수궁,Gwanghwamun · Deoksugung,11110,126.9769,37.5714
POI014,강남역,Gangnam Station,11680,127.0276,37.4979
POI004,이태원 관광특구,Itaewon,11170,126.9946,37.5345
POI007,홍대 관광특구,Hongdae,11440,126.9236,37.5563
POI005,잠실 관광특구,Jamsil,11710,127.1002,37.5133
POI001,강남 MICE 관광특구,Gangnam MICE,11680,127.0590,37.5116
"""
NOTICE = {
    "ACDNT_OCCR_DT": "2026-08-11 16:40",
    "EXP_CLR_DT": "2026-08-11 20:00",
    "ACDNT_TYPE": "공사",
    "ACDNT_DTYPE": "시설물보수",
    "ACDNT_INFO": "세종대로 시청방향 1개 차로 통제",
    "ACDNT_X": 126.9770,  # numbers here, as the service sends them
    "ACDNT_Y": 37.5665,  # in Jung-gu, not in the hotspot's Jongno-gu
    "ACDNT_TIME": "2026-08-11 17:25",
}
MESSAGE = {
    "DST_SE_NM": "호우",
    "EMRG_STEP_NM": "긴급재난",
    "MSG_CN": "[서울시] 호우경보 발효. 하천변 산책로 이용을 자제하세요.",
    "CRT_DT": "2026-08-11 17:10",
}


def citydata(code: str, name: str, live, **sections) -> str:
    """An answer in the dotted envelope, as citydata sends it."""
    return json.dumps(
        {
            "list_total_count": 1,
            "RESULT": {
                "RESULT.CODE": "INFO-000",
                "RESULT.MESSAGE": "정상 처리되었습니다.",
            },
            "CITYDATA": {"AREA_NM": name, "AREA_CD": code, "LIVE_PPLTN_STTS": live}
            | sections,
        },
        ensure_ascii=False,
    )


def live(level: str, low, high, when="2026-08-11 17:30", forecast=()):
    return {
        "AREA_CONGEST_LVL": level,
        "AREA_CONGEST_MSG": "사람이 몰려있을 수 있지만 크게 붐비지는 않아요.",
        "AREA_PPLTN_MIN": low,
        "AREA_PPLTN_MAX": high,
        "PPLTN_TIME": when,
        "FCST_YN": "Y" if forecast else "N",
        "FCST_PPLTN": list(forecast),
    }


def path(code: str, fmt: str = "json") -> str:
    return f"/{KEY}/{fmt}/citydata/1/5/{code}"


@pytest.fixture
def ingest(monkeypatch, capsys, tmp_path) -> IngestCli:
    (tmp_path / "hotspots.csv").write_text(HOTSPOTS, encoding="utf-8")
    return IngestCli(monkeypatch, capsys, tmp_path)


def source(base: str, fmt: str = "json", **more) -> str:
    options = {
        "base_url": base,
        "api_key": KEY,
        "format": fmt,
        "hotspots_file": "hotspots.csv",
        "deadline_seconds": 1.5,
        "concurrency": 3,
        "retries": 0,
    } | more
    return source_block("citydata", "seoul_citydata", options, interval_seconds=300)


def series(engine, name: str) -> dict[tuple[str, str], tuple[float, str | None]]:
    """(place, observed at as ISO) → (value, category) of a series."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(measurements).where(measurements.c.series == name)
        ).mappings()
        return {
            (r["place"], r["observed_at"].isoformat()): (r["value"], r["category"])
            for r in rows
        }


def test_crowds_notices_and_messages_land_once_each(feed_server, ingest):
    forecast = [
        {"FCST_TIME": "2026-08-11 19:00", "FCST_CONGEST_LVL": "붐빔",
         "FCST_PPLTN_MIN": "44000", "FCST_PPLTN_MAX": "46000"},
        {"FCST_TIME": "2026-08-11 20:00", "FCST_CONGEST_LVL": "보통",
         "FCST_PPLTN_MIN": 30000, "FCST_PPLTN_MAX": 32000.0},
    ]  # fmt: skip
    feed_server.route(
        path("POI009"),
        citydata(
            "POI009",
            "광화문·덕수궁",
            [live("약간 붐빔", "38000", "40000", forecast=forecast)],
            ROAD_TRAFFIC_STTS={
                "AVG_ROAD_DATA": {
                    "ROAD_TRAFFIC_IDX": "정체",
                    "ROAD_TRAFFIC_SPD": 13,
                    "ROAD_TRAFFIC_TIME": "2026-08-11 17:35",
                },
                "ROAD_TRAFFIC_STTS": [],
            },  # fmt: skip
            ACDNT_CNTRL_STTS=[NOTICE],
            LIVE_DST_MESSAGE=[MESSAGE],
            EVENT_STTS=[
                {
                    "EVENT_NM": "서울 빛초롱 축제",
                    "EVENT_PERIOD": "2026-08-01~2026-08-15",
                    "EVENT_PLACE": "청계천",
                    "EVENT_X": 126.9784,
                    "EVENT_Y": 37.5692,
                    "PAY_YN": None,
                    "EVENT_ETC_DETAIL": None,
                },
            ],  # fmt: skip
        ),
    )
    feed_server.route(
        path("POI014"),
        citydata(
            "POI014",
            "강남역",
            live("붐빔", 52000, 54000),  # one object, not a list; numbers as numbers
            ROAD_TRAFFIC_STTS={
                "AVG_ROAD_DATA": {
                    "ROAD_TRAFFIC_SPD": "21",
                    "ROAD_TRAFFIC_TIME": "2026-08-11 17:35",
                }
            },  # fmt: skip
            # the same notice and message near another hotspot: one record each
            ACDNT_CNTRL_STTS=NOTICE | {"ACDNT_X": "126.9770", "ACDNT_Y": "37.5665"},
            LIVE_DST_MESSAGE=[MESSAGE],
        ),
    )
    feed_server.route(
        path("POI004"),
        json.dumps(
            {"RESULT": {"CODE": "INFO-200", "MESSAGE": NOTHING}}, ensure_ascii=False
        ),
    )
    # a sample key answers Gwanghwamun whatever is asked
    feed_server.route(
        path("POI007"), citydata("POI009", "광화문·덕수궁", [live("보통", "1", "2")])
    )
    feed_server.route(
        path("POI005"), Reply(citydata("POI005", "잠실 관광특구", []), delay=4)
    )
    feed_server.route(
        path("POI001"),
        citydata("POI001", "강남 MICE 관광특구", [live("매우 붐빔", "1", "2")]),
    )
    ingest.use(source(feed_server.base, event_domain="safety"))
    started = time.monotonic()
    done = ingest()
    took = time.monotonic() - started
    assert done.exit_code == 0, done.err
    assert took < 4, "the poll waited for the hotspot past its deadline"
    reasons = quarantine_reasons(ingest.engine(), "citydata")
    assert sorted(reasons) == sorted(
        [
            "asked for POI007, the API answered for POI009 (광화문·덕수궁): a sample key?",
            "no answer within the poll's 1.5 s",
            "POI001: AREA_CONGEST_LVL '매우 붐빔' is not one of 여유, 보통, 약간 붐빔, 붐빔",
        ]
    )
    engine = ingest.engine()
    # 17:30 in Seoul is 08:30 UTC
    assert series(engine, "crowd_level") == {
        ("POI009", "2026-08-11T08:30:00+00:00"): (3.0, "slightly_crowded"),
        ("POI014", "2026-08-11T08:30:00+00:00"): (4.0, "crowded"),
    }
    assert (
        series(engine, "crowd_max")[("POI014", "2026-08-11T08:30:00+00:00")][0] == 54000
    )
    assert (
        series(engine, "crowd_min")[("POI009", "2026-08-11T08:30:00+00:00")][0] == 38000
    )
    assert series(engine, "crowd_forecast_max") == {
        ("POI009", "2026-08-11T10:00:00+00:00"): (46000.0, None),
        ("POI009", "2026-08-11T11:00:00+00:00"): (32000.0, None),
    }
    assert {k: v[0] for k, v in series(engine, "hotspot_road_speed").items()} == {
        ("POI009", "2026-08-11T08:35:00+00:00"): 13.0,
        ("POI014", "2026-08-11T08:35:00+00:00"): 21.0,
    }
    with engine.connect() as conn:
        rows = conn.execute(select(events).order_by(events.c.domain)).mappings().all()
    by_domain = {r["domain"]: r for r in rows}
    assert sorted(r["domain"] for r in rows) == ["disaster", "safety", "traffic"]
    notice = by_domain["traffic"]
    assert (notice["category"], notice["district_code"]) == (
        "roadwork",
        "11140",
    )  # Jung-gu
    assert notice["title"] == "세종대로 시청방향 1개 차로 통제"
    assert notice["expires_at"].isoformat() == "2026-08-11T11:00:00+00:00"
    message = by_domain["disaster"]
    assert (message["category"], message["severity"]) == ("heavy_rain", "Severe")
    assert message["district_code"] is None  # the whole city
    assert message["expires_at"].isoformat() == "2026-08-11T20:10:00+00:00"  # 12 h on
    festival = by_domain["safety"]
    assert (festival["category"], festival["title"]) == (
        "cultural_event",
        "서울 빛초롱 축제",
    )
    assert KEY not in done.out + done.err


def test_the_xml_answer_with_its_lists_wrapped_twice_reads_the_same(
    feed_server, ingest
):
    feed_server.route(
        path("POI009", "xml"),
        """<?xml version="1.0" encoding="UTF-8"?>
<SeoulRtd.citydata><list_total_count>1</list_total_count>
<RESULT><RESULT.CODE>INFO-000</RESULT.CODE><RESULT.MESSAGE>정상 처리되었습니다.</RESULT.MESSAGE></RESULT>
<CITYDATA><AREA_NM>광화문·덕수궁</AREA_NM><AREA_CD>POI009</AREA_CD>
<LIVE_PPLTN_STTS><LIVE_PPLTN_STTS>
<AREA_CONGEST_LVL>여유</AREA_CONGEST_LVL><AREA_PPLTN_MIN>12000</AREA_PPLTN_MIN>
<AREA_PPLTN_MAX>14000</AREA_PPLTN_MAX><PPLTN_TIME>2026-08-11 06:10</PPLTN_TIME>
<FCST_YN>Y</FCST_YN>
<FCST_PPLTN><FCST_PPLTN><FCST_TIME>2026-08-11 07:00</FCST_TIME><FCST_CONGEST_LVL>보통</FCST_CONGEST_LVL>
<FCST_PPLTN_MIN>16000</FCST_PPLTN_MIN><FCST_PPLTN_MAX>18000</FCST_PPLTN_MAX></FCST_PPLTN></FCST_PPLTN>
</LIVE_PPLTN_STTS></LIVE_PPLTN_STTS>
<ACDNT_CNTRL_STTS/><LIVE_DST_MESSAGE/>
</CITYDATA></SeoulRtd.citydata>""",
    )
    for code in ("POI014", "POI004", "POI007", "POI005", "POI001"):
        feed_server.route(
            path(code, "xml"),
            f"<RESULT><CODE>INFO-200</CODE><MESSAGE>{NOTHING}</MESSAGE></RESULT>",
        )
    ingest.use(source(feed_server.base, "xml"))
    done = ingest()
    assert done.exit_code == 0, done.err
    engine = ingest.engine()
    assert series(engine, "crowd_level") == {
        ("POI009", "2026-08-10T21:10:00+00:00"): (1.0, "relaxed")
    }
    assert series(engine, "crowd_forecast_level") == {
        ("POI009", "2026-08-10T22:00:00+00:00"): (2.0, "normal")
    }
    assert quarantine_reasons(engine, "citydata") == []


def test_a_refused_key_fails_the_run_without_showing_the_key(feed_server, ingest):
    refused = "<RESULT><CODE>INFO-100</CODE><MESSAGE><![CDATA[인증키가 유효하지 않습니다.]]></MESSAGE></RESULT>"
    for code in ("POI009", "POI014", "POI004", "POI007", "POI005", "POI001"):
        feed_server.route(path(code), Reply(refused, content_type="text/xml"))
    ingest.use(source(feed_server.base))
    done = ingest()
    assert done.exit_code == 1
    assert "citydata INFO-100: 인증키가 유효하지 않습니다." in done.out
    assert KEY not in done.out + done.err


def test_a_hotspot_list_with_mistakes_is_refused_one_line_each(
    feed_server, ingest, tmp_path
):
    (tmp_path / "hotspots.csv").write_text(
        "code,name_ko,district,lon,lat\n"
        "POI009,광화문·덕수궁,11110,126.97,37.57\n"
        "POI009,again,11110,126.97,37.57\n"
        ",no code,11110,,\n"
        "POI014,강남역,99999,127.02,\n",
        encoding="utf-8",
    )
    ingest.use(source(feed_server.base))
    done = ingest()
    assert done.exit_code != 0
    said = done.out + done.err
    assert "hotspot #2 (POI009): listed twice" in said
    assert "hotspot #3: no code" in said
    assert "hotspot #4 (POI014): district '99999' is not in the profile" in said
    assert "hotspot #4 (POI014): lon/lat '127.02', ''" in said
