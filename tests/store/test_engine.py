"""Opening a store: SQLite's files are the owner's only (the database, its WAL and
shared-memory files, a folder it makes), and a store made by an earlier version
gets the columns added since, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
)
from werkzeug.security import generate_password_hash

from access import accounts
from store import connect, schema
from store.types import UTCDateTime

PASSWORD = "a-long-enough-password"


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
    engine = connect(f"sqlite:///{database}")
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
    engine = connect(f"sqlite:///{database}")
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


def test_a_store_made_before_sessions_had_versions_gets_the_column(store_url):
    # the accounts table as it was made before the session version was added
    old = MetaData()
    table = Table(
        "accounts",
        old,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("username", String(64), nullable=False, unique=True),
        Column("password_hash", Text, nullable=False),
        Column("role", String(16), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("disabled_at", UTCDateTime),
    )
    made = create_engine(store_url)
    old.create_all(made)
    with made.begin() as conn:
        conn.execute(
            insert(table).values(
                username="kept",
                password_hash=generate_password_hash(PASSWORD),
                role="staff",
                created_at=datetime.now(UTC),
            )
        )
    made.dispose()
    engine = connect(store_url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("accounts")}
        assert "session_version" in columns
        with engine.connect() as conn:
            kept = conn.execute(select(schema.accounts.c.session_version)).all()
        assert kept == [(0,)]
        assert accounts.sign_in(
            engine, "kept", PASSWORD, "10.0.0.1", datetime.now(UTC), "salt"
        )
        # a second process opening the same store finds nothing left to add
        connect(store_url).dispose()
    finally:
        engine.dispose()
