"""The declared indicators' aggregates read from the rollups equal a plain
computation over the raw rows, on SQLite and PostgreSQL: counts, backlogs and
times to close of the events matching a filter (facet rollups), and a series'
statistics (the readings' hourly rollup), over windows that start and end inside
hours, after late records into past hours, re-sent records whose status, category
or severity changed, and a change of the facet groups kept."""

from __future__ import annotations

import dataclasses
import itertools
import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from city.records import Event, Measurement, StatusChange
from kpis.match import Match
from kpis.memo import THIS_MOMENT, THIS_VERSION, kept_in
from kpis.rollup_queries import (
    ALL_DISTRICTS,
    EventCount,
    MeanHoursToClose,
    MedianHoursToClose,
    OpenAt,
)
from kpis.series_queries import SeriesLatest, SeriesStat
from store import facets, rollups, versions, writes
from store.schema import events, measurements

NOW = datetime.now(UTC)
BASE = NOW - timedelta(days=3)
DISTRICTS = ("11680", "11110", None)
GANGNAM = "11680"
SCOPES = (None, GANGNAM, ALL_DISTRICTS)
MATCHES = (
    Match.of({"category": ["noise", "parking"]}),
    Match.of({"severity": ["Severe", ""], "category": ["noise"]}),
    Match.of({"status": ["open"], "priority": ["high"]}),
    Match.of({"priority": [""]}),
)
GROUPS = {m.group for m in MATCHES}
# windows that start and end inside hours; one inside a single hour; one to now
WINDOWS = (
    (BASE + timedelta(hours=5, minutes=13), NOW - timedelta(hours=7, minutes=41)),
    (BASE + timedelta(hours=30, minutes=2), BASE + timedelta(hours=30, minutes=50)),
    (NOW - timedelta(hours=26, minutes=7), NOW),
)


def make_events(n: int, seed: int) -> list[Event]:
    rng = random.Random(seed)
    found = []
    for i in range(n):
        occurred = BASE + timedelta(minutes=rng.uniform(0, 3 * 24 * 60 - 1))
        closed = occurred + timedelta(hours=rng.uniform(0.05, 40))
        attrs = {"priority": rng.choice(["high", "low"])} if i % 4 else {}
        found.append(
            Event(
                f"e{seed}-{i}",
                "complaints",
                rng.choice(["noise", "parking", "fire"]),
                occurred,
                district_code=rng.choice(DISTRICTS),
                severity=rng.choice([None, "Minor", "Severe"]),
                status=rng.choice(["open", "assigned", "closed"]),
                closed_at=closed if closed < NOW and i % 3 else None,
                attrs=attrs,
            )
        )
    return found


def stored_events(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(events)).all()


def matches(row, match: Match | None) -> bool:
    if match is None:
        return True
    for key, allowed in match.where:
        value = (
            getattr(row, key)
            if key in ("category", "severity", "status")
            else (row.attrs.get(key))
        )
        if (value if isinstance(value, str) else "") not in allowed:
            return False
    return True


def plain(rows, match, scope, keep, value=len):
    """``value`` of the rows ``keep`` keeps, per the query's scope."""
    by_district = defaultdict(list)
    for row in rows:
        if matches(row, match) and keep(row):
            by_district[row.district_code].append(row)
    if scope is None:
        return value([r for found in by_district.values() for r in found])
    if scope == ALL_DISTRICTS:
        return {d: value(found) for d, found in by_district.items() if d is not None}
    return value(by_district.get(scope, []))


def hours_to_close(rows) -> list[float]:
    return [(r.closed_at - r.occurred_at).total_seconds() / 3600 for r in rows]


def median_of(rows):
    return statistics.median(hours_to_close(rows)) if rows else None


def mean_of(rows):
    return statistics.fmean(hours_to_close(rows)) if rows else None


def nonzero(found):
    if isinstance(found, dict):
        return {d: v for d, v in found.items() if v}
    return found


