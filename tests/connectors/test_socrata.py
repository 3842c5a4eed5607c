"""Socrata SODA through `citywall ingest`, against the local feed server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from store.schema import events, measurements, source_state
from tests.connectors.conftest import real_fixture
from tests.connectors.feedserver import Reply
from tests.connectors.harness import (
    counts,
    cursor_of,
    quarantine_reasons,
    summary_numbers,
)

GANGNAM = ("127.0473", "37.5172")
JONGNO = ("126.9770", "37.5796")
# the rows' day: yesterday in Seoul, inside the connector's look-back whatever the
# date the tests run on
DAY = (datetime.now(ZoneInfo("Asia/Seoul")) - timedelta(days=1)).date().isoformat()


def incident(n: int, when: str, where=GANGNAM, **extra) -> dict:
    """A row as SODA sends it: every value text, times floating (no zone)."""
    return {
        "id": f"JH{n:06d}",
        "date": when,
        "primary_type": "THEFT" if n % 2 else "ASSAULT",
        "description": f"incident {n}",
        "latitude": where[1],
        "longitude": where[0],
        "reporter_name": "Kim Minsu",  # personal: never mapped, never stored
        ":@computed_region_x": "7",  # an unknown extra field
        **extra,
    }


def safety_source(url: str, page_size: int = 2) -> str:
    return f"""
[[sources]]
name = "incidents"
connector = "socrata"
interval_seconds = 300
[sources.options]
url = "{url}"
app_token = "tok-123"
order_by = "date"
page_size = {page_size}
retries = 1
backoff_seconds = 0.01
[sources.options.record]
kind = "event"
domain = "safety"
[sources.options.columns]
source_id = "id"
occurred_at = "date"
category = "primary_type"
title = "description"
lat = "latitude"
lon = "longitude"
[sources.options.categories]
THEFT = "theft"
ASSAULT = "assault"
"""


def test_pages_are_followed_to_the_end_and_every_row_lands(feed_server, ingest):
    rows = [incident(n, f"{DAY}T0{n}:00:00.000") for n in range(1, 6)]
    url = feed_server.route(
        "/resource/abcd-1234.json",
        json.dumps(rows[0:2]),
        json.dumps(rows[2:4]),
        json.dumps(rows[4:5]),
    )
    ingest.use(safety_source(url))
    done = ingest()
    assert done.exit_code == 0, done.err
    assert summary_numbers(done.out) == {
        "fetched": 5, "stored": 5, "rejected": 0, "ignored": 0
    }  # fmt: skip
    seen = feed_server.hits("/resource/abcd-1234.json")
    assert [s.param("$offset") for s in seen] == ["0", "2", "4"]
    assert {s.param("$order") for s in seen} == {"date ASC, :id ASC"}
    assert all(s.param("$where").startswith("date >= '") for s in seen)
    assert {s.headers["X-App-Token"] for s in seen} == {"tok-123"}

    engine = ingest.engine()
    with engine.connect() as conn:
        stored = conn.execute(select(events).order_by(events.c.source_id)).mappings()
        stored = list(stored)
    assert [r["source_id"] for r in stored] == [f"JH{n:06d}" for n in range(1, 6)]
    first = stored[0]
    # a floating time is the city's local time: 01:00 in Seoul is 16:00 UTC
    assert first["occurred_at"] == datetime.fromisoformat(f"{DAY}T01:00:00+09:00")
    assert first["category"] == "theft" and first["district_code"] == "11680"
    assert first["domain"] == "safety" and first["title"] == "incident 1"
    assert "Kim Minsu" not in json.dumps([dict(r) for r in stored], default=str)
    # the next pull starts at the newest time seen, from the first row
    assert json.loads(cursor_of(engine, "incidents")) == {
        "after": f"{DAY}T05:00:00.000", "offset": 0
    }  # fmt: skip


def test_bad_rows_are_quarantined_and_the_rest_land(feed_server, ingest):
    rows = [
        incident(1, f"{DAY}T01:00:00.000", JONGNO),
        incident(2, f"{DAY}T02:00:00.000", ("east", "37.5")),  # wrong type
        {k: v for k, v in incident(3, "x").items() if k != "date"},  # no time
        incident(4, "yesterday"),  # not a time
        incident(5, f"{DAY}T05:00:00.000", ("200.0", "37.5")),  # off the globe
        "not an object",
        incident(7, f"{DAY}T07:00:00+09:00"),  # an explicit offset
    ]
    url = feed_server.route("/r.json", json.dumps(rows))
    ingest.use(safety_source(url, page_size=100))
    done = ingest()
    numbers = summary_numbers(done.out)
    assert numbers["fetched"] == 7 == numbers["stored"] + numbers["rejected"]
    assert numbers["stored"] == 2
    reasons = quarantine_reasons(ingest.engine(), "incidents")
    assert reasons == [
        "longitude 'east' is not a number",
        "occurred_at is missing",
        "occurred_at 'yesterday' is not an ISO 8601 time",
        "position (200.0, 37.5) is off the globe",
        "a row must be an object, not str",
    ]
    with ingest.engine().connect() as conn:
        times = dict(
            conn.execute(select(events.c.source_id, events.c.occurred_at)).all()
        )
    assert times["JH000007"] == datetime.fromisoformat(f"{DAY}T07:00:00+09:00")


def test_the_same_rows_in_two_pulls_are_stored_once(feed_server, ingest):
    rows = [incident(n, f"{DAY}T0{n}:00:00.000") for n in (1, 2, 3)]
    url = feed_server.route("/r.json", json.dumps(rows), json.dumps(rows[2:]))
    ingest.use(safety_source(url, page_size=10))
    assert ingest().exit_code == 0
    again = ingest()
    assert summary_numbers(again.out)["fetched"] == 1
    assert counts(ingest.engine(), "incidents")["events"] == 3
    second = feed_server.hits("/r.json")[1]
    assert second.param("$where") == f"date >= '{DAY}T03:00:00.000'"


def test_an_empty_answer_keeps_the_cursor(feed_server, ingest):
    url = feed_server.route(
        "/r.json", json.dumps([incident(1, f"{DAY}T01:00:00")]), "[]"
    )
    ingest.use(safety_source(url))
    ingest()
    before = cursor_of(ingest.engine(), "incidents")
    done = ingest()
    assert done.exit_code == 0 and "fetched 0" in done.out
    assert cursor_of(ingest.engine(), "incidents") == before


def test_a_failing_portal_fails_the_run_and_keeps_the_cursor(feed_server, ingest):
    url = feed_server.route("/r.json", Reply('{"message": "down"}', 503))
    ingest.use(safety_source(url))
    done = ingest()
    assert done.exit_code == 1
    assert "error: FetchError: HTTP 503" in done.out
    assert "tok-123" not in done.out + done.err
    assert cursor_of(ingest.engine(), "incidents") is None


def test_a_truncated_page_is_not_half_stored(feed_server, ingest):
    body = json.dumps([incident(n, f"{DAY}T01:00:00") for n in range(1, 4)])
    url = feed_server.route("/r.json", Reply(body, truncate_to=len(body) // 2))
    ingest.use(safety_source(url, page_size=10))
    done = ingest()
    assert done.exit_code == 1 and "incomplete response" in done.out
    assert counts(ingest.engine(), "incidents") == {
        "events": 0, "measurements": 0, "quarantined": 0
    }  # fmt: skip


def test_recorded_bike_counts_land_as_measurements(feed_server, ingest):
    """sodapy's recording: a full page of 1,000 then a last page of one row."""
    url = feed_server.route(
        "/resource/65db-xm6k.json",
        real_fixture("socrata/sodapy_bike_counts_page_1.json"),
        real_fixture("socrata/sodapy_bike_counts_page_2.json"),
    )
    ingest.use(f"""
[[sources]]
name = "bikes"
connector = "socrata"
[sources.options]
url = "{url}"
order_by = "date"
page_size = 1000
timezone = "America/Los_Angeles"
[sources.options.record]
kind = "measurement"
series = "bike_count"
[sources.options.columns]
place = "id"
observed_at = "date"
value = "counts"
""")
    done = ingest()
    assert done.exit_code == 0, done.err
    assert summary_numbers(done.out)["stored"] == 1001
    assert len(feed_server.hits("/resource/65db-xm6k.json")) == 2  # paging stopped
    with ingest.engine().connect() as conn:
        first = (
            conn.execute(select(measurements).order_by(measurements.c.observed_at))
            .mappings()
            .first()
        )
    # 15:45 in Seattle (PDT, UTC-7) on 2016-09-21
    assert first["observed_at"] == datetime(2016, 9, 21, 22, 45, tzinfo=UTC)
    assert first["value"] == 100.0 and first["place"] == "100009424"


