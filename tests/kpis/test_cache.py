"""The KPI cache backends named by CITYWALL_CACHE, Redis included."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask_caching.backends.simplecache import SimpleCache
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from city.profile import SourceConfig
from city.records import Batch, Event
from ingest.runner import SourceRunner, prepare_store
from kpis.service import MAKERS, KpiService, KpiValue
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


# -- a page's render: one maker per moment, and the clock alone never makes anyone wait


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Renders:
    """A page's build: counts its calls; ``hold`` keeps the next ones from
    finishing until it is set."""

    def __init__(self) -> None:
        self.made = 0
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()

    def build(self, value: str):
        def make() -> str:
            self.made += 1
            self.started.set()
            assert self.hold.wait(10)
            return value

        return make


@pytest.fixture
def paced(engine, seoul):
    clock = Clock()
    service = KpiService(engine, seoul, cache=SimpleCache(), clock=clock)
    feed, _ = _feed(engine, seoul)
    feed.run()
    return service, clock, feed


def test_when_only_the_clock_moves_the_last_render_answers_while_one_is_made(paced):
    service, clock, _ = paced
    renders = Renders()
    assert service.for_this_moment("page", renders.build("first")) == "first"
    clock.now += timedelta(seconds=service.bucket_seconds)  # the next bucket
    renders.hold.clear()
    renders.started.clear()
    # answered at once from the last render, while the new one is being made
    assert service.for_this_moment("page", renders.build("second")) == "first"
    assert renders.started.wait(5)
    assert service.for_this_moment("page", renders.build("third")) == "first"
    assert renders.made == 2  # one maker for the moment, not one per screen
    renders.hold.set()
    deadline = time.monotonic() + 5
    while service.for_this_moment("page", renders.build("fourth")) != "second":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert renders.made == 2


def test_a_new_batch_is_never_answered_from_an_older_render(paced):
    service, clock, feed = paced
    assert service.for_this_moment("page", lambda: "before the batch") == (
        "before the batch"
    )
    feed.run()
    clock.now += timedelta(seconds=service.bucket_seconds)
    assert service.for_this_moment("page", lambda: "after") == "after"


def test_a_render_more_than_two_buckets_old_is_not_served(paced):
    service, clock, _ = paced
    assert service.for_this_moment("page", lambda: "old") == "old"
    clock.now += timedelta(seconds=3 * service.bucket_seconds)
    assert service.for_this_moment("page", lambda: "new") == "new"


def test_a_screen_never_waits_for_another_one_making_the_same_moment(paced):
    """A gunicorn worker waiting for another's render would serve no one: after a
    batch each makes its own (the clock alone never makes anyone wait, above)."""
    service, _, _ = paced
    renders = Renders()
    renders.hold.clear()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(service.for_this_moment, "page", renders.build("slow"))
        assert renders.started.wait(5)
        started = time.monotonic()
        assert service.for_this_moment("page", lambda: "mine") == "mine"
        assert time.monotonic() - started < 1
        renders.hold.set()
        assert first.result(10) == "slow"


def test_every_part_of_one_render_reads_the_store_at_one_moment(paced):
    """A batch landing while a render is being made shows in the next render, whole,
    never in half of this one."""
    service, _, feed = paced

    def render() -> tuple:
        before = _value(service, "complaints_open")
        feed.run()  # lands midway
        return before, _value(service, "complaints_open")

    assert service.for_this_moment("page", render) == (1, 1)
    assert _value(service, "complaints_open") == 2


def test_pages_turning_cold_together_are_made_aside_by_a_few_kept_threads(paced):
    """At a bucket's turn every page goes cold at once: their renders queue for
    the process's few makers instead of each starting a thread of its own."""
    service, clock, _ = paced
    pages = [f"page-{i}" for i in range(3 * MAKERS)]
    for page in pages:
        service.for_this_moment(page, lambda: "old")
    clock.now += timedelta(seconds=service.bucket_seconds)
    lock = threading.Lock()
    running, most, threads = [0], [0], set()
    release = threading.Event()

    def build() -> str:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads.add(threading.current_thread().name)
        release.wait(10)
        with lock:
            running[0] -= 1
        return "new"

    assert [service.for_this_moment(p, build) for p in pages] == ["old"] * len(pages)
    time.sleep(0.2)
    assert most[0] == MAKERS  # the rest wait their turn
    release.set()
    deadline = time.monotonic() + 10
    while any(service.for_this_moment(p, build) != "new" for p in pages):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert len(threads) == MAKERS
    assert all(name.startswith("citywall-moment") for name in threads)


def test_a_render_reads_through_one_connection(paced):
    """Every part of a cold render (tiles, map, stage, alerts, sparklines) shares
    one connection: on PostgreSQL each checkout costs three round trips."""
    service, _, feed = paced
    service.disaster()  # the stage logged: a change of stage is written apart
    feed.run()  # a new batch: every part is cold
    checkouts = []
    listen = lambda *_: checkouts.append(1)  # noqa: E731
    event.listen(service.engine, "checkout", listen)
    try:

        def render() -> tuple:
            checkouts.clear()  # the moment's own reading of the versions aside
            return (
                service.tiles(),
                service.map_values("complaints_open"),
                service.disaster(),
                service.history(),
            )

        tiles, *_ = service.for_this_moment("page", render)
    finally:
        event.remove(service.engine, "checkout", listen)
    assert len(checkouts) == 1
    assert {t.kpi_id for t in tiles} >= {"complaints_open"}


def test_a_part_that_fails_leaves_the_rest_of_the_render_able_to_read(paced):
    """On PostgreSQL an error aborts the transaction: the shared connection is
    rolled back so that the parts after it still read."""
    service, _, _ = paced

    def broken(conn, w):
        conn.execute(text("SELECT no_such_column FROM events"))

    def render() -> float | None:
        with pytest.raises(DBAPIError):
            service._cached("broken", None, broken)
        return _value(service, "complaints_open")

    assert service.for_this_moment("page", render) == 1


def test_renders_stuck_on_another_store_hold_up_none_of_this_ones(
    paced, tmp_path, seoul
):
    """A database that stops answering leaves its makers stuck: another store's
    renders are still made aside."""
    service, clock, _ = paced
    other_engine = connect(f"sqlite:///{tmp_path / 'other.db'}")
    prepare_store(other_engine, seoul)
    other_clock = Clock()
    other = KpiService(other_engine, seoul, cache=SimpleCache(), clock=other_clock)
    stuck = threading.Event()
    try:
        pages = [f"page-{i}" for i in range(MAKERS)]
        for page in pages:
            other.for_this_moment(page, lambda: "old")
        other_clock.now += timedelta(seconds=other.bucket_seconds)
        for page in pages:  # every maker of the other store waits on it
            other.for_this_moment(page, lambda: stuck.wait(30) and "new")
        assert service.for_this_moment("page", lambda: "first") == "first"
        clock.now += timedelta(seconds=service.bucket_seconds)
        deadline = time.monotonic() + 5
        while service.for_this_moment("page", lambda: "second") != "second":
            assert time.monotonic() < deadline, "this store's render never made"
            time.sleep(0.01)
    finally:
        stuck.set()
        other_engine.dispose()
