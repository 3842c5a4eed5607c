"""The overview refresh of a wall that declares many indicators (by default 60 in
6 domains, ``bench.many_indicators``), timed as the overview's own rows are
(``bench.refresh``): warm, and right after each of ``BATCHES`` live batches, so
that the p95 rests on at least a hundred refreshes.

``citywall bench --indicators 60`` adds these rows for the full year on both
stores (opt-in: the first time, the store builds the rollups of their filters,
about 6 minutes a million events on SQLite and 10 on PostgreSQL on the 2-core
bench machine). ``python -m bench.indicators_alone --scale
0.01`` times them alone on a smaller year (0.01: 100 k events, 500 k
measurements) kept in ``--data`` beside the full one: SQLite through the ingest,
PostgreSQL a COPY of it, both caught up to this hour on later runs; with the
shipped profile's refresh beside them for comparison.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from bench.many_indicators import profile_with_many_indicators
from bench.refresh import BATCHES, RefreshTimes, measure_refresh
from bench.synthetic import SyntheticCity
from city.profile import CityProfile, load_profile
from store import connect
from store.facets import use_facet_groups

log = logging.getLogger("bench")
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
        url,
        str(path),
        profile,
        redis_url,
        city,
        batches=batches,
        backfills=BACKFILLS,
        lates=batches,
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
