"""The KPI cache backends named by CITYWALL_CACHE, Redis included."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask_caching.backends.nullcache import NullCache
from flask_caching.backends.simplecache import SimpleCache

from city.profile import SourceConfig
from city.records import Batch, Event, Measurement
from ingest.runner import SourceRunner, prepare_store
from kpis import moment
from kpis.service import KpiService, KpiValue
from store import connect, versions, writes
from tests.conftest import service_url
from web.runtime import make_cache
from web.settings import Settings


@pytest.mark.parametrize("kind", ["simple", "filesystem", "redis"])
def test_cache_backend_round_trips_kpi_values(kind, tmp_path):
    settings = replace(Settings.from_env(), cache=kind, data_dir=tmp_path)
    if kind == "redis":
        settings = replace(
            settings, redis_url=service_url("CITYWALL_TEST_REDIS_URL", "Redis")
        )
    cache = make_cache(settings)
    value = [KpiValue("road_avg_speed", 23.5, 24.0, "watch", 25.0)]
    key = f"test:{kind}:{os.getpid()}"
    cache.delete(key)
    assert cache.get(key) is None
    cache.set(key, value, timeout=30)
    assert cache.get(key) == value
    cache.delete(key)


def test_redis_cache_without_url_says_how_to_fix(tmp_path):
    settings = replace(
        Settings.from_env(), cache="redis", redis_url="", data_dir=tmp_path
    )
    with pytest.raises(ValueError, match="CITYWALL_REDIS_URL"):
        make_cache(settings)


# -- a cache keyed by the store and its versions: nothing stale survives a batch ---

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DISTRICT = "11680"


class Complaints:
    """A feed that sends one complaint a pull, at the time it is told."""

    protocol = "test"

    def __init__(self) -> None:
        self.sent = 0
        self.at = NOW - timedelta(minutes=1)

    def pull(self, cursor, now) -> Batch:
        self.sent += 1
        return Batch(
            events=[
                Event(
                    source_id=f"c-{self.sent}",
                    domain="complaints",
                    category="noise",
                    occurred_at=self.at,
                    district_code=DISTRICT,
                )
            ]
        )


def _feed(engine, profile) -> tuple[SourceRunner, Complaints]:
    connector = Complaints()
    config = SourceConfig("feed", "test", 60, {})
    runner = SourceRunner(
        engine, profile, config, connector=connector, clock=lambda: NOW
    )
    return runner, connector


def _value(service: KpiService, kpi_id: str) -> float | None:
    return next(v.value for v in service.tiles() if v.kpi_id == kpi_id)


@pytest.fixture
def redis_cache():
    settings = replace(
        Settings.from_env(),
        cache="redis",
        redis_url=service_url("CITYWALL_TEST_REDIS_URL", "Redis"),
    )
    return lambda: make_cache(settings)


def test_workers_sharing_redis_see_a_new_batch_on_their_next_refresh(
    engine, seoul, redis_cache
):
    feed, _ = _feed(engine, seoul)
    feed.run()
    # two gunicorn workers: each its own service, one Redis between them
    one = KpiService(engine, seoul, cache=redis_cache(), clock=lambda: NOW)
    two = KpiService(engine, seoul, cache=redis_cache(), clock=lambda: NOW)
    assert _value(one, "complaints_open") == 1
    assert _value(two, "complaints_open") == 1  # the same bucket: from the cache
    feed.run()
    # the very same moment (bucket) on both clocks: only the version tells them
    assert _value(two, "complaints_open") == 2
    assert _value(one, "complaints_open") == 2
    assert one.map_values("complaints_open")[DISTRICT] == 2


def test_a_late_record_for_a_past_hour_reaches_what_was_memoised(engine, seoul):
    feed, complaints = _feed(engine, seoul)
    service = KpiService(engine, seoul, cache=SimpleCache(), clock=lambda: NOW)
    feed.run()
    before = _value(service, "complaints_today"), service.history()["complaints_today"]
    complaints.at = NOW - timedelta(hours=5)  # reported late, for 04:30 UTC
    feed.run()
    after = _value(service, "complaints_today"), service.history()["complaints_today"]
    assert (before[0], after[0]) == (1, 2)
    # the sparkline's whole hours: the late one counts from 05:00 on, at once
    assert after[1][-1] == before[1][-1] + 1
    assert after[1][-6] == before[1][-6]


def test_another_store_at_the_same_version_is_never_served_from_the_cache(
    tmp_path, seoul, redis_cache
):
    """Two stores (a rebuilt one, a copy) with the same data version share a Redis:
    each wall sees its own store."""
    engines = []
    for name, complaints in (("a", 1), ("b", 3)):
        eng = connect(f"sqlite:///{tmp_path / name}.db")
        engines.append(eng)
        prepare_store(eng, seoul)
        with eng.begin() as conn:  # one batch of 1 or 3: the same data version
            events_ = [
                Event(f"{name}{i}", "complaints", "noise", NOW, district_code=DISTRICT)
                for i in range(complaints)
            ]
            writes.upsert_events(conn, name, events_, NOW)
            versions.bump_data_version(conn)
    try:
        a, b = (
            KpiService(e, seoul, cache=redis_cache(), clock=lambda: NOW)
            for e in engines
        )
        with engines[0].connect() as c1, engines[1].connect() as c2:
            assert versions.versions(c1).data == versions.versions(c2).data
        assert (_value(a, "complaints_open"), _value(b, "complaints_open")) == (1, 3)
    finally:
        for eng in engines:
            eng.dispose()


# -- what is memoised of past hours, kept in the process too -----------------------


class _Noting(SimpleCache):
    """A cache that notes every key it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def get(self, key):
        self.asked.append(key)
        return super().get(key)


