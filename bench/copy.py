"""A SQLite store copied into PostgreSQL with COPY, rollups and cursors included.

Loading the year through the ingest a second time would take longer than the whole
benchmark may; the PostgreSQL store is instead a copy of the SQLite one (which came
through the ingest), and PostgreSQL's own ingest rate is measured on a year of its
own at the sample's scale. SQLite keeps times as naive UTC text, which PostgreSQL
reads as ``timestamptz`` once the session's zone is UTC; JSON is text on both.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine, make_url, text

from store import connect, writes
from store.schema import metadata

ROWS_PER_FETCH = 50_000


def copy_store(
    sqlite_path: str,
    postgres_url: str,
    progress: Callable[[str], None] | None = None,
) -> tuple[Engine, int]:
    """(engine, rows copied): every table of ``metadata`` at ``postgres_url`` made
    anew and filled from the SQLite file; the id sequences set past the ids."""
    target = connect(postgres_url, create=False)
    metadata.drop_all(target)
    # the tables bare for the copy: indexes after, as a restore does
    indexes = {table.name: list(table.indexes) for table in metadata.sorted_tables}
    metadata.create_all(target)
    with target.begin() as conn:
        for table_indexes in indexes.values():
            for index in table_indexes:
                index.drop(conn)
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
                n = _copy_table(source, pg, table.name, [c.name for c in table.columns])
                total += n
                if progress:
                    seconds = time.perf_counter() - started
                    progress(f"{table.name}: {n:,} rows in {seconds:.0f} s")
            pg.commit()
    finally:
        source.close()
    with target.begin() as conn:
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
        writes.name_store(conn, renew=True)  # a copy is another store
        conn.execute(text("ANALYZE"))
    return target, total


def _copy_table(
    source: sqlite3.Connection, pg: psycopg.Connection, table: str, columns: list[str]
) -> int:
    names = ", ".join(f'"{c}"' for c in columns)
    rows = source.execute(f"SELECT {names} FROM {table}")
    n = 0
    with pg.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        while chunk := rows.fetchmany(ROWS_PER_FETCH):
            for row in chunk:
                copy.write_row(row)
            n += len(chunk)
    return n
