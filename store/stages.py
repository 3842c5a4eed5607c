"""Writes and reads of the disaster stage's log and of operators' overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.schema import stage_log, stage_overrides
from store.versions import bump_data_version


def last_logged(conn: Connection) -> Any | None:
    return conn.execute(
        select(stage_log).order_by(stage_log.c.seq.desc()).limit(1)
    ).first()


def logged_at(conn: Connection, at: datetime) -> Any | None:
    """The stage the log held at ``at``: its last change at or before it."""
    return conn.execute(
        select(stage_log)
        .where(stage_log.c.at <= at)
        .order_by(stage_log.c.at.desc(), stage_log.c.seq.desc())
        .limit(1)
    ).first()


def log_change(
    conn: Connection, level: int, manual: bool, cause: str, at: datetime
) -> bool:
    """Log a new stage if it differs from the last one logged; False when another
    process logged the same change first."""
    last = last_logged(conn)
    if last is not None and last.level == level and bool(last.manual) == manual:
        return False
    seq = (last.seq if last is not None else 0) + 1
    try:
        with conn.begin_nested():
            conn.execute(
                insert(stage_log).values(
                    seq=seq,
                    at=at,
                    level=level,
                    previous=last.level if last is not None else None,
                    manual=int(manual),
                    cause=cause[:2000],
                )
            )
    except IntegrityError:
        return False
    return True


def history(conn: Connection, limit: int = 50) -> list[Any]:
    return conn.execute(
        select(stage_log).order_by(stage_log.c.seq.desc()).limit(limit)
    ).all()


def active_override(conn: Connection, now: datetime) -> Any | None:
    return conn.execute(
        select(stage_overrides)
        .where(
            stage_overrides.c.cleared_at.is_(None),
            stage_overrides.c.set_at <= now,
            (stage_overrides.c.until.is_(None)) | (stage_overrides.c.until > now),
        )
        .order_by(stage_overrides.c.set_at.desc(), stage_overrides.c.id.desc())
        .limit(1)
    ).first()


def set_override(
    conn: Connection, level: int, reason: str, now: datetime, until: datetime | None
) -> None:
    clear_overrides(conn, now)
    conn.execute(
        insert(stage_overrides).values(
            level=level, reason=reason, set_at=now, until=until
        )
    )
    bump_data_version(conn)  # walls show it at their next refresh


def clear_overrides(conn: Connection, now: datetime) -> int:
    done = conn.execute(
        update(stage_overrides)
        .where(stage_overrides.c.cleared_at.is_(None))
        .values(cleared_at=now)
    ).rowcount
    bump_data_version(conn)
    return done


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(stage_log)).scalar() or 0