def _past_asked(cache: _Noting) -> list[str]:
    return [k for k in cache.asked if ":past:" in k]


def _this_hour_for_a_while() -> datetime:
    """Now, at least half a minute before the hour ends (the ingest counts the
    hours before the real clock's as past)."""
    now = datetime.now(UTC)
    left = 3600 - (now.minute * 60 + now.second)
    if left < 30:
        time.sleep(left + 1)
        now = datetime.now(UTC)
    return now


def test_a_process_asks_the_cache_for_each_past_sum_once(engine, seoul):
    """Sixty indicators ask for a hundred-odd past sums a refresh: after the first,
    a batch of this hour costs no round trip to the cache for them, and the
    values move."""
    now = _this_hour_for_a_while()
    connector = Complaints()
    connector.at = now - timedelta(seconds=5)
    feed = SourceRunner(
        engine, seoul, SourceConfig("feed", "test", 60, {}), connector=connector
    )
    feed.run()
    cache = _Noting()
    service = KpiService(engine, seoul, cache=cache, clock=lambda: now)
    assert _value(service, "complaints_open") == 1
    assert _past_asked(cache)
    cache.asked.clear()
    feed.run()  # this hour's: the past version stays
    assert _value(service, "complaints_open") == 2
    assert cache.asked and _past_asked(cache) == []
    # another worker has none of them yet: it reads them from the shared cache
    other = KpiService(engine, seoul, cache=cache, clock=lambda: now)
    feed.run()
    assert _value(other, "complaints_open") == 3
    assert _past_asked(cache)


