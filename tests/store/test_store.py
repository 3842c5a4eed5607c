"""The store on SQLite and PostgreSQL: upserts, times, bookkeeping, districts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, text

from city.records import Event, Measurement, Rejected
from store import versions, writes
from store.schema import (
    districts,
    event_totals,
    events,
    measurements,
    metadata,
    quarantine,
    source_runs,
    source_state,
)
from store.upsert import COPY_FROM_ROWS

KST = timezone(timedelta(hours=9))
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=KST)  # 00:30 UTC


def complaint(status: str = "received", closed: datetime | None = None) -> Event:
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


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_new_store_has_every_table(engine):
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)
    for table in (events, measurements, quarantine, source_state, source_runs):
        assert count(engine, table) == 0


def test_each_test_gets_a_store_of_its_own(engine, tmp_path):
    if engine.dialect.name == "sqlite":
        assert engine.url.database.startswith(str(tmp_path))
    else:
        with engine.connect() as conn:
            schema = conn.execute(text("select current_schema()")).scalar_one()
        assert schema.startswith("citywall_test_")
        assert "events" in inspect(engine).get_table_names(schema=schema)


def test_a_record_pulled_twice_with_a_new_status_is_stored_once_updated(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [complaint()], T0)
    with engine.connect() as conn:
        first_id = conn.execute(select(events.c.id)).scalar_one()
    closed = T0 + timedelta(hours=30)
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [complaint("closed", closed)], closed)
    with engine.connect() as conn:
        rows = conn.execute(select(events)).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == first_id  # updated in place, not deleted and re-inserted
    assert row["status"] == "closed"
    assert row["closed_at"] == closed
    assert row["ingested_at"] == closed
    assert row["updated_at"] == T0  # no updated_at given: the occurrence time
    assert row["attrs"] == {"lifecycle": [["closed", T0.isoformat()]]}


def test_the_same_source_id_from_two_sources_is_two_records(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [complaint()], T0)
        writes.upsert_events(conn, "b", [complaint()], T0)
    assert count(engine, events) == 2


def test_duplicates_inside_one_batch_keep_the_last(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [complaint(), complaint("assigned")], T0)
    with engine.connect() as conn:
        assert conn.execute(select(events.c.status)).scalars().all() == ["assigned"]


def test_a_reading_is_stored_once_per_series_place_and_time(engine):
    reading = Measurement("pm25", "11680", T0, 21.0, district_code="11680")
    later = Measurement("pm25", "11680", T0 + timedelta(hours=1), 30.0)
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "air", [reading])
    with engine.begin() as conn:
        writes.upsert_measurements(
            conn, "air", [Measurement("pm25", "11680", T0, 23.5), later]
        )
        # another series at the same place and time is another reading
        writes.upsert_measurements(conn, "air", [Measurement("pm10", "11680", T0, 40)])
    with engine.connect() as conn:
        rows = conn.execute(
            select(measurements.c.series, measurements.c.value).order_by(
                measurements.c.series, measurements.c.observed_at
            )
        ).all()
    assert [tuple(r) for r in rows] == [("pm10", 40.0), ("pm25", 23.5), ("pm25", 30.0)]


def test_a_big_batch_lands_as_a_small_one_does(engine):
    """A batch of thousands goes another way (PostgreSQL: binary COPY into a
    temporary table, then one upsert): the same rows, JSON, times and rules."""
    n = COPY_FROM_ROWS * 3
    batch = [
        Event(
            source_id=f"req-{i}",
            domain="complaints",
            category="noise" if i % 2 else "parking",
            occurred_at=T0 + timedelta(minutes=i),
            status="cancelled" if i == 7 else "received",
            district_code="11680",
            lon=127.05,
            lat=37.51,
            attrs={"n": i, "nested": {"ok": True}},
        )
        for i in range(n)
    ]
    readings = [
        Measurement("pm25", f"st-{i % 50}", T0 + timedelta(minutes=i // 50), float(i))
        for i in range(n)
    ]
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", batch, T0)
        writes.upsert_measurements(conn, "air", readings)
    # sent again: the cancelled one stays cancelled, every reading replaced in place
    again = [dataclasses.replace(e, status="assigned") for e in batch]
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", again, T0)
        writes.upsert_measurements(
            conn, "air", [dataclasses.replace(m, value=m.value + 0.5) for m in readings]
        )
    with engine.connect() as conn:
        rows = conn.execute(select(events).order_by(events.c.occurred_at)).all()
        stored = conn.execute(
            select(func.count(), func.sum(measurements.c.value))
        ).one()
        opened = conn.execute(select(func.sum(event_totals.c.opened))).scalar()
    assert len(rows) == n
    assert [r.status for r in rows].count("cancelled") == 1
    assert rows[7].status == "cancelled" and rows[8].status == "assigned"
    assert rows[5].attrs == {"n": 5, "nested": {"ok": True}}
    assert rows[-1].occurred_at == T0 + timedelta(minutes=n - 1)
    assert tuple(stored) == (n, sum(range(n)) + 0.5 * n)
    assert opened == n  # the rollups counted each event once


def test_times_come_back_as_the_same_instant_in_utc(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [complaint()], T0)
        writes.upsert_measurements(conn, "air", [Measurement("pm25", "x", T0, 1.0)])
    with engine.connect() as conn:
        occurred = conn.execute(select(events.c.occurred_at)).scalar_one()
        observed = conn.execute(select(measurements.c.observed_at)).scalar_one()
    for stored in (occurred, observed):
        assert stored.utcoffset() == timedelta(0)
        assert stored == T0
        assert (stored.day, stored.hour, stored.minute) == (20, 0, 30)


def test_times_given_in_different_zones_sort_and_filter_by_instant(engine):
    # 09:00 in Seoul is 00:00 UTC, an hour before 01:00 UTC
    seoul_nine = Measurement("pm25", "a", datetime(2026, 1, 1, 9, tzinfo=KST), 1.0)
    utc_one = Measurement("pm25", "b", datetime(2026, 1, 1, 1, tzinfo=UTC), 2.0)
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "air", [utc_one, seoul_nine])
    since = datetime(2026, 1, 1, 9, 30, tzinfo=KST)  # 00:30 UTC
    with engine.connect() as conn:
        ordered = (
            conn.execute(
                select(measurements.c.place).order_by(measurements.c.observed_at)
            )
            .scalars()
            .all()
        )
        after = (
            conn.execute(
                select(measurements.c.place).where(measurements.c.observed_at >= since)
            )
            .scalars()
            .all()
        )
    assert ordered == ["a", "b"]
    assert after == ["b"]


def test_naive_times_are_refused_and_nothing_is_written(engine):
    naive = Measurement("pm25", "x", datetime(2026, 1, 1), 1.0)
    good = Measurement("pm25", "y", T0, 1.0)
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        writes.upsert_measurements(conn, "a", [good])
        writes.upsert_measurements(conn, "a", [naive])
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        writes.upsert_events(conn, "a", [complaint()], datetime(2026, 1, 1))
    assert count(engine, measurements) == 0
    assert count(engine, events) == 0


def test_data_version_starts_at_zero_and_rises_with_each_bump(engine):
    with engine.connect() as conn:
        assert versions.data_version(conn) == 0
    with engine.begin() as conn:
        assert versions.bump_data_version(conn) == 1
        assert versions.bump_data_version(conn) == 2
    with engine.begin() as conn:
        assert versions.bump_data_version(conn) == 3
    with engine.connect() as conn:
        assert versions.data_version(conn) == 3


def test_a_rolled_back_bump_leaves_the_data_version(engine):
    with engine.begin() as conn:
        versions.bump_data_version(conn)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        versions.bump_data_version(conn)
        raise RuntimeError("batch failed")
    with engine.connect() as conn:
        assert versions.data_version(conn) == 1


def test_source_state_keeps_the_cursor_through_a_failure(engine):
    with engine.connect() as conn:
        assert writes.read_cursor(conn, "demo") is None
    with engine.begin() as conn:
        writes.record_success(conn, "demo", "c1", T0)
        writes.record_failure(conn, "demo", "boom", T0 + timedelta(minutes=5))
    with engine.connect() as conn:
        assert writes.read_cursor(conn, "demo") == "c1"  # a failure keeps the cursor
        assert writes.read_cursor(conn, "other") is None
        state = conn.execute(select(source_state)).mappings().one()
    assert state["last_success_at"] == T0
    assert state["last_error"] == "boom"
    assert state["last_error_at"] == T0 + timedelta(minutes=5)

    recovered = T0 + timedelta(minutes=10)
    with engine.begin() as conn:
        writes.record_success(conn, "demo", "c2", recovered)
    with engine.connect() as conn:
        assert writes.read_cursor(conn, "demo") == "c2"
        state = conn.execute(select(source_state)).mappings().one()
    assert state["last_success_at"] == recovered
    assert state["last_error_at"] < state["last_success_at"]  # it has recovered


def test_a_failure_of_a_new_source_has_no_cursor(engine):
    with engine.begin() as conn:
        writes.record_failure(conn, "new", "connection refused", T0)
    with engine.connect() as conn:
        state = conn.execute(select(source_state)).mappings().one()
    assert (state["source"], state["cursor"], state["last_success_at"]) == (
        "new",
        None,
        None,
    )
    assert state["last_error"] == "connection refused"


def test_a_run_is_recorded_with_its_counts(engine):
    with engine.begin() as conn:
        writes.record_run(
            conn,
            source="demo",
            started_at=T0,
            finished_at=T0 + timedelta(seconds=2),
            fetched=10,
            stored=8,
            rejected=2,
            error=None,
        )
    with engine.connect() as conn:
        run = conn.execute(select(source_runs)).mappings().one()
    assert (run["fetched"], run["stored"], run["rejected"]) == (10, 8, 2)
    assert run["finished_at"] - run["started_at"] == timedelta(seconds=2)
    assert run["error"] is None


def test_quarantine_keeps_reason_excerpt_and_source_id(engine):
    with engine.begin() as conn:
        n = writes.quarantine_records(
            conn,
            "a",
            [Rejected("bad time", "{...}", "r9"), Rejected("no id", "{}")],
            T0,
        )
    assert n == 2
    with engine.connect() as conn:
        rows = conn.execute(select(quarantine).order_by(quarantine.c.id)).mappings()
        got = [(r["source"], r["reason"], r["excerpt"], r["source_id"]) for r in rows]
    assert got == [("a", "bad time", "{...}", "r9"), ("a", "no id", "{}", None)]


def test_sync_districts_loads_seoul_25_gu_with_their_area(engine, seoul):
    with engine.connect() as conn:
        rows = (
            conn.execute(select(districts).order_by(districts.c.code)).mappings().all()
        )
    codes = [r["code"] for r in rows]
    assert len(rows) == 25
    assert codes[0] == "11110" and codes[-1] == "11740"
    assert codes == sorted(d.code for d in seoul.districts)
    gangnam = next(r for r in rows if r["code"] == "11680")
    assert (gangnam["name_en"], gangnam["name_local"]) == ("Gangnam-gu", "강남구")
    assert gangnam["population"] == 555900
    assert 35 < gangnam["area_km2"] < 45  # Gangnam-gu is 39.5 km²
    assert 127.0 < gangnam["centroid_lon"] < 127.12
    assert 37.46 < gangnam["centroid_lat"] < 37.54
    assert all(r["area_km2"] > 0 for r in rows)
    assert 580 <= sum(r["area_km2"] for r in rows) <= 630  # Seoul is 605 km²
    assert sum(r["population"] for r in rows) == seoul.population


def test_syncing_districts_again_changes_nothing(engine, seoul):
    with engine.connect() as conn:
        before = conn.execute(select(districts).order_by(districts.c.code)).all()
    with engine.begin() as conn:
        writes.sync_districts(conn, seoul)
    with engine.connect() as conn:
        after = conn.execute(select(districts).order_by(districts.c.code)).all()
    assert after == before and len(after) == 25
