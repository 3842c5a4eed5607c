"""The ingest on SQLite and PostgreSQL: nothing lost, nothing duplicated, bad records
quarantined with their reason, a failing source recorded and harmless."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from citywall.profile import SourceConfig
from connectors.base import Batch, Event, Measurement, Rejected
from connectors.simulator import SimulatorConnector
from ingest.runner import SourceRunner, run_until_caught_up
from store import writes
from store.schema import events, measurements, quarantine, source_runs, source_state

NOW = datetime(2026, 3, 18, 2, 37, tzinfo=timezone.utc)
SOURCE = SourceConfig("feed", "test", 60, {})


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


class Scripted:
    """A connector that returns the batches (or raises the errors) it is given."""

    protocol = "test"

    def __init__(self, *results):
        self.results = list(results)
        self.cursors: list[str | None] = []

    def pull(self, cursor, now):
        self.cursors.append(cursor)
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def runner(engine, seoul, connector) -> SourceRunner:
    return SourceRunner(engine, seoul, SOURCE, connector=connector, clock=lambda: NOW)


def good_event(i: int, **changes) -> Event:
    fields = dict(
        source_id=f"e{i}",
        domain="safety",
        category="fire",
        occurred_at=NOW - timedelta(minutes=i),
        district_code="11110",
    )
    return Event(**(fields | changes))


def test_backfill_lands_and_a_second_run_duplicates_nothing(engine, seoul):
    source = seoul.sources[0]
    sim = SimulatorConnector(seoul, source.options | {"backfill_days": 2})
    demo = SourceRunner(engine, seoul, source, connector=sim, clock=lambda: NOW)
    total = run_until_caught_up(demo)
    assert total.error is None and total.stored > 10_000
    before = (count(engine, events), count(engine, measurements))
    again = run_until_caught_up(demo)
    assert again.stored == 0
    assert (count(engine, events), count(engine, measurements)) == before


def test_bad_records_are_quarantined_and_the_rest_of_the_batch_lands(engine, seoul):
    batch = Batch(
        events=[
            good_event(1),
            good_event(2, district_code="99999"),
            good_event(3, occurred_at=datetime(2026, 3, 18, 2, 0)),  # naive
            good_event(4, domain="weather"),
            good_event(5, lon=127.0473, lat=37.5172, district_code=None),
        ],
        measurements=[
            Measurement("pm25", "11110", NOW, 20.0, district_code="11110"),
            Measurement("pm25", "11140", NOW, math.nan, district_code="11140"),
        ],
        rejected=[Rejected("unparseable JSON", "{oops", None)],
        next_cursor="c1",
    )
    summary = runner(engine, seoul, Scripted(batch)).run()
    assert summary.fetched == 8
    assert (summary.stored, summary.rejected) == (3, 5)
    assert summary.fetched == summary.stored + summary.rejected
    assert count(engine, events) == 2 and count(engine, measurements) == 1
    with engine.connect() as conn:
        reasons = conn.execute(select(quarantine.c.reason)).scalars().all()
        placed = conn.execute(
            select(events.c.district_code).where(events.c.source_id == "e5")
        ).scalar()
    assert placed == "11680"  # placed by point-in-polygon: Gangnam-gu
    assert len(reasons) == 5
    for fragment in ("99999", "time zone", "domain 'weather'", "finite", "unparseable"):
        assert any(fragment in r for r in reasons), fragment


def test_a_failing_source_records_its_error_and_keeps_its_cursor(engine, seoul):
    connector = Scripted(
        Batch(events=[good_event(1)], next_cursor="c1"),
        TimeoutError("read timed out"),
        Batch(events=[good_event(2)], next_cursor="c2"),
    )
    feed = runner(engine, seoul, connector)
    assert feed.run().error is None
    failed = feed.run()
    assert failed.error == "TimeoutError: read timed out"
    with engine.connect() as conn:
        state = conn.execute(select(source_state)).mappings().one()
        runs = (
            conn.execute(select(source_runs.c.error).order_by(source_runs.c.id))
            .scalars()
            .all()
        )
    assert state["cursor"] == "c1" and "timed out" in state["last_error"]
    assert runs == [None, "TimeoutError: read timed out"]
    feed.run()
    assert connector.cursors == [None, "c1", "c1"]  # the retry starts where it stood


def test_a_crash_mid_commit_loses_and_duplicates_nothing(engine, seoul, monkeypatch):
    batch = Batch(events=[good_event(1), good_event(2)], next_cursor="c1")
    connector = Scripted(batch, batch)
    feed = runner(engine, seoul, connector)

    def crash(*_args, **_kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(writes, "record_success", crash)
    with pytest.raises(OSError):
        feed.run()
    assert count(engine, events) == 0  # the whole batch rolled back
    with engine.connect() as conn:
        assert writes.read_cursor(conn, "feed") is None
    monkeypatch.undo()
    feed.run()
    assert connector.cursors == [None, None]
    assert count(engine, events) == 2


def test_only_a_batch_that_stored_something_bumps_the_data_version(engine, seoul):
    feed = runner(
        engine, seoul, Scripted(Batch(next_cursor="c"), Batch(events=[good_event(1)]))
    )
    with engine.connect() as conn:
        start = writes.data_version(conn)
    feed.run()
    with engine.connect() as conn:
        assert writes.data_version(conn) == start
    feed.run()
    with engine.connect() as conn:
        assert writes.data_version(conn) == start + 1
