"""Insert-or-update for both databases, one statement for a whole batch."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    select,
)
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
    expressions in ``overrides``, which may read the stored row)."""
    if rows:
        names = list(rows[0])
        pick = itemgetter(*names)
        values = (
            [pick(r) for r in rows] if len(names) > 1 else [(pick(r),) for r in rows]
        )
        upsert_values(conn, table, names, values, keys, overrides)


def upsert_values(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[tuple],
    keys: list[str],
    overrides: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """``upsert`` for rows given as tuples of the columns ``names``: a writer of
    millions of records makes its tuples straight from them, without a dict each.

    One statement for the whole batch on both databases.
    """
    if not rows:
        return
    if conn.dialect.name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no upsert for {conn.dialect.name}")
    if conn.dialect.name == "sqlite":
        stmt = _on_conflict(sqlite.insert(table), table, keys, overrides, names)
        _sqlite_executemany(conn, table, stmt, names, rows, keys)
    elif len(rows) >= COPY_FROM_ROWS:
        _postgres_copy(conn, table, names, rows, keys, overrides)
    else:
        conn.execute(_postgres_unnest(table, keys, overrides, names, rows))


COPY_FROM_ROWS = 200  # below this, one statement's arrays cost less than a COPY


def _postgres_copy(conn: Connection, table: Table, names, rows, keys, overrides):
    """A big batch travels by binary COPY into a temporary twin of the table, then
    one ``INSERT … SELECT … ON CONFLICT`` moves it in. psycopg writes COPY rows in
    C; the arrays of ``_postgres_unnest`` are dumped value by value in Python,
    which was half of PostgreSQL's ingest time."""
    kinds = [_copy_type(table.c[n]) for n in names]
    staging = f"staging_{table.name}"
    columns = ", ".join(f'"{n}" {k}' for n, k in zip(names, kinds))
    cursor = conn.connection.driver_connection.cursor()
    # a temporary table lives as long as the connection: made on first use
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ({columns})")
    cursor.execute(f"TRUNCATE {staging}")
    jsons = [i for i, n in enumerate(names) if isinstance(table.c[n].type, JSON)]
    quoted = ", ".join(f'"{n}"' for n in names)
    with cursor.copy(f"COPY {staging} ({quoted}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(kinds)
        if jsons:
            dumped: dict[int, str] = {}
            for row in rows:
                values = list(row)
                for i in jsons:
                    v = values[i]
                    if v is not None:
                        if id(v) not in dumped:
                            dumped[id(v)] = json.dumps(v)
                        values[i] = dumped[id(v)]
                copy.write_row(values)
        else:
            for row in rows:
                copy.write_row(row)
    staged = Table(staging, MetaData(), *(Column(n, table.c[n].type) for n in names))
    values = [
        cast(staged.c[n], table.c[n].type) if i in jsons else staged.c[n]
        for i, n in enumerate(names)
    ]
    stmt = postgresql.insert(table).from_select(list(names), select(*values))
    conn.execute(_on_conflict(stmt, table, keys, overrides, names))


def _copy_type(column) -> str:
    """The PostgreSQL type a column's values are copied as (JSON as text)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "timestamptz"
    if isinstance(kind, JSON | Text | String):
        return "text"
    if isinstance(kind, Float):
        return "float8"
    if isinstance(kind, Integer):  # BigInteger too
        return "int8"
    if isinstance(kind, Boolean):
        return "bool"
    raise TypeError(f"no COPY type for {column.name}: {kind!r}")


def _postgres_unnest(table: Table, keys: list[str], overrides, names, rows) -> Any:
    """One statement for the whole batch: each column's values as one array,
    unnested into rows. An executemany runs the statement once per row on the
    server, which held PostgreSQL's ingest to a few thousand records a second."""
    columns = list(zip(*rows))
    arrays = [
        bindparam(
            f"u_{n}",
            _column_values(table.c[n], column),
            type_=ARRAY(_array_item(table.c[n])),
        )
        for n, column in zip(names, columns)
    ]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    values = [
        cast(unnested.c[n], table.c[n].type)
        if isinstance(table.c[n].type, JSON)
        else unnested.c[n]
        for n in names
    ]
    stmt = postgresql.insert(table).from_select(names, select(*values))
    return _on_conflict(stmt, table, keys, overrides, names)


def _on_conflict(stmt, table: Table, keys: list[str], overrides, names) -> Any:
    """``stmt`` replacing the stored values of a row whose key exists (or taking
    the expressions in ``overrides``)."""
    changed = {
        c.name: stmt.excluded[c.name]
        for c in table.columns
        if c.name not in keys and not c.primary_key and c.name in names
    }
    if overrides:
        changed |= overrides(stmt.excluded)
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed)


def _column_values(column, values) -> list:
    if not isinstance(column.type, JSON):
        return list(values)
    dumped: dict[int, str] = {}  # a batch often shares its attribute dicts
    out = []
    for v in values:
        if v is not None and id(v) not in dumped:
            dumped[id(v)] = json.dumps(v)
        out.append(None if v is None else dumped[id(v)])
    return out


def _array_item(column) -> Any:
    """JSON travels as text in the array and is cast back in the select."""
    return Text() if isinstance(column.type, JSON) else column.type


def _sqlite_executemany(
    conn: Connection, table: Table, stmt, names, rows, keys: list[str]
) -> None:
    """The statement run over the rows, with the parameters made here: SQLAlchemy's
    per-value processing costs more than SQLite's own insert at ingest volumes."""
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(names))
    order = list(compiled.positiontup)
    at = {n: i for i, n in enumerate(names)}
    constants = tuple(compiled.binds[n].effective_value for n in order if n not in at)
    if order == [*names, *order[len(names) :]] and all(
        n not in at for n in order[len(names) :]
    ):
        # the columns as given, then the statement's own constants (in a CASE)
        params = [(*r, *constants) for r in rows] if constants else rows
    else:
        by_name = dict(zip((n for n in order if n not in at), constants))
        params = [
            tuple(r[at[n]] if n in at else by_name[n] for n in order) for r in rows
        ]
    converters = _sqlite_converters(table, order)
    if converters:
        params = _converted(params, converters)
    conn.exec_driver_sql(str(compiled), _in_key_order(params, order, keys))


