"""Alembic's entry to the store's migrations, run only through
``store.migrations`` (which hands over the connection to migrate through).

All the pending migrations run in one transaction whose first statement takes
the upgrade lock, and the store's revision is read after it: a second process
that waited for the lock finds the store upgraded and does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from store.migrations import LOCK_KEY
from store.schema import metadata

config = context.config


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
        )
    elif connection.dialect.name == "sqlite":
        # the write lock now, not at the first write: a second process waits here
        # (the engine's busy timeout) before it reads the revision
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite's DDL is transactional too: one transaction, all or nothing
        transactional_ddl=True,
    )
    with context.begin_transaction():
        _lock(connection)
        config.attributes["before"] = context.get_context().get_current_revision()
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the store's migrations run against a database, not as SQL")
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("run the store's migrations with `citywall db upgrade`")
run(connection)
