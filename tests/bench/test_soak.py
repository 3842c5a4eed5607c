"""The soak bench: a few seconds of it against the real server count every answer
and every error, land live batches beside the load and follow the memory of the
master and of each worker; the flatness verdict on made-up memory series."""

from __future__ import annotations

import os

from bench.dataset import live_runner, this_hour
from bench.load import Request, plan, serving, warm_up
from bench.soak import (
    FLAT_GROWTH,
    LiveIngest,
    MemorySeries,
    children_of,
    growth,
    replaced_workers,
    rss_kib,
    soak,
)
from bench.synthetic import SyntheticCity, Volume
from city.profile import load_profile
from store import connect

# A callback no page has: Dash refuses it, as it would a page's broken refresh.
BROKEN = Request(
    "broken",
    "/nowhere",
    {
        "output": "nowhere.children",
        "outputs": {"id": "nowhere", "property": "children"},
        "inputs": [{"id": "nowhere-timer", "property": "n_intervals"}],
        "changedPropIds": ["nowhere-timer.n_intervals"],
    },
    0,
    frozenset({"nowhere.children"}),
)


def test_a_short_soak_counts_answers_errors_batches_and_memory(redis_url, demo_store):
    database_url, profile_path = demo_store
    profile = load_profile(profile_path)
    city = SyntheticCity(profile, this_hour(), Volume(20_000, 60_000, 7))
    engine = connect(database_url)
    try:
        with serving(database_url, str(profile_path), redis_url, workers=2) as server:
            good = plan(server.url, str(profile_path), walls=1, staff=2)
            warm_up(server.url, good, workers=2)
            workers = set(children_of(server.pid))
            result = soak(
                server,
                [*good, BROKEN],
                LiveIngest(live_runner(engine, profile, city)),
                seconds=6,
                every=1,
                workers=2,
                walls=1,
                staff=2,
                ingest_every=2,
                sample_every=1,
            )
    finally:
        engine.dispose()

    kinds = {row["kind"]: row for row in result.per_kind}
    broken = kinds.pop("broken")
    # each client ticks about once a second for six seconds: four times at least
    assert broken["requests"] >= 4 and broken["errors"] == broken["requests"]
    assert all(row["errors"] == 0 and row["requests"] >= 4 for row in kinds.values())
    assert result.errors == broken["errors"]
    assert result.requests == sum(row["requests"] for row in result.per_kind)
    assert sum(row["requests"] for row in result.per_minute) == result.requests
    assert result.error_samples[0].startswith("broken /nowhere: HTTP")

    assert result.batches >= 2 and result.batch_errors == 0 and result.records > 0

    assert len(workers) == 2
    sampled = {s.pid: s for s in result.memory}
    assert set(sampled) == {server.pid, *workers}
    assert sampled[server.pid].role == "master"
    for series in sampled.values():
        assert len(series.t) >= 5 and min(series.rss_kib) > 10_000  # KiB
    assert {g.pid for g in result.growth} == set(sampled)
    assert result.workers_replaced == 0


def test_memory_is_read_from_proc():
    assert rss_kib(os.getpid()) > 0
    assert rss_kib(2**22 + 1) is None  # above any pid the kernel hands out


def _series(rss: list[int], pid: int = 7, role: str = "worker", start: int = 0):
    return MemorySeries(pid, role, tuple(range(start, start + len(rss))), tuple(rss))


def test_memory_that_levels_off_after_the_warm_up_is_flat():
    # fills for a third of the run, then holds with some noise
    rss = [100_000 + 3_000 * t for t in range(10)] + [130_000, 131_000, 129_500] * 7
    g = growth(_series(rss), seconds=len(rss))
    assert g is not None and g.growth < FLAT_GROWTH
    assert abs(g.slope_kib_per_minute) < 1024  # under a MiB a minute


def test_memory_that_keeps_growing_is_not_flat():
    rss = [100_000 + 400 * t for t in range(30)]  # 0.4 MB a second
    g = growth(_series(rss), seconds=30)
    assert g is not None and g.growth > 0.05
    assert round(g.slope_kib_per_minute) == 400 * 60


def test_a_worker_that_appears_late_stands_for_a_replaced_one():
    series = [
        _series([1] * 10, pid=1, role="master"),
        _series([1] * 10, pid=2),
        _series([1] * 4, pid=3),  # died at 4 s
        _series([1] * 5, pid=4, start=5),  # its replacement
    ]
    assert replaced_workers(series) == 1
    assert growth(series[3], seconds=10) is None  # not there after the warm-up
