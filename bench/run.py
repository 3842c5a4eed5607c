"""`citywall bench`: the whole benchmark, one Markdown table.

1. A sample year of 1 M events and 5 M measurements is loaded through the ingest
   into SQLite and into PostgreSQL, fresh each run: the ingest rates.
2. On the SQLite sample, the pandas baseline and CityWall's overview refresh side
   by side, after checking that both show the same numbers.
3. The full year (10 M events, 50 M measurements) in SQLite, kept in ``--data``
   between runs and caught up to this hour through the ingest; its PostgreSQL twin
   a COPY of it (see ``bench.copy``). The overview refresh timed on both, and
   with ``--indicators 60`` again with a profile declaring 60 indicators in six
   domains (``bench.indicator_refresh``).
4. Load: walls and staff sessions against two gunicorn workers sharing Redis.
5. Soak (``--soak-minutes``, 10 by default): fewer walls and staff sessions for
   that long against the sample store, live minutes landing beside them; no
   error, and flat memory in the master and each worker (see ``bench.soak``).
6. The browser: the overview drawn after navigation, bytes per refresh tick, and
   the heap figures of the wall's long-run test (from its last run in this
   checkout).

The table goes to ``bench/RESULTS.md`` and into the README between its bench
markers; every raw figure to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sqlite3
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench import baseline
from bench.copy import kept_copy
from bench.dataset import StoreInfo, count_rows, kept_store, live_runner, load_year
from bench.indicator_refresh import INDICATORS, measure_many
from bench.refresh import BATCHES, RefreshTimes, measure_refresh
from bench.synthetic import SyntheticCity, Volume
from city.profile import CityProfile, load_profile
from kpis.service import KpiService

log = logging.getLogger("bench")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
RAW = PROJECT_ROOT / "bench" / "results" / "latest.json"
README = PROJECT_ROOT / "README.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")
SAMPLE_SCALE = 0.1  # of the full year: 1 M events, the baseline's size


@dataclass(frozen=True)
class Figure:
    what: str
    target: str
    citywall: str
    baseline: str = ""
    met: bool | None = None  # None: reported, no target


@dataclass
class Settings:
    profile_path: Path
    data: Path
    scale: float
    postgres_url: str | None
    redis_url: str
    load_seconds: float
    soak_minutes: float  # 0: no soak
    browser: bool
    fresh: bool
    indicators: int = 0  # a wall declaring this many, timed too (0: not)
    scale_seconds: float = 0.0  # of two instances behind nginx (0: not run)


def ms(x: float) -> str:
    return f"{x:.1f} ms" if x < 100 else f"{x:,.0f} ms"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "?"
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def ensure_database(url: str) -> None:
    """The bench's PostgreSQL database made if the server has none of that name."""
    from sqlalchemy import create_engine, make_url

    name = make_url(url).database
    admin = create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def postgres_version(url: str) -> str:
    from store import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


# -- the steps ---------------------------------------------------------------------
def ingest_rate(
    url: str, profile: CityProfile, volume: Volume
) -> tuple[float, StoreInfo]:
    """Records per second of a fresh sample year through the ingest, and what the
    store then holds."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        from bench.dataset import drop_all

        drop_all(url)
    end = _this_hour()
    engine, report = load_year(url, profile, volume, end, progress=log.info)
    engine.dispose()
    log.info(
        "ingest %s: %s records in %.0f s (+%.0f s making them): %.0f/s",
        url.split(":")[0],
        f"{report.records:,}",
        report.seconds,
        report.generator_seconds,
        report.per_second,
    )
    return report.per_second, StoreInfo(
        end - timedelta(days=volume.days), end, 1, volume
    )


def _this_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def time_baseline(url: str, profile: CityProfile, repeats: int = 5) -> dict:
    """The baseline's refresh times (ms), both variants, after checking its
    numbers against the KPI layer's."""
    from store import connect

    engine = connect(url)
    try:
        now = datetime.now(UTC)
        service = KpiService(engine, profile, clock=lambda: now)
        check = baseline.refresh(engine, profile, now, service.speed_window)
        same = _same_numbers(service, check)
        times: dict[str, list[float]] = {"read_all": [], "careful": []}
        for _ in range(repeats):
            for name, read_all in (("read_all", True), ("careful", False)):
                t0 = time.perf_counter()
                baseline.refresh(
                    engine, profile, datetime.now(UTC), service.speed_window, read_all
                )
                times[name].append((time.perf_counter() - t0) * 1000)
    finally:
        engine.dispose()
    return {"same_numbers": same, **{k: statistics.median(v) for k, v in times.items()}}


