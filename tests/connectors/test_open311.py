"""Open311 GeoReport v2 through `citywall ingest`, against the local feed server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from store.schema import events, source_state
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

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<service_requests><request><service_request_id>&lol4;</service_request_id>
</request></service_requests>"""


def source(base: str, fmt: str = "json", **extra: object) -> str:
    options = {
        "url": base,
        "format": fmt,
        "jurisdiction_id": "seoul.example",
        "api_key": "KEY-42",
        "page_size": 2,
        "lookback_days": 1,
        "window_hours": 24,
        "retries": 1,
        "backoff_seconds": 0.01,
    } | extra
    return (
        source_block("311", "open311", options, 120)
        + '[sources.options.categories]\n"RD-07" = "roads"\n'
    )


def request(n: int, **fields: object) -> dict:
    return {
        "service_request_id": f"R{n}",
        "status": "open",
        "service_name": "Noise",
        "service_code": "NZ-01",
        "description": "Loud music",
        "requested_datetime": f"2026-11-20T0{n}:00:00+09:00",
        "updated_datetime": f"2026-11-20T0{n}:30:00+09:00",
        "lat": 37.5172,
        "long": 127.0473,
        "unexpected_extension": {"nested": True},
    } | fields


def stored_events(ingest: IngestCli) -> dict[str, dict]:
    with ingest.engine().connect() as conn:
        rows = conn.execute(select(events)).mappings().all()
    return {r["source_id"]: dict(r) for r in rows}


def test_json_requests_are_paged_and_mapped(feed_server, ingest):
    pages = [[request(1), request(2)], [request(3), request(4)], [request(5)]]
    feed_server.route("/open311/v2/requests.json", *map(json.dumps, pages))
    feed_server.route("/open311/v2/services.json", "[]")
    ingest.use(source(feed_server.url("/open311/v2")))
    done = ingest()
    assert done.exit_code == 0, done.err
    assert summary_numbers(done.out)["stored"] == 5, done.out + done.err
    seen = feed_server.hits("/open311/v2/requests.json")
    assert [s.param("page") for s in seen] == ["1", "2", "3"]
    assert {s.param("jurisdiction_id") for s in seen} == {"seoul.example"}
    after, before = seen[0].param("updated_after"), seen[0].param("updated_before")
    assert {s.param("updated_after") for s in seen} == {after}  # one window, paged
    span = datetime.fromisoformat(before) - datetime.fromisoformat(after)
    assert timedelta(hours=23) < span <= timedelta(hours=24, seconds=5)
    assert "KEY-42" not in done.out + done.err

    r1 = stored_events(ingest)["R1"]
    assert r1["domain"] == "complaints" and r1["category"] == "noise"
    assert r1["occurred_at"] == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    assert r1["updated_at"] == datetime(2026, 11, 19, 16, 30, tzinfo=UTC)
    assert r1["district_code"] == "11680" and r1["status"] == "open"
    assert r1["attrs"]["description"] == "Loud music"


def test_xml_requests_with_the_service_list(feed_server, ingest):
    feed_server.route("/v2/requests.xml", fixture_bytes("open311/requests.xml"))
    feed_server.route("/v2/services.xml", fixture_bytes("open311/services.xml"))
    ingest.use(source(feed_server.url("/v2"), "xml", page_size=100))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 5, "stored": 4, "rejected": 1, "ignored": 0
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "311") == [
        "service_request_id is missing (a token-only request is not yet accepted "
        "by the city)"
    ]
    got = stored_events(ingest)
    closed = got["2026-000101"]
    assert closed["status"] == "closed"
    assert closed["closed_at"] == datetime(2026, 11, 20, 5, 40, tzinfo=UTC)
    assert closed["category"] == "street_cleaning"  # the service list's group
    assert closed["district_code"] == "11680"
    assert closed["attrs"]["agency"] == "Gangnam-gu Cleaning Division"
    assert closed["attrs"]["expected_at"] == "2026-11-20T23:15:00+00:00"
    assert got["2026-000102"]["category"] == "roads"  # the profile's mapping wins
    assert got["2026-000102"]["district_code"] == "11110"
    assert "description" not in got["2026-000102"]["attrs"]  # empty is absent
    assert got["2026-000103"]["lon"] is None  # no position: still lands


