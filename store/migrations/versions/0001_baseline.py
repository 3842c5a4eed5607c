"""The store as CityWall made it before migrations, from whatever it was.

An empty database gets every table and index. A store made by an earlier CityWall
(its tables made at each start, no revision recorded) is brought to the same
schema in place, keeping every row: the tables it lacks are made, the columns added
since are added (each has a server default for the rows already there), the
indexes added since are made and the retired ones dropped.

The tables are frozen here as they were at this revision, not read from
``store.schema``: once a later migration changes a table, this one must still make
the table as it was, or the later one would apply its change twice. Written as
SQLAlchemy tables, so each dialect gets its own DDL from the same definitions (the
row ids, the partial index of alerts, SQLite's WITHOUT ROWID readings).

A store from before readings were clustered on their key keeps its layout (an id,
a unique (series, place, time) and a (series, time) index): it works as it is, and
rebuilding a year of readings is not a start-up's business.

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Column, ForeignKey, Index, Table, UniqueConstraint, text
from sqlalchemy.schema import CreateColumn

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# indexes of earlier versions, each one more B-tree for every insert
RETIRED_INDEXES = ("ix_events_domain_status", "ix_events_domain_expires")


def upgrade() -> None:
    bind = op.get_bind()
    tables = _tables()
    tables.create_all(bind, checkfirst=True)
    inspector = sa.inspect(bind)
    for table in tables.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                ddl = CreateColumn(column).compile(dialect=bind.dialect)
                op.execute(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
        for index in table.indexes:
            index.create(bind, checkfirst=True)
    for name in RETIRED_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    raise NotImplementedError("the baseline is where a store's history starts")


def _tables() -> sa.MetaData:
    metadata = sa.MetaData()
    # SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT
    row_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    # store.types.UTCDateTime's DDL: timestamptz on PostgreSQL, text on SQLite
    time = sa.DateTime(timezone=True)
    Table(
        "districts",
        metadata,
        Column("code", sa.String(16), primary_key=True),
        Column("name_en", sa.Text, nullable=False),
        Column("name_local", sa.Text, nullable=False),
        Column("population", sa.Integer, nullable=False),
        Column("area_km2", sa.Float, nullable=False),
        Column("centroid_lon", sa.Float, nullable=False),
        Column("centroid_lat", sa.Float, nullable=False),
    )
    Table(
        "events",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("source", sa.String(64), nullable=False),
        Column("source_id", sa.String(200), nullable=False),
        Column("domain", sa.String(16), nullable=False),
        Column("category", sa.String(64), nullable=False),
        Column("title", sa.Text, nullable=False),
        Column("status", sa.String(32), nullable=False),
        Column("severity", sa.String(16)),
        Column("district_code", sa.String(16), ForeignKey("districts.code")),
        Column("lon", sa.Float),
        Column("lat", sa.Float),
        Column("occurred_at", time, nullable=False),
        Column("updated_at", time, nullable=False),
        Column("closed_at", time),
        Column("expires_at", time),
        Column("attrs", sa.JSON, nullable=False),
        Column("ingested_at", time, nullable=False),
        UniqueConstraint("source", "source_id", name="uq_events_source_record"),
        Index("ix_events_domain_occurred", "domain", "occurred_at"),
        Index("ix_events_domain_closed", "domain", "closed_at"),
        Index(
            "ix_events_alerts_expires",
            "domain",
            "expires_at",
            sqlite_where=text("domain = 'disaster'"),
        ).ddl_if(dialect="sqlite"),
        Index(
            "ix_events_alerts_expires",
            "expires_at",
            postgresql_where=text("domain = 'disaster'"),
        ).ddl_if(dialect="postgresql"),
    )
    Table(
        "event_areas",
        metadata,
        Column(
            "event_id",
            row_id,
            ForeignKey("events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(
            "district_code",
            sa.String(16),
            ForeignKey("districts.code"),
            primary_key=True,
        ),
        Index("ix_event_areas_district", "district_code"),
    )
    Table(
        "measurements",
        metadata,
        Column("source", sa.String(64), nullable=False),
        Column("series", sa.String(64), nullable=False),
        Column("place", sa.String(128), nullable=False),
        Column("category", sa.String(64)),
        Column("district_code", sa.String(16), ForeignKey("districts.code")),
        Column("lon", sa.Float),
        Column("lat", sa.Float),
        Column("observed_at", time, nullable=False),
        Column("value", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint(
            "series", "observed_at", "place", name="pk_measurements"
        ),
        sqlite_with_rowid=False,
    )
    Table(
        "source_state",
        metadata,
        Column("source", sa.String(64), primary_key=True),
        Column("cursor", sa.Text),
        Column("last_success_at", time),
        Column("last_error_at", time),
        Column("last_error", sa.Text),
    )
    Table(
        "source_feeds",
        metadata,
        Column("source", sa.String(64), primary_key=True),
        Column("feed", sa.String(80), primary_key=True),
    )
    Table(
        "source_runs",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("source", sa.String(64), nullable=False),
        Column("started_at", time, nullable=False),
        Column("finished_at", time, nullable=False),
        Column("fetched", sa.Integer, nullable=False),
        Column("stored", sa.Integer, nullable=False),
        Column("rejected", sa.Integer, nullable=False),
        Column("error", sa.Text),
        Index("ix_source_runs_source_started", "source", "started_at"),
    )
    Table(
        "quarantine",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("source", sa.String(64), nullable=False),
        Column("source_id", sa.String(200)),
        Column("reason", sa.Text, nullable=False),
        Column("excerpt", sa.Text, nullable=False),
        Column("received_at", time, nullable=False),
    )
    Table(
        "cameras",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("source", sa.String(64), nullable=False),
        Column("camera_id", sa.String(200), nullable=False),
        Column("name", sa.String(200), nullable=False),
        Column("provider", sa.String(100), nullable=False),
        Column("lon", sa.Float, nullable=False),
        Column("lat", sa.Float, nullable=False),
        Column("district_code", sa.String(20)),
        Column("snapshot_url", sa.Text),
        Column("stream_url", sa.Text),
        Column("access", sa.String(20), nullable=False),
        Column("seen_at", time, nullable=False),
        UniqueConstraint("source", "camera_id", name="uq_cameras_source_camera"),
    )
    Table(
        "stage_log",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("seq", sa.Integer, nullable=False, unique=True),
        Column("at", time, nullable=False),
        Column("level", sa.Integer, nullable=False),
        Column("previous", sa.Integer),
        Column("manual", sa.Integer, nullable=False),
        Column("cause", sa.Text, nullable=False),
    )
    Table(
        "stage_overrides",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("level", sa.Integer, nullable=False),
        Column("reason", sa.Text, nullable=False),
        Column("set_at", time, nullable=False),
        Column("until", time),
        Column("cleared_at", time),
    )
    Table(
        "event_hourly",
        metadata,
        Column("domain", sa.String(16), primary_key=True),
        Column("hour", time, primary_key=True),
        Column("district_code", sa.String(16), primary_key=True),
        Column("category", sa.String(64), primary_key=True),
        Column("opened", sa.Integer, nullable=False),
        Column("closed", sa.Integer, nullable=False),
    )
    Table(
        "event_totals",
        metadata,
        Column("domain", sa.String(16), primary_key=True),
        Column("district_code", sa.String(16), primary_key=True),
        Column("opened", sa.BigInteger, nullable=False),
        Column("closed", sa.BigInteger, nullable=False),
    )
    Table(
        "close_hours_histogram",
        metadata,
        Column("domain", sa.String(16), primary_key=True),
        Column("hour", time, primary_key=True),
        Column("district_code", sa.String(16), primary_key=True),
        Column("bucket", sa.Integer, primary_key=True),
        Column("n", sa.Integer, nullable=False),
    )
    Table(
        "measurement_hourly",
        metadata,
        Column("series", sa.String(64), primary_key=True),
        Column("hour", time, primary_key=True),
        Column("district_code", sa.String(16), primary_key=True),
        Column("n", sa.Integer, nullable=False),
        Column("total", sa.Float, nullable=False),
    )
    Table(
        "store_meta",
        metadata,
        Column("key", sa.String(64), primary_key=True),
        Column("value", sa.BigInteger, nullable=False),
    )
    Table(
        "accounts",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("username", sa.String(64), nullable=False, unique=True),
        Column("password_hash", sa.Text, nullable=False),
        Column("role", sa.String(16), nullable=False),
        Column("created_at", time, nullable=False),
        Column("disabled_at", time),
        Column("session_version", sa.Integer, nullable=False, server_default=text("0")),
    )
    Table(
        "wall_devices",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("label", sa.String(100), nullable=False, unique=True),
        Column("role", sa.String(16), nullable=False),
        Column("enrol_hash", sa.String(64), unique=True),
        Column("enrol_until", time),
        Column("secret_hash", sa.String(64), unique=True),
        Column("created_at", time, nullable=False),
        Column("enrolled_at", time),
        Column("last_seen_at", time),
        Column("revoked_at", time),
    )
    Table(
        "sign_in_failures",
        metadata,
        Column("key_hash", sa.String(64), primary_key=True),
        Column("failures", sa.Integer, nullable=False),
        Column("first_at", time, nullable=False),
        Column("locked_until", time),
    )
    Table(
        "embed_tokens",
        metadata,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("target", sa.String(200), nullable=False),
        Column("district", sa.String(16)),
        Column("issued_at", time, nullable=False),
        Column("expires_at", time, nullable=False),
        Column("revoked_at", time),
    )
    return metadata
