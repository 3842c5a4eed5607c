"""Opening the store: one engine per URL, SQLite tuned for a wall that reads while
the ingest writes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn

from store.private_files import private_file, private_folder
from store.schema import RETIRED_INDEXES, metadata


def connect(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; with ``create`` the tables are made if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            # a database that is down answers "unreachable" in seconds, never
            # holds a wall's refresh for the minutes of a TCP time-out
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
    if create:
        metadata.create_all(engine)
        _add_new_columns(engine)
        _add_new_indexes(engine)
    return engine


def _add_new_columns(engine: Engine) -> None:
    """Columns added to a table after a store was made (``create_all`` only makes
    missing tables); each new column has a server default for the rows already
    there. Each is added in a transaction of its own: a second process starting at
    the same moment finds it added and goes on."""
    have = {
        table.name: {c["name"] for c in inspect(engine).get_columns(table.name)}
        for table in metadata.sorted_tables
    }
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.name in have[table.name]:
                continue
            ddl = CreateColumn(column).compile(dialect=engine.dialect)
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
            except DBAPIError:
                columns = inspect(engine).get_columns(table.name)
                if column.name not in {c["name"] for c in columns}:
                    raise


def _add_new_indexes(engine: Engine) -> None:
    """Indexes added to a table after a store was made (``create_all`` only makes
    the indexes of tables it creates), and those retired since dropped: each is
    one more B-tree for every insert."""
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        for name in RETIRED_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


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