def _same_numbers(service: KpiService, theirs: baseline.BaselineRefresh) -> bool:
    ours = {t.kpi_id: (t.value, t.previous) for t in service.tiles()}
    if set(ours) != set(theirs.tiles):  # a KPI the baseline lacks is no match
        log.warning("the baseline lacks %s", sorted(set(ours) - set(theirs.tiles)))
        return False
    for kpi_id, pair in theirs.tiles.items():
        rel = 5e-3 if kpi_id == "complaints_median_hours" else 1e-9
        for a, b in zip(ours.get(kpi_id, (None, None)), pair):
            if (a is None) != (b is None) or (
                a is not None and abs(a - b) > rel * max(abs(b), 1e-9)
            ):
                log.warning("baseline and CityWall differ on %s: %s %s", kpi_id, a, b)
                return False
    shown = {d: v for d, v in service.map_values("complaints_open").items() if v}
    return (
        shown == theirs.map_values
        and [e.id for e in service.latest_events()] == theirs.latest
    )


def refresh_times(
    url: str, s: Settings, profile: CityProfile, info: StoreInfo
) -> RefreshTimes:
    city = SyntheticCity(
        profile, info.end, info.volume, seed=info.seed, start=info.start
    )
    times = measure_refresh(
        url, str(s.profile_path), profile, s.redis_url, city, lates=BATCHES
    )
    log.info(
        "refresh on %s: warm p95 %s (%d), cold p95 %s, after a backfill p95 %s",
        url.split(":")[0],
        ms(times.p95(times.warm)),
        len(times.warm),
        ms(times.p95(times.cold)),
        ms(times.p95(times.backfill)),
    )
    return times


def soak_figures(url: str, s: Settings, profile: CityProfile, info: StoreInfo) -> dict:
    """The soak's raw figures, its verdict on memory and how long it took in all
    (the server's start and warm-up included)."""
    from bench.soak import run_soak

    city = SyntheticCity(
        profile, info.end, info.volume, seed=info.seed, start=info.start
    )
    t0 = time.perf_counter()
    result = run_soak(
        url, str(s.profile_path), s.redis_url, city, minutes=s.soak_minutes
    )
    log.info(result.line())
    return asdict(result) | {
        "flat": result.flat,
        "wall_seconds": time.perf_counter() - t0,
    }


def browser_figures(url: str, s: Settings, profile: CityProfile, info: StoreInfo):
    from bench.browser import measure_browser
    from bench.load import serving
    from store import connect

    engine = connect(url)
    city = SyntheticCity(
        profile, info.end, info.volume, seed=info.seed, start=info.start
    )
    runner = live_runner(engine, profile, city)
    try:
        with serving(url, str(s.profile_path), s.redis_url, workers=2) as server:
            return measure_browser(
                server.url + "/", loads=5, ticks=10, on_tick=lambda _i: runner.run()
            )
    finally:
        engine.dispose()


def postgres_year(s: Settings, profile: CityProfile, info: StoreInfo, raw: dict) -> str:
    """The URL of the full year in PostgreSQL (a database of its own beside the
    sample's), kept like the SQLite one: copied from it when missing or made of
    another year, then caught up to this hour through the ingest."""
    from sqlalchemy import make_url

    parsed = make_url(s.postgres_url)
    url = parsed.set(database=f"{parsed.database}_year").render_as_string(
        hide_password=False
    )
    ensure_database(url)
    done = kept_copy(
        s.data / "year.db",
        url,
        s.data / "year-postgresql.json",
        profile,
        info,
        s.fresh,
        log.info,
    )
    if "copy_seconds" in done:
        raw["copy_seconds"] = done["copy_seconds"]
    raw["year_postgresql"] = {"loaded_now": done["loaded_now"]}
    return url