def test_past_sums_kept_in_the_process_expire_and_stay_few(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(moment.time, "monotonic", lambda: clock[0])
    sums = moment.PastSums(size=2)
    sums.at("v1")
    sums.put("a", 1, seconds=60)
    sums.put("b", 2, seconds=600)
    assert (sums.get("a"), sums.get("b")) == (1, 2)
    clock[0] += 61
    assert (sums.get("a"), sums.get("b")) == (moment.MISSING, 2)
    sums.put("c", None, seconds=600)  # nothing to compare with: kept as well
    sums.put("d", 4, seconds=600)  # the least recently used goes
    assert (sums.get("b"), sums.get("c"), sums.get("d")) == (moment.MISSING, None, 4)
    sums.at("v2")  # a batch changed a past hour: nothing of before is asked again
    assert sums.get("d") is moment.MISSING


def test_the_current_hour_s_rows_are_read_once_a_batch(engine, seoul):
    """The rows of the hour now change with a batch, not with the clock: a refresh
    in the next time bucket reads none of them again, one after a batch does."""
    from sqlalchemy import event

    now = _this_hour_for_a_while()
    connector = Complaints()
    connector.at = now - timedelta(seconds=5)
    feed = SourceRunner(
        engine, seoul, SourceConfig("feed", "test", 60, {}), connector=connector
    )
    feed.run()
    clock = [now]
    service = KpiService(engine, seoul, cache=SimpleCache(), clock=lambda: clock[0])
    hour_reads = []

    def note(conn, cursor, statement, *args):
        if _reads_event_hours(statement):
            hour_reads.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert _value(service, "complaints_today") == 1
        assert hour_reads
        hour_reads.clear()
        clock[0] += timedelta(seconds=service.bucket_seconds)  # the next bucket
        assert _value(service, "complaints_today") == 1
        assert hour_reads == []
        feed.run()
        assert _value(service, "complaints_today") == 2
        assert hour_reads
    finally:
        event.remove(engine, "before_cursor_execute", note)


class _Keeping(SimpleCache):
    """A cache that notes every key written into it."""

    def __init__(self) -> None:
        super().__init__(threshold=100_000)
        self.written: list[str] = []

    def set(self, key, value, timeout=None):
        self.written.append(key)
        return super().set(key, value, timeout)

    def set_many(self, mapping, timeout=None):
        self.written += list(mapping)
        return super().set_many(mapping, timeout)


def test_an_hour_s_rows_stay_in_the_process_that_read_them(engine, seoul):
    """The rows of an hour at a window's end (megabytes a past version at a
    city's scale) are kept by the process that read them, under the past version,
    and never written to the shared cache: a batch of this hour reads none of them
    again, another worker reads its own."""
    from sqlalchemy import event

    from store.rollups import hour_of

    now = _this_hour_for_a_while()
    feed, complaints = _feed(engine, seoul)
    with engine.begin() as conn:  # readings an hour back: the 1 h window's start
        writes.upsert_measurements(
            conn,
            "air",
            [
                Measurement(
                    "pm25", "11680", now - timedelta(minutes=m), 20.0, None, DISTRICT
                )
                for m in (5, 50, 70, 90)
            ],
        )
    cache = _Keeping()
    clock = [now]
    one = KpiService(engine, seoul, cache=cache, clock=lambda: clock[0])
    past_reads = []

    def note(conn, cursor, statement, parameters, *args):
        ordered = _reads_event_hours(statement) or (
            "ORDER BY measurements.observed_at" in statement
        )
        values = parameters.values() if isinstance(parameters, dict) else parameters
        if ordered and any(_time(v) < hour_of(now) for v in values if _time(v)):
            past_reads.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        one.tiles()
        assert past_reads  # the windows' starts in hours already over
        assert not [k for k in cache.written if "hour_rows" in k or "series_hour" in k]
        past_reads.clear()
        complaints.at = now - timedelta(seconds=2)
        feed.run()  # a batch of this hour: the past version stays
        clock[0] += timedelta(seconds=one.bucket_seconds)
        one.tiles()
        assert past_reads == []
        other = KpiService(engine, seoul, cache=cache, clock=lambda: clock[0])
        clock[0] += timedelta(seconds=one.bucket_seconds)  # not the tiles kept
        other.tiles()
        assert past_reads  # not from the shared cache: read by the other worker
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _reads_event_hours(statement: str) -> bool:
    """Whether a statement reads hours of events row by row
    (``kpis.shared_reads._hour_statement``)."""
    return "FROM events" in statement and "ORDER BY kind, domain, happened" in statement


def _time(value) -> datetime | None:
    """A bound time as the driver got it (SQLite: text; PostgreSQL: a datetime)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_crowd_s_usual_is_read_once_until_a_past_hour_changes(engine, seoul):
    """The largest crowd against its usual reads its usuals (whole hours of past
    weeks) once: a live batch reads only the newest readings again, a late
    reading into a usual's hour reads them again and counts."""
    from sqlalchemy import event

    from city.hotspots import CROWD_MAX

    now = _this_hour_for_a_while()
    hour = now.replace(minute=0, second=0, microsecond=0)
    week = timedelta(days=7)

    def crowd(at: datetime, people: float, place: str = "POI014") -> None:
        with engine.begin() as conn:
            writes.upsert_measurements(
                conn, "citydata", [Measurement(CROWD_MAX, place, at, people, None)]
            )
            versions.bump_data_version(conn)

    crowd(hour - week + timedelta(minutes=20), 1000)  # Gangnam Station's usual
    crowd(now - timedelta(minutes=2), 3000)
    usual_reads = []

    def note(conn, cursor, statement, parameters, *args):
        lowered = statement.lower()  # the usual: past weeks' hours, put together
        if "union all" in lowered and "sum(measurements.value)" in lowered:
            usual_reads.append(statement)

    clock = [now]
    service = KpiService(engine, seoul, cache=SimpleCache(), clock=lambda: clock[0])
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert _value(service, "crowd_against_usual") == 3.0
        assert usual_reads  # this hour's usual, and yesterday's for the comparison
        usual_reads.clear()
        crowd(now - timedelta(seconds=10), 4000)  # a live batch
        clock[0] += timedelta(seconds=service.bucket_seconds)
        assert _value(service, "crowd_against_usual") == 4.0
        assert usual_reads == []
        crowd(hour - 2 * week + timedelta(minutes=5), 3000)  # late, into a usual
        clock[0] += timedelta(seconds=service.bucket_seconds)
        assert _value(service, "crowd_against_usual") == 2.0  # 4,000 over 2,000
        assert usual_reads
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _everything(service: KpiService) -> tuple:
    """Every tile's value and every sparkline, of the city and a district."""
    return (
        [(v.kpi_id, v.value) for v in service.tiles()],
        service.history(),
        service.history(DISTRICT),
    )


def test_the_hour_just_over_is_read_from_its_rows_once_after_a_late_record(
    engine, seoul, monkeypatch
):
    """After a batch of the hour just over, every windowed sum and close-time
    median takes that hour from its rows, read in one statement for every domain
    (sixty indicators made one rollup query each before), and the series their
    readings of it in one statement too; the values equal those worked out with
    nothing kept."""
    from sqlalchemy import event

    from store import rollups

    monkeypatch.setattr(rollups, "SETTLING_MARGIN", timedelta(0))
    now = _this_hour_for_a_while()
    just_over = rollups.hour_of(now) - timedelta(hours=1)
    feed, complaints = _feed(engine, seoul)
    for back in (26, 5, 0):
        complaints.at = now - timedelta(hours=back, minutes=1)
        feed.run()
    service = KpiService(engine, seoul, cache=SimpleCache(threshold=100_000))
    _everything(service)
    complaints.at = just_over + timedelta(minutes=40)  # a late record
    feed.run()
    asked: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        values = list(values or ())
        # what reads the hour just over as a whole: its start and its end bound
        if any(_same_moment(v, just_over) for v in values) and any(
            _same_moment(v, just_over + timedelta(hours=1)) for v in values
        ):
            asked.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        after = _everything(service)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    fresh = KpiService(engine, seoul, cache=NullCache())
    assert after == _everything(fresh)
    rollup_reads = [
        s for s in asked if "event_hourly" in s or "close_hours_histogram" in s
    ]
    assert rollup_reads == []
    assert len([s for s in asked if "FROM events" in s]) == 1
    # and the readings of that hour, of every series a window's start cuts
    assert len([s for s in asked if "FROM measurements" in s]) == 1


def _clock_at(monkeypatch, at: datetime) -> None:
    """The KPI layer's own reading of the clock (which hours are settled, which
    is the current one) set to ``at``."""

    class At(datetime):
        @classmethod
        def now(cls, tz=None):
            return at.astimezone(tz)

    for module in ("rollup_queries", "shared_reads", "series_parts", "service"):
        monkeypatch.setattr(f"kpis.{module}.datetime", At)
    monkeypatch.setattr("kpis.periods.datetime", At)


def test_at_the_turn_of_the_hour_the_settled_sums_move_by_an_hour(
    engine, seoul, monkeypatch
):
    """When the hour turns, every window's settled hours are the ones kept an
    hour before, plus the hour settled since, less the one left behind: no window
    is read again from the rollups (a second at a million records before), and
    every value equals one worked out with nothing kept."""
    from sqlalchemy import event

    now = _this_hour_for_a_while()
    feed, complaints = _feed(engine, seoul)
    for back in (50, 26, 25, 5, 2, 0):
        complaints.at = now - timedelta(hours=back, minutes=1)
        feed.run()
    cache = SimpleCache(threshold=100_000)
    clock = [now]
    service = KpiService(engine, seoul, cache=cache, clock=lambda: clock[0])
    _clock_at(monkeypatch, now)
    spans: list[timedelta] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if not any(t in statement for t in ("event_hourly", "close_hours_histogram")):
            return
        values = parameters.values() if isinstance(parameters, dict) else parameters
        moments = [_as_moment(v) for v in values or ()]
        moments = [m for m in moments if m is not None]
        if len(moments) >= 2:
            spans.append(max(moments) - min(moments))

    event.listen(engine, "before_cursor_execute", note)
    try:
        _everything(service)
        assert any(span > timedelta(hours=1) for span in spans)  # read whole
        spans.clear()
        turned = now + timedelta(hours=1)  # as far into the next hour
        clock[0] = turned
        _clock_at(monkeypatch, turned)
        after = _everything(service)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert [span for span in spans if span > timedelta(hours=1)] == []
    fresh = KpiService(engine, seoul, cache=NullCache(), clock=lambda: turned)
    assert after == _everything(fresh)


def _as_moment(value) -> datetime | None:
    """A statement's bound value as a moment, if it is one (SQLite binds text)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            return None
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    return None


def _same_moment(value, moment: datetime) -> bool:
    """A statement's bound value naming ``moment`` (SQLite binds text)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) == moment
    return isinstance(value, str) and value.startswith(
        moment.strftime("%Y-%m-%d %H:%M:%S")
    )


def test_a_late_record_of_the_hour_just_over_leaves_the_settled_hours_kept(
    engine, seoul, monkeypatch
):
    """The top of every hour brings records of the hour just over: they void what
    was kept of that hour only, the sums and sparkline points of the settled
    hours before it stay; a record of a settled hour voids those. Every value
    equals one worked out with nothing kept."""
    from store import rollups

    # the writer's few minutes of margin would count the hour just over as
    # settled near the end of an hour (``versions.SETTLING_MARGIN``)
    monkeypatch.setattr(rollups, "SETTLING_MARGIN", timedelta(0))
    now = _this_hour_for_a_while()
    feed, complaints = _feed(engine, seoul)
    for back in (26, 5, 0):  # today, yesterday, now
        complaints.at = now - timedelta(hours=back, minutes=1)
        feed.run()
    cache = _Keeping()
    service = KpiService(engine, seoul, cache=cache, clock=lambda: now)

    def settled_written() -> list[str]:
        return [k for k in cache.written if ":settled:" in k]

    def checked() -> None:
        fresh = KpiService(engine, seoul, cache=NullCache(), clock=lambda: now)
        assert _everything(service) == _everything(fresh)

    checked()
    assert settled_written()
    cache.written.clear()
    complaints.at = rollups.hour_of(now) - timedelta(minutes=20)  # the hour just over
    feed.run()
    checked()
    assert settled_written() == []
    complaints.at = now - timedelta(hours=3)  # a settled hour
    feed.run()
    checked()
    assert settled_written()


def test_the_sparkline_of_what_was_open_at_a_past_moment_reads_the_later_hours_once(
    engine, seoul, monkeypatch
):
    """What was open at each of a past moment's 24 sparkline points is every
    record less what opened or closed after it, to now: the first point reads
    those hours (in pieces: days and blocks of days), each later one is the point
    before less an hour (its rows), and every value equals one worked out with
    nothing kept."""
    from sqlalchemy import event

    from kpis.past import PastKpiService

    now = _this_hour_for_a_while()
    feed, complaints = _feed(engine, seoul)
    for back in (80, 60, 50, 49, 30, 26, 25, 5, 2, 0):
        complaints.at = now - timedelta(hours=back, minutes=1)
        feed.run()
    _clock_at(monkeypatch, now)
    live = KpiService(engine, seoul, cache=SimpleCache(threshold=100_000))
    moment = now - timedelta(hours=40)
    day, hour = timedelta(days=1), timedelta(hours=1)
    to_the_newest: list[datetime] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if "event_hourly" not in statement:
            return
        values = parameters.values() if isinstance(parameters, dict) else parameters
        moments = [m for m in map(_as_moment, values or ()) if m is not None]
        if moments and min(moments) > moment - day and max(moments) < now - hour:
            to_the_newest.append(min(moments))  # settled hours after the points

    event.listen(engine, "before_cursor_execute", note)
    try:
        kept = PastKpiService(live, moment).history()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # the hours after the first point, opened and closed, in a few pieces: not
    # again for each of the 24 points
    open_at = [
        k
        for k in seoul.indicators
        if k.measure == "count" and k.window.kind == "open_now"
    ]
    assert open_at and 0 < len(to_the_newest) < 24
    nothing_kept = KpiService(engine, seoul, cache=NullCache())
    assert kept == PastKpiService(nothing_kept, moment).history()


def test_two_past_moments_read_the_whole_days_between_them_and_now_once(
    engine, seoul, monkeypatch
):
    """What was open at a moment reads every settled hour since, in whole days
    kept for every moment: the second moment reads none of the days the first
    read, and both equal what is worked out with nothing kept."""
    from sqlalchemy import event

    from kpis.past import PastKpiService
    from kpis.rollup_queries import DAYS_A_BLOCK

    now = _this_hour_for_a_while()
    feed, complaints = _feed(engine, seoul)
    for back in (100, 80, 60, 50, 30, 5, 0):
        complaints.at = now - timedelta(hours=back, minutes=1)
        feed.run()
    _clock_at(monkeypatch, now)
    live = KpiService(engine, seoul, cache=SimpleCache(threshold=100_000))
    day = timedelta(days=1)
    whole: list[set[tuple]] = [set(), set()]  # the whole days and blocks read
    reading = [0]

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if "event_hourly" not in statement:
            return
        values = parameters.values() if isinstance(parameters, dict) else parameters
        moments = [m for m in map(_as_moment, values or ()) if m is not None]
        # a statement of pieces binds each piece's ends, then its whole range's
        pieces = zip(moments[:-2:2], moments[1:-2:2], strict=True)
        for a, b in pieces if "CASE" in statement else ():
            if a == a.replace(hour=0) and b - a in (day, DAYS_A_BLOCK * day):
                whole[reading[0]].add((a, b))

    first, second = now - timedelta(hours=78), now - timedelta(hours=54)
    event.listen(engine, "before_cursor_execute", note)
    try:
        values = [PastKpiService(live, first).tiles()]
        reading[0] = 1
        values.append(PastKpiService(live, second).tiles())
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # the first reads days since its moment; the second none of them again
    assert whole[0] and not whole[0] & whole[1]
    nothing_kept = KpiService(engine, seoul, cache=NullCache())
    for at, found in zip((first, second), values, strict=True):
        assert found == PastKpiService(nothing_kept, at).tiles()
