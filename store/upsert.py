"""Insert-or-update for both databases, one statement for a whole batch."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, Text, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

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
    stmt = _on_conflict(dialect.insert(table), table, keys, overrides, rows[0])
    if len(rows) > 1 and conn.dialect.name == "sqlite":
        _sqlite_executemany(conn, table, stmt, rows)
    elif len(rows) > 1:
        conn.execute(_postgres_unnest(table, keys, overrides, rows))
    else:
        conn.execute(stmt, rows)


def _postgres_unnest(table: Table, keys: list[str], overrides, rows) -> Any:
    """One statement for the whole batch: each column's values as one array,
    unnested into rows. An executemany runs the statement once per row on the
    server, which held PostgreSQL's ingest to a few thousand records a second."""
    names = list(rows[0])
    arrays = [
        bindparam(
            f"u_{n}",
            _column_values(table.c[n], rows),
            type_=ARRAY(_array_item(table.c[n])),
        )
        for n in names
    ]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    values = [
        cast(unnested.c[n], table.c[n].type)
        if isinstance(table.c[n].type, JSON)
        else unnested.c[n]
        for n in names
    ]
    stmt = postgresql.insert(table).from_select(names, select(*values))
    return _on_conflict(stmt, table, keys, overrides, rows[0])


def _on_conflict(stmt, table: Table, keys: list[str], overrides, row: dict) -> Any:
    """``stmt`` replacing the stored values of a row whose key exists (or taking
    the expressions in ``overrides``)."""
    changed = {
        c.name: stmt.excluded[c.name]
        for c in table.columns
        if c.name not in keys and not c.primary_key and c.name in row
    }
    if overrides:
        changed |= overrides(stmt.excluded)
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed)


def _column_values(column, rows) -> list:
    if not isinstance(column.type, JSON):
        return [r[column.name] for r in rows]
    dumped: dict[int, str] = {}  # a batch often shares its attribute dicts
    out = []
    for r in rows:
        v = r[column.name]
        if v is not None and id(v) not in dumped:
            dumped[id(v)] = json.dumps(v)
        out.append(None if v is None else dumped[id(v)])
    return out


def _array_item(column) -> Any:
    """JSON travels as text in the array and is cast back in the select."""
    return Text() if isinstance(column.type, JSON) else column.type


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