def close_to(found, wanted, rel=0.005):
    """Equal, or within ``rel`` for the histograms' hours."""
    if isinstance(wanted, dict):
        return set(found) == set(wanted) and all(
            close_to(found[d], wanted[d], rel) for d in wanted
        )
    if wanted is None or found is None:
        return found == wanted
    return found == pytest.approx(wanted, rel=rel)


def dict_memo(store: dict, engine):
    """The KPI layer's memo: kept under the store's past version, and what a
    moment shares under its data version (``kpis.moment``)."""
    with engine.connect() as conn:
        v = versions.versions(conn)

    def name(key: tuple, seconds: int | None, settled: bool) -> tuple:
        moment = seconds in (THIS_MOMENT, THIS_VERSION)
        past = ("settled", v.settled) if settled else ("past", v.past)
        return ("moment", v.data) if moment else past, key

    return kept_in(store, name)


def between(column: str, start: datetime, end: datetime):
    """Rows whose ``column`` is in [start, end)."""

    def keep(row) -> bool:
        at = getattr(row, column)
        return at is not None and start <= at < end

    return keep


def open_at(at: datetime):
    def keep(row) -> bool:
        return row.occurred_at <= at and (row.closed_at is None or row.closed_at > at)

    return keep


def check_events(engine, memo=None) -> None:
    """Every filtered aggregate, every window and scope, against the rows."""
    rows = stored_events(engine)
    with engine.connect() as conn:
        for match in (None, *MATCHES):
            for (start, end), scope in itertools.product(WINDOWS, SCOPES):
                args = (conn, scope) if memo is None else (conn, scope, memo)
                for what, column in (
                    ("opened", "occurred_at"),
                    ("closed", "closed_at"),
                ):
                    got = EventCount("complaints", start, end, what, match=match)
                    wanted = plain(rows, match, scope, between(column, start, end))
                    assert nonzero(got.run(*args)) == nonzero(wanted), (match, what)
                for query, summary in (
                    (MedianHoursToClose, median_of),
                    (MeanHoursToClose, mean_of),
                ):
                    got = query("complaints", start, end, match=match).run(*args)
                    closed = between("closed_at", start, end)
                    wanted = plain(rows, match, scope, closed, summary)
                    assert close_to(got, wanted), (query, match, scope)
                at = end - timedelta(minutes=3)
                got = OpenAt("complaints", at, match=match).run(*args)
                wanted = plain(rows, match, scope, open_at(at))
                assert nonzero(got) == nonzero(wanted), ("open", match, scope)


def test_filtered_aggregates_equal_a_plain_computation_over_the_rows(engine):
    with engine.begin() as conn:
        assert facets.use_facet_groups(conn, GROUPS)
        writes.upsert_events(conn, "a", make_events(300, 1), NOW)
    check_events(engine)


