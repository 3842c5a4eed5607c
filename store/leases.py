"""Leases: a job that one process at a time may do, held through the store.

A lease is a row: its name ("source:311", "stage"), its holder and when it
expires. ``take`` takes it when it is free, expired or already the caller's
(then renewing it) in one statement, so two processes asking at the same
moment cannot both get it; SQLite (3.35 and later) and PostgreSQL run the same
``INSERT … ON CONFLICT … DO UPDATE … WHERE``. A holder that stops lets go
(``release``); one that dies holds on until the lease expires.

Expiry is read against the callers' clocks: the processes' hosts are expected
to keep time (NTP); a host whose clock is off by some seconds takes an expired
lease that many seconds early or late.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from store.schema import leases

INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def take(
    conn: Connection, name: str, holder: str, now: datetime, seconds: float
) -> str:
    """Take or renew the lease ``name`` for ``holder`` until ``seconds`` from
    ``now``, if it is free, expired or ``holder``'s own. Returns who holds it
    after: ``holder`` when it has it.

    A lease another holds and that has not expired is only read (no write: a
    process standing by asks often, and on SQLite every write waits its turn)."""
    current = conn.execute(
        select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
    ).first()
    if current is not None and current.holder != holder and current.expires_at > now:
        return current.holder
    stmt = INSERTS[conn.dialect.name](leases).values(
        name=name,
        holder=holder,
        expires_at=now + timedelta(seconds=seconds),
        taken_at=now,
    )
    ours = leases.c.holder == stmt.excluded.holder
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={
                "holder": stmt.excluded.holder,
                "expires_at": stmt.excluded.expires_at,
                # a renewal keeps the time the holder took it
                "taken_at": case(
                    (ours, leases.c.taken_at), else_=stmt.excluded.taken_at
                ),
            },
            where=ours | (leases.c.expires_at <= stmt.excluded.taken_at),
        )
    )
    return conn.execute(
        select(leases.c.holder).where(leases.c.name == name)
    ).scalar_one()


def release(conn: Connection, name: str, holder: str) -> bool:
    """Let go of ``name`` if ``holder`` holds it (True); another's is left alone."""
    done = conn.execute(
        delete(leases).where(leases.c.name == name, leases.c.holder == holder)
    )
    return bool(done.rowcount)


def holders(conn: Connection, now: datetime) -> list[Row[Any]]:
    """Every lease in force (name, holder, expires_at, taken_at), by name."""
    return list(
        conn.execute(
            select(leases).where(leases.c.expires_at > now).order_by(leases.c.name)
        )
    )