def test_a_mapping_that_cannot_work_is_refused_with_its_reasons(feed_server, ingest):
    ingest.use("""
[[sources]]
name = "bad"
connector = "socrata"
[sources.options]
url = "http://127.0.0.1:9/x.json"
order_by = "date"
attrs = ["email"]
[sources.options.record]
kind = "event"
domain = "weather"
[sources.options.columns]
occurred_at = "date"
colour = "c"
""")
    refused = ingest()
    assert refused.exit_code == 2 and "Traceback" not in refused.err
    message = refused.err
    for part in ("columns ['colour']", "map `source_id`", "record.domain", "['email']"):
        assert part in message


# -- where the app token may go, and what a failure keeps ----------------------------


def _last_error(ingest) -> str | None:
    with ingest.engine().connect() as conn:
        return conn.execute(
            select(source_state.c.last_error).where(
                source_state.c.source == "incidents"
            )
        ).scalar()


def test_the_app_token_never_follows_a_redirect_to_another_host(
    feed_server, elsewhere, ingest
):
    there = elsewhere.route("/resource/copy.json", "[]")
    url = feed_server.route(
        "/resource/abcd-1234.json", Reply("", 302, headers={"Location": there})
    )
    ingest.use(safety_source(url))
    done = ingest()
    assert done.exit_code == 1
    assert elsewhere.requests == []  # no request, so no X-App-Token, got there
    error = _last_error(ingest)
    assert "redirects to another origin" in error and "tok-123" not in error


def test_a_source_on_an_internal_host_needs_the_profile_to_allow_it(
    feed_server, ingest
):
    url = feed_server.route("/resource/abcd-1234.json", "[]")
    ingest.use(safety_source(url), network="")  # no [network]: the defaults
    assert ingest().exit_code == 1
    assert feed_server.requests == []
    assert "an internal address: add the host" in _last_error(ingest)


def test_an_error_page_is_kept_as_a_short_excerpt_without_the_token(
    feed_server, ingest
):
    page = (
        "<html><title>403 Forbidden</title><body>app token tok-123 refused"
        + "<pre>internal: svc-db01 10.0.3.7 config dump</pre>" * 40
        + "</body></html>"
    )
    url = feed_server.route("/r.json", Reply(page, 403, "text/html"))
    ingest.use(safety_source(url))
    assert ingest().exit_code == 1
    error = _last_error(ingest)
    assert "HTTP 403" in error and "403 Forbidden" in error
    assert "tok-123" not in error and "<" not in error
    assert error.count("config dump") <= 1 and len(error) < 250
