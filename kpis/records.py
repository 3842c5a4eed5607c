"""What the domain pages show beside the KPIs: the records behind them.

A ``RecordFilter`` (domain, district, category, period) is what a staff member picks
on a page and what the page's URL keeps; every query here answers for one filter:
the latest records, counts over time, by category and by district, map points, and
one record in full. The same filter drives the page, its table and its CSV, so what
is downloaded is what is shown.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    Row,
    Select,
    bindparam,
    func,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from kpis.queries import TITLE_KEY_COLUMN, event_in_district
from store.rollups import hour_of
from store.schema import event_areas, event_hourly, events, measurements

PERIODS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
# Bars per period: hours for a day or a week, days for a month.
BUCKET_SECONDS = {"24h": 3600, "7d": 3600 * 6, "30d": 86400}
DEFAULT_PERIOD = "24h"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class RecordFilter:
    """One view of a domain. Small and hashable: it is part of cache keys."""

    domain: str
    district: str | None = None
    category: str | None = None
    period: str = DEFAULT_PERIOD

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}; use one of {PERIODS}")

    def since(self, now: datetime) -> datetime:
        return now - PERIODS[self.period]


@dataclass(frozen=True)
class Period:
    """The buckets of a filter's period, as its charts over time span them: the
    start of every one, oldest first (epoch seconds, aligned on the city's clock
    as ``epoch_bucket`` aligns them), each ``seconds`` long."""

    starts: tuple[int, ...]
    seconds: int


def period_buckets(f: RecordFilter, now: datetime, offset_seconds: int) -> Period:
    """Every bucket holding a moment of the filter's period (since, now]: the
    empty ones too, which a chart draws as zero rather than leaves out."""
    seconds = BUCKET_SECONDS[f.period]

    def start(at: datetime) -> int:
        return (int(at.timestamp()) + offset_seconds) // seconds * seconds - (
            offset_seconds
        )

    first, last = start(f.since(now)), start(now)
    return Period(tuple(range(first, last + 1, seconds)), seconds)


class epoch_bucket(FunctionElement):
    """Start of the ``seconds``-long bucket holding a time, in epoch seconds, with
    buckets aligned to the city's local clock (``offset`` seconds east of UTC)."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_bucket, "sqlite")
def _bucket_sqlite(element, compiler, **kw):
    at, seconds, offset = list(element.clauses)
    epoch = f"CAST(strftime('%s', {compiler.process(at, **kw)}) AS INTEGER)"
    s, o = compiler.process(seconds, **kw), compiler.process(offset, **kw)
    return f"((({epoch} + {o}) / {s}) * {s} - {o})"


@compiles(epoch_bucket, "postgresql")
def _bucket_postgresql(element, compiler, **kw):
    at, seconds, offset = list(element.clauses)
    # FLOOR: a cast would round 14:59:59.6 into the next hour
    epoch = f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(at, **kw)})) AS BIGINT)"
    s, o = compiler.process(seconds, **kw), compiler.process(offset, **kw)
    return f"(FLOOR(({epoch} + {o}) / {s}::float) * {s} - {o})::bigint"


def _where(f: RecordFilter, now: datetime) -> list[ColumnElement[bool]]:
    where = [
        events.c.domain == f.domain,
        events.c.occurred_at > f.since(now),
        events.c.occurred_at <= now,
    ]
    if f.district:
        where.append(event_in_district(f.district))
    if f.category:
        where.append(events.c.category == f.category)
    return where


RECORD_COLUMNS = (
    events.c.id,
    events.c.occurred_at,
    events.c.category,
    events.c.title,
    events.c.status,
    events.c.severity,
    events.c.district_code,
    events.c.closed_at,
    events.c.lat,
    events.c.lon,
    TITLE_KEY_COLUMN,
)