def test_personal_data_never_reaches_the_store(feed_server, ingest):
    feed_server.route("/v2/requests.xml", fixture_bytes("open311/requests.xml"))
    feed_server.route("/v2/services.xml", fixture_bytes("open311/services.xml"))
    ingest.use(source(feed_server.url("/v2"), "xml", page_size=100))
    ingest()
    everything = json.dumps(list(stored_events(ingest).values()), default=str)
    for personal in ("Minsu", "minsu.kim@", "9876-5432", "A1B2C3D4", "media/101"):
        assert personal not in everything
    echoed = stored_events(ingest)["2026-000104"]
    assert echoed["attrs"]["description"] == (
        "Call me on [phone removed] or write to [e-mail removed]"
    )


def test_the_same_requests_in_two_pulls_are_stored_once(feed_server, ingest):
    feed_server.route("/v2/requests.json", json.dumps([request(1)]))
    feed_server.route("/v2/services.json", "[]")
    ingest.use(source(feed_server.url("/v2")))
    ingest()
    closed = request(1, status="closed", updated_datetime="2026-11-20T05:00:00+09:00")
    feed_server.route("/v2/requests.json", json.dumps([closed]))
    ingest()
    assert counts(ingest.engine(), "311")["events"] == 1
    assert stored_events(ingest)["R1"]["status"] == "closed"
    # the second pull's window overlaps the first by five minutes
    first, second = feed_server.hits("/v2/requests.json")
    overlap = datetime.fromisoformat(first.param("updated_before")) - (
        datetime.fromisoformat(second.param("updated_after"))
    )
    assert overlap == timedelta(minutes=5)


def test_a_server_that_ignores_paging_gets_smaller_windows(feed_server, ingest):
    capped = json.dumps([request(1), request(2)])  # the server's cap: 2 rows
    feed_server.route(
        "/v2/requests.json",
        capped,  # page 1 of the day
        capped,  # "page 2" is page 1 again: paging is ignored
        json.dumps([request(1)]),  # first half of the day
        json.dumps(
            [
                request(2),
            ]
        ),  # second half
    )
    feed_server.route("/v2/services.json", "[]")
    ingest.use(source(feed_server.url("/v2")))
    done = ingest()
    assert done.exit_code == 0
    seen = feed_server.hits("/v2/requests.json")
    assert len(seen) == 4
    day = [
        datetime.fromisoformat(seen[0].param(p))
        for p in ("updated_after", "updated_before")
    ]
    half = [
        datetime.fromisoformat(seen[2].param(p))
        for p in ("updated_after", "updated_before")
    ]
    assert half[0] == day[0] and half[1] - half[0] == (day[1] - day[0]) / 2
    assert datetime.fromisoformat(seen[3].param("updated_after")) < half[1]
    assert counts(ingest.engine(), "311")["events"] == 2


def test_hostile_and_broken_xml_fail_the_pull_and_keep_the_cursor(feed_server, ingest):
    feed_server.route("/v2/services.xml", fixture_bytes("open311/services.xml"))
    ingest.use(source(feed_server.url("/v2"), "xml", page_size=100))
    for body, reason in (
        (BOMB, "unsafe XML refused"),
        (
            b"<service_requests><request><service_request_id>1</request>",
            "malformed XML",
        ),
    ):
        feed_server.route("/v2/requests.xml", body)
        done = ingest()
        assert done.exit_code == 1 and reason in done.out
        assert cursor_of(ingest.engine(), "311") is None
    with ingest.engine().connect() as conn:
        error = conn.execute(select(source_state.c.last_error)).scalar()
    assert "malformed XML" in error
    assert counts(ingest.engine(), "311")["events"] == 0


def test_an_error_answer_is_reported_as_such(feed_server, ingest):
    feed_server.route(
        "/v2/requests.json",
        Reply(json.dumps([{"code": 403, "description": "Invalid api_key"}]), 200),
    )
    feed_server.route("/v2/services.json", "[]")
    ingest.use(source(feed_server.url("/v2")))
    done = ingest()
    assert done.exit_code == 1
    assert "errors: 403: Invalid api_key" in done.out


