"""District codes of up to 32 characters, as the profile accepts them.

The columns holding a district's code were 16 characters long (the cameras' 20),
while a profile could name a district with a longer code: ``city check`` passed
it, and then every record of that district was quarantined (its code longer than
the store holds). Now every such column holds ``city.district_codes.MAX_LENGTH``
(32) characters, the longest code the profile accepts.

Widened in place, keeping every row. PostgreSQL alters the columns (a wider
varchar rewrites nothing). SQLite cannot change a column's type: each table is
rebuilt by Alembic's batch mode from what the store holds (its indexes, its key;
readings stay WITHOUT ROWID, a store from before keeps its layout), copying its
rows; ``store.migrations.upgrade`` turns SQLite's foreign keys off meanwhile, so
that dropping the old districts or events does not empty the tables that refer to
them (the CASCADE from events to their areas would).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WIDTH = 32  # frozen: city.district_codes.MAX_LENGTH when this revision was written

# each table's columns holding a district's code, and their width before
COLUMNS = {
    "districts": {"code": 16},
    "events": {"district_code": 16},
    "event_areas": {"district_code": 16},
    "measurements": {"district_code": 16},
    "cameras": {"district_code": 20},
    "event_hourly": {"district_code": 16},
    "event_totals": {"district_code": 16},
    "close_hours_histogram": {"district_code": 16},
    "measurement_hourly": {"district_code": 16},
    "embed_tokens": {"district": 16},
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _foreign_keys_off(bind)
    for table, columns in COLUMNS.items():
        if bind.dialect.name == "sqlite":
            _rebuild(bind, table, columns)
        else:
            for column, before in columns.items():
                op.alter_column(
                    table,
                    column,
                    type_=sa.String(WIDTH),
                    existing_type=sa.String(before),
                )


def _rebuild(bind: sa.Connection, table: str, columns: dict[str, int]) -> None:
    """The table copied into one of the new width, which replaces it."""
    with op.batch_alter_table(
        table,
        recreate="always",
        table_kwargs={"sqlite_with_rowid": _has_rowid(bind, table)},
    ) as batch:
        for column, before in columns.items():
            batch.alter_column(
                column, type_=sa.String(WIDTH), existing_type=sa.String(before)
            )


def _has_rowid(bind: sa.Connection, table: str) -> bool:
    made_as = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar()
    return "WITHOUT ROWID" not in (made_as or "").upper()


def _foreign_keys_off(bind: sa.Connection) -> None:
    """Dropping the old events with foreign keys on would delete their areas."""
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "SQLite's foreign keys are on: upgrade the store with `citywall db "
            "upgrade` (store.migrations.upgrade turns them off while it rebuilds)"
        )


def downgrade() -> None:
    raise NotImplementedError("codes longer than 16 characters would not fit back")
