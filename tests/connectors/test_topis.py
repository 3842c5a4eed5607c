"""Seoul TOPIS road speeds (Seoul Open API TrafficInfo) through `citywall ingest`,
against the local feed server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kpis.service import KpiService
from store.schema import measurements
from tests.connectors.feedserver import Reply
from tests.connectors.harness import IngestCli, quarantine_reasons, summary_numbers

KEY = "6b6e676670666c753434736d6f7076"
LINKS = """link_id,district,road_class,name,lon,lat
1220003800,11680,arterial,Teheran-ro,127.0364,37.5005
1220003900,11680,arterial,Teheran-ro east,127.0473,37.5060
1180001200,11650,expressway,Gangbyeon Expwy,127.0200,37.5150
1110000500,11110,arterial,Sejong-daero,126.9769,37.5720
1110000600,11110,arterial,Jong-ro,126.9900,37.5700
"""


def traffic_info(link_id: str, speed: str, travel: str = "177") -> str:
    return json.dumps(
        {
            "TrafficInfo": {
                "list_total_count": 1,
                "RESULT": {"CODE": "INFO-000", "MESSAGE": "정상 처리되었습니다"},
                "row": [
                    {"link_id": link_id, "prcs_spd": speed, "prcs_trv_time": travel}
                ],
            }
        },
        ensure_ascii=False,
    )


LINK_IDS = [line.split(",")[0] for line in LINKS.splitlines()[1:]]
NO_DATA = json.dumps(
    {"RESULT": {"CODE": "INFO-200", "MESSAGE": "해당하는 데이터가 없습니다."}}
)


def source(base: str, fmt: str = "json") -> str:
    return f"""
[[sources]]
name = "topis"
connector = "topis"
interval_seconds = 150
[sources.options]
base_url = "{base}"
api_key = "{KEY}"
format = "{fmt}"
links_file = "links.csv"
retries = 1
backoff_seconds = 0.01
"""


@pytest.fixture
def ingest(monkeypatch, capsys, tmp_path) -> IngestCli:
    (tmp_path / "links.csv").write_text(LINKS, encoding="utf-8")
    return IngestCli(monkeypatch, capsys, tmp_path)


def path(link_id: str, fmt: str = "json") -> str:
    return f"/{KEY}/{fmt}/TrafficInfo/1/1/{link_id}"


def test_link_speeds_land_with_district_and_road_class(feed_server, ingest, seoul):
    feed_server.route(path("1220003800"), traffic_info("1220003800", "12.0"))
    feed_server.route(
        path("1220003900"), Reply("busy", 500), traffic_info("1220003900", "28.0")
    )
    feed_server.route(path("1180001200"), traffic_info("1180001200", "25.0"))
    feed_server.route(path("1110000500"), NO_DATA)
    feed_server.route(path("1110000600"), traffic_info("1110000600", ""))
    ingest.use(source(feed_server.base))
    done = ingest()
    assert done.exit_code == 0, done.err
    assert summary_numbers(done.out) == {
        "fetched": 8, "stored": 6, "rejected": 1, "ignored": 1
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "topis") == [
        "prcs_spd '' is not a number"
    ]
    assert KEY not in done.out + done.err
    with ingest.engine().connect() as conn:
        rows = (
            conn.execute(
                select(measurements).where(measurements.c.series == "road_speed")
            )
            .mappings()
            .all()
        )
    by_link = {r["place"]: r for r in rows}
    assert by_link["1180001200"]["category"] == "expressway"
    assert by_link["1220003800"]["district_code"] == "11680"
    assert by_link["1220003800"]["observed_at"].second == 0

    # the wall reads them with TOPIS's classes: 12 arterial and 25 expressway are
    # congested, 28 arterial is not
    wall = KpiService(ingest.engine(), seoul)
    tiles = {t.kpi_id: t.value for t in wall.tiles()}
    assert tiles["road_avg_speed"] == pytest.approx((12 + 28 + 25) / 3)
    assert tiles["road_congested_share"] == pytest.approx(2 / 3)  # shown as 67 %


def test_xml_answers_are_read_the_same_way(feed_server, ingest):
    for link_id in LINK_IDS:
        feed_server.route(
            path(link_id, "xml"),
            f"""<?xml version="1.0" encoding="UTF-8"?>
<TrafficInfo><list_total_count>1</list_total_count>
<RESULT><CODE>INFO-000</CODE><MESSAGE>정상 처리되었습니다</MESSAGE></RESULT>
<row><link_id>{link_id}</link_id><prcs_spd>31.5</prcs_spd><prcs_trv_time>90</prcs_trv_time></row>
</TrafficInfo>""",
        )
    ingest.use(source(feed_server.base, "xml"))
    done = ingest()
    assert summary_numbers(done.out)["stored"] == 10


def test_a_refused_key_fails_the_run_without_showing_the_key(feed_server, ingest):
    refused = "<RESULT><CODE>INFO-100</CODE><MESSAGE>인증키가 유효하지 않습니다.</MESSAGE></RESULT>"
    for link_id in LINK_IDS:
        feed_server.route(path(link_id, "xml"), refused)
    ingest.use(source(feed_server.base, "xml"))
    done = ingest()
    assert done.exit_code == 1
    assert "TrafficInfo INFO-100: 인증키가 유효하지 않습니다." in done.out
    assert KEY not in done.out + done.err


def test_a_link_table_with_unknown_districts_is_refused(feed_server, ingest, tmp_path):
    (tmp_path / "links.csv").write_text(
        "link_id,district,road_class\n1,99999,arterial\n2,11680,motorway\n",
        encoding="utf-8",
    )
    ingest.use(source(feed_server.base))
    done = ingest()
    assert done.exit_code == 2
    assert "district '99999' is not in the profile" in done.err
    assert "road_class 'motorway' is not one of ['arterial', 'expressway']" in done.err
