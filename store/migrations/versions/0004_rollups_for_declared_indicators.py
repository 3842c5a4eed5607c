"""Rollups for the declared indicators: filters by facet, and series statistics.

An indicator's ``where`` (category, severity, status, attributes) is answered from
rollups keyed besides by its *facet group* and the event's values of it: three new
tables, made empty (no group is in use until the ingest names one, and naming one
builds its rollups from the rows: ``store.facets.use_facet_groups``).

The readings' hourly rollup gains the lowest and highest reading of the hour and
the readings' category in its key, so a series' mean, minimum, maximum, sum and
count over days, of some categories, read hours instead of readings. A key cannot
be changed in place on SQLite, and every row of it changes anyway: the table is
made again and filled from the readings, in this transaction (months of readings:
one grouped scan of the readings' key).

``store_meta`` gains a ``document`` column for the one fact that is not a number
(the facet groups in use, as JSON).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Column, MetaData, Table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CODE = sa.String(32)  # frozen: the district codes' width since 0003
FACET = sa.String(255)
TIME = sa.DateTime(timezone=True)  # as the store's UTCDateTime makes it


def _tables() -> MetaData:
    """The tables as this revision makes them (frozen, as 0001's are)."""
    metadata = MetaData()
    key = {"primary_key": True}

    def facet() -> list[Column]:
        return [
            Column("domain", sa.String(16), **key),
            Column("facet_group", FACET, **key),
            Column("facet_value", FACET, **key),
        ]

    Table(
        "event_facet_hourly",
        metadata,
        *facet(),
        Column("hour", TIME, **key),
        Column("district_code", CODE, **key),
        Column("opened", sa.Integer, nullable=False),
        Column("closed", sa.Integer, nullable=False),
    )
    Table(
        "event_facet_totals",
        metadata,
        *facet(),
        Column("district_code", CODE, **key),
        Column("opened", sa.BigInteger, nullable=False),
        Column("closed", sa.BigInteger, nullable=False),
    )
    Table(
        "close_hours_facet_histogram",
        metadata,
        *facet(),
        Column("hour", TIME, **key),
        Column("district_code", CODE, **key),
        Column("bucket", sa.Integer, **key),
        Column("n", sa.Integer, nullable=False),
    )
    Table(
        "measurement_hourly",
        metadata,
        Column("series", sa.String(64), **key),
        Column("hour", TIME, **key),
        Column("district_code", CODE, **key),
        Column("category", sa.String(64), **key),
        Column("n", sa.Integer, nullable=False),
        Column("total", sa.Float, nullable=False),
        Column("low", sa.Float, nullable=False),
        Column("high", sa.Float, nullable=False),
    )
    return metadata


# the hour a stored reading falls in, written as each database stores times
HOUR_OF = {
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', observed_at)",
    "postgresql": "date_trunc('hour', observed_at)",
}


def upgrade() -> None:
    bind = op.get_bind()
    op.drop_table("measurement_hourly")
    _tables().create_all(bind)
    hour = HOUR_OF[bind.dialect.name]
    op.execute(
        "INSERT INTO measurement_hourly "
        "(series, hour, district_code, category, n, total, low, high) "
        f"SELECT series, {hour}, COALESCE(district_code, ''), "
        "COALESCE(category, ''), COUNT(*), SUM(value), MIN(value), MAX(value) "
        f"FROM measurements GROUP BY series, {hour}, "
        "COALESCE(district_code, ''), COALESCE(category, '')"
    )
    op.add_column("store_meta", Column("document", sa.Text))


def downgrade() -> None:
    raise NotImplementedError("the readings' hours would lose their categories")
