"""A page's whole refresh rendered once per moment (``web.render_cache``): one
maker per moment, the clock alone never makes anyone wait, a new batch is never
answered from an older render, and a render reads the store at one moment."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from flask_caching.backends.simplecache import SimpleCache
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from ingest.runner import prepare_store
from kpis.service import KpiService
from store import connect
from tests.kpis.test_cache import NOW, _feed, _value
from web.render_cache import MAKERS, RenderCache


def rendered(service: KpiService, name: str, build):
    return RenderCache(service).rendered(name, build)


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
    assert rendered(service, "page", renders.build("first")) == "first"
    clock.now += timedelta(seconds=service.bucket_seconds)  # the next bucket
    renders.hold.clear()
    renders.started.clear()
    # answered at once from the last render, while the new one is being made
    assert rendered(service, "page", renders.build("second")) == "first"
    assert renders.started.wait(5)
    assert rendered(service, "page", renders.build("third")) == "first"
    assert renders.made == 2  # one maker for the moment, not one per screen
    renders.hold.set()
    deadline = time.monotonic() + 5
    while rendered(service, "page", renders.build("fourth")) != "second":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert renders.made == 2


def test_a_new_batch_is_never_answered_from_an_older_render(paced):
    service, clock, feed = paced
    assert rendered(service, "page", lambda: "before the batch") == ("before the batch")
    feed.run()
    clock.now += timedelta(seconds=service.bucket_seconds)
    assert rendered(service, "page", lambda: "after") == "after"


def test_a_render_more_than_two_buckets_old_is_not_served(paced):
    service, clock, _ = paced
    assert rendered(service, "page", lambda: "old") == "old"
    clock.now += timedelta(seconds=3 * service.bucket_seconds)
    assert rendered(service, "page", lambda: "new") == "new"


def test_a_screen_never_waits_for_another_one_making_the_same_moment(paced):
    """A gunicorn worker waiting for another's render would serve no one: after a
    batch each makes its own (the clock alone never makes anyone wait, above)."""
    service, _, _ = paced
    renders = Renders()
    renders.hold.clear()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(rendered, service, "page", renders.build("slow"))
        assert renders.started.wait(5)
        started = time.monotonic()
        assert rendered(service, "page", lambda: "mine") == "mine"
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

    assert rendered(service, "page", render) == (1, 1)
    assert _value(service, "complaints_open") == 2


def test_pages_turning_cold_together_are_made_aside_by_a_few_kept_threads(paced):
    """At a bucket's turn every page goes cold at once: their renders queue for
    the process's few makers instead of each starting a thread of its own."""
    service, clock, _ = paced
    pages = [f"page-{i}" for i in range(3 * MAKERS)]
    for page in pages:
        rendered(service, page, lambda: "old")
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

    assert [rendered(service, p, build) for p in pages] == ["old"] * len(pages)
    time.sleep(0.2)
    assert most[0] == MAKERS  # the rest wait their turn
    release.set()
    deadline = time.monotonic() + 10
    while any(rendered(service, p, build) != "new" for p in pages):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert len(threads) == MAKERS
    assert all(name.startswith("citywall-moment") for name in threads)


def test_a_render_reads_through_one_connection(paced):
    """Every part of a cold render (tiles, map, stage, alerts, sparklines) shares
    one connection: on PostgreSQL each checkout costs three round trips."""
    service, _, feed = paced
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

        tiles, *_ = rendered(service, "page", render)
    finally:
        event.remove(service.engine, "checkout", listen)
    assert len(checkouts) == 1
    assert {t.kpi_id for t in tiles} >= {"complaints_open"}


def test_a_part_that_fails_leaves_the_rest_of_the_render_able_to_read(paced):
    """On PostgreSQL an error aborts the transaction: the shared connection is
    rolled back so that the parts after it still read."""
    service, _, _ = paced

    def broken(conn, w, memo):
        conn.execute(text("SELECT no_such_column FROM events"))

    def render() -> float | None:
        with pytest.raises(DBAPIError):
            service._cached("broken", None, broken)
        return _value(service, "complaints_open")

    assert rendered(service, "page", render) == 1


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
            rendered(other, page, lambda: "old")
        other_clock.now += timedelta(seconds=other.bucket_seconds)
        for page in pages:  # every maker of the other store waits on it
            rendered(other, page, lambda: stuck.wait(30) and "new")
        assert rendered(service, "page", lambda: "first") == "first"
        clock.now += timedelta(seconds=service.bucket_seconds)
        deadline = time.monotonic() + 5
        while rendered(service, "page", lambda: "second") != "second":
            assert time.monotonic() < deadline, "this store's render never made"
            time.sleep(0.01)
    finally:
        stuck.set()
        other_engine.dispose()


# -- round trips to the shared cache ---------------------------------------------------