# -- the whole run -------------------------------------------------------------------
def run(s: Settings) -> tuple[list[Figure], dict]:
    from bench.load import run_load

    profile = load_profile(s.profile_path)
    full = Volume().scaled(s.scale) if s.scale != 1 else Volume()
    sample = Volume().scaled(s.scale * SAMPLE_SCALE)
    s.data.mkdir(parents=True, exist_ok=True)
    raw: dict = {"started": datetime.now(UTC).isoformat(), "machine": machine()}
    clock = time.perf_counter()

    sample_url = f"sqlite:///{s.data / 'sample.db'}"
    raw["sample_events"] = sample.events
    raw["ingest_sqlite"], sample_info = ingest_rate(sample_url, profile, sample)
    if s.postgres_url:
        ensure_database(s.postgres_url)
        raw["ingest_postgresql"], _ = ingest_rate(s.postgres_url, profile, sample)
        raw["postgresql"] = postgres_version(s.postgres_url)
    raw["baseline"] = time_baseline(sample_url, profile)
    sample_times = refresh_times(sample_url, s, profile, sample_info)
    raw["sample_refresh"] = asdict(sample_times)

    year_url = f"sqlite:///{s.data / 'year.db'}"
    engine, info, report, built = kept_store(
        year_url, s.data / "year.json", profile, full, fresh=s.fresh, progress=log.info
    )
    n_events, n_readings = count_rows(engine)
    raw["year"] = {
        "events": n_events,
        "measurements": n_readings,
        "built_now": built,
        "loaded_now": report.records,
        "per_second": report.per_second,
    }
    engine.dispose()
    year_times = refresh_times(year_url, s, profile, info)
    raw["year_sqlite_refresh"] = asdict(year_times)
    year_urls = {"sqlite": year_url}
    if s.postgres_url:
        year_urls["postgresql"] = postgres_year(s, profile, info, raw)
        raw["year_postgresql_refresh"] = asdict(
            refresh_times(year_urls["postgresql"], s, profile, info)
        )
    if s.indicators:
        raw["indicators"] = s.indicators
        for store, url in year_urls.items():
            t0 = time.perf_counter()
            raw[f"year_{store}_refresh_indicators"] = asdict(
                measure_many(url, s.profile_path, s.redis_url, info, s.indicators)
            )
            raw[f"indicators_{store}_seconds"] = time.perf_counter() - t0

    load = run_load(year_url, str(s.profile_path), s.redis_url, seconds=s.load_seconds)
    log.info(load.line())
    raw["load"] = asdict(load)
    if s.postgres_url and s.scale_seconds > 0:
        from bench.scale import run_scale

        scale = run_scale(
            year_urls["postgresql"],
            str(s.profile_path),
            s.redis_url,
            seconds=s.scale_seconds,
        )
        log.info("\n".join(scale.lines()))
        raw["scale"] = asdict(scale)
    if s.soak_minutes > 0:
        raw["soak"] = soak_figures(sample_url, s, profile, sample_info)
    if s.browser:
        raw["browser"] = asdict(browser_figures(year_url, s, profile, info))
    raw["seconds"] = time.perf_counter() - clock
    return figures(raw), raw


