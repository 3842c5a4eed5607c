"""The overview refresh of a wall that declares many indicators (by default 60 in
6 domains, ``bench.many_indicators``), timed as the overview's own rows are
(``bench.refresh``): warm, and right after each of ``BATCHES`` live batches, so
that the p95 rests on at least a hundred refreshes.

``citywall bench --indicators 60`` adds these rows for the full year on both
stores (opt-in: the first time, the store builds the rollups of their filters,
about 6 minutes a million events on SQLite and 10 on PostgreSQL on the 2-core
bench machine). ``python -m bench.indicator_refresh --scale
0.01`` times them alone on a smaller year (0.01: 100 k events, 500 k
measurements) kept in ``--data`` beside the full one: SQLite through the ingest,
PostgreSQL a COPY of it, both caught up to this hour on later runs; with the
shipped profile's refresh beside them for comparison.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.many_indicators import profile_with_many_indicators
from bench.refresh import RefreshTimes, measure_refresh
from bench.synthetic import SyntheticCity, Volume
from city.profile import CityProfile, load_profile
from store import connect
from store.facets import use_facet_groups

log = logging.getLogger("bench")
BATCHES = 100  # refreshes right after a batch: a p95 of at least 100 samples
BACKFILLS = 3  # after a batch of past hours: each redoes the memo of past hours
INDICATORS = 60


def measure_many(
    url: str,
    base: Path,
    redis_url: str,
    info,
    n: int = INDICATORS,
    batches: int = BATCHES,
) -> RefreshTimes:
    """The overview refresh of the store at ``url`` (holding ``info``'s year) on
    ``base`` with ``n`` declared indicators instead of its own."""
    with tempfile.TemporaryDirectory(prefix="citywall-bench-") as folder:
        path = profile_with_many_indicators(base, Path(folder), n)
        return timed(url, path, redis_url, info, batches)


def timed(url: str, path: Path, redis_url: str, info, batches: int) -> RefreshTimes:
    """The overview refresh of the store at ``url`` with the profile at ``path``
    (the store keeping the rollups of its filters first, as its ingest would)."""
    profile = load_profile(path)
    if profile.facet_groups:  # one without filters reads no facet rollups
        keep_facets(url, profile)
    city = SyntheticCity(
        profile, info.end, info.volume, seed=info.seed, start=info.start
    )
    times = measure_refresh(
        url, str(path), profile, redis_url, city, batches=batches, backfills=BACKFILLS
    )
    log.info(
        "refresh on %s, %d indicators: warm p95 %.1f ms (%d), after a batch p95 "
        "%.1f ms (%d)",
        url.split(":")[0],
        len(profile.indicators),
        times.p95(times.warm),
        len(times.warm),
        times.p95(times.cold),
        len(times.cold),
    )
    return times


def keep_facets(url: str, profile: CityProfile) -> None:
    """The store's facet rollups made those of ``profile``'s filters (rebuilt from
    the rows when they differ: timed, since a full year takes a while)."""
    engine = connect(url)
    try:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            rebuilt = use_facet_groups(conn, profile.facet_groups)
        if rebuilt and engine.dialect.name == "postgresql":
            # planned without statistics, a filtered count scanned a whole facet
            # group (77 ms instead of 0.1 at 1 M events) until autovacuum came by
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        if rebuilt:
            log.info(
                "facet rollups of %d groups built in %.0f s",
                len(profile.facet_groups),
                time.perf_counter() - t0,
            )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    from bench.copy import kept_copy
    from bench.dataset import kept_store
    from bench.run import (
        PROJECT_ROOT,
        Figure,
        ensure_database,
        machine,
        markdown,
        refresh_rows,
        store_options,
    )

    parser = argparse.ArgumentParser(
        prog="python -m bench.indicator_refresh",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    store_options(parser, scale=0.01)
    parser.add_argument("--indicators", type=int, default=INDICATORS)
    parser.add_argument("--batches", type=int, default=BATCHES)
    parser.add_argument(
        "--without-shipped",
        action="store_true",
        help="time only the many indicators, not the shipped profile's beside them",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    base = Path(args.profile)
    base = base if base.is_absolute() else PROJECT_ROOT / base
    data = Path(args.data).resolve()
    data.mkdir(parents=True, exist_ok=True)
    profile = load_profile(base)
    volume = Volume().scaled(args.scale)
    name = f"scale-{args.scale:g}"
    path = data / f"{name}.db"
    engine, info, _report, _built = kept_store(
        f"sqlite:///{path}", data / f"{name}.json", profile, volume, progress=log.info
    )
    engine.dispose()
    urls = {"sqlite": f"sqlite:///{path}"}
    if args.postgres_url:
        ensure_database(args.postgres_url)
        database = args.postgres_url.rsplit("/", 1)[-1]
        marker = data / f"{database}-postgresql.json"
        kept_copy(path, args.postgres_url, marker, profile, info, progress=log.info)
        urls["postgresql"] = args.postgres_url
    raw: dict = {
        "started": datetime.now(UTC).isoformat(),
        # what else ran on the machine: on a shared one, read the figures by it
        "machine": f"{machine()}, load average {os.getloadavg()[0]:.1f} at start",
        "events": volume.events,
        "indicators": args.indicators,
    }
    rows: list[Figure] = []
    for store, url in urls.items():
        shipped = None
        if not args.without_shipped:
            shipped = timed(url, base, args.redis_url, info, args.batches)
            raw[f"{store}_shipped"] = asdict(shipped)
        many = measure_many(
            url, base, args.redis_url, info, args.indicators, args.batches
        )
        raw[f"{store}_indicators"] = asdict(many)
        scale = f"{volume.events / 1e6:g} M events"
        rows += refresh_rows(store, many, f"{args.indicators} indicators, {scale}")
        if shipped is not None:
            rows += refresh_rows(store, shipped, f"the shipped profile, {scale}")
    out = data / f"{name}-indicators.json"
    out.write_text(json.dumps(raw, indent=1, default=str))
    print(markdown(rows, raw))
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
