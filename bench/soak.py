"""Soak: the wall under load for a bounded time, with live ingest beside it.

Issue 7 asks for ten minutes under load with no error and flat memory. The load
bench (``bench.load``) answers how fast; this one answers whether a wall left on
keeps answering and keeps its size. ``run_soak`` serves a store with two gunicorn
workers sharing Redis (``serving``), plays walls and staff sessions with the load
bench's own clients (fewer of them: 10 walls and 20 staff every 5 s by default),
and meanwhile, from this process:

- lands a minute of the live city through the real ingest every few seconds (the
  bench's live minute, ``live_runner``): the workers keep seeing new data versions,
  so their caches turn over the way they do on a real wall;
- reads the resident memory (``VmRSS``) of the gunicorn master and of each of its
  workers from ``/proc`` every ``sample_every`` seconds.

What counts:

- an error is what the load bench counts (``answer_error``: not HTTP 200, or not
  the Dash answer the page needs), plus a live batch that failed;
- memory is *flat* when, for the master and every worker, the RSS at the end of
  the run is less than 5 % above the RSS at the end of its first third (the
  warm-up: imports, connection pools, caches filling), each taken as the median
  of the last tenth of the samples before that moment, so one sample caught
  mid-request does not decide; and no worker was replaced (a restarted worker
  would hide a leak). The slope after the warm-up (least squares, KiB per minute)
  is reported beside it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.dataset import live_runner
from bench.load import (
    MAX_ERROR_SAMPLES,
    Request,
    Sample,
    Server,
    percentiles,
    plan,
    resolve_profile,
    run_clients,
    serving,
    warm_up,
)
from bench.synthetic import SyntheticCity, Volume
from ingest.runner import SourceRunner
from store import connect

log = logging.getLogger("bench.soak")
PROC = Path("/proc")
MINUTE = 60.0
WARM_UP_SHARE = 1 / 3  # of the run: imports, pools and caches filling
FLAT_GROWTH = 0.05  # at most 5 % more RSS at the end than after the warm-up


# ---------------------------------------------------------------------------------
# Memory: the gunicorn master and its workers, read from /proc
# ---------------------------------------------------------------------------------


def parent_of(pid: int) -> int | None:
    """The parent pid from ``/proc/<pid>/stat`` (None once the process is gone).
    The command name may hold spaces and brackets: the fields follow the last
    ``)``."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``: gunicorn's workers of its master."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and parent_of(int(entry.name)) == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    """Resident memory in KiB (``VmRSS``), None once the process is gone."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


@dataclass(frozen=True)
class MemorySeries:
    """One process's RSS over the run."""

    pid: int
    role: str  # "master" or "worker"
    t: tuple[float, ...]  # seconds since the soak began
    rss_kib: tuple[int, ...]


@dataclass(frozen=True)
class Growth:
    """How much one process grew after the warm-up."""

    pid: int
    role: str
    after_warm_up_kib: float
    end_kib: float
    growth: float  # a fraction: 0.05 is 5 %
    slope_kib_per_minute: float


class MemorySampler:
    """RSS of the master and of whatever workers it has at each ``sample()``."""

    def __init__(self, master: int, begin: float) -> None:
        self.master, self.begin = master, begin
        self._series: dict[int, tuple[str, list[float], list[int]]] = {}

    def sample(self) -> None:
        at = time.monotonic() - self.begin
        for pid in (self.master, *children_of(self.master)):
            rss = rss_kib(pid)
            if rss is None:  # gone between the listing and the read
                continue
            role = "master" if pid == self.master else "worker"
            _, ts, values = self._series.setdefault(pid, (role, [], []))
            ts.append(round(at, 2))
            values.append(rss)

    def series(self) -> list[MemorySeries]:
        return [
            MemorySeries(pid, role, tuple(ts), tuple(values))
            for pid, (role, ts, values) in sorted(self._series.items())
        ]


def growth(series: MemorySeries, seconds: float) -> Growth | None:
    """The RSS at the end against the RSS after the warm-up, or None if the
    process was not sampled on both sides of the warm-up's end."""
    cut = seconds * WARM_UP_SHARE
    before = [r for t, r in zip(series.t, series.rss_kib) if t <= cut]
    after = [(t, r) for t, r in zip(series.t, series.rss_kib) if t > cut]
    if not before or not after:
        return None
    k = max(1, round(len(series.t) / 10))  # a tenth of the samples, one at least
    reference = statistics.median(before[-k:])
    end = statistics.median(series.rss_kib[-k:])
    return Growth(
        series.pid,
        series.role,
        reference,
        end,
        (end - reference) / reference,
        _slope_per_minute(after),
    )


