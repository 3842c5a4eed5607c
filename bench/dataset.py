"""The benchmark's stores: the synthetic year loaded through the real ingest, timed.

A store at full scale takes longer to load than the rest of the benchmark put
together, so a store is described by a small JSON file beside it (its first hour,
seed and volume) and kept: the next run only catches it up to this hour, through the
same ingest, and that catch-up is timed too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.synthetic import SyntheticCity, Volume
from city.profile import CityProfile, SourceConfig
from city.records import Batch
from ingest.runner import RunSummary, SourceRunner, prepare_store, run_until_caught_up
from store import connect
from store.schema import events, measurements

SOURCE = SourceConfig("synthetic", "synthetic", 60.0, {})
BATCH_RECORDS = 40_000  # per pull of the year: a backfill's pages, not a live trickle
LIVE = SourceConfig("synthetic-live", "synthetic", 60.0, {})


@dataclass(frozen=True)
class LoadReport:
    records: int
    seconds: float  # the ingest's own time: making the records up excluded
    generator_seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class StoreInfo:
    """What a kept store holds: the synthetic year from ``start`` to ``end``."""

    start: datetime
    end: datetime
    seed: int
    volume: Volume

    def matches(self, seed: int, volume: Volume) -> bool:
        return self.seed == seed and self.volume == volume

    def save(self, path: Path) -> None:
        data = asdict(self) | {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        path.write_text(json.dumps(data, indent=1))

    @classmethod
    def read(cls, path: Path) -> StoreInfo | None:
        try:
            data = json.loads(path.read_text())
            return cls(
                datetime.fromisoformat(data["start"]),
                datetime.fromisoformat(data["end"]),
                int(data["seed"]),
                Volume(**data["volume"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def this_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def count_rows(engine: Engine) -> tuple[int, int]:
    """(events, measurements) in the store."""
    with engine.connect() as conn:
        n_events = conn.execute(select(func.count()).select_from(events)).scalar()
        n_readings = conn.execute(
            select(func.count()).select_from(measurements)
        ).scalar()
    return int(n_events or 0), int(n_readings or 0)


def ingest(
    engine: Engine,
    profile: CityProfile,
    city: SyntheticCity,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Pull ``city`` through the real ingest until it is caught up."""
    runner = SourceRunner(engine, profile, SOURCE, connector=city)
    generated_before = city.pull_seconds
    started = time.perf_counter()
    done = [0]

    def on_batch(summary: RunSummary) -> None:
        done[0] += summary.stored
        if progress and done[0] // 1_000_000 != (done[0] - summary.stored) // 1_000_000:
            rate = done[0] / (time.perf_counter() - started)
            progress(f"{done[0]:,} records, {rate:,.0f}/s")

    total = run_until_caught_up(runner, on_batch)
    if total.error:
        raise RuntimeError(f"the synthetic load failed: {total.error}")
    generated = city.pull_seconds - generated_before
    return LoadReport(
        total.stored, time.perf_counter() - started - generated, generated
    )


def load_year(
    url: str,
    profile: CityProfile,
    volume: Volume,
    end: datetime,
    seed: int = 1,
    chunk: timedelta | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Engine, LoadReport]:
    """A fresh store at ``url`` holding the synthetic year before ``end``, pulled
    in chunks of ``chunk`` (by default about ``BATCH_RECORDS`` records each)."""
    engine = connect(url)
    prepare_store(engine, profile)
    chunk = chunk or chunk_for(volume)
    city = SyntheticCity(profile, end, volume, seed=seed, chunk=chunk)
    return engine, ingest(engine, profile, city, progress)


def chunk_for(volume: Volume) -> timedelta:
    """Whole hours holding about ``BATCH_RECORDS`` records."""
    per_hour = (volume.events + volume.measurements) / (volume.days * 24)
    return timedelta(hours=max(1, round(BATCH_RECORDS / per_hour)))


def kept_store(
    url: str,
    info_path: Path,
    profile: CityProfile,
    volume: Volume,
    seed: int = 1,
    fresh: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[Engine, StoreInfo, LoadReport, bool]:
    """(engine, what it holds, what was loaded now, built now?): the store at
    ``url`` built if ``info_path`` does not describe it (or ``fresh``), else caught
    up from its last hour to this one."""
    info = None if fresh else StoreInfo.read(info_path)
    end = this_hour()
    if info is None or not info.matches(seed, volume):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            drop_all(url)
        engine, report = load_year(url, profile, volume, end, seed, progress=progress)
        info = StoreInfo(end - volume.days * timedelta(days=1), end, seed, volume)
        built = True
    else:
        engine = connect(url)
        prepare_store(engine, profile)
        city = SyntheticCity(
            profile, end, volume, seed=seed, chunk=chunk_for(volume), start=info.start
        )
        report = ingest(engine, profile, city, progress)
        info = StoreInfo(info.start, end, seed, volume)
        built = False
    info.save(info_path)
    return engine, info, report, built


def drop_all(url: str) -> None:
    """Every CityWall table at ``url`` gone, the record of its migrations too (a
    server database kept between runs)."""
    from store.migrations import VERSION_TABLE
    from store.schema import metadata

    engine = connect(url)
    try:
        metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {VERSION_TABLE}")
    finally:
        engine.dispose()


class LiveFeed:
    """A connector that sends, at each pull, the last ``seconds`` of the live city
    (a minute by default)."""

    protocol = "synthetic"

    def __init__(self, city: SyntheticCity, seconds: float = 60.0) -> None:
        self.city = city
        self.seconds = seconds

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        return self.city.live(now, self.seconds)


def live_runner(
    engine: Engine, profile: CityProfile, city: SyntheticCity, seconds: float = 60.0
) -> SourceRunner:
    """A runner whose every ``run()`` lands the last ``seconds`` of live records at
    once."""
    return SourceRunner(engine, profile, LIVE, connector=LiveFeed(city, seconds))
