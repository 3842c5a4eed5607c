"""Insert-or-update for both databases, one statement for a whole batch."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from store.types import UTCDateTime


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: list[str],
    overrides: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """Insert rows; a row whose key exists replaces the stored values (or takes the
    expressions in ``overrides``, which may read the stored row).

    One compiled statement runs over all rows (executemany), which both drivers batch.
    """
    if not rows:
        return
    if conn.dialect.name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no upsert for {conn.dialect.name}")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    changed = {
        c.name: stmt.excluded[c.name]
        for c in table.columns
        if c.name not in keys and not c.primary_key and c.name in rows[0]
    }
    if overrides:
        changed |= overrides(stmt.excluded)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=changed)
    if conn.dialect.name == "sqlite" and len(rows) > 1:
        _sqlite_executemany(conn, table, stmt, rows)
    else:
        conn.execute(stmt, rows)


def _sqlite_executemany(conn: Connection, table: Table, stmt, rows) -> None:
    """The same statement, with the parameters made here: SQLAlchemy's per-value
    processing costs more than SQLite's own insert at ingest volumes."""
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(rows[0]))
    names = compiled.positiontup
    constants = {
        i: compiled.binds[n].effective_value
        for i, n in enumerate(names)
        if n not in table.c  # a constant of the statement (e.g. in a CASE)
    }
    columns = [n for n in names if n in table.c]
    times = [
        i for i, n in enumerate(columns) if isinstance(table.c[n].type, UTCDateTime)
    ]
    jsons = [i for i, n in enumerate(columns) if isinstance(table.c[n].type, JSON)]
    pick = itemgetter(*columns)
    params = []
    # a batch repeats its times (every sensor read at one tick) and often its
    # attribute dicts: each is turned into text once
    texts: dict[Any, str | None] = {}
    dumped: dict[int, str] = {}
    for row in rows:
        values = list(pick(row)) if len(columns) > 1 else [pick(row)]
        for i in times:
            t = values[i]
            text = texts.get(t, _MISSING)
            if text is _MISSING:
                text = texts[t] = sqlite_time(t)
            values[i] = text
        for i in jsons:
            v = values[i]
            if v is not None:
                key = id(v)
                if key not in dumped:
                    dumped[key] = json.dumps(v)
                values[i] = dumped[key]
        params.append(values)
    if constants:  # rare: put them where the statement wants them
        for values in params:
            for i, value in sorted(constants.items()):
                values.insert(i, value)
    conn.exec_driver_sql(str(compiled), [tuple(v) for v in params])


_MISSING = object()


def sqlite_time(value: datetime | None) -> str | None:
    """A time as ``UTCDateTime`` stores it on SQLite (naive UTC text, microseconds
    always written so the text sorts as the time does)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: store aware times only")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without "+00:00"