def figures(raw: dict) -> list[Figure]:
    """The table's rows from the raw figures."""
    rows: list[Figure] = []
    year = raw["year"]
    rows.append(
        Figure(
            "Data: the synthetic year",
            "10 M events, 50 M measurements",
            f"{year['events'] / 1e6:.2f} M events, {year['measurements'] / 1e6:.2f} M "
            "measurements",
            met=year["events"] >= 9.9e6 and year["measurements"] >= 49.5e6,
        )
    )
    for store, target in (("sqlite", 50_000), ("postgresql", 20_000)):
        rate = raw.get(f"ingest_{store}")
        if rate is not None:
            rows.append(
                Figure(
                    f"Ingest into {_name(store)} (district assignment included)",
                    f"≥ {target:,} records/s",
                    f"{rate:,.0f} records/s",
                    met=rate >= target,
                )
            )
    n = raw.get("indicators", 0)
    for store in ("sqlite", "postgresql"):
        times = raw.get(f"year_{store}_refresh")
        if times is not None:
            rows += refresh_rows(store, RefreshTimes(**times), "full year")
        many = raw.get(f"year_{store}_refresh_indicators")
        if many is not None:
            rows += refresh_rows(
                store, RefreshTimes(**many), f"{n} declared indicators, full year"
            )
    base, sample = raw["baseline"], raw["sample_refresh"]
    warm = RefreshTimes.median(tuple(sample["warm"]))
    cold = RefreshTimes.median(tuple(sample["cold"]))
    speedup = base["read_all"] / max(cold, 1e-9)
    rows.append(
        Figure(
            f"Overview refresh at {raw['sample_events'] / 1e6:g} M events, SQLite "
            "(median): CityWall against the usual way",
            "≥ 100× faster",
            f"{ms(warm)} warm, {ms(cold)} after a new batch: {speedup:,.0f}× faster "
            "than the baseline after a new batch, "
            f"{base['read_all'] / max(warm, 1e-9):,.0f}× warm",
            f"{ms(base['read_all'])} (rows read into pandas per refresh; "
            f"{ms(base['careful'])} when SQL keeps only the windows' rows); "
            f"same numbers: {'yes' if base['same_numbers'] else 'NO'}",
            met=speedup >= 100 and base["same_numbers"],
        )
    )
    browser = raw.get("browser")
    if browser:
        rows.append(
            Figure(
                "Browser: the overview drawn after navigation (median of 4 loads, "
                "the first load apart)",
                "≤ 2 s",
                f"{browser['draw_median_s']:.2f} s (max {browser['draw_max_s']:.2f} s; "
                f"first load {browser['draw_first_s']:.2f} s)",
                met=browser["draw_max_s"] <= 2.0,
            )
        )
        rows.append(
            Figure(
                "Browser: bytes received per refresh tick",
                "≤ 50 KB",
                f"median {browser['tick_bytes_median'] / 1000:.1f} KB, max "
                f"{browser['tick_bytes_max'] / 1000:.1f} KB ({browser['ticks']} ticks, "
                "a live minute landed before each)",
                met=browser["tick_bytes_max"] <= 50_000,
            )
        )
        for size, heap in browser["heap"].items():
            rows.append(
                Figure(
                    f"Browser heap over the long-run test, {size}", "flat", _heap(heap)
                )
            )
    load = raw["load"]
    rows.append(
        Figure(
            f"Load: {load['walls']} walls + {load['staff']} staff sessions every "
            f"{load['every_seconds']:g} s, {load['workers']} gunicorn workers, Redis",
            "p95 ≤ 200 ms, no error",
            f"p95 {ms(load['p95_ms'])} (p50 {ms(load['p50_ms'])}, p99 "
            f"{ms(load['p99_ms'])}), {load['requests']:,} requests in "
            f"{load['seconds']:g} s, {load['errors']} errors",
            met=load["p95_ms"] <= 200 and load["errors"] == 0,
        )
    )
    if raw.get("scale"):
        rows.extend(scale_rows(raw["scale"]))
    if raw.get("soak"):
        rows.extend(soak_rows(raw["soak"]))
    soaked = raw["soak"]["wall_seconds"] if raw.get("soak") else 0.0
    rows.append(
        Figure(
            "The whole benchmark",
            "< 30 min",
            f"{raw['seconds'] / 60:.1f} min"
            + (
                f" ({(raw['seconds'] - soaked) / 60:.1f} min without the "
                f"{soaked / 60:.1f}-minute soak)"
                if soaked
                else ""
            )
            + (" (the full year built in this run)" if year["built_now"] else ""),
            # the target, the soak included: said as it is
            met=raw["seconds"] < 1800,
        )
    )
    return rows


