"""Leases: one process at a time pulls a source, one watches the stage.

Two ``citywall serve`` or ``citywall ingest --loop`` on one store each ran every
source's pull (the same records fetched twice, two writers racing on a cursor)
and each logged the disaster stage. A new table ``leases`` names who holds each
such job and until when: the holder renews it while it works and lets it go
when it stops; once it expires (its holder killed), another process takes it.

A new, empty table: nothing else changes, on SQLite and PostgreSQL alike.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)  # as the store's UTCDateTime makes it


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("taken_at", TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
