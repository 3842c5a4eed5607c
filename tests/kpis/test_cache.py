"""The KPI cache backends named by CITYWALL_CACHE, Redis included."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask_caching.backends.simplecache import SimpleCache

from city.profile import SourceConfig
from city.records import Batch, Event
from ingest.runner import SourceRunner, prepare_store
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