def test_no_filter_answers_as_before_and_costs_no_facet_rows(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", make_events(120, 2), NOW)
    with engine.connect() as conn:
        for table in ("event_facet_hourly", "event_facet_totals"):
            assert conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar() == 0
    check_events(engine)  # the filtered ones from the rows: no group kept


def facet_rollups(engine) -> dict[str, set[tuple]]:
    """Every facet rollup's rows that count something."""
    with engine.connect() as conn:
        return {
            table.name: {
                tuple(r.values())
                for r in conn.execute(select(table)).mappings()
                if r.get("n") or r.get("opened") or r.get("closed")
            }
            for table in rollups.FACET_TABLES
        }


def test_re_sent_records_move_between_values_and_never_count_twice(engine):
    first = make_events(200, 3)
    first[1] = dataclasses.replace(first[1], status="open", attrs={"priority": "high"})
    with engine.begin() as conn:
        facets.use_facet_groups(conn, GROUPS)
        writes.upsert_events(conn, "a", first, NOW)
    memo_store: dict = {}
    check_events(engine, dict_memo(memo_store, engine))
    changed = [
        dataclasses.replace(
            e,
            status="closed" if e.status == "open" else "open",
            category="fire" if i % 3 else e.category,
            severity="Severe" if i % 2 else None,
            attrs={} if e.attrs else {"priority": "high"},
        )
        for i, e in enumerate(first[::3])
    ]
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", changed, NOW)
        writes.apply_status_changes(
            conn, "a", [StatusChange(first[1].source_id, "cancelled", NOW)]
        )
        # sent again as open, it stays cancelled in the store and in the rollups
        writes.upsert_events(conn, "a", [first[1]], NOW)
        versions.bump_data_version(conn)  # a batch, as the ingest commits it
    check_events(engine, dict_memo(memo_store, engine))
    with engine.connect() as conn:
        status = conn.execute(
            select(events.c.status).where(events.c.source_id == first[1].source_id)
        ).scalar()
    assert status == "cancelled"
    kept = facet_rollups(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert facet_rollups(engine) == kept


def test_a_late_record_into_a_past_hour_drops_the_memoised_hours(engine):
    with engine.begin() as conn:
        facets.use_facet_groups(conn, GROUPS)
        writes.upsert_events(conn, "a", make_events(150, 4), NOW)
    memo_store: dict = {}
    check_events(engine, dict_memo(memo_store, engine))
    with engine.connect() as conn:
        past = versions.versions(conn).past
    late = dataclasses.replace(
        make_events(1, 5)[0],
        occurred_at=BASE + timedelta(hours=40, minutes=10),
        category="noise",
        closed_at=BASE + timedelta(hours=41),
    )
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [late], NOW)
        versions.bump_data_version(conn)
    with engine.connect() as conn:
        assert versions.versions(conn).past > past
    check_events(engine, dict_memo(memo_store, engine))


def _past_hour_rows(memo_store: dict) -> set[tuple]:
    """The rows of hours before NOW's kept in the memo (every domain's read
    together: ``kpis.shared_reads._hour_rows``), with the version they are under."""
    return {
        (name, key)
        for name, key in memo_store
        if key[0] in ("settled_hour_rows", "hour_just_over_rows")
        and key[2] < rollups.hour_of(NOW)
    }


def test_a_late_record_into_a_kept_partial_hour_counts_at_the_next_refresh(engine):
    """The past hours at windows' ends are kept whole from one moment to the next:
    a late record into one of them (opened inside one window's single hour, closed
    where another starts) voids them with the other past sums, and the next
    refresh counts it; a live batch leaves them kept."""
    with engine.begin() as conn:
        facets.use_facet_groups(conn, GROUPS)
        writes.upsert_events(conn, "a", make_events(150, 6), NOW)
    memo_store: dict = {}
    check_events(engine, dict_memo(memo_store, engine))
    kept = _past_hour_rows(memo_store)
    assert kept  # past hours kept
    # live by the store's own clock: the suite may have run past NOW's hour by now
    live = dataclasses.replace(
        make_events(1, 7)[0], source_id="live", occurred_at=datetime.now(UTC)
    )
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [live], NOW)
        versions.bump_data_version(conn)
    check_events(engine, dict_memo(memo_store, engine))
    past_reads = _past_hour_rows(memo_store)
    now = versions_of(engine)
    # under the store's versions (the hours before the hour just over under the
    # settled one), none of them read again for the live batch
    assert {name for name, _ in past_reads} <= {
        ("past", now.past),
        ("settled", now.settled),
    }
    assert len(past_reads) == len(kept)
    start_of_last = WINDOWS[2][0]  # inside a past hour
    late = dataclasses.replace(
        make_events(1, 8)[0],
        source_id="late",
        occurred_at=BASE + timedelta(hours=30, minutes=20),
        category="noise",
        # halfway to its hour's end: a minute on crossed it when the suite ran at
        # minute 6 or 7 of an hour
        closed_at=start_of_last
        + (rollups.hour_of(start_of_last) + timedelta(hours=1) - start_of_last) / 2,
    )
    assert rollups.hour_of(late.closed_at) == rollups.hour_of(start_of_last)
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [late], NOW)
        versions.bump_data_version(conn)
    check_events(engine, dict_memo(memo_store, engine))