def scale_rows(scale: dict) -> list[Figure]:
    """Two instances behind nginx, and the same load as one of them is killed."""
    shape = (
        f"{scale['walls']} wall screens + {scale['staff']} staff sessions every "
        f"{scale['every_seconds']:g} s through nginx, {scale['instances']} instances "
        f"× {scale['workers']} workers, one PostgreSQL (the full year), one Redis"
    )
    rows = [
        Figure(
            f"Scale: {shape}",
            "p95 ≤ 200 ms, no error",
            f"p95 {ms(scale['p95_ms'])} (p50 {ms(scale['p50_ms'])}, p99 "
            f"{ms(scale['p99_ms'])}), {scale['requests']:,} requests, "
            f"{scale['errors']} errors; {scale['share_a']:.0%} answered by A",
            met=scale["p95_ms"] <= 200 and scale["errors"] == 0,
        )
    ]
    if scale["killed_after_s"]:
        rows.append(
            Figure(
                f"Scale: the same, instance A killed (SIGKILL, every process) "
                f"after {scale['killed_after_s']:g} s; B alone from then on",
                "no error",
                f"{scale['after_errors']} errors in {scale['after_requests']:,} "
                f"requests, recovered in {scale['recovered_s']:.1f} s; p95 "
                f"{ms(scale['after_p95_ms'])} (p50 {ms(scale['after_p50_ms'])}, "
                f"max {ms(scale['after_max_ms'])})",
                met=scale["after_errors"] == 0,
            )
        )
    return rows


def refresh_rows(store: str, times: RefreshTimes, what: str) -> list[Figure]:
    """The overview refresh's rows on one store: warm and right after a new batch
    (p95 against the targets), and after a batch of past hours."""
    rows = []
    for kind, target in (("warm", 10.0), ("cold", 100.0)):
        found = tuple(getattr(times, kind))
        p95 = RefreshTimes.p95(found)
        label = "warm" if kind == "warm" else "right after a new batch"
        rows.append(
            Figure(
                f"Overview refresh, {label}, {_name(store)}, {what} (p95)",
                f"≤ {target:g} ms",
                f"{ms(p95)} (median {ms(RefreshTimes.median(found))}, "
                f"{len(found)} refreshes)",
                met=p95 <= target,
            )
        )
    if times.late:
        p95 = RefreshTimes.p95(times.late)
        rows.append(
            Figure(
                f"Overview refresh right after a batch of the hour just over, "
                f"{_name(store)}, {what} (p95)",
                "≤ 100 ms",
                f"{ms(p95)} (median {ms(RefreshTimes.median(times.late))}, "
                f"{len(times.late)} refreshes)",
                met=p95 <= 100.0,
            )
        )
    # a handful of samples: the slowest, not a p95 they cannot carry
    rows.append(
        Figure(
            f"Overview refresh after a batch of past hours, {_name(store)}, {what} "
            "(slowest)",
            "—",
            f"{ms(max(times.backfill, default=0.0))} (median "
            f"{ms(RefreshTimes.median(times.backfill))}, {len(times.backfill)} "
            f"refreshes); the server's first refresh of the store {ms(times.first)}",
        )
    )
    return rows


def soak_rows(soak: dict) -> list[Figure]:
    """Errors and memory of the soak (see ``bench.soak`` for "flat")."""
    what = (
        f"Soak: {soak['seconds'] / 60:.0f} minutes under load with live ingest, "
        f"{soak['workers']} workers, Redis"
    )
    minutes = soak["per_minute"] or [{"p50_ms": 0.0, "p95_ms": 0.0}]
    p95s = [m["p95_ms"] for m in minutes]
    errors = Figure(
        f"{what} — errors",
        "0",
        f"{soak['errors']} errors in {soak['requests']:,} requests "
        f"({soak['walls']} walls + {soak['staff']} staff every "
        f"{soak['every_seconds']:g} s; p95 {ms(soak['p95_ms'])}, per minute "
        f"{ms(min(p95s))} to {ms(max(p95s))}); {soak['batches']} live batches "
        f"({soak['records']:,} records), {soak['batch_errors']} failed",
        met=soak["errors"] == 0 and soak["batch_errors"] == 0,
    )
    by_role = sorted(soak["growth"], key=lambda g: (g["role"] != "worker", g["pid"]))
    grown = "; ".join(
        f"{g['role']} {g['after_warm_up_kib'] / 1024:.0f} → {g['end_kib'] / 1024:.0f}"
        f" MiB ({g['growth']:+.1%}, {g['slope_kib_per_minute'] / 1024:+.2f} MiB/min)"
        for g in by_role
    )
    replaced = soak["workers_replaced"]
    memory = Figure(
        f"{what} — worker memory",
        "flat: growth after the warm-up (first third) < 5 %",
        (grown or "not measured")
        + (f"; {replaced} workers replaced" if replaced else ""),
        met=soak["flat"],
    )
    return [errors, memory]


