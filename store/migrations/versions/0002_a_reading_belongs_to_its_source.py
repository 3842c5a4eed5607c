"""A reading belongs to its source: ``source`` joins the readings' key.

Readings were keyed by (series, time, place), so two sources of one series — a bus
feed and a metro feed writing ``route:unknown`` for the same minute — overwrote each
other, each run saying it stored its reading. Now (series, time, place, source):
both are kept, and the KPIs combine them (a mean over every reading of every
source, as the rollups already sum them).

Upgraded in place, keeping every row. A store clustered on its key (made since
0001's layout) gets the new primary key: PostgreSQL alters it; SQLite cannot
change a table's key, so the table is rebuilt by Alembic's batch mode (copied into
a new table of the frozen shape below, still WITHOUT ROWID, then renamed). A store
from before readings were clustered keeps its layout (a rowid and a unique
constraint), and its unique (series, place, time) takes the source as well.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 22:23:51.009500
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Column, ForeignKey, MetaData, Table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD_KEY = ("series", "observed_at", "place")
NEW_KEY = ("series", "observed_at", "place", "source")


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    key = inspector.get_pk_constraint("measurements")["constrained_columns"]
    if set(key) == set(OLD_KEY):
        _new_primary_key(bind.dialect.name)
        return
    # the layout from before readings were clustered: an id and a unique point
    for unique in inspector.get_unique_constraints("measurements"):
        if set(unique["column_names"]) == set(OLD_KEY):
            _new_unique_point(unique["name"], bind.dialect.name)


def _new_primary_key(dialect: str) -> None:
    if dialect == "postgresql":
        op.drop_constraint("pk_measurements", "measurements", type_="primary")
        op.create_primary_key("pk_measurements", "measurements", list(NEW_KEY))
        return
    # SQLite: the rows copied into a table of the new shape, which replaces the old
    with op.batch_alter_table(
        "measurements",
        recreate="always",
        copy_from=_measurements(),
        table_kwargs={"sqlite_with_rowid": False},
    ):
        pass


def _new_unique_point(name: str, dialect: str) -> None:
    columns = ["series", "place", "observed_at", "source"]
    if dialect == "postgresql":
        op.drop_constraint(name, "measurements", type_="unique")
        op.create_unique_constraint(name, "measurements", columns)
        return
    with op.batch_alter_table("measurements", recreate="always") as batch:
        batch.drop_constraint(name, type_="unique")
        batch.create_unique_constraint(name, columns)


def _measurements() -> Table:
    """The readings as this revision makes them (frozen, as 0001's tables are)."""
    metadata = MetaData()
    Table(
        "districts", metadata, Column("code", sa.String(16), primary_key=True)
    )  # for the foreign key
    return Table(
        "measurements",
        metadata,
        Column("source", sa.String(64), nullable=False),
        Column("series", sa.String(64), nullable=False),
        Column("place", sa.String(128), nullable=False),
        Column("category", sa.String(64)),
        Column("district_code", sa.String(16), ForeignKey("districts.code")),
        Column("lon", sa.Float),
        Column("lat", sa.Float),
        Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        Column("value", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint(*NEW_KEY, name="pk_measurements"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    raise NotImplementedError(
        "readings of two sources at one point cannot share the old key"
    )
