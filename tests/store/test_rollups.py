"""The rollups the ingest keeps, batch by batch, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from city.records import Event, Measurement, StatusChange
from store import facets, rollups, versions, writes
from store.schema import (
    close_hours_histogram,
    event_facet_totals,
    event_hourly,
    event_totals,
    measurement_hourly,
)

KST = timezone(timedelta(hours=9))
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=KST)  # 00:30 UTC
HOUR = timedelta(hours=1)


def rollup_rows(engine) -> dict[str, set[tuple]]:
    """Every rollup's rows that count something."""
    with engine.connect() as conn:
        return {
            "hourly": {
                tuple(r)
                for r in conn.execute(select(event_hourly))
                if r.opened or r.closed
            },
            "totals": {
                tuple(r) for r in conn.execute(select(event_totals)) if r.opened
            },
            "histogram": {
                tuple(r) for r in conn.execute(select(close_hours_histogram)) if r.n
            },
        }


def test_an_event_counts_in_the_utc_hours_it_opened_and_closed(engine):
    closed = T0 + timedelta(hours=30, minutes=10)  # 06:40 UTC the day after
    event = Event(
        "req-1", "complaints", "noise", T0, district_code="11680", closed_at=closed
    )
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [event], T0)
    opened_hour = datetime(2026, 11, 20, 0, tzinfo=UTC)
    closed_hour = datetime(2026, 11, 21, 6, tzinfo=UTC)
    bucket = round(math.log(30 + 10 / 60) / math.log(rollups.BUCKET_RATIO))
    assert rollup_rows(engine) == {
        "hourly": {
            ("complaints", opened_hour, "11680", "noise", 1, 0),
            ("complaints", closed_hour, "11680", "noise", 0, 1),
        },
        "totals": {("complaints", "11680", 1, 1)},
        "histogram": {
            ("complaints", closed_hour, "11680", bucket, 1),
            ("complaints", closed_hour, rollups.WHOLE_CITY, bucket, 1),
        },
    }


def test_rollups_kept_batch_by_batch_equal_those_made_from_the_rows(engine):
    """Re-sent, moved, closed, reopened and retracted records move their counts
    and never count twice: what the ingest kept is what a rebuild makes."""
    first = [
        Event(
            f"e{i}",
            ("complaints", "safety")[i % 2],
            ("noise", "parking", "fire")[i % 3],
            T0 + timedelta(minutes=17 * i),
            district_code=("11680", "11110", None)[i % 3],
            closed_at=T0 + timedelta(hours=i % 7, minutes=3 * i) if i % 4 else None,
        )
        for i in range(60)
    ]
    later = [  # the same records sent again: a third moved, closed or reopened
        dataclasses.replace(
            e,
            district_code="11740" if i % 3 == 0 else e.district_code,
            closed_at=None if i % 5 == 0 else T0 + timedelta(days=1, minutes=i),
        )
        for i, e in enumerate(first[::2])
    ]
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", first, T0)
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", later, T0 + timedelta(days=1))
        writes.apply_status_changes(
            conn, "a", [StatusChange("e7", "cancelled", T0 + timedelta(hours=3))]
        )
    kept = rollup_rows(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert rollup_rows(engine) == kept
    assert sum(row[4] for row in kept["hourly"]) == 60  # opened: each event once


def facet_totals(engine) -> set[tuple]:
    with engine.connect() as conn:
        return {
            tuple(r)
            for r in conn.execute(select(event_facet_totals))
            if r.opened or r.closed
        }


def test_an_event_counts_once_in_each_facet_group_under_its_values(engine):
    """A re-sent event whose severity and attribute changed moves from its old
    values to its new ones; a group dropped loses its rows, a group added is
    built from the rows."""
    event = Event(
        "req-1",
        "complaints",
        "noise",
        T0,
        severity="Severe",
        district_code="11680",
        attrs={"priority": "high", "channel": 120},
    )
    with engine.begin() as conn:
        assert facets.use_facet_groups(
            conn, [("severity", "category"), ("priority",), ("channel",)]
        )
        assert versions.facet_groups(conn) == (
            ("category", "severity"),
            ("channel",),
            ("priority",),
        )
        writes.upsert_events(conn, "open311", [event], T0)
    assert facet_totals(engine) == {
        ("complaints", "category\x1fseverity", "noise\x1fSevere", "11680", 1, 0),
        ("complaints", "channel", "", "11680", 1, 0),  # not text: as missing
        ("complaints", "priority", "high", "11680", 1, 0),
    }
    moved = dataclasses.replace(event, severity=None, attrs={}, closed_at=T0 + HOUR)
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [moved], T0)
    assert facet_totals(engine) == {
        ("complaints", "category\x1fseverity", "noise\x1f", "11680", 1, 1),
        ("complaints", "channel", "", "11680", 1, 1),
        ("complaints", "priority", "", "11680", 1, 1),
    }
    with engine.begin() as conn:
        assert facets.use_facet_groups(conn, [("status",)])
    assert facet_totals(engine) == {("complaints", "status", "open", "11680", 1, 1)}