def versions_of(engine) -> versions.Versions:
    with engine.connect() as conn:
        return versions.versions(conn)


def test_a_live_batch_and_a_record_stamped_ahead_count_at_the_next_moment(engine):
    """What a moment's indicators share is read again at the next data version: a
    live batch into the hour now counts at once, and a record stamped hours ahead
    (a feed's clock) is not open before its time."""
    with engine.begin() as conn:
        facets.use_facet_groups(conn, GROUPS)
        writes.upsert_events(conn, "a", make_events(150, 8), NOW)
    memo_store: dict = {}
    check_events(engine, dict_memo(memo_store, engine))
    live = [
        dataclasses.replace(
            e,
            occurred_at=NOW - timedelta(minutes=5 + i),
            closed_at=None,
            status="open",
            category="noise",
            attrs={"priority": "high"},
        )
        for i, e in enumerate(make_events(4, 9))
    ]
    ahead = dataclasses.replace(live[0], source_id="ahead")
    ahead = dataclasses.replace(ahead, occurred_at=NOW + timedelta(hours=2))
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [*live, ahead], NOW)
        versions.bump_data_version(conn)
    check_events(engine, dict_memo(memo_store, engine))


def test_changed_facet_groups_rebuild_their_rollups_from_the_rows(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", make_events(150, 6), NOW)
        assert facets.use_facet_groups(conn, [("category",)])
        past = versions.versions(conn).past
        # the same groups, named in another order: nothing to do
        assert not facets.use_facet_groups(conn, [("category",), ("category",)])
        assert versions.versions(conn).past == past
        assert facets.use_facet_groups(conn, [("severity", "category")] + [*GROUPS])
        assert versions.versions(conn).past > past
        assert set(versions.facet_groups(conn)) == GROUPS | {("category",)}
        writes.upsert_events(conn, "a", make_events(100, 7), NOW)
    check_events(engine)
    with engine.begin() as conn:  # a group dropped: its rows go
        assert facets.use_facet_groups(conn, [("category",)])
        kinds = conn.exec_driver_sql(
            "SELECT DISTINCT facet_group FROM event_facet_totals"
        ).scalars()
        assert set(kinds) == {"category"}


# -- series -------------------------------------------------------------------------

PLACES = [(f"p{i}", DISTRICTS[i % 3], ("road", "urban", None)[i % 3]) for i in range(7)]


def make_readings(seed: int, start: datetime, end: datetime) -> list[Measurement]:
    rng = random.Random(seed)
    found = []
    for place, district, category in PLACES:
        at = start + timedelta(minutes=rng.uniform(0, 9))
        while at < end:
            found.append(
                Measurement(
                    "pm25",
                    place,
                    at,
                    round(rng.uniform(1, 90), 2),
                    category,
                    district,
                )
            )
            at += timedelta(minutes=rng.uniform(4, 17))
    return found


def check_series(engine, memo=None) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(measurements)).all()
        for cats in (None, ("road",), ("urban", "")):
            for start, end in WINDOWS:
                in_window = [
                    r
                    for r in rows
                    if start < r.observed_at <= end
                    and (cats is None or (r.category or "") in cats)
                ]
                for scope in SCOPES:
                    args = (conn, scope) if memo is None else (conn, scope, memo)
                    for stat, summary in (
                        ("mean", lambda v: statistics.fmean(v) if v else None),
                        ("min", lambda v: min(v, default=None)),
                        ("max", lambda v: max(v, default=None)),
                        ("sum", lambda v: sum(v) if v else None),
                        ("count", len),
                    ):
                        got = SeriesStat("pm25", start, end, stat, cats).run(*args)
                        wanted = plain(
                            in_window,
                            None,
                            scope,
                            lambda r: True,
                            lambda found, f=summary: f([r.value for r in found]),
                        )
                        assert close_to(got, wanted, 1e-9), (stat, cats, scope)
                    got = SeriesLatest("pm25", start, end, cats).run(*args)
                    assert close_to(got, plain_latest(in_window, scope), 1e-9)


