"""The ingest on SQLite and PostgreSQL: nothing lost, nothing duplicated, bad records
quarantined with their reason, a failing source recorded and harmless."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from city.geo import DistrictLocator
from city.profile import SourceConfig
from city.records import Batch, Event, Measurement, Rejected
from connectors.simulator import SimulatorConnector
from ingest.runner import SourceRunner, prepare_store, run_until_caught_up
from store import versions, writes
from store.schema import (
    districts,
    events,
    measurements,
    quarantine,
    source_runs,
    source_state,
)

NOW = datetime(2026, 3, 18, 2, 37, tzinfo=UTC)  # 11:37 in Seoul
SOURCE = SourceConfig("feed", "test", 60, {})
GANGNAM = (127.0473, 37.5172)  # COEX, Gangnam-gu
BUSAN = (129.0756, 35.1796)  # far outside Seoul


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def cursor_of(engine, source: str = "feed") -> str | None:
    with engine.connect() as conn:
        return writes.read_cursor(conn, source)


def version_of(engine) -> int:
    with engine.connect() as conn:
        return versions.data_version(conn)


class Scripted:
    """A connector that returns the batches (or raises the errors) it is given,
    and remembers the cursors it was asked for."""

    protocol = "test"

    def __init__(self, *results: Batch | Exception):
        self.results = list(results)
        self.cursors: list[str | None] = []

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        self.cursors.append(cursor)
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def runner(engine, seoul, connector) -> SourceRunner:
    return SourceRunner(engine, seoul, SOURCE, connector=connector, clock=lambda: NOW)


def incident(i: int, **changes) -> Event:
    fields = dict(
        source_id=f"e{i}",
        domain="safety",
        category="fire",
        occurred_at=NOW - timedelta(minutes=i),
        district_code="11110",
    )
    return Event(**(fields | changes))


# -- a whole backfill ----------------------------------------------------------------


def test_a_backfill_lands_whole_and_a_rerun_at_the_same_time_adds_nothing(
    engine, seoul
):
    source = seoul.sources[0]
    opts = source.options | {"backfill_days": 2}
    demo = SourceRunner(
        engine,
        seoul,
        source,
        connector=SimulatorConnector(seoul, opts),
        clock=lambda: NOW,
    )
    total = run_until_caught_up(demo)
    assert total.error is None and total.rejected == 0
    assert total.fetched == total.stored > 10_000

    # what the store holds is exactly what the source sent, once per record
    reference = SimulatorConnector(seoul, opts)
    sent_events, sent_readings, cursor = {}, set(), None
    while True:
        batch = reference.pull(cursor, NOW)
        cursor = batch.next_cursor
        sent_events.update({e.source_id: e.status for e in batch.events})
        sent_readings.update(
            (m.series, m.place, m.observed_at) for m in batch.measurements
        )
        if not batch.more:
            break
    with engine.connect() as conn:
        stored_events = {
            source_id: status
            for source_id, status in conn.execute(
                select(events.c.source_id, events.c.status)
            )
        }
    assert stored_events == sent_events  # the latest status of every record
    assert count(engine, measurements) == len(sent_readings)
    assert cursor_of(engine, source.name) == cursor
    with engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(source_runs)).scalar()

    before = (count(engine, events), count(engine, measurements), version_of(engine))
    again = run_until_caught_up(demo)
    assert again.error is None and again.stored == 0
    after = (count(engine, events), count(engine, measurements), version_of(engine))
    assert after == before
    assert count(engine, source_runs) == runs + 1  # the idle run is on record


# -- validation and quarantine -------------------------------------------------------


def test_bad_records_are_quarantined_with_reasons_and_the_good_ones_land(engine, seoul):
    batch = Batch(
        events=[
            incident(1),
            incident(2, district_code="99999"),
            incident(3, occurred_at=datetime(2026, 3, 18, 2, 0)),  # naive
            incident(4, domain="weather"),
            incident(5, lon=GANGNAM[0], lat=GANGNAM[1], district_code=None),
        ],
        measurements=[
            Measurement("pm25", "11110", NOW, 20.0, district_code="11110"),
            Measurement("pm25", "11140", NOW, math.nan, district_code="11140"),
        ],
        rejected=[Rejected("unparseable JSON", "{oops", None)],
        next_cursor="c1",
    )
    summary = runner(engine, seoul, Scripted(batch)).run()
    assert summary.error is None
    assert summary.fetched == 8
    assert (summary.stored, summary.rejected) == (3, 5)
    assert summary.fetched == summary.stored + summary.rejected

    with engine.connect() as conn:
        stored = set(conn.execute(select(events.c.source_id)).scalars())
        readings = conn.execute(select(measurements.c.place)).scalars().all()
        held = {
            source_id: reason
            for source_id, reason in conn.execute(
                select(quarantine.c.source_id, quarantine.c.reason)
            )
        }
        run = conn.execute(select(source_runs)).mappings().one()
    assert stored == {"e1", "e5"}
    assert readings == ["11110"]
    assert set(held) == {"e2", "e3", "e4", "pm25/11140", None}
    assert "99999" in held["e2"]
    assert "occurred_at" in held["e3"] and "time zone" in held["e3"]
    assert "'weather'" in held["e4"]
    assert "finite" in held["pm25/11140"]
    assert held[None] == "unparseable JSON"
    assert (run["fetched"], run["stored"], run["rejected"]) == (8, 3, 5)
    assert cursor_of(engine) == "c1"


def test_a_batch_of_only_bad_records_moves_the_cursor_but_not_the_data_version(
    engine, seoul
):
    feed = runner(
        engine,
        seoul,
        Scripted(Batch(events=[incident(1, domain="x")], next_cursor="c1")),
    )
    summary = feed.run()
    assert (summary.fetched, summary.stored, summary.rejected) == (1, 0, 1)
    assert count(engine, events) == 0 and count(engine, quarantine) == 1
    assert cursor_of(engine) == "c1"  # a bad record is not pulled again
    assert version_of(engine) == 0


# -- failures ------------------------------------------------------------------------


def test_a_failing_source_records_its_error_and_keeps_its_cursor(engine, seoul):
    connector = Scripted(
        Batch(events=[incident(1)], next_cursor="c1"),
        TimeoutError("read timed out"),
        Batch(events=[incident(2)], next_cursor="c2"),
    )
    feed = runner(engine, seoul, connector)
    assert feed.run().error is None
    version = version_of(engine)

    failed = feed.run()
    assert failed.error == "TimeoutError: read timed out"
    assert (failed.fetched, failed.stored) == (0, 0)
    with engine.connect() as conn:
        state = conn.execute(select(source_state)).mappings().one()
        runs = conn.execute(
            select(source_runs.c.error, source_runs.c.stored).order_by(source_runs.c.id)
        ).all()
    assert state["cursor"] == "c1"
    assert state["last_error"] == "TimeoutError: read timed out"
    assert state["last_error_at"] == NOW
    assert [tuple(r) for r in runs] == [(None, 1), ("TimeoutError: read timed out", 0)]
    assert version_of(engine) == version
    assert count(engine, events) == 1

    assert feed.run().error is None
    assert connector.cursors == [None, "c1", "c1"]  # the retry starts where it stood
    assert cursor_of(engine) == "c2"
    assert count(engine, events) == 2


def test_a_failing_source_leaves_the_other_sources_alone(engine, seoul):
    other = SourceRunner(
        engine,
        seoul,
        SourceConfig("other", "test", 60, {}),
        connector=Scripted(Batch(events=[incident(9)], next_cursor="o1")),
        clock=lambda: NOW,
    )
    assert other.run().error is None
    runner(engine, seoul, Scripted(ConnectionError("refused"))).run()
    with engine.connect() as conn:
        states = {r.source: r for r in conn.execute(select(source_state)).all()}
    assert states["other"].cursor == "o1" and states["other"].last_error is None
    assert states["feed"].cursor is None and "refused" in states["feed"].last_error


@pytest.mark.parametrize(
    "module, step",
    [
        (writes, "upsert_measurements"),
        (writes, "record_success"),
        (writes, "record_run"),
        (versions, "bump_data_version"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_crash_mid_commit_loses_and_duplicates_nothing(
    engine, seoul, monkeypatch, module, step
):
    batch = Batch(
        events=[incident(1), incident(2)],
        measurements=[Measurement("pm25", "11110", NOW, 20.0)],
        next_cursor="c1",
    )
    connector = Scripted(batch, batch)
    feed = runner(engine, seoul, connector)

    def crash(*_args, **_kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(module, step, crash)
    with pytest.raises(OSError, match="disk went away"):
        feed.run()
    # the whole batch rolled back with its cursor and data version ...
    assert count(engine, events) == 0
    assert count(engine, measurements) == 0
    assert cursor_of(engine) is None
    assert version_of(engine) == 0
    # ... and the failure is on record for the health view (unless recording
    # runs is itself what fails)
    with engine.connect() as conn:
        state = conn.execute(select(source_state)).mappings().one()
        runs = conn.execute(select(source_runs.c.error)).scalars().all()
    assert "store write failed: OSError: disk went away" in state["last_error"]
    assert runs == ([] if step == "record_run" else [state["last_error"]])

    monkeypatch.undo()
    summary = feed.run()
    assert summary.error is None and summary.stored == 3
    assert connector.cursors == [None, None]  # the same span, pulled again
    assert count(engine, events) == 2 and count(engine, measurements) == 1
    assert cursor_of(engine) == "c1"
    assert version_of(engine) == 1


def test_a_batch_without_a_next_cursor_keeps_the_old_one(engine, seoul):
    feed = runner(
        engine,
        seoul,
        Scripted(
            Batch(events=[incident(1)], next_cursor="c1"), Batch(events=[incident(2)])
        ),
    )
    feed.run()
    feed.run()
    assert cursor_of(engine) == "c1"


def test_a_record_the_database_refuses_rolls_back_its_whole_batch(engine, seoul):
    # The store lost a district the profile still has: records there pass
    # validation, then break the districts foreign key inside the transaction.
    with engine.begin() as conn:
        conn.execute(districts.delete().where(districts.c.code == "11740"))
    batch = Batch(
        events=[incident(1), incident(2, district_code="11740")],
        measurements=[Measurement("pm25", "11110", NOW, 20.0)],
        next_cursor="c1",
    )
    connector = Scripted(batch, batch)
    feed = runner(engine, seoul, connector)
    with pytest.raises(IntegrityError):
        feed.run()
    assert count(engine, events) == 0 and count(engine, measurements) == 0
    assert cursor_of(engine) is None and version_of(engine) == 0

    prepare_store(engine, seoul)  # the operator restores the districts
    summary = feed.run()
    assert summary.error is None and summary.stored == 3
    assert connector.cursors == [None, None]
    assert count(engine, events) == 2 and count(engine, measurements) == 1
    assert cursor_of(engine) == "c1"


def test_a_record_the_store_cannot_hold_is_quarantined_not_fatal(engine, seoul):
    batch = Batch(
        events=[
            incident(1),
            incident(2, attrs={"seen": NOW}),
            incident(3, category="x" * 100),  # events.category is String(64)
        ],
        next_cursor="c1",
    )
    summary = runner(engine, seoul, Scripted(batch)).run()
    assert (summary.stored, summary.rejected) == (1, 2)
    assert count(engine, events) == 1 and count(engine, quarantine) == 2
    assert cursor_of(engine) == "c1"


def test_only_a_batch_that_stored_something_bumps_the_data_version(engine, seoul):
    feed = runner(
        engine,
        seoul,
        Scripted(Batch(next_cursor="c"), Batch(events=[incident(1)], next_cursor="d")),
    )
    feed.run()
    assert version_of(engine) == 0
    feed.run()
    assert version_of(engine) == 1


# -- placing records in districts ----------------------------------------------------


def test_a_point_in_gangnam_is_placed_in_gangnam_and_one_outside_seoul_nowhere(
    engine, seoul
):
    batch = Batch(
        events=[
            incident(1, district_code=None, lon=GANGNAM[0], lat=GANGNAM[1]),
            incident(2, district_code=None, lon=BUSAN[0], lat=BUSAN[1]),
            incident(3, district_code=None),  # no position: stays unplaced
        ],
        measurements=[
            Measurement("pm25", "coex", NOW, 18.0, lon=GANGNAM[0], lat=GANGNAM[1])
        ],
        next_cursor="c1",
    )
    summary = runner(engine, seoul, Scripted(batch)).run()
    assert (summary.stored, summary.rejected) == (4, 0)
    with engine.connect() as conn:
        placed = {
            source_id: code
            for source_id, code in conn.execute(
                select(events.c.source_id, events.c.district_code)
            )
        }
        reading = conn.execute(select(measurements.c.district_code)).scalar_one()
    assert placed == {"e1": "11680", "e2": None, "e3": None}
    assert reading == "11680"


def test_the_locator_finds_the_district_of_each_point(seoul):
    locator = DistrictLocator(seoul)
    lons = [GANGNAM[0], 126.9780, 127.1059, BUSAN[0]]
    lats = [GANGNAM[1], 37.5665, 37.5145, BUSAN[1]]
    # COEX, Seoul City Hall (Jung-gu), Lotte World Tower (Songpa-gu), Busan
    assert locator.locate(lons, lats) == ["11680", "11140", "11710", None]


# -- what a failure may leave in the store -------------------------------------------


class Keyed(Scripted):
    """A connector that declares its `api_key` secret, as the HTTP ones do."""

    secret_options = ("api_key",)


def test_a_stored_error_or_reason_holds_no_key_no_query_and_no_page(engine, seoul):
    key, token = "k3y-0f-the-city", "hdr-t0ken-9"
    source = SourceConfig(
        "keyed", "test", 60, {"api_key": key, "headers": {"X-Api-Key": token}}
    )
    page = "<html>" + "<p>internal inventory row</p>" * 100 + "</html>"
    failing = Keyed(
        Batch(
            rejected=[
                Rejected(
                    f"linked alert https://feed:pw@alerts.example/a.cap?key={key} "
                    f"failed: HTTP 500 {page}",
                    "{}",
                )
            ],
            next_cursor="c",
        ),
        RuntimeError(
            f"GET http://10.0.0.5/api/{key}/x?token={token}&page=2 answered "
            f"Authorization: Bearer {token}\n{page}"
        ),
    )
    feed = SourceRunner(engine, seoul, source, connector=failing, clock=lambda: NOW)
    feed.run()
    summary = feed.run()
    with engine.connect() as conn:
        (reason,) = conn.execute(select(quarantine.c.reason)).scalars()
        last_error = conn.execute(select(source_state.c.last_error)).scalar_one()
        (run_error,) = conn.execute(
            select(source_runs.c.error).where(source_runs.c.error.is_not(None))
        ).scalars()
    assert last_error == run_error == summary.error
    for stored in (reason, last_error):
        assert key not in stored and token not in stored and "pw@" not in stored
        assert "\n" not in stored and len(stored) <= 300  # one line, an excerpt
        assert stored.count("internal inventory row") < 10
    assert last_error.startswith("RuntimeError: GET http://10.0.0.5/api/***/x answered")
