"""The store on SQLite and PostgreSQL: upserts, times, bookkeeping, districts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from connectors.base import Event, Measurement, Rejected
from store import writes
from store.schema import (
    districts,
    events,
    measurements,
    metadata,
    quarantine,
    source_state,
)

KST = timezone(timedelta(hours=9))
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=KST)


def _complaint(status: str = "received", closed: datetime | None = None) -> Event:
    return Event(
        source_id="req-1",
        domain="complaints",
        category="noise",
        occurred_at=T0,
        status=status,
        closed_at=closed,
        district_code="11680",
        lon=127.05,
        lat=37.51,
        attrs={"lifecycle": [[status, T0.isoformat()]]},
    )


def test_store_has_every_table(engine):
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)


def test_a_record_pulled_twice_is_stored_once_and_updated(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [_complaint()], T0)
    closed = T0 + timedelta(hours=30)
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [_complaint("closed", closed)], closed)
    with engine.connect() as conn:
        rows = conn.execute(select(events)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["status"] == "closed"
    assert rows[0]["closed_at"] == closed
    assert rows[0]["attrs"] == {"lifecycle": [["closed", T0.isoformat()]]}


def test_same_source_id_from_two_sources_is_two_records(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [_complaint()], T0)
        writes.upsert_events(conn, "b", [_complaint()], T0)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 2


def test_duplicates_inside_one_batch_keep_the_last(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [_complaint(), _complaint("assigned")], T0)
    with engine.connect() as conn:
        assert conn.execute(select(events.c.status)).scalars().all() == ["assigned"]


def test_measurements_are_keyed_by_series_place_and_time(engine):
    reading = Measurement("pm25", "11680", T0, 21.0, district_code="11680")
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "air", [reading])
        writes.upsert_measurements(
            conn, "air", [reading.__class__("pm25", "11680", T0, 23.5)]
        )
        writes.upsert_measurements(
            conn, "air", [Measurement("pm25", "11680", T0 + timedelta(hours=1), 30.0)]
        )
    with engine.connect() as conn:
        values = (
            conn.execute(
                select(measurements.c.value).order_by(measurements.c.observed_at)
            )
            .scalars()
            .all()
        )
    assert values == [23.5, 30.0]


def test_times_come_back_as_the_same_instant_in_utc(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [_complaint()], T0)
    with engine.connect() as conn:
        stored = conn.execute(select(events.c.occurred_at)).scalar()
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == T0
    assert stored.hour == 0 and stored.minute == 30


def test_naive_times_are_refused(engine):
    naive = Measurement("pm25", "x", datetime(2026, 1, 1), 1.0)
    with pytest.raises(Exception, match="naive datetime"):
        with engine.begin() as conn:
            writes.upsert_measurements(conn, "a", [naive])


def test_data_version_rises_with_each_bump(engine):
    with engine.begin() as conn:
        assert writes.data_version(conn) == 0
        assert writes.bump_data_version(conn) == 1
        assert writes.bump_data_version(conn) == 2
    with engine.connect() as conn:
        assert writes.data_version(conn) == 2


def test_source_state_keeps_cursor_and_last_error(engine):
    with engine.begin() as conn:
        assert writes.read_cursor(conn, "demo") is None
        writes.record_success(conn, "demo", "c1", T0)
        writes.record_failure(conn, "demo", "boom", T0 + timedelta(minutes=5))
    with engine.connect() as conn:
        assert writes.read_cursor(conn, "demo") == "c1"  # a failure keeps the cursor
        state = conn.execute(select(source_state)).mappings().one()
    assert state["last_success_at"] == T0
    assert state["last_error"] == "boom"
    assert state["last_error_at"] == T0 + timedelta(minutes=5)


def test_quarantine_keeps_reason_and_excerpt(engine):
    with engine.begin() as conn:
        writes.quarantine_records(conn, "a", [Rejected("bad time", "{...}", "r9")], T0)
    with engine.connect() as conn:
        row = conn.execute(select(quarantine)).mappings().one()
    assert (row["reason"], row["excerpt"], row["source_id"]) == (
        "bad time",
        "{...}",
        "r9",
    )


def test_districts_match_the_profile(engine, seoul):
    with engine.connect() as conn:
        rows = (
            conn.execute(select(districts).order_by(districts.c.code)).mappings().all()
        )
    assert [r["code"] for r in rows] == [d.code for d in seoul.districts]
    gangnam = next(r for r in rows if r["code"] == "11680")
    assert (gangnam["name_en"], gangnam["name_local"]) == ("Gangnam-gu", "강남구")
    # Seoul is 605 km²
    assert 590 < sum(r["area_km2"] for r in rows) < 620
