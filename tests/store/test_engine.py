"""Opening a store: SQLite's files are the owner's only (the database, its WAL and
shared-memory files, a folder it makes), and opening one changes no table
(tests/store/test_migrations.py has how a store gets its tables)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, inspect

from store import connect, schema
from tests.conftest import service_url, store_at_head, store_on


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def _write(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.store_meta).values(key="probe", value=1))


def test_a_new_sqlite_store_and_its_wal_are_the_owners_only(tmp_path, lax_umask):
    database = tmp_path / "new" / "deeper" / "citywall.db"
    engine = store_at_head(f"sqlite:///{database}")
    try:
        _write(engine)
        with engine.connect() as conn:  # a reader alongside: the WAL in use
            conn.exec_driver_sql("SELECT 1")
            files = [
                database,
                *(database.with_name(f"citywall.db-{s}") for s in ("wal", "shm")),
            ]
            assert all(f.exists() for f in files)
            assert {str(f.name): mode(f) for f in files} == {
                f.name: 0o600 for f in files
            }
        assert mode(database.parent) == 0o700 and mode(database.parent.parent) == 0o700
    finally:
        engine.dispose()


def test_an_older_sqlite_stores_files_are_narrowed(tmp_path, lax_umask):
    database = tmp_path / "citywall.db"
    engine = store_at_head(f"sqlite:///{database}")
    _write(engine)
    engine.dispose()
    for f in tmp_path.iterdir():
        f.chmod(0o644)  # as an earlier version left them
    engine = connect(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert {mode(f) for f in tmp_path.iterdir()} == {0o600}
    finally:
        engine.dispose()


def test_opening_a_store_makes_no_table(store_url):
    engine = connect(store_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_postgresql_connections_never_compile_plans():
    """A wall's reads are short: a prepared statement planned for any bounds is
    costed high enough to be JIT-compiled (10 ms and more, for a read of one), so
    the store's PostgreSQL connections turn JIT off, kept past a rollback."""
    engine = connect(service_url("CITYWALL_TEST_POSTGRES_URL", "PostgreSQL"))
    try:
        with engine.connect() as conn:
            conn.rollback()
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_forked_process_opens_its_own_connections(backend, tmp_path):
    """gunicorn forks its workers from a master that has used the store: a
    worker that took over the master's pooled connection would share its socket
    (or SQLite handle) with its siblings. The child connects anew."""
    with store_on(backend, tmp_path) as url:
        engine = connect(url)
        try:
            parent = _connection_identity(engine)
            assert _connection_identity(engine) == parent  # the pool keeps it
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: report and leave at once, whatever happens
                try:
                    os.write(write, repr(_connection_identity(engine)).encode())
                finally:
                    os._exit(0)
            os.close(write)
            with os.fdopen(read) as answer:
                child = answer.read()
            os.waitpid(pid, 0)
            assert parent == os.getpid()
            assert child == repr(pid)  # a connection of its own
            # and the parent's own connection still works
            assert _connection_identity(engine) == parent
        finally:
            engine.dispose()


def _connection_identity(engine) -> int:
    """The process that opened the connection the pool hands out."""
    with engine.connect() as conn:
        return conn.connection.info.setdefault("opened_by", os.getpid())
