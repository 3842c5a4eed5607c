"""A SQLite store copied into PostgreSQL with COPY, rollups and cursors included.

Loading the year through the ingest a second time would take longer than the whole
benchmark may; the PostgreSQL store is instead a copy of the SQLite one (which came
through the ingest), and PostgreSQL's own ingest rate is measured on a year of its
own at the sample's scale. SQLite keeps times as naive UTC text, which PostgreSQL
reads as ``timestamptz`` once the session's zone is UTC; JSON is text on both.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import Engine, Table, make_url, text

from bench.dataset import StoreInfo, chunk_for, drop_all, ingest, this_hour
from bench.synthetic import SyntheticCity
from city.profile import CityProfile
from ingest.runner import prepare_store
from store import connect, migrations, versions
from store.schema import metadata

ROWS_PER_FETCH = 50_000


def copy_store(
    sqlite_path: str,
    postgres_url: str,
    progress: Callable[[str], None] | None = None,
) -> tuple[Engine, int]:
    """(engine, rows copied): every table of ``metadata`` at ``postgres_url`` made
    anew by the migrations and filled from the SQLite file; the id sequences set
    past the ids."""
    drop_all(postgres_url)
    target = connect(postgres_url)
    migrations.upgrade(target)
    # the tables bare for the copy, keys and indexes made after, as a restore does
    indexes = {table.name: list(table.indexes) for table in metadata.sorted_tables}
    with target.begin() as conn:
        for table_indexes in indexes.values():
            for index in table_indexes:
                index.drop(conn)
        constraints = _drop_constraints(conn)
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    total = 0
    try:
        libpq = (
            make_url(postgres_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        with psycopg.connect(libpq) as pg:
            pg.execute("SET TIME ZONE 'UTC'")
            for table in metadata.sorted_tables:
                started = time.perf_counter()
                n = _copy_table(source, pg, table)
                total += n
                if progress:
                    seconds = time.perf_counter() - started
                    progress(f"{table.name}: {n:,} rows in {seconds:.0f} s")
            pg.commit()
    finally:
        source.close()
    with target.begin() as conn:
        for table, name, definition in constraints:
            conn.execute(
                text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            )
        for table in metadata.sorted_tables:
            for index in indexes[table.name]:
                index.create(conn)
            if "id" in table.c and table.c.id.autoincrement is True:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
        versions.name_store(conn, renew=True)  # a copy is another store
        conn.execute(text("ANALYZE"))
    return target, total


def kept_copy(
    sqlite_path: Path,
    postgres_url: str,
    marker: Path,
    profile: CityProfile,
    info: StoreInfo,
    fresh: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The SQLite store at ``sqlite_path`` (holding ``info``'s year) kept at
    ``postgres_url`` as the SQLite one is kept: copied when ``marker`` describes
    no copy of that year (or ``fresh``), then caught up to this hour through the
    ingest. What it took: ``copy_seconds`` (when copied now), ``loaded_now``."""
    done: dict = {}
    kept = StoreInfo.read(marker)
    if (
        fresh
        or kept is None
        or (kept.start, kept.seed, kept.volume)
        != (
            info.start,
            info.seed,
            info.volume,
        )
    ):
        t0 = time.perf_counter()
        copied, _rows = copy_store(str(sqlite_path), postgres_url, progress)
        copied.dispose()
        done["copy_seconds"] = time.perf_counter() - t0
    engine = connect(postgres_url)
    try:
        prepare_store(engine, profile)
        end = this_hour()
        city = SyntheticCity(
            profile,
            end,
            info.volume,
            seed=info.seed,
            chunk=chunk_for(info.volume),
            start=info.start,
        )
        done["loaded_now"] = ingest(engine, profile, city, progress).records
    finally:
        engine.dispose()
    StoreInfo(info.start, end, info.seed, info.volume).save(marker)
    return done


def _drop_constraints(conn) -> list[tuple[str, str, str]]:
    """Drop the keys, unique and foreign-key constraints of the store's tables;
    (table, name, definition) of each, in the order to add them back."""
    names = [t.name for t in metadata.sorted_tables]
    found = conn.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname, "
            "pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c "
            "WHERE c.conrelid::regclass::text = ANY(:names) AND c.contype IN "
            "('p', 'u', 'f')"
        ),
        {"names": names},
    ).all()
    # foreign keys go first and come back last: they lean on the others
    ordered = sorted(found, key=lambda row: row[3] != "f")
    for table, name, _definition, _kind in ordered:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    return [(t, n, d) for t, n, d, _k in reversed(ordered)]


def _copy_table(
    source: sqlite3.Connection, pg: psycopg.Connection, table: Table
) -> int:
    """The rows as CSV, written by the csv module (in C) a block at a time: a row
    at a time through psycopg runs at a tenth of the speed. The csv module writes
    NULL as an empty string; in a nullable column that is read back as NULL (an
    empty string there means nothing else in a CityWall store)."""
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    nullable = ", ".join(f'"{c.name}"' for c in table.columns if c.nullable)
    rows = source.execute(f"SELECT {names} FROM {table.name}")
    n = 0
    force = f", FORCE_NULL ({nullable})" if nullable else ""
    sql = f"COPY {table.name} ({names}) FROM STDIN (FORMAT csv{force})"
    with pg.cursor().copy(sql) as copy:
        while chunk := rows.fetchmany(ROWS_PER_FETCH):
            block = io.StringIO()
            csv.writer(block, quoting=csv.QUOTE_NONNUMERIC).writerows(chunk)
            copy.write(block.getvalue())
            n += len(chunk)
    return n
