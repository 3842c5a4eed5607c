"""Opening the store: one engine per URL, SQLite tuned for a wall that reads while
the ingest writes."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from store.errors import StoreSetupError
from store.private_files import private_file, private_folder

# The forms a hosting service or libpq hands out, and SQLAlchemy's own without a
# driver (which means psycopg2, not installed): all go to psycopg 3.
POSTGRES_SCHEMES = ("postgres", "postgresql")
POSTGRES_DRIVER = "postgresql+psycopg"
EXAMPLE_URL = "postgresql://user:password@host:5432/citywall"


def with_driver(url: str) -> str:
    """``url`` with PostgreSQL's plain forms (``postgres://``, ``postgresql://``)
    given the installed driver, psycopg 3; any other URL as it is."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in POSTGRES_SCHEMES:
        return f"{POSTGRES_DRIVER}://{rest}"
    return url


def connect(url: str) -> Engine:
    """An engine for ``url``. It makes no table: the schema is the migrations'
    (``store.migrations.upgrade``), run by the processes that write, never by a
    web worker opening the store. A URL that names no database this code can
    open raises ``StoreSetupError``, saying what to write instead."""
    url = with_driver(url)
    parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        return _not_shared_across_fork(_sqlite_engine(url))
    try:
        return _not_shared_across_fork(_server_engine(url))
    except (NoSuchModuleError, ImportError) as exc:  # a driver not installed
        raise StoreSetupError(
            f"the database URL (CITYWALL_DATABASE_URL) {shown_url(url)} names a "
            f"driver that is not installed ({parsed.drivername}): write it as "
            f"{EXAMPLE_URL} "
            "(psycopg 3), or leave it empty for SQLite in the data folder"
        ) from exc


def _not_shared_across_fork(engine: Engine) -> Engine:
    """A process forked from this one (gunicorn's workers, forked from a master
    that has used the store) starts with an empty pool: two processes talking
    on one inherited connection garble it for both (psycopg's "can't change
    'autocommit' now", reads answered with the other's rows). The parent's
    connections are left open for the parent (``close=False``)."""
    kept = weakref.ref(engine)  # the hook must not keep every engine alive

    def forget_parents_connections() -> None:
        engine = kept()
        if engine is not None:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=forget_parents_connections)
    return engine


def shown_url(url: str | URL) -> str:
    """The URL without its password: for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable)"


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise StoreSetupError(
            "the database URL (CITYWALL_DATABASE_URL) is not one SQLAlchemy reads: "
            f"write it as "
            f"{EXAMPLE_URL}, or leave it empty for SQLite in the data folder"
        ) from None


def _server_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        # a database that is down answers "unreachable" in seconds, never
        # holds a wall's refresh for the minutes of a TCP time-out
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )

    @event.listens_for(engine, "connect")
    def _no_jit(dbapi_connection, _record) -> None:
        # psycopg prepares a statement run five times, and PostgreSQL may then
        # plan it for any bounds: a range of a quarter hour of readings is
        # costed as a quarter of a million rows, enough to compile the plan
        # (10 ms and more, for a read of a millisecond). A wall's reads are short.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()  # a SET rolled back with its transaction is undone

    return engine


CONNECT_TIMEOUT_SECONDS = 5
SQLITE_CACHE_KIB = 64 * 1024  # per connection
SQLITE_MMAP_BYTES = 1024**3  # file pages read through the OS's cache, shared


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    files: tuple[Path, ...] = ()
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        private_folder(path.parent, narrow=False)
        # made here, empty and owner-only: SQLite gives its WAL and shared-memory
        # files the database file's mode, so they are owner-only too
        private_file(path, create=True)
        files = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the wall read while a batch is being written.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # a year of a big city is gigabytes of indexes: SQLite's 2 MB page cache
        # would make every insert and every rollup read go to the file
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()
        for path in files:  # a store made by an earlier version: 0644
            private_file(path)

    return engine
