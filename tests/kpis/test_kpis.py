"""Every KPI equals an independent pandas computation over the same raw rows.

The KPI layer computes in SQL (on SQLite and PostgreSQL); the benchmark's baseline
(``bench.baseline.plain_kpis``) writes the same definitions again, plainly, over
rows read here with a bare SELECT, so a wrong window, a wrong filter or a wrong
median shows up as a mismatch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from bench.baseline import plain_kpis
from connectors.simulator import SimulatorConnector
from ingest.runner import SourceRunner, prepare_store, run_until_caught_up
from kpis.service import KpiService
from store import connect
from tests.conftest import BACKENDS, store_on
from tests.standard import KPIS

NOW = datetime(2026, 3, 18, 2, 37, 11, tzinfo=UTC)  # 11:37 in Seoul, a Wednesday
DISTRICT = "11680"  # Gangnam-gu


@pytest.fixture(scope="module", params=BACKENDS)
def filled(request, seoul, tmp_path_factory):
    """15 days of the demo city up to NOW, ingested once per backend through the
    real path, with the raw rows read back by a bare SELECT."""
    with store_on(request.param, tmp_path_factory.mktemp("kpis")) as url:
        engine = connect(url)
        prepare_store(engine, seoul)
        yield _fill(engine, seoul)
        engine.dispose()


def _fill(engine, seoul):
    source = seoul.sources[0]
    options = source.options | {"backfill_days": 15}
    runner = SourceRunner(
        engine,
        seoul,
        source,
        connector=SimulatorConnector(seoul, options),
        clock=lambda: NOW,
    )
    run_until_caught_up(runner)
    with engine.connect() as conn:
        ev = pd.read_sql(text("SELECT * FROM events"), conn)
        ms = pd.read_sql(text("SELECT * FROM measurements"), conn)
    for col in ("occurred_at", "closed_at", "expires_at"):
        ev[col] = pd.to_datetime(ev[col], utc=True)
    ms["observed_at"] = pd.to_datetime(ms["observed_at"], utc=True)
    return engine, ev, ms


def expected(kpi_id: str, ev: pd.DataFrame, ms: pd.DataFrame, seoul, district=None):
    """(value, previous) computed plainly with pandas (the benchmark's baseline:
    one plain computation per KPI, which a new KPI must add)."""
    return plain_kpis(ev, ms, seoul, NOW, seoul.speed_window, district)[kpi_id]


@pytest.mark.parametrize("district", [None, DISTRICT], ids=["city", "gangnam"])
@pytest.mark.parametrize("kpi", KPIS, ids=[k.id for k in KPIS])
def test_kpi_equals_independent_computation(filled, seoul, kpi, district):
    engine, ev, ms = filled
    service = KpiService(
        engine, seoul, clock=lambda: NOW, speed_window=seoul.speed_window
    )
    with engine.connect() as conn:
        got = service.compute(conn, kpi, service.window(NOW), district)
    value, previous = expected(kpi.id, ev, ms, seoul, district)
    assert value is not None, "the fixture must give every KPI data"
    assert got.value == pytest.approx(value, rel=tolerance(kpi.id))
    assert got.previous == pytest.approx(previous, rel=tolerance(kpi.id))


def tolerance(kpi_id: str) -> float:
    """Medians come from histograms with buckets 1 % wide (within 0.5 %); the rest
    is exact (SQLite's julianday() keeps about a millisecond: 1e-7 relative)."""
    return 5e-3 if kpi_id == "complaints_median_hours" else 1e-7


def test_a_districts_tiles_are_its_own_computation(filled, seoul):
    """The district pages read every district's tiles from one grouped
    computation: each is what that district's own queries say."""
    engine, _, _ = filled
    service = KpiService(
        engine, seoul, clock=lambda: NOW, speed_window=seoul.speed_window
    )
    w = service.window(NOW)
    with engine.connect() as conn:
        for code in [d.code for d in seoul.districts]:
            own = [service.compute(conn, kpi, w, code) for kpi in KPIS]
            grouped = service.tiles(code)
            for mine, theirs in zip(grouped, own, strict=True):
                rel = tolerance(mine.kpi_id)
                assert (mine.kpi_id, mine.status, mine.target, mine.detail) == (
                    theirs.kpi_id,
                    theirs.status,
                    theirs.target,
                    theirs.detail,
                ), code
                for a, b in (
                    (mine.value, theirs.value),
                    (mine.previous, theirs.previous),
                ):
                    assert a == (None if b is None else pytest.approx(b, rel=rel)), (
                        code,
                        mine.kpi_id,
                    )


def test_map_values_equal_each_districts_own_value(filled, seoul):
    engine, ev, ms = filled
    service = KpiService(
        engine, seoul, clock=lambda: NOW, speed_window=seoul.speed_window
    )
    for kpi in KPIS:
        by_district = service.map_values(kpi.id)
        assert set(by_district) == {d.code for d in seoul.districts}
        for code in ("11110", "11680", "11740"):
            value, _ = expected(kpi.id, ev, ms, seoul, code)
            if value is None:
                assert by_district[code] is None
            else:
                assert by_district[code] == pytest.approx(
                    value, rel=tolerance(kpi.id)
                ), (
                    kpi.id,
                    code,
                )


def test_status_follows_targets_and_direction(filled, seoul):
    engine, _, _ = filled
    service = KpiService(
        engine, seoul, clock=lambda: NOW, speed_window=seoul.speed_window
    )
    for value in service.tiles():
        kpi = next(k for k in KPIS if k.id == value.kpi_id)
        if kpi.id not in seoul.targets:  # shown as it is, never "on target"
            assert value.status in ("untargeted", "nodata"), kpi.id
            continue
        target = seoul.targets[kpi.id]
        if kpi.judged_by_severity or kpi.status_on_change:
            continue
        basis, goal = value.value, target.target
        if kpi.paced:  # a count so far today: against the share due by now, plus one
            basis, goal = value.value + 1, value.pace_target + 1
        limit = goal * target.watch_ratio
        if kpi.higher_is_better:
            want = "good" if basis >= goal else "watch" if basis >= limit else "alert"
        else:
            want = "good" if basis <= goal else "watch" if basis <= limit else "alert"
        assert value.status == want, kpi.id


def test_new_batch_reaches_cached_tiles_at_once(engine, seoul):
    """A cache keyed by the data version never serves a value older than the store."""
    from flask_caching.backends.simplecache import SimpleCache

    from city.profile import SourceConfig
    from city.records import Batch, Event

    class OneComplaintAPull:
        protocol = "test"
        pulled = 0

        def pull(self, cursor, now):
            self.pulled += 1
            return Batch(
                events=[
                    Event(
                        source_id=f"fresh-{self.pulled}",
                        domain="complaints",
                        category="noise",
                        occurred_at=NOW - timedelta(minutes=1),
                        district_code=DISTRICT,
                    )
                ]
            )

    feed = SourceRunner(
        engine,
        seoul,
        SourceConfig("feed", "test", 60, {}),
        connector=OneComplaintAPull(),
        clock=lambda: NOW,
    )
    service = KpiService(engine, seoul, cache=SimpleCache(), clock=lambda: NOW)
    feed.run()
    first = {v.kpi_id: v.value for v in service.tiles()}
    assert service.tiles() == service.tiles()  # served from the cache
    feed.run()
    second = {v.kpi_id: v.value for v in service.tiles()}
    assert (first["complaints_today"], second["complaints_today"]) == (1, 2)
    assert (first["complaints_open"], second["complaints_open"]) == (1, 2)


def test_latest_events_are_the_newest_up_to_now(filled, seoul):
    engine, ev, _ = filled
    service = KpiService(engine, seoul, clock=lambda: NOW)
    got = [(r.title, r.occurred_at) for r in service.latest_events(8)]
    newest = ev[ev["occurred_at"] <= pd.Timestamp(NOW)].nlargest(8, "occurred_at")
    assert [t for _, t in got] == [t.to_pydatetime() for t in newest["occurred_at"]]
    assert [title for title, _ in got] == list(newest["title"])


@pytest.mark.parametrize("district", [None, DISTRICT], ids=["city", "gangnam"])
def test_two_sources_at_one_point_are_both_in_the_kpi(engine, seoul, district):
    """Two stations' sources reading PM2.5 at the same place and minute: both
    readings are kept, and the KPI is the mean of every reading of every source
    (as the baseline computes it from the rows)."""
    from city.records import Measurement
    from store import writes

    at = NOW - timedelta(minutes=10)
    with engine.begin() as conn:
        for source, value in (("station-a", 10.0), ("station-b", 20.0)):
            writes.upsert_measurements(
                conn,
                source,
                [Measurement("pm25", "p1", at, value, district_code=DISTRICT)],
            )
    kpi = next(k for k in KPIS if k.id == "pm25_avg")
    service = KpiService(
        engine, seoul, clock=lambda: NOW, speed_window=seoul.speed_window
    )
    with engine.connect() as conn:
        got = service.compute(conn, kpi, service.window(NOW), district)
        ms = pd.read_sql(text("SELECT * FROM measurements"), conn)
        ev = pd.read_sql(text("SELECT * FROM events"), conn)
    ms["observed_at"] = pd.to_datetime(ms["observed_at"], utc=True)
    for col in ("occurred_at", "closed_at", "expires_at"):
        ev[col] = pd.to_datetime(ev[col], utc=True)
    assert len(ms) == 2
    assert got.value == pytest.approx(15.0)
    assert expected("pm25_avg", ev, ms, seoul, district)[0] == pytest.approx(15.0)


# -- a count so far today is judged against the share of its target due by now ----
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 17, 15, 5, tzinfo=UTC)  # 00:05 in Seoul


