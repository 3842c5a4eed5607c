"""The overview's refresh, timed at the server: warm, right after a live batch,
right after a batch of late records (the hour just over, as feeds send at the top
of every hour), and right after a batch that rewrites past hours.

The wall's own refresh request (built from the running app, as ``bench.load`` builds
it) is posted to a one-worker gunicorn on 127.0.0.1, one request at a time, so each
figure is one refresh's server time plus the loopback round trip (about a
millisecond here). Between the "cold" requests this process lands a minute of the
live city through the real ingest, so each of them is the first refresh to see a new
data version.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

import requests

from bench.dataset import live_runner
from bench.load import (
    FIRST_TIMEOUT,
    TIMEOUT,
    Request,
    answer_error,
    percentiles,
    plan,
    post,
    serving,
    signed_in,
)
from bench.synthetic import SyntheticCity
from city.profile import CityProfile
from ingest.runner import utcnow
from store import connect
from store.rollups import hour_of

BATCHES = 100  # refreshes right after a batch: a p95 of at least 100 samples


@dataclass(frozen=True)
class RefreshTimes:
    warm: tuple[float, ...]  # milliseconds
    cold: tuple[float, ...]  # the first refresh after a live batch
    backfill: tuple[float, ...]  # the first refresh after a batch of past hours
    first: float = 0.0  # the server's very first refresh of the store
    late: tuple[float, ...] = ()  # the first after a batch of the hour just over

    @staticmethod
    def p95(ms: tuple[float, ...]) -> float:
        return percentiles([x / 1000 for x in ms])[1]

    @staticmethod
    def median(ms: tuple[float, ...]) -> float:
        return statistics.median(ms) if ms else 0.0


def _timed(
    session: requests.Session, url: str, request: Request, n: int, timeout: float
) -> float:
    t0 = time.perf_counter()
    response = post(session, url, request.body(n), timeout)
    ms = (time.perf_counter() - t0) * 1000
    error = answer_error(response, request)
    if error:
        raise RuntimeError(f"the overview refresh failed: {error}")
    return ms


def live_seconds(batches: int) -> float:
    """The live seconds each timed batch lands: a minute, or less when the batches
    would together bring more than an hour. They land within seconds, all in the
    current hour, whose rows every refresh reads from the table (the whole hours
    come from the rollups): more than an hour of records in it is a load no wall
    meets."""
    return min(60.0, 3600.0 / batches)


def measure_refresh(
    database_url: str,
    profile_path: str,
    profile: CityProfile,
    redis_url: str,
    city: SyntheticCity,
    warm_seconds: float = 15.0,
    batches: int = BATCHES,
    backfills: int = 5,
    lates: int = 0,
) -> RefreshTimes:
    """Refresh the overview of the store at ``database_url`` again and again for
    ``warm_seconds``; then ``batches`` times land a live minute of ``city`` (less
    for more than 60 batches, ``live_seconds``) and refresh; then ``lates`` times
    as much of the hour just over; then ``backfills`` times as much three hours
    back."""
    engine = connect(database_url)
    runner = live_runner(engine, profile, city, live_seconds(batches))
    try:
        with serving(database_url, profile_path, redis_url, workers=1) as server:
            url = server.url
            (wall,) = plan(url, profile_path, walls=1, staff=0)
            with signed_in() as session:
                n = 0

                def refresh(timeout: float = TIMEOUT) -> float:
                    nonlocal n
                    n += 1
                    return _timed(session, url, wall, n, timeout)

                # the worker's first imports and connections, the memo of past hours
                first = refresh(FIRST_TIMEOUT)
                warm: list[float] = []
                stop = time.monotonic() + warm_seconds
                while time.monotonic() < stop:
                    warm.append(refresh())
                cold = []
                for _ in range(batches):
                    _land(runner)
                    cold.append(refresh())
                    refresh()  # and the wall goes on
                late = []
                just_over = hour_of(utcnow()) - timedelta(minutes=30)
                for i in range(lates):
                    # each its own minute: records never sent before
                    runner.clock = lambda i=i: just_over + timedelta(seconds=20 * i)
                    _land(runner)
                    late.append(refresh())
                    refresh()
                past = []
                for i in range(backfills):
                    runner.clock = lambda i=i: utcnow() - timedelta(hours=3, minutes=i)
                    _land(runner)
                    # no target and all the memo of past hours to redo: waited for
                    past.append(refresh(FIRST_TIMEOUT))
    finally:
        engine.dispose()
    return RefreshTimes(tuple(warm), tuple(cold), tuple(past), first, tuple(late))


def _land(runner, tries: int = 50) -> None:
    """One live minute landed; a minute in which a small year's city sent nothing
    is pulled again (another draw), so that the next refresh sees a new batch."""
    for _ in range(tries):
        summary = runner.run()
        if summary.error:
            break
        if summary.stored:
            return
    raise RuntimeError(f"a live batch did not land: {summary.line()}")