def newest(
    conn: Connection, domains: list[str], now: datetime, limit: int
) -> list[Row]:
    """The newest events of all ``domains`` (id, domain, title, status, district,
    occurred): the newest of each domain, then the newest of those, so each part
    reads a few entries of the (domain, occurred_at) index; all the parts in one
    statement, one round trip for the database."""
    if not domains:
        return []
    rows = list(
        conn.execute(
            _newest_statement(len(domains)), _newest_params(domains, now, limit)
        )
    )
    rows.sort(key=lambda r: (r.occurred_at, r.id), reverse=True)
    return rows[:limit]


def _newest_params(domains: list[str], now: datetime, limit: int) -> dict:
    params: dict[str, Any] = {"now": now, "limit": limit}
    params |= {f"domain_{i}": d for i, d in enumerate(domains)}
    return params


@functools.cache
def _newest_statement(n: int) -> CompoundSelect:
    """Built once per number of domains: one index range a domain, glued."""
    parts = [
        select(
            events.c.id,
            events.c.domain,
            events.c.title,
            events.c.status,
            events.c.district_code,
            events.c.occurred_at,
            TITLE_KEY_COLUMN,
        )
        .where(
            events.c.domain == bindparam(f"domain_{i}"),
            events.c.occurred_at <= bindparam("now", type_=events.c.occurred_at.type),
        )
        .order_by(events.c.occurred_at.desc())
        .limit(bindparam("limit"))
        .subquery(f"newest_{i}")
        for i in range(n)
    ]
    # each limited part a subquery: SQLite takes no LIMIT inside a compound SELECT
    return union_all(*(select(*part.c) for part in parts))


# what a past moment's table also reads of each record: when it last changed and
# the steps its feed reported (``kpis.then``)
HISTORY_COLUMNS = (
    events.c.updated_at,
    events.c.attrs["lifecycle"].label("lifecycle"),
)