def _slope_per_minute(points: list[tuple[float, int]]) -> float:
    if len({t for t, _ in points}) < 2:
        return 0.0
    ts, values = zip(*points)
    return statistics.linear_regression(ts, values).slope * MINUTE


def replaced_workers(series: list[MemorySeries]) -> int:
    """Workers first seen after the first sample: each stands for one that died."""
    first = min((s.t[0] for s in series if s.t), default=0.0)
    return sum(1 for s in series if s.role == "worker" and s.t and s.t[0] > first)


# ---------------------------------------------------------------------------------
# Live ingest beside the load
# ---------------------------------------------------------------------------------


class LiveIngest:
    """Lands a live minute at each ``land()`` and counts what happened."""

    def __init__(self, runner: SourceRunner) -> None:
        self.runner = runner
        self.batches = self.records = 0
        self.errors: list[str] = []

    def land(self) -> None:
        self.batches += 1
        try:
            summary = self.runner.run()
        except Exception as exc:  # counted as a failed batch; the soak goes on
            self.errors.append(f"live batch: {type(exc).__name__}: {exc}")
            return
        if summary.error:
            self.errors.append(f"live batch: {summary.error}")
        else:
            self.records += summary.stored


def repeat(
    every: float, stop: threading.Event, action: Callable[[], None]
) -> threading.Thread:
    """``action`` now and then every ``every`` seconds on a thread of its own,
    until ``stop``; a late action is not made up for with a burst."""

    def loop() -> None:
        next_at = time.monotonic()
        while not stop.wait(max(0.0, next_at - time.monotonic())):
            action()
            next_at = max(next_at + every, time.monotonic())

    thread = threading.Thread(target=loop, name=f"soak-{action.__name__}", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------
# The soak
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoakResult:
    walls: int
    staff: int
    every_seconds: float
    workers: int
    seconds: float  # how long the clients ran
    requests: int
    errors: int  # answers that were not what the page needs
    p50_ms: float
    p95_ms: float
    per_minute: tuple[dict, ...]  # minute, requests, errors, p50_ms, p95_ms
    per_kind: tuple[dict, ...]  # the same for each page ("wall", "staff:traffic")
    batches: int  # live batches landed beside the load
    batch_errors: int
    records: int  # records the live batches stored
    error_samples: tuple[str, ...]
    memory: tuple[MemorySeries, ...]
    growth: tuple[Growth, ...]
    workers_replaced: int

    @property
    def all_errors(self) -> int:
        return self.errors + self.batch_errors

    @property
    def max_growth(self) -> float:
        return max((g.growth for g in self.growth), default=0.0)

    @property
    def flat(self) -> bool:
        """Every process measured, none grew 5 % after the warm-up, none replaced."""
        measured = {g.role for g in self.growth} == {"master", "worker"}
        return measured and self.max_growth < FLAT_GROWTH and self.workers_replaced == 0

    def line(self) -> str:
        grown = ", ".join(
            f"{g.role} {g.pid} {g.after_warm_up_kib / 1024:.0f}→"
            f"{g.end_kib / 1024:.0f} MiB ({g.growth:+.1%}, "
            f"{g.slope_kib_per_minute / 1024:+.2f} MiB/min)"
            for g in self.growth
        )
        return (
            f"soak {self.seconds / MINUTE:.1f} min, {self.walls} walls + {self.staff} "
            f"staff every {self.every_seconds:g} s on {self.workers} workers: "
            f"{self.requests} requests, {self.errors} errors, p50 {self.p50_ms:.1f} "
            f"ms, p95 {self.p95_ms:.1f} ms; {self.batches} live batches "
            f"({self.records} records), {self.batch_errors} failed; memory: {grown}; "
            f"{self.workers_replaced} workers replaced"
        )


def grouped(
    samples: list[Sample], name: str, key: Callable[[Sample], object]
) -> list[dict]:
    """Requests, errors and latency for each value of ``key``, in order."""
    groups: dict = {}
    for s in samples:
        groups.setdefault(key(s), []).append(s)
    rows = []
    for value, mine in sorted(groups.items()):
        p50, p95, _, _ = percentiles([s.seconds for s in mine])
        rows.append(
            {
                name: value,
                "requests": len(mine),
                "errors": sum(s.error is not None for s in mine),
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
            }
        )
    return rows


def per_minute(samples: list[Sample], begin: float) -> list[dict]:
    """Each minute of the run: is it getting slower, did errors start late?"""
    return grouped(samples, "minute", lambda s: int((s.at - begin) // MINUTE))


def per_kind(samples: list[Sample]) -> list[dict]:
    """Each page: which refresh failed."""
    return grouped(samples, "kind", lambda s: s.kind)


def soak(
    server: Server,
    requests_: list[Request],
    ingest: LiveIngest | None,
    *,
    seconds: float,
    every: float,
    workers: int,
    walls: int,
    staff: int,
    ingest_every: float = 5.0,
    sample_every: float = 10.0,
) -> SoakResult:
    """The clients of ``requests_`` against ``server`` for ``seconds``, with live
    batches every ``ingest_every`` seconds and memory samples every
    ``sample_every``; the last sample is taken once the clients are done."""
    begin = time.monotonic()
    sampler = MemorySampler(server.pid, begin)
    stop = threading.Event()
    beside = [repeat(sample_every, stop, sampler.sample)]
    if ingest is not None:
        beside.append(repeat(ingest_every, stop, ingest.land))
    try:
        samples = run_clients(server.url, requests_, every, seconds)
    finally:
        stop.set()
        for thread in beside:
            thread.join()
    ran = time.monotonic() - begin
    sampler.sample()
    memory = sampler.series()
    p50, p95, _, _ = percentiles([s.seconds for s in samples])
    failed = sorted((s for s in samples if s.error), key=lambda s: s.at)
    batch_errors = ingest.errors if ingest else []
    return SoakResult(
        walls=walls,
        staff=staff,
        every_seconds=every,
        workers=workers,
        seconds=round(ran, 1),
        requests=len(samples),
        errors=len(failed),
        p50_ms=p50,
        p95_ms=p95,
        per_minute=tuple(per_minute(samples, begin)),
        per_kind=tuple(per_kind(samples)),
        batches=ingest.batches if ingest else 0,
        batch_errors=len(batch_errors),
        records=ingest.records if ingest else 0,
        error_samples=tuple(
            [s.error for s in failed[:MAX_ERROR_SAMPLES]]
            + batch_errors[:MAX_ERROR_SAMPLES]
        ),
        memory=tuple(memory),
        growth=tuple(g for s in memory if (g := growth(s, ran)) is not None),
        workers_replaced=replaced_workers(memory),
    )


def run_soak(
    database_url: str,
    profile_path: str,
    redis_url: str,
    city: SyntheticCity,
    *,
    minutes: float = 10.0,
    walls: int = 10,
    staff: int = 20,
    every: float = 5.0,
    workers: int = 2,
    ingest_every: float = 5.0,
    sample_every: float = 10.0,
    port: int = 0,
) -> SoakResult:
    """Serve the store at ``database_url`` with ``workers`` gunicorn workers and a
    Redis cache, and soak it for ``minutes`` with live minutes of ``city`` landing
    beside the clients; the server is stopped afterwards, even on error."""
    profile_path = str(resolve_profile(profile_path))
    engine = connect(database_url)
    try:
        with serving(
            database_url, profile_path, redis_url, workers=workers, port=port
        ) as server:
            requests_ = plan(server.url, profile_path, walls, staff)
            warm_up(server.url, requests_, workers)
            result = soak(
                server,
                requests_,
                LiveIngest(live_runner(engine, city.profile, city)),
                seconds=minutes * MINUTE,
                every=every,
                workers=workers,
                walls=walls,
                staff=staff,
                ingest_every=ingest_every,
                sample_every=sample_every,
            )
            if result.all_errors:
                log.warning("server output:\n%s", server.tail())
    finally:
        engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    from bench.dataset import this_hour
    from city.profile import load_profile

    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--profile", required=True, help="the city profile (TOML)")
    parser.add_argument("--redis-url", required=True, help="the shared cache")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--walls", type=int, default=10)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--every", type=float, default=5.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ingest-every", type=float, default=5.0, help="seconds")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds")
    parser.add_argument(
        "--scale", type=float, default=0.1, help="of the full year: the live rate"
    )
    parser.add_argument("--port", type=int, default=0, help="0: a free one")
    args = parser.parse_args(argv)
    # `timeout` or a CI job stops us with SIGTERM: unwind, so the server goes too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    profile_path = resolve_profile(args.profile)
    city = SyntheticCity(
        load_profile(profile_path), this_hour(), Volume().scaled(args.scale)
    )
    result = run_soak(
        args.database_url,
        str(profile_path),
        args.redis_url,
        city,
        minutes=args.minutes,
        walls=args.walls,
        staff=args.staff,
        every=args.every,
        workers=args.workers,
        ingest_every=args.ingest_every,
        sample_every=args.sample_every,
        port=args.port,
    )
    print(result.line())
    for row in result.per_minute:
        print(f"  minute {row}")
    for sample in result.error_samples:
        print(f"  error: {sample}")
    return 0 if result.all_errors == 0 and result.flat else 1


if __name__ == "__main__":
    sys.exit(main())