class Counting(SimpleCache):
    """A cache that notes what it is asked: each call is a round trip to Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.gets: list[str] = []
        self.sets: list[str] = []
        self.batches: list[list[str]] = []

    def get(self, key):
        self.gets.append(key)
        return super().get(key)

    def set(self, key, value, timeout=None):
        self.sets.append(key)
        return super().set(key, value, timeout)

    def set_many(self, mapping, timeout=None):
        self.batches.append(list(mapping))
        for key, value in mapping.items():  # not through ``set``: one round trip
            super().set(key, value, timeout)
        return list(mapping)


def test_a_renders_parts_reach_the_cache_in_one_write_at_its_end(engine, seoul):
    """A cold render asks for a dozen parts: each went to Redis on its own (a
    round trip each); now they go together, once the render is made."""
    feed, _ = _feed(engine, seoul)
    feed.run()
    cache = Counting()
    service = KpiService(engine, seoul, cache=cache, clock=lambda: NOW)
    seen_during: list[int] = []

    def render() -> tuple:
        tiles = service.tiles()
        health = service.source_health()
        seen_during.append(len(cache.batches))
        return tiles, health, service.source_health()

    tiles, health, again = rendered(service, "page", render)
    assert seen_during == [0] and again == health
    (parts,) = cache.batches
    assert any(":tiles:" in k for k in parts) and any(":health:" in k for k in parts)
    # asked once each: the second ask of the moment was answered in the process
    assert sum(":health:" in k for k in cache.gets) == 1
    assert not any(":tiles:" in k or ":health:" in k for k in cache.sets)
    # another worker reads them from the shared cache, computing nothing
    other = KpiService(engine, seoul, cache=cache, clock=lambda: NOW)
    statements = []
    note = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert other.tiles() == tiles
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # only the moment's versions, read at each ask outside a render
    assert statements and all("FROM store_meta" in s for s in statements)


def test_a_warm_refresh_asks_the_shared_cache_for_its_render_once(engine, seoul):
    feed, _ = _feed(engine, seoul)
    feed.run()
    cache = Counting()
    service = KpiService(engine, seoul, cache=cache, clock=lambda: NOW)
    assert rendered(service, "page", lambda: "first") == "first"
    cache.gets.clear()
    for _ in range(3):
        assert rendered(service, "page", lambda: "again") == "first"
    assert cache.gets == []
    feed.run()  # a new data version: the shared cache is asked again
    assert rendered(service, "page", lambda: "after") == "after"
    assert any(":moment:page:" in k for k in cache.gets)


def test_what_a_process_keeps_of_a_moment_never_goes_back_to_an_older_one(paced):
    """A render made aside may finish after the bucket turned: what it keeps must
    not push out the newer moment's answers."""
    service, clock, _ = paced
    old = service.moment()
    clock.now += timedelta(seconds=service.bucket_seconds)
    new = service.moment()
    service.moments.kept(new)["answer"] = 1
    service.moments.kept(old)["stale"] = 0
    assert service.moments.kept(new) == {"answer": 1}


def test_a_render_made_aside_stops_once_a_newer_batch_is_read(paced):
    """At a bucket's turn a render of the same data is made aside; when a batch
    lands meanwhile, the refresh that reads it must not share the interpreter
    with a render nobody will see: the aside one stops at its next part."""
    service, clock, feed = paced
    assert rendered(service, "page", lambda: "first") == "first"
    clock.now += timedelta(seconds=service.bucket_seconds)
    parts: list[str] = []
    first_part_done, go_on = threading.Event(), threading.Event()

    def aside() -> str:
        parts.append("tiles")
        service.tiles()
        first_part_done.set()
        assert go_on.wait(10)
        parts.append("health")
        service.source_health()
        parts.append("done")
        return "aside"

    assert rendered(service, "page", aside) == "first"  # the last, while made aside
    making = f"{service.moment().key('moment:page')}:making"
    assert first_part_done.wait(10)
    feed.run()
    assert _value(service, "complaints_open") == 2  # a refresh reads the batch
    go_on.set()
    deadline = time.monotonic() + 5
    while service.cache.has(making):  # its maker lets go of the moment when done
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert parts == ["tiles", "health"]  # stopped before reading its next part
    assert rendered(service, "page", lambda: "new batch") == "new batch"


# -- a past moment's renders (kpis.past) ---------------------------------------------


def test_a_past_moments_renders_never_meet_the_live_ones(paced):
    """One cache, one page name: the live render, a past moment's and another
    past moment's are three renders, each answered to its own screens, even
    where a past moment falls in the live wall's time bucket."""
    from kpis.past import PastKpiService

    service, clock, _ = paced
    moments = [
        PastKpiService(service, clock.now - timedelta(seconds=1)),  # same bucket
        PastKpiService(service, clock.now - timedelta(hours=5)),
    ]
    assert rendered(service, "overview:en", lambda: "live") == "live"
    for n, past in enumerate(moments):
        assert rendered(past, "overview:en", lambda n=n: f"past {n}") == f"past {n}"
    assert rendered(service, "overview:en", lambda: "made again") == "live"
    for n, past in enumerate(moments):
        assert rendered(past, "overview:en", lambda: "made again") == f"past {n}"
    keys = {s.moment().key("render") for s in (service, *moments)}
    assert len(keys) == 3