def _in_key_order(rows: Sequence[tuple], names: Sequence[str], keys: list[str]):
    """The rows sorted by their key, as SQLite's index on it is: each insert then
    lands next to the last one, in pages already in the cache, instead of all over
    the recent part of the index (a batch of readings comes tick by tick, its
    places in no order). Sorted once times are text, which compares faster than
    aware datetimes. The sort is stable, so of two rows with one key the last
    still wins."""
    if len(rows) < 2:
        return rows
    try:
        return sorted(rows, key=itemgetter(*(names.index(k) for k in keys)))
    except TypeError:  # a key holding None: SQLite takes it, Python cannot sort it
        return rows


def _sqlite_converters(table: Table, order: Sequence[str]) -> list[tuple[int, Any]]:
    """(position, kind) of each parameter SQLite cannot take as it is."""
    found = []
    for i, n in enumerate(order):
        if n in table.c and isinstance(table.c[n].type, UTCDateTime):
            found.append((i, UTCDateTime))
        elif n in table.c and isinstance(table.c[n].type, JSON):
            found.append((i, JSON))
    return found


def _converted(rows: Sequence[tuple], converters: list[tuple[int, Any]]) -> list:
    """Times as the store's text, JSON dumped, column by column. A batch repeats
    its times (every sensor read at one tick) and often its attribute dicts: each
    is turned into text once."""
    columns = list(zip(*rows))
    texts: dict[Any, str | None] = {}
    dumped: dict[int, str] = {}
    for i, kind in converters:
        values = columns[i]
        if kind is UTCDateTime:
            for t in set(values).difference(texts):
                texts[t] = sqlite_time(t)
            columns[i] = [texts[t] for t in values]
        else:
            for v in values:
                if v is not None and id(v) not in dumped:
                    dumped[id(v)] = json.dumps(v)
            columns[i] = [None if v is None else dumped[id(v)] for v in values]
    return list(zip(*columns))


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