def plain_latest(rows, scope):
    newest = {}
    for r in rows:
        if (r.place, r.source) not in newest or r.observed_at > newest[
            (r.place, r.source)
        ].observed_at:
            newest[(r.place, r.source)] = r
    return plain(
        newest.values(),
        None,
        scope,
        lambda r: True,
        lambda found: statistics.fmean(r.value for r in found) if found else None,
    )


def test_series_statistics_equal_a_plain_computation_over_the_readings(engine):
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "a", make_readings(1, BASE, NOW))
        # another source at the same places: two sensors each
        writes.upsert_measurements(conn, "b", make_readings(2, BASE, NOW)[::5])
    memo_store: dict = {}
    check_series(engine, dict_memo(memo_store, engine))
    # late readings into past hours, and a reading replaced with another value
    late = make_readings(3, BASE + timedelta(hours=20), BASE + timedelta(hours=22))
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "a", late)
        writes.upsert_measurements(
            conn, "a", [dataclasses.replace(late[0], value=999.0)]
        )
    check_series(engine, dict_memo(memo_store, engine))
    check_series(engine)


def test_series_readings_on_a_window_s_ends_and_hour_marks_count_once(engine):
    """A window's parts are cut from past hours kept whole and from the current
    hour read now: a reading at the start is out, one at the end is in, and one on
    an hour mark counts once, whether it falls in a part or in the whole hours."""
    start = hour_of_now() - timedelta(hours=3, minutes=20)
    end = hour_of_now() + timedelta(minutes=1, seconds=30)
    if end > NOW:  # the first minutes of an hour: keep the end in the past
        start, end = start - timedelta(hours=1), end - timedelta(hours=1)
    marks = [
        start,  # out: (start, end]
        start + timedelta(microseconds=1),
        rollups.hour_of(start) + timedelta(hours=1),  # the first whole hour
        rollups.hour_of(end),  # where the last part starts
        end,  # in
        end + timedelta(microseconds=1),  # out
    ]
    readings = [
        Measurement("pm25", f"p{i}", at, float(10 + i), "road", GANGNAM)
        for i, at in enumerate(marks)
    ]
    with engine.begin() as conn:
        writes.upsert_measurements(conn, "a", readings)
    memo_store: dict = {}
    for _ in range(2):  # the second time from what the first kept
        with engine.connect() as conn:
            memo = dict_memo(memo_store, engine)
            got = {
                stat: SeriesStat("pm25", start, end, stat).run(conn, None, memo)
                for stat in ("count", "sum", "min", "max")
            }
        assert got == {"count": 4, "sum": 11.0 + 12 + 13 + 14, "min": 11.0, "max": 14.0}


def hour_of_now() -> datetime:
    return rollups.hour_of(NOW)


def test_a_batch_s_open_totals_are_read_in_one_statement(engine):
    """Every filter's open total (and the domain's) after a batch in one read of
    the totals, once the process knows what its refreshes ask for; each still
    equals the rows'."""
    from sqlalchemy import event

    with engine.begin() as conn:
        facets.use_facet_groups(conn, GROUPS)
        writes.upsert_events(conn, "a", make_events(120, 11), NOW)
    reads: list[str] = []

    def note(conn, cursor, statement, *args):
        if "_totals" in statement:
            reads.append(statement)

    def check(memo) -> None:
        rows = stored_events(engine)
        with engine.connect() as conn:
            for match in (None, *MATCHES):
                got = OpenAt("complaints", NOW, match=match).run(conn, None, memo)
                assert nonzero(got) == nonzero(plain(rows, match, None, open_at(NOW)))

    check(dict_memo({}, engine))  # the first refresh: learns what is asked
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", make_events(30, 12), NOW)
        versions.bump_data_version(conn)
    event.listen(engine, "before_cursor_execute", note)
    try:
        check(dict_memo({}, engine))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(reads) == 1
    assert reads[0].count("UNION ALL") >= len(MATCHES)
