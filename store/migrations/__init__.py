"""The store's schema, versioned: Alembic migrations in ``versions/``.

Only the processes that write run them: ``citywall db upgrade``, and through
``ingest.runner.prepare_store`` every command that opens the store to write
(``serve`` before its web workers start, ``ingest``, ``stage``, ``account``...). A
web worker never migrates: it asks ``status`` and reports a store behind the code
in ``/readyz``.

Configured here rather than in an ``alembic.ini``: the migrations are package data,
so an installed wheel upgrades a store as a checkout does. Two processes starting
at the same moment (``serve`` and ``ingest``) do not both migrate: the upgrade runs
in one transaction that first takes a lock (PostgreSQL: a transaction-scoped
advisory lock; SQLite: ``BEGIN IMMEDIATE``, the database's write lock), and the
second process, once it has the lock, finds the store at head.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock's key for "the store's schema is being upgraded" (the
# bytes of "CityWall"): one per database, held until the upgrade's commit
LOCK_KEY = int.from_bytes(b"CityWall", "big")


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's migrations; ``connection`` is the
    one ``env.py`` migrates through."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    # new revisions are named by their number and message: 0002_add_x.py
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _scripts() -> ScriptDirectory:
    # read once per process: the revisions are code, they change with a deploy
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The revision this code expects the store at."""
    heads = _scripts().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: merge them")
    return heads[0]


def current(store: Engine | Connection) -> str | None:
    """The store's revision; None for a store no migration has run on (empty, or
    made by a CityWall from before migrations)."""
    if isinstance(store, Engine):
        with store.connect() as connection:
            return current(connection)
    # read here rather than through Alembic's context, which logs two lines at
    # each call (a readiness probe every few seconds)
    if not inspect(store).has_table(VERSION_TABLE):
        return None
    return store.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


@dataclass(frozen=True)
class Status:
    """Where a store's schema is against where this code expects it."""

    current: str | None
    head: str

    @property
    def ok(self) -> bool:
        return self.current == self.head

    @property
    def reason(self) -> str:
        if self.ok:
            return f"store schema at {self.head}"
        if self.current is not None and not _known(self.current):
            return (
                f"store schema at {self.current}, which this code does not know "
                f"(a newer CityWall upgraded it); code expects {self.head}"
            )
        return (
            f"store schema at {self.current or 'none'}, code expects {self.head}: "
            "run `citywall db upgrade`"
        )


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic's CommandError/ResolutionError for an unknown id
        return False


def status(store: Engine | Connection) -> Status:
    return Status(current(store), head())


def is_current(store: Engine | Connection) -> bool:
    return status(store).ok


def upgrade(
    store: str | Engine, revision: str = "head"
) -> tuple[str | None, str | None]:
    """Bring the store at ``store`` (a URL or an engine) to ``revision``; nothing
    to do when it is there. Returns its revision before and after."""
    from store.engine import connect

    engine = connect(store) if isinstance(store, str) else store
    try:
        with engine.connect() as connection:
            at = current(connection)
            connection.rollback()
            if revision == "head" and at == head():
                return at, at  # at head stays at head: no lock to take
            cfg = config(connection)
            with _sqlite_foreign_keys_off(connection):
                command.upgrade(cfg, revision)
            return cfg.attributes.get("before"), current(connection)
    finally:
        if isinstance(store, str):
            engine.dispose()


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while migrations run: a migration that rebuilds a
    table (batch mode: copy, drop, rename) would otherwise empty the tables whose
    rows refer to the dropped one, or fail. SQLite ignores the pragma inside a
    transaction, so it is set before the migrations' own and put back after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()  # after a failed migration: out of its transaction
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def history() -> list[tuple[str, str]]:
    """(revision, what it does) of every migration, the newest first."""
    return [
        (script.revision, (script.doc or "").strip())
        for script in _scripts().walk_revisions()
    ]


def new_revision(message: str) -> Path:
    """A new, empty migration after head, numbered after it, in ``versions/``."""
    number = len(history()) + 1
    script = command.revision(config(), message=message, rev_id=f"{number:04d}")
    assert script is not None and not isinstance(script, list)
    _scripts.cache_clear()
    return Path(script.path)
