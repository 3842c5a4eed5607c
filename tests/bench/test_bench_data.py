"""The benchmark's data, its baseline and its refresh timing, on a small store: the
same seed makes the same city, every event lands in a district, and the pandas
baseline shows the very numbers the KPI layer shows (so timing one against the
other compares like with like)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import baseline
from bench.copy import copy_store
from bench.dataset import StoreInfo, count_rows, kept_store, live_runner, this_hour
from bench.refresh import live_seconds, measure_refresh
from bench.synthetic import SPEED_STEP, SyntheticCity, Volume
from kpis.service import KpiService
from store.schema import events
from tests.conftest import seoul_profile_copy, service_url, store_on

SMALL = Volume(events=20_000, measurements=60_000, days=7)
END = datetime(2026, 11, 2, 12, tzinfo=UTC)


def test_the_same_seed_makes_the_same_city_and_a_later_end_goes_on(seoul):
    hour = END - timedelta(hours=30)
    one = SyntheticCity(seoul, END, SMALL, seed=7)
    same = SyntheticCity(seoul, END, SMALL, seed=7)
    other = SyntheticCity(seoul, END, SMALL, seed=8)
    later = SyntheticCity(
        seoul, END + timedelta(days=2), SMALL, seed=7, start=one.start
    )
    first = one.events(hour, hour + timedelta(hours=2))
    assert first == same.events(hour, hour + timedelta(hours=2))
    assert first == later.events(hour, hour + timedelta(hours=2), as_of=END)
    assert first != other.events(hour, hour + timedelta(hours=2))
    assert one.measurements(hour, hour + timedelta(hours=1)) == same.measurements(
        hour, hour + timedelta(hours=1)
    )


def test_the_volume_is_the_one_asked_for(seoul):
    city = SyntheticCity(seoul, END, SMALL)
    day = END - timedelta(days=3)
    n_events = len(city.events(day, day + timedelta(days=1)))
    n_readings = len(city.measurements(day, day + timedelta(days=1)))
    per_day = SMALL.events / SMALL.days
    assert abs(n_events - per_day) < 5 * math.sqrt(per_day)  # Poisson
    assert abs(n_readings - SMALL.measurements / SMALL.days) < 0.05 * n_readings


@pytest.fixture(scope="module")
def small_store(tmp_path_factory, seoul):
    folder = tmp_path_factory.mktemp("bench-data")
    url = f"sqlite:///{folder / 'year.db'}"
    engine, info, report, built = kept_store(url, folder / "year.json", seoul, SMALL)
    try:
        yield url, folder, engine, info, report, built
    finally:
        engine.dispose()


def test_the_year_lands_through_the_ingest_with_every_event_placed(small_store):
    url, folder, engine, info, report, built = small_store
    assert built and info.end == this_hour()
    n_events, n_readings = count_rows(engine)
    assert report.records == n_events + n_readings
    assert abs(n_events - SMALL.events) < 0.05 * SMALL.events
    assert abs(n_readings - SMALL.measurements) < 0.05 * SMALL.measurements
    with engine.connect() as conn:
        unplaced = conn.execute(
            select(func.count())
            .select_from(events)
            .where(events.c.district_code.is_(None))
        ).scalar()
    assert unplaced == 0
    assert report.per_second > 0 and report.generator_seconds > 0


def test_a_kept_store_is_caught_up_not_built_again(small_store, seoul):
    url, folder, engine, info, report, built = small_store
    earlier = StoreInfo(
        info.start, info.end - timedelta(hours=2), info.seed, info.volume
    )
    earlier.save(folder / "year.json")
    before = count_rows(engine)
    # the store's cursor says where it stands; the JSON only says what it is
    again, info2, report2, built2 = kept_store(url, folder / "year.json", seoul, SMALL)
    again.dispose()
    assert not built2 and info2.start == info.start and info2.end == this_hour()
    assert count_rows(engine) == before and report2.records == 0


@pytest.mark.parametrize("read_all", [True, False])
def test_the_baseline_shows_what_the_kpi_layer_shows(small_store, seoul, read_all):
    engine = small_store[2]
    now = this_hour() - timedelta(minutes=17)
    service = KpiService(engine, seoul, clock=lambda: now)
    theirs = baseline.refresh(engine, seoul, now, service.speed_window, read_all)
    ours = {t.kpi_id: t for t in service.tiles()}
    assert set(theirs.tiles) == set(ours)
    for kpi_id, (value, previous) in theirs.tiles.items():
        # the median of hours to close comes from 1 % histogram buckets
        rel = 5e-3 if kpi_id == "complaints_median_hours" else 1e-9
        for mine, theirs_ in (
            (ours[kpi_id].value, value),
            (ours[kpi_id].previous, previous),
        ):
            if theirs_ is None:
                assert mine is None, kpi_id
            else:
                assert mine == pytest.approx(theirs_, rel=rel), kpi_id
    assert ours["complaints_open"].value > 0  # the comparison compares something
    shown = {d: v for d, v in service.map_values("complaints_open").items() if v}
    assert shown == theirs.map_values
    assert [e.id for e in service.latest_events()] == theirs.latest
    assert sorted(a.id for a in service.active_alerts()) == sorted(theirs.alerts)


def test_the_refresh_is_timed_cold_after_each_live_batch(tmp_path, seoul):
    redis_url = service_url("CITYWALL_TEST_REDIS_URL", "Redis")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    profile_path = seoul_profile_copy(tmp_path, backfill_days=1)
    volume = Volume(events=2_000, measurements=10_000, days=2)
    engine, info, _, _ = kept_store(url, tmp_path / "year.json", seoul, volume)
    city = SyntheticCity(seoul, info.end, volume, start=info.start)
    before = count_rows(engine)
    engine.dispose()
    times = measure_refresh(
        url,
        str(profile_path),
        seoul,
        redis_url,
        city,
        warm_seconds=1,
        batches=3,
        backfills=2,
        lates=2,
    )
    assert len(times.warm) >= 3 and len(times.cold) == 3 and len(times.backfill) == 2
    assert len(times.late) == 2
    assert 0 < times.median(times.warm) <= times.p95(times.warm)
    engine, _, _, _ = kept_store(url, tmp_path / "year.json", seoul, volume)
    after = count_rows(engine)
    engine.dispose()
    # seven live minutes landed, each with the speeds of the links due in it (the
    # same readings again when two land within one minute)
    per_minute = len(city.links) * 60 / SPEED_STEP.total_seconds()
    assert 0 < after[1] - before[1] <= 7 * math.ceil(per_minute)


def test_a_live_minute_lands_whole_and_placed(small_store, seoul):
    engine, info = small_store[2], small_store[3]
    city = SyntheticCity(seoul, info.end, SMALL, start=info.start)
    now = datetime.now(UTC)
    expected = city.live(now)
    runner = live_runner(engine, seoul, city)
    runner.clock = lambda: now
    summary = runner.run()
    assert summary.error is None
    assert summary.stored == len(expected.events) + len(expected.measurements)
    with engine.connect() as conn:
        live = (
            conn.execute(
                select(events.c.district_code).where(events.c.source_id.like("live-%"))
            )
            .scalars()
            .all()
        )
    assert len(live) == len(expected.events) and None not in live


def test_a_hundred_timed_batches_bring_an_hour_of_the_city_not_more(small_store, seoul):
    """The timed batches land within seconds, all in the current hour: a hundred
    whole minutes would fill it with more records than any hour holds."""
    assert [live_seconds(n) for n in (3, 30, 60, 100, 200)] == [60, 60, 60, 36, 18]
    engine, info = small_store[2], small_store[3]
    city = SyntheticCity(seoul, info.end, SMALL, start=info.start)
    # the small city makes an event every ten seconds or so: a moment whose 36 s
    # hold some (one in forty holds none)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for _ in range(100):
        if city.live(now, 36).events:
            break
        now -= timedelta(seconds=36)
    runner = live_runner(engine, seoul, city, live_seconds(100))
    runner.clock = lambda: now
    assert runner.run().error is None
    with engine.connect() as conn:
        landed = conn.execute(
            select(events.c.occurred_at).where(
                events.c.source_id.like(f"live-%-{now.timestamp():.3f}-%")
            )
        ).scalars()
        ages = [(now - t).total_seconds() for t in landed]
    assert ages and all(0 <= age <= 36 for age in ages)
    assert len(ages) == len(city.live(now, 36).events)


def test_the_live_city_reports_each_link_once_a_step_as_the_year_does(seoul):
    city = SyntheticCity(seoul, datetime(2026, 3, 1, tzinfo=UTC), SMALL)
    start = datetime(2026, 3, 1, 9, 0, 30, tzinfo=UTC)
    minutes = int(SPEED_STEP.total_seconds() // 60)
    sent = [
        m
        for i in range(minutes)
        for m in city.live(start + timedelta(minutes=i)).measurements
    ]
    # a whole step of minutes: every link exactly once, at a time in its minute
    assert sorted(m.place for m in sent) == sorted(f"L{n:06d}" for n in city.links)
    for i in range(minutes):
        now = start + timedelta(minutes=i)
        for m in city.live(now).measurements:
            assert now - timedelta(minutes=1) < m.observed_at <= now


def test_an_unreadable_description_means_build_again(tmp_path: Path):
    (tmp_path / "x.json").write_text("{not json")
    assert StoreInfo.read(tmp_path / "x.json") is None
    assert StoreInfo.read(tmp_path / "missing.json") is None


@pytest.mark.postgres
def test_a_copy_in_postgresql_shows_the_same_wall(small_store, seoul, tmp_path):
    engine = small_store[2]
    path = engine.url.database
    now = this_hour() - timedelta(minutes=17)
    with store_on("postgresql", tmp_path) as url:
        copy, rows = copy_store(path, url)
        try:
            assert rows >= sum(count_rows(engine))
            assert count_rows(copy) == count_rows(engine)
            ours = KpiService(engine, seoul, clock=lambda: now)
            theirs = KpiService(copy, seoul, clock=lambda: now)
            # the same values, but for the last digits of a float summed in
            # another order (a mean over hourly sums and partial hours)
            for mine, copied in zip(ours.tiles(), theirs.tiles(), strict=True):
                assert replace(copied, value=None, previous=None) == replace(
                    mine, value=None, previous=None
                )
                for a, b in (
                    (copied.value, mine.value),
                    (copied.previous, mine.previous),
                ):
                    assert a == (None if b is None else pytest.approx(b, rel=1e-9))
            assert theirs.map_values("complaints_open") == ours.map_values(
                "complaints_open"
            )
            assert theirs.latest_events() == ours.latest_events()
            # the ingest goes on in the copy: ids follow on, rollups stay right
            city = SyntheticCity(
                seoul, small_store[3].end, SMALL, start=small_store[3].start
            )
            assert live_runner(copy, seoul, city).run().error is None
            assert live_runner(engine, seoul, city).run().error is None
        finally:
            copy.dispose()
