"""USGS earthquake GeoJSON through `citywall ingest`, against the local feed server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.usgs import SEVERITY_RANK, severity_of
from store.schema import events
from tests.connectors.conftest import fixture_bytes, real_fixture
from tests.connectors.feedserver import Reply
from tests.connectors.harness import (
    IngestCli,
    counts,
    cursor_of,
    quarantine_reasons,
    source_block,
    summary_numbers,
)


def source(url: str, **extra: object) -> str:
    options = {"url": url, "radius_km": 500, "retries": 0} | extra
    return source_block("quakes", "usgs", options)


def quakes(ingest: IngestCli) -> dict[str, dict]:
    with ingest.engine().connect() as conn:
        return {
            r["source_id"]: dict(r)
            for r in conn.execute(select(events)).mappings().all()
        }


def test_quakes_near_the_city_land_and_far_ones_are_ignored(feed_server, ingest):
    url = feed_server.route(
        "/summary/2.5_week.geojson",
        Reply(fixture_bytes("usgs/korea_week.geojson"), etag='"w1"'),
    )
    ingest.use(source(url))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 6, "stored": 3, "rejected": 2, "ignored": 1
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "quakes") == [
        "the quake has no epicentre",
        "mag 'strong' is not a number",
    ]
    got = quakes(ingest)
    assert set(got) == {"us7000aaa1", "us7000aaa2", "us7000aaa6"}  # not Honshu
    near = got["us7000aaa1"]
    assert near["domain"] == "disaster" and near["category"] == "earthquake"
    assert near["occurred_at"] == datetime.fromtimestamp(1795550400, UTC)
    assert near["expires_at"] - near["occurred_at"] == timedelta(hours=24)
    assert near["severity"] == "Minor" and near["district_code"] is None
    assert near["attrs"]["depth_km"] == 9.8 and near["attrs"]["felt"] == 312
    assert 20 < near["attrs"]["distance_km"] < 40
    assert got["us7000aaa2"]["severity"] == "Moderate"  # PAGER yellow
    blast = got["us7000aaa6"]
    assert blast["category"] == "quarry_blast" and blast["severity"] == "Unknown"


def test_an_unchanged_feed_is_not_read_again(feed_server, ingest):
    url = feed_server.route(
        "/f.geojson", Reply(fixture_bytes("usgs/korea_week.geojson"), etag='"w1"')
    )
    ingest.use(source(url))
    ingest()
    cursor = cursor_of(ingest.engine(), "quakes")
    again = ingest()
    assert "fetched 0" in again.out
    assert feed_server.hits("/f.geojson")[1].headers["If-None-Match"] == '"w1"'
    assert cursor_of(ingest.engine(), "quakes") == cursor
    assert counts(ingest.engine(), "quakes")["events"] == 3


def test_a_query_endpoint_is_asked_for_the_city_only(feed_server, ingest):
    url = feed_server.route(
        "/fdsnws/event/1/query", fixture_bytes("usgs/korea_week.geojson")
    )
    ingest.use(source(url, min_magnitude=3))
    ingest()
    asked = feed_server.hits("/fdsnws/event/1/query")[0]
    assert asked.param("format") == "geojson" and asked.param("maxradiuskm") == "500.0"
    assert 37.4 < float(asked.param("latitude")) < 37.7
    assert 126.8 < float(asked.param("longitude")) < 127.2
    assert set(quakes(ingest)) == {"us7000aaa1", "us7000aaa2"}  # M3+ only


def test_a_ten_megabyte_feed_lands_and_a_limit_refuses_it(feed_server, ingest):
    template = json.loads(fixture_bytes("usgs/korea_week.geojson"))["features"][0]
    features = [
        template | {"id": f"us{n:08d}", "properties": template["properties"]}
        for n in range(18_500)
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    assert len(body) > 10 * 2**20
    url = feed_server.route("/big.geojson", body)
    ingest.use(source(url, max_payload_mb=5))
    refused = ingest()
    assert refused.exit_code == 1 and "exceeds 5 MB" in refused.out
    assert counts(ingest.engine(), "quakes")["events"] == 0
    ingest.use(source(url))  # the default limit, 32 MB
    done = ingest()
    assert done.exit_code == 0 and summary_numbers(done.out)["stored"] == 18_500


def test_recorded_significant_week(feed_server, ingest):
    url = feed_server.route(
        "/significant_week.geojson",
        real_fixture("usgs/usgs_significant_week_2017.geojson"),
    )
    ingest.use(source(url, radius_km=20_000))  # the whole planet, for this test
    done = ingest()
    assert summary_numbers(done.out)["stored"] == 4
    fais = quakes(ingest)["us2000c1zn"]
    assert fais["attrs"]["tsunami"] is True and fais["attrs"]["mmi"] == 6.08
    assert (
        fais["attrs"]["depth_km"] == 20.27 and fais["attrs"]["pager_alert"] == "green"
    )
    # PAGER green (few losses expected) does not lower an M6.4 below its magnitude
    assert fais["severity"] == "Severe" and fais["attrs"]["severity_by"] == "magnitude"


def quake(code: str, mag: float | None, alert: str | None, lon: float) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "mag": mag,
            "place": f"{code} off the coast",
            "time": 1795550400000,
            "alert": alert,
            "type": "earthquake",
        },
        "geometry": {"type": "Point", "coordinates": [lon, 37.0, 10.0]},
        "id": code,
    }


def test_a_stronger_quake_never_ranks_lower_without_a_reason(feed_server, ingest):
    """Severity is the higher of the magnitude's and PAGER's: PAGER's green does
    not make an M6.9 Minor beside an unassessed M5.0, and PAGER raising a quake
    above its magnitude is said (``severity_by``)."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            quake("green69", 6.9, "green", 129.5),
            quake("plain50", 5.0, None, 129.4),
            quake("orange58", 5.8, "orange", 129.3),
            quake("red", None, "red", 129.2),
        ],
    }
    ingest.use(source(feed_server.route("/q.geojson", json.dumps(collection))))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 4, "stored": 4, "rejected": 0, "ignored": 0
    }  # fmt: skip
    got = quakes(ingest)
    assert got["green69"]["severity"] == "Severe"
    assert got["green69"]["attrs"]["severity_by"] == "magnitude"
    assert got["green69"]["attrs"]["pager_alert"] == "green"  # still told
    assert got["plain50"]["severity"] == "Moderate"
    assert got["orange58"]["severity"] == "Severe"  # M5.8 alone: Moderate
    assert got["orange58"]["attrs"]["severity_by"] == "pager"
    assert got["red"]["severity"] == "Extreme"


@pytest.mark.parametrize("alert", [None, "green", "yellow", "orange", "red"])
def test_severity_never_falls_as_the_magnitude_grows(alert):
    ranks = [SEVERITY_RANK.index(severity_of(m / 10, alert)[0]) for m in range(0, 100)]
    assert ranks == sorted(ranks)