def _name(store: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[store]


def _heap(heap: dict) -> str:
    """The long-run test's own summary of its heap samples."""
    keys = [k for k in heap if "mb" in k.lower() or "heap" in k.lower()]
    return ", ".join(f"{k} {heap[k]}" for k in keys[:4]) or json.dumps(heap)[:120]


def markdown(rows: list[Figure], raw: dict) -> str:
    mark = {True: "✅", False: "❌", None: ""}
    lines = [
        "| Figure | Target | CityWall | The usual way | Met |",
        "|---|---|---|---|---|",
        *(
            f"| {r.what} | {r.target} | {r.citywall} | {r.baseline or '—'} | "
            f"{mark[r.met]} |"
            for r in rows
        ),
        "",
        f"Machine: {raw['machine']}"
        + (f", PostgreSQL {raw['postgresql']}" if raw.get("postgresql") else "")
        + f". Run {raw['started'][:16].replace('T', ' ')} UTC.",
    ]
    return "\n".join(lines) + "\n"


def write(table: str) -> None:
    RESULTS.write_text(
        "# Benchmark results\n\nWritten by `citywall bench`.\n\n" + table
    )
    readme = README.read_text(encoding="utf-8")
    start, end = MARKERS
    if start in readme and end in readme:
        before, rest = readme.split(start, 1)
        after = rest.split(end, 1)[1]
        README.write_text(f"{before}{start}\n{table}{end}{after}", encoding="utf-8")


def store_options(parser: argparse.ArgumentParser, scale: float) -> None:
    """The options that say where the bench keeps its stores and cache."""
    parser.add_argument("--profile", default="cities/seoul.toml")
    parser.add_argument(
        "--data", default="data/bench", help="where the stores are kept"
    )
    parser.add_argument("--scale", type=float, default=scale, help="of the full year")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CITYWALL_BENCH_POSTGRES_URL",
            "postgresql+psycopg://postgres@127.0.0.1:5432/citywall_bench",
        ),
        help="a PostgreSQL database the bench may fill, made if missing (its "
        "CityWall tables are dropped); '' to leave PostgreSQL out",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("CITYWALL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="citywall bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    store_options(parser, scale=1.0)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument(
        "--soak-minutes",
        type=float,
        default=10.0,
        help="of the soak after the load bench; 0 to skip it",
    )
    parser.add_argument(
        "--indicators",
        type=int,
        default=0,
        help=f"time the overview of a wall declaring this many indicators (e.g. "
        f"{INDICATORS}) too, on the full year (bench/indicator_refresh.py): about 3 "
        "minutes a store, and the first time the rollups of its filters (about 6 "
        "minutes a million events on SQLite, 10 on PostgreSQL, here)",
    )
    parser.add_argument(
        "--scale-seconds",
        type=float,
        default=120.0,
        help="of 200 walls + 400 staff through nginx on two instances, one killed "
        "halfway (bench/scale.py, on the PostgreSQL year); 0 to skip it",
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="build the full year anew")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = Settings(
        profile_path=(PROJECT_ROOT / args.profile)
        if not Path(args.profile).is_absolute()
        else Path(args.profile),
        data=Path(args.data).resolve(),
        scale=args.scale,
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
        load_seconds=args.load_seconds,
        soak_minutes=args.soak_minutes,
        browser=not args.no_browser,
        fresh=args.fresh,
        indicators=args.indicators,
        scale_seconds=args.scale_seconds,
    )
    rows, raw = run(settings)
    table = markdown(rows, raw)
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps(raw, indent=1, default=str))
    if not args.no_write:
        write(table)
    print(table)
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