def test_recorded_xml_from_a_real_server(feed_server, ingest):
    feed_server.route(
        "/v2/requests.xml", real_fixture("open311/cfa_open311rb_service_requests.xml")
    )
    feed_server.route(
        "/v2/services.xml", real_fixture("open311/cfa_open311rb_services.xml")
    )
    ingest.use(source(feed_server.url("/v2"), "xml", page_size=1000))
    done = ingest()
    numbers = summary_numbers(done.out)
    assert done.exit_code == 0 and numbers["rejected"] == 0 and numbers["stored"] > 0
    got = stored_events(ingest)
    first = got["638344"]
    assert first["occurred_at"] == datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)
    assert first["status"] == "closed" and first["district_code"] is None  # in SF
    assert "media" not in json.dumps(first["attrs"])


def test_recorded_json_with_null_positions(feed_server, ingest):
    payload = real_fixture("open311/open311status_bloomington_requests.json")
    feed_server.route("/v2/requests.json", payload)
    feed_server.route("/v2/services.json", "[]")
    ingest.use(source(feed_server.url("/v2"), page_size=1000))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 21, "stored": 21, "rejected": 0, "ignored": 0
    }  # fmt: skip
    # two requests send null, six send (0, 0): "no position", not the Gulf of Guinea
    unplaced = [e for e in stored_events(ingest).values() if e["lon"] is None]
    assert len(unplaced) == 8


def test_an_answer_of_another_shape_fails_the_run_and_keeps_the_cursor(
    feed_server, ingest
):
    """Only a ``<service_requests>`` document (or a JSON list) may move the cursor:
    a bare ``<error>`` or a maintenance page served with 200 read as "no requests"
    would skip the window's requests for good."""
    feed_server.route("/v2/services.xml", fixture_bytes("open311/services.xml"))
    feed_server.route("/v2/requests.xml", fixture_bytes("open311/requests.xml"))
    ingest.use(source(feed_server.url("/v2"), "xml", page_size=100))
    assert ingest().exit_code == 0
    cursor = cursor_of(ingest.engine(), "311")
    assert cursor is not None
    for body, reason in (
        (
            b"<error><code>503</code><description>Down for maintenance"
            b"</description></error>",
            "errors: 503: Down for maintenance",
        ),
        (
            b"<html><head><title>Maintenance</title></head>"
            b"<body><p>Back soon</p></body></html>",
            "requests.xml is a <html> document, not <service_requests>",
        ),
    ):
        feed_server.route("/v2/requests.xml", body)
        done = ingest()
        assert done.exit_code == 1 and reason in done.out, done.out + done.err
        assert cursor_of(ingest.engine(), "311") == cursor
    with ingest.engine().connect() as conn:
        error = conn.execute(select(source_state.c.last_error)).scalar()
    assert "<html> document" in error
    assert counts(ingest.engine(), "311")["events"] == 4


def test_a_json_error_without_its_list_is_reported_as_such(feed_server, ingest):
    feed_server.route(
        "/v2/requests.json",
        Reply(json.dumps({"code": 503, "description": "Down for maintenance"}), 200),
    )
    feed_server.route("/v2/services.json", "[]")
    ingest.use(source(feed_server.url("/v2")))
    done = ingest()
    assert done.exit_code == 1
    assert "errors: 503: Down for maintenance" in done.out


def test_categories_keep_their_letters_and_addresses_their_ranges(feed_server, ingest):
    """A category key keeps letters of every script, so two Korean groups stay two
    categories (not both "other"); an address range is no phone number."""
    services = [
        {"service_code": "DE-1", "group": "Straßen- und Gehwegschäden"},
        {"service_code": "KO-1", "group": "도로 파손"},
        {"service_code": "KO-2", "group": "불법 주차"},
    ]
    feed_server.route("/v2/services.json", json.dumps(services))
    rows = [
        request(1, service_code="DE-1", address="1701-1799 E Durham Ln"),
        request(2, service_code="KO-1"),
        request(3, service_code="KO-2", address="call 2133-2199 today"),
    ]
    feed_server.route("/v2/requests.json", json.dumps(rows))
    ingest.use(source(feed_server.url("/v2"), page_size=100))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 3, "stored": 3, "rejected": 0, "ignored": 0
    }  # fmt: skip
    got = stored_events(ingest)
    assert got["R1"]["category"] == "straßen_und_gehwegschäden"
    assert got["R2"]["category"] == "도로_파손"
    assert got["R3"]["category"] == "불법_주차"
    assert got["R1"]["attrs"]["address"] == "1701-1799 E Durham Ln"
    assert got["R3"]["attrs"]["address"] == "call [phone removed] today"