def test_the_readings_hours_keep_count_sum_lowest_and_highest_per_category(engine):
    readings = [
        Measurement("speed", "a", T0, 20.0, "arterial", "11680"),
        Measurement("speed", "b", T0 + timedelta(minutes=5), 40.0, "arterial", "11680"),
        Measurement("speed", "c", T0 + timedelta(minutes=9), 70.0, None, "11680"),
        Measurement("speed", "a", T0 + timedelta(minutes=50), 30.0, "arterial", None),
    ]
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "topis", readings)
        # a reading sent again with another value replaces it in its hour
        writes.upsert_measurements(
            conn, "topis", [dataclasses.replace(readings[1], value=10.0)]
        )
    hour = datetime(2026, 11, 20, 0, tzinfo=UTC)
    wanted = {
        ("speed", hour, "11680", "arterial", 2, 30.0, 10.0, 20.0),
        ("speed", hour, "11680", "", 1, 70.0, 70.0, 70.0),
        ("speed", hour + HOUR, "", "arterial", 1, 30.0, 30.0, 30.0),
    }
    with engine.connect() as conn:
        assert {tuple(r) for r in conn.execute(select(measurement_hourly))} == wanted
    with engine.begin() as conn:
        rollups.rebuild(conn)
        assert {tuple(r) for r in conn.execute(select(measurement_hourly))} == wanted


# -- the past and settled versions ---------------------------------------------------
def _versions(engine) -> versions.Versions:
    with engine.connect() as conn:
        return versions.versions(conn)


def test_a_record_of_the_hour_just_over_raises_the_past_version_only(engine):
    """Late records of the hour just over come at the top of every hour: they void
    what was memoised of that hour, never of the settled hours before it."""
    now = datetime(2026, 11, 20, 10, 20, tzinfo=UTC)
    cases = (  # (an event's hour, past raised?, settled raised?)
        (now, False, False),  # this hour
        (now - HOUR, True, False),  # the hour just over
        (now - 2 * HOUR, True, True),  # settled
        (now - 30 * HOUR, True, True),
    )
    for at, past, settled in cases:
        before = _versions(engine)
        with engine.begin() as conn:
            epoch_hour = at.timestamp() // 3600
            rollups._HourMaker(now).note_past(conn, [epoch_hour], [])
        after = _versions(engine)
        assert (after.past > before.past, after.settled > before.settled) == (
            past,
            settled,
        ), at


def test_a_writer_takes_the_hour_just_over_for_settled_a_few_minutes_early(engine):
    """A reader whose clock runs a little ahead of the writer's never counts an
    hour as settled that the writer's batch did not."""
    writer = datetime(2026, 11, 20, 10, 57, tzinfo=UTC)
    reader = writer + timedelta(minutes=4)  # 11:01: 09:00-10:00 settled for it
    assert versions.settled_before(reader) == datetime(2026, 11, 20, 10, tzinfo=UTC)
    before = _versions(engine)
    with engine.begin() as conn:
        hour = datetime(2026, 11, 20, 9, 40, tzinfo=UTC).timestamp() // 3600
        rollups._HourMaker(writer).note_past(conn, [hour])
    assert _versions(engine).settled > before.settled


def test_batches_raise_the_settled_version_by_the_hours_they_change(engine):
    """Through the writes, events and readings alike, by the store's own clock."""
    now = datetime.now(UTC)
    settled = versions.settled_before(now, versions.SETTLING_MARGIN)
    for kind in ("event", "reading"):
        for at in (now - 3 * HOUR, now - HOUR, now):
            before = _versions(engine)
            with engine.begin() as conn:
                if kind == "event":
                    event = Event(f"e-{at}", "complaints", "noise", at)
                    writes.upsert_events(conn, "feed", [event], now)
                else:
                    reading = Measurement("pm25", f"S-{at}", at, 12.0)
                    writes.upsert_measurements(conn, "feed", [reading])
            after = _versions(engine)
            hour = rollups.hour_of(at)
            assert (after.past > before.past) == (hour < rollups.hour_of(now)), (
                kind,
                at,
            )
            assert (after.settled > before.settled) == (hour < settled), (kind, at)
