"""The overview with many declared indicators timed alone (the shipped profile's
beside it with ``--with-shipped``): ``python -m bench.indicators_alone --scale 0.1``
(a year of 1 M events). ``citywall bench --indicators 60`` adds the same rows to
the full run."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from bench.indicator_refresh import BATCHES, INDICATORS, log, measure_many, timed
from bench.many_indicators import profile_with_many_indicators
from bench.synthetic import Volume
from city.profile import load_profile


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
        prog="python -m bench.indicators_alone",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    store_options(parser, scale=0.01)
    parser.add_argument(
        "--days",
        type=int,
        default=Volume().days,
        help="the history's length (a few days: a small scale's live minutes "
        "still hold records)",
    )
    parser.add_argument("--indicators", type=int, default=INDICATORS)
    parser.add_argument("--batches", type=int, default=BATCHES)
    parser.add_argument(
        "--store",
        choices=("both", "sqlite", "postgresql"),
        default="both",
        help="postgresql alone builds its year through the ingest instead of "
        "copying SQLite's: for a disk that cannot hold both full years (about 40 "
        "GB each), run --store sqlite, delete its file, then --store postgresql",
    )
    parser.add_argument(
        "--with-shipped",
        action="store_true",
        help="time the shipped profile's refresh beside them (its serve keeps no "
        "facet rollups: the next run makes them again, minutes a million events)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    base = Path(args.profile)
    base = base if base.is_absolute() else PROJECT_ROOT / base
    data = Path(args.data).resolve()
    data.mkdir(parents=True, exist_ok=True)
    # the store is kept with the many indicators' facet rollups: caught up by their
    # profile, it keeps them from one run to the next
    many = load_profile(profile_with_many_indicators(base, data, args.indicators))
    volume = replace(Volume().scaled(args.scale), days=args.days)
    name = f"scale-{args.scale:g}"
    path = data / f"{name}.db"
    urls = {}
    if args.store != "postgresql":
        engine, info, _report, _built = kept_store(
            f"sqlite:///{path}", data / f"{name}.json", many, volume, progress=log.info
        )
        engine.dispose()
        urls["sqlite"] = f"sqlite:///{path}"
    if args.postgres_url and args.store != "sqlite":
        ensure_database(args.postgres_url)
        database = make_url(args.postgres_url).database
        if args.store == "postgresql":  # through the ingest, as SQLite's was
            marker = data / f"{database}-{name}-ingest.json"
            engine, info, _report, _built = kept_store(
                args.postgres_url, marker, many, volume, progress=log.info
            )
            engine.dispose()
        else:
            marker = data / f"{database}-postgresql.json"
            kept_copy(path, args.postgres_url, marker, many, info, progress=log.info)
        urls["postgresql"] = args.postgres_url
    if not urls:
        parser.error("no store to time: --store postgresql needs --postgres-url")
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
        if args.with_shipped:
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
    out = data / (
        f"{name}-indicators.json"
        if args.store == "both"
        else f"{name}-{args.store}-indicators.json"
    )
    out.write_text(json.dumps(raw, indent=1, default=str))
    print(markdown(rows, raw))
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