def latest(
    conn: Connection,
    f: RecordFilter,
    now: datetime,
    limit: int | None,
    history: bool = False,
):
    """The filter's records, newest first (all of them when ``limit`` is None);
    with ``history``, what ``kpis.then`` needs to show them as they were."""
    query: Select = (
        select(*RECORD_COLUMNS, *(HISTORY_COLUMNS if history else ()))
        .where(*_where(f, now))
        .order_by(events.c.occurred_at.desc(), events.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


# -- counts: the whole hours of a city-wide view from the hourly rollup, the partial
# hours at the window's ends from the rows (a district's view counts the area
# events covering it, which the rollup does not know: it reads the rows)


def _counted(
    conn: Connection,
    f: RecordFilter,
    now: datetime,
    keys: Callable[[Any], list[ColumnElement]],
    hourly_ok: bool = True,
) -> Counter:
    """Records of the view counted by ``keys(time column)`` (plus the category
    where a key is ``events.c.category``)."""
    whole = _whole_hours(f, now) if f.district is None and hourly_ok else None
    found: Counter = Counter()
    raw_parts = [_where(f, now)]
    if whole is not None:
        first, last = whole
        h = event_hourly
        columns = [_as_hourly(k) for k in keys(h.c.hour)]
        rows = conn.execute(
            select(*columns, func.sum(h.c.opened))
            .where(
                h.c.domain == f.domain,
                h.c.hour >= first,
                h.c.hour < last,
                *([h.c.category == f.category] if f.category else []),
            )
            .group_by(*columns)
        )
        for *key, n in rows:
            if n:  # a sum over no rows is NULL
                found[tuple(key)] += int(n)
        # the two ends apart: each an index range (an OR of both is not)
        where = raw_parts.pop()
        raw_parts = [
            [*where, events.c.occurred_at < first],
            [*where, events.c.occurred_at >= last],
        ]
    columns = keys(events.c.occurred_at)
    for where in raw_parts:
        query = select(*columns, func.count()).where(*where).group_by(*columns)
        for *key, n in conn.execute(query):
            found[tuple(key)] += int(n)
    return found


def _as_hourly(column: ColumnElement) -> ColumnElement:
    return event_hourly.c.category if column is events.c.category else column


def _whole_hours(f: RecordFilter, now: datetime) -> tuple[datetime, datetime] | None:
    """[first, last): the whole hours inside the window (since, now]."""
    first = _floor_hour(f.since(now)) + HOUR
    last = _floor_hour(now)
    return (first, last) if first < last else None


def _floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def total(conn: Connection, f: RecordFilter, now: datetime) -> int:
    return sum(_counted(conn, f, now, lambda _at: []).values())


def counts_over_time(
    conn: Connection, f: RecordFilter, now: datetime, offset_seconds: int
) -> list[tuple[int, str, int]]:
    """(bucket start in epoch seconds, category, count), oldest first."""
    seconds = BUCKET_SECONDS[f.period]
    found = _counted(
        conn,
        f,
        now,
        lambda at: [epoch_bucket(at, seconds, offset_seconds), events.c.category],
        # an hour is inside one bucket only if the city is a whole hours from UTC
        hourly_ok=offset_seconds % 3600 == 0,
    )
    return sorted((int(b), c, n) for (b, c), n in found.items())


def by_category(conn: Connection, f: RecordFilter, now: datetime) -> dict[str, int]:
    found = _counted(conn, f, now, lambda _at: [events.c.category])
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return {c: n for (c,), n in ranked}


def by_district(conn: Connection, f: RecordFilter, now: datetime) -> dict[str, int]:
    """Per district, counting an area event in every district it covers; city-wide
    records are not anyone's (they show in the city total)."""
    where = _where(f, now)
    own = select(events.c.id, events.c.district_code.label("d")).where(
        *where, events.c.district_code.is_not(None)
    )
    further = (
        select(events.c.id, event_areas.c.district_code.label("d"))
        .select_from(events.join(event_areas, event_areas.c.event_id == events.c.id))
        .where(*where)
    )
    covered = own.union(further).subquery()
    rows = conn.execute(select(covered.c.d, func.count()).group_by(covered.c.d)).all()
    return {d: int(n) for d, n in rows}


def categories(
    conn: Connection, domain: str, since: datetime, until: datetime
) -> list[str]:
    """The categories of the domain's records that occurred in (since, until]:
    the whole hours between from the hourly rollup, the hours at the ends from
    the rows (a past moment's month would be a month of rows)."""
    first = hour_of(since) + timedelta(hours=1)
    last = hour_of(until)
    h, e = event_hourly.c, events.c
    in_rows = (e.occurred_at > since) & (e.occurred_at <= until)
    if first < last:
        in_rows &= (e.occurred_at < first) | (e.occurred_at >= last)
    parts = [select(e.category).where(e.domain == domain, in_rows)]
    if first < last:
        parts.append(
            select(h.category).where(
                h.domain == domain, h.hour >= first, h.hour < last, h.opened > 0
            )
        )
    rows = conn.execute(union(*parts).order_by("category")).all()
    return [r[0] for r in rows]


def one(conn: Connection, event_id: int) -> dict[str, Any] | None:
    """One record in full: its columns, attributes and every district it covers."""
    row = conn.execute(select(events).where(events.c.id == event_id)).first()
    if row is None:
        return None
    record = dict(row._mapping)
    record["areas"] = [
        r[0]
        for r in conn.execute(
            select(event_areas.c.district_code)
            .where(event_areas.c.event_id == event_id)
            .order_by(event_areas.c.district_code)
        )
    ]
    return record


def series_over_time(
    conn: Connection,
    series: str,
    f: RecordFilter,
    now: datetime,
    offset_seconds: int,
) -> list[tuple[int, float]]:
    """Mean of a measurement series per bucket over the filter's period and district."""
    bucket = epoch_bucket(
        measurements.c.observed_at, BUCKET_SECONDS[f.period], offset_seconds
    ).label("bucket")
    where = [
        measurements.c.series == series,
        measurements.c.observed_at > f.since(now),
        measurements.c.observed_at <= now,
    ]
    if f.district:
        where.append(measurements.c.district_code == f.district)
    rows = conn.execute(
        select(bucket, func.avg(measurements.c.value))
        .where(*where)
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    return [(int(b), float(v)) for b, v in rows]