def usual_share(ev: pd.DataFrame, seoul, now: datetime) -> float:
    """The share of a day's complaints that arrived by ``now``'s time of day over
    the 14 days before ``now``'s local midnight, computed plainly from the rows."""
    local_now = now.astimezone(seoul.timezone)
    midnight = pd.Timestamp(local_now.replace(hour=0, minute=0, second=0))
    rows = ev[ev["domain"] == "complaints"]
    local = rows["occurred_at"].dt.tz_convert(seoul.timezone)
    past = local[(local >= midnight - pd.Timedelta(days=14)) & (local < midnight)]
    seconds = past.dt.hour * 3600 + past.dt.minute * 60 + past.dt.second
    done = (now - midnight.to_pydatetime()).total_seconds()
    in_hour = past.dt.hour == local_now.hour
    # the hour under way counts for the part of it gone (the rollups keep hours)
    gone = (done % 3600) / 3600
    arrived = (seconds < local_now.hour * 3600).sum() + in_hour.sum() * gone
    return arrived / len(past)


@pytest.mark.parametrize(
    "now", [JUST_AFTER_MIDNIGHT, NOW], ids=["just-after-midnight", "midday"]
)
def test_complaints_today_is_judged_against_the_share_due_by_now(filled, seoul, now):
    from kpis.score import CAP, kpi_score

    engine, ev, _ = filled
    service = KpiService(engine, seoul, clock=lambda: now)
    kpi = next(k for k in KPIS if k.id == "complaints_today")
    value = next(v for v in service.tiles() if v.kpi_id == kpi.id)
    share = usual_share(ev, seoul, now)
    assert value.target == 900  # the whole day's, as the profile says
    assert value.pace_target == pytest.approx(900 * share)
    assert (value.value + 1) / (value.pace_target + 1) < 1.25 * 1.25, (
        "the demo city receives about its target: never far off pace"
    )
    score = kpi_score(kpi, value).score
    assert score == pytest.approx(min((value.pace_target + 1) / (value.value + 1), CAP))
    if now == JUST_AFTER_MIDNIGHT:
        assert value.value < 20 and share < 0.02  # the day has just begun
        assert 0.5 < score < 1.5  # not the cap that 3 against 900 would score
        assert value.status != "alert"
    else:
        # the demo's complaints come at office hours: less than linear by 11:37
        assert 0.2 < share < (11 + 37 / 60) / 24


def test_a_districts_share_due_is_its_share_of_the_citys(filled, seoul):
    engine, _, _ = filled
    service = KpiService(engine, seoul, clock=lambda: JUST_AFTER_MIDNIGHT)
    city = next(v for v in service.tiles() if v.kpi_id == "complaints_today")
    mine = next(v for v in service.tiles(DISTRICT) if v.kpi_id == "complaints_today")
    share = service.judge.district_share(DISTRICT)
    assert mine.target == pytest.approx(city.target * share)
    assert mine.pace_target == pytest.approx(city.pace_target * share)


@pytest.mark.parametrize(
    "now", [JUST_AFTER_MIDNIGHT, NOW], ids=["just-after-midnight", "midday"]
)
def test_with_no_history_the_share_due_is_the_time_of_day(engine, seoul, now):
    service = KpiService(engine, seoul, clock=lambda: now)
    value = next(v for v in service.tiles() if v.kpi_id == "complaints_today")
    local = now.astimezone(seoul.timezone)
    elapsed = local.hour * 3600 + local.minute * 60 + local.second
    assert value.pace_target == pytest.approx(900 * elapsed / 86400)
    assert value.value == 0 and value.status == "good"
