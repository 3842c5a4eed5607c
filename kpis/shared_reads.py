"""What every indicator of a refresh reads alike, read once a moment for all of
them: the partial hours at windows' ends from the rows, and whether any hour
from the next one on holds anything.

A window's whole hours come from the rollups; the parts of an hour at its ends
(the current hour up to now, and where a rolling window starts) from the rows.
Sixty indicators over a few domains share a handful of such parts, so each part
is grouped once per moment, by district and by the values of every key the store
keeps facets of (``store.facets``), and each indicator's filter picks its own
from those groups here (the refresh after a batch made 60 queries before).

The parts are cut from their hour's rows, read whole: an hour already over is
kept (by the process that read it, never in the shared cache: megabytes a past
version) until a batch changes a past hour, since the rolling windows' starts and the
comparisons' ends move through the same few past hours from one moment to the
next; the current hour is read once a batch for all its parts (up to now, and
after now for what is open). A refresh after a batch reads the current hour of
each domain and nothing else of the rows (it made 24 partial reads before).
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Float,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import FunctionElement

from kpis.asked_together import AskedTogether
from kpis.match import Match, facet_key_column
from kpis.memo import IN_PROCESS, THIS_MOMENT, Memo
from store.rollups import HOUR, NO_DISTRICT, close_bucket, hour_of
from store.schema import event_hourly, events
from store.versions import facet_groups, settled_before


class hours_between(FunctionElement):
    """Hours from the first time to the second, in each database's own dialect."""

    type = Float()
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (
        f"((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 24.0)"
    )


@compiles(hours_between, "postgresql")
def _hours_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)})) / 3600.0)"
    )


@dataclass
class _Groups:
    """A part's rows grouped by district and facet values: (district, values, x)
    where x is a count or a close-time bucket; indexed by the first key's value
    (the category, which nearly every filter names) so a filter looks only at
    its own."""

    keys: tuple[str, ...]
    by_first: dict[str, list[tuple[str | None, tuple[str, ...], int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, district: str | None, values: tuple[str, ...], x: int) -> None:
        self.by_first[values[0] if values else ""].append((district, values, x))

    def of(self, match: Match | None) -> Iterable[tuple[str | None, int]]:
        """(district, x) of the rows ``match`` admits (all of them for None)."""
        if match is None:
            for rows in self.by_first.values():
                for district, _, x in rows:
                    yield district, x
            return
        allowed = dict(match.where)
        tests = [(self.keys.index(k), set(v)) for k, v in match.where]
        first = allowed.get(self.keys[0]) if self.keys else None
        lists = (
            [self.by_first.get(v, ()) for v in first]
            if first is not None
            else list(self.by_first.values())
        )
        for rows in lists:
            for district, values, x in rows:
                if all(values[i] in ok for i, ok in tests):
                    yield district, x


def _keys(conn: Connection, memo: Memo) -> tuple[str, ...]:
    """Every key of the facet groups the store keeps, category first (worked out
    once per past version, not at each of a refresh's hundred reads)."""

    def keys() -> tuple[str, ...]:
        found = {key for group in facet_groups(conn) for key in group}
        return tuple(sorted(found, key=lambda k: (k != "category", k)))

    return memo(("facet_keys",), keys)


def edge_counts(
    conn: Connection,
    domain: str,
    what: str,
    start: datetime,
    end: datetime,
    after_start: bool,
    match: Match | None,
    memo: Memo,
) -> dict[str | None, float]:
    """Events of ``match`` (of a group the store keeps, or None) that opened
    (occurred) or closed in [start, end) (or (start, end)), per district."""
    found: dict[str | None, float] = {}
    for groups in _parts(conn, domain, what, start, end, after_start, memo):
        for district, n in groups.of(match):
            found[district] = found.get(district, 0) + n
    return found


def edge_histograms(
    conn: Connection,
    domain: str,
    start: datetime,
    end: datetime,
    match: Match | None,
    memo: Memo,
) -> dict[str, Counter]:
    """Close-time histograms per district (NO_DISTRICT for none) of the events
    of ``match`` closed in [start, end)."""
    found: dict[str, Counter] = defaultdict(Counter)
    for groups in _parts(conn, domain, "buckets", start, end, False, memo):
        for district, bucket in groups.of(match):
            found[district or NO_DISTRICT][bucket] += 1
    return dict(found)


def _parts(
    conn: Connection,
    domain: str,
    what: str,
    start: datetime,
    end: datetime,
    after_start: bool,
    memo: Memo,
) -> Iterator[_Groups]:
    """[start, end) (or (start, end)) cut at the hours, each part grouped from
    its hour's rows: once a moment for every indicator that asks."""
    keys = _keys(conn, memo)
    rows_of = "opened" if what == "opened" else "closed"
    for hour in _hours_touched(start, end):
        a, b = max(start, hour), min(end, hour + HOUR)
        open_start = after_start and a == start

        def grouped(hour=hour, a=a, b=b, open_start=open_start) -> _Groups:
            rows = _hour_rows(conn, domain, rows_of, hour, keys, memo)
            return rows.part(a, b, open_start, counted=what != "buckets")

        yield memo(
            ("part", domain, what, a, b, open_start, *keys), grouped, THIS_MOMENT
        )


def _hours_touched(start: datetime, end: datetime) -> Iterator[datetime]:
    hour = hour_of(start)
    while hour < end:
        yield hour
        hour += HOUR


@dataclass
class _HourRows:
    """The events of a domain that opened (or closed) in one hour, one row each
    in time order: every part of the hour a refresh asks for is cut from them
    without another query. x is the close-time bucket of a closed one."""

    keys: tuple[str, ...]
    times: list[datetime]
    rows: list[tuple[str | None, tuple[str, ...], int]]  # (district, values, x)

    def part(
        self, start: datetime, end: datetime, after_start: bool, counted: bool
    ) -> _Groups:
        """The rows in [start, end) (or (start, end)) grouped: counted by district
        and values, or each with its bucket."""
        first = (bisect_right if after_start else bisect_left)(self.times, start)
        rows = self.rows[first : bisect_left(self.times, end)]
        groups = _Groups(self.keys)
        if counted:
            for (district, values), n in Counter((d, v) for d, v, _ in rows).items():
                groups.add(district, values, n)
        else:
            for district, values, bucket in rows:
                groups.add(district, values, bucket)
        return groups


# the current hour of every domain a refresh asks for, read in one statement
_CURRENT_HOURS: AskedTogether[str] = AskedTogether("current_hour_rows")
# the hour just over of every domain, the same way: read again only after a batch
# of late records (which every feed sends at the top of the hour)
_HOURS_JUST_OVER: AskedTogether[str] = AskedTogether("hour_just_over_rows", IN_PROCESS)
# a settled hour of every domain, the same way: what the windows leave behind and
# take in at the turn of the hour (``rollup_queries.past_and_present``)
_SETTLED_HOURS: AskedTogether[str] = AskedTogether(
    "settled_hour_rows", IN_PROCESS, settled=True
)


def _hour_rows(
    conn: Connection,
    domain: str,
    what: str,
    hour: datetime,
    keys: tuple[str, ...],
    memo: Memo,
) -> _HourRows:
    """An hour's rows, read once with every other domain's: a settled hour kept
    until a batch changes a settled hour, the hour just over until one changes a
    past hour (the rolling windows' starts and the comparisons' ends move through
    them from one moment to the next), the current one until the next batch."""
    now = datetime.now(UTC)
    if hour < settled_before(now):
        together = _SETTLED_HOURS
    elif hour < hour_of(now):
        together = _HOURS_JUST_OVER
    else:
        together = _CURRENT_HOURS
    every = together.get(
        domain,
        memo,
        lambda domains: _read_hours(conn, domains, hour, keys),
        hour,
        *keys,
    )
    return every[what]


def _read_hours(
    conn: Connection,
    domains: tuple[str, ...],
    hour: datetime,
    keys: tuple[str, ...],
    kinds: tuple[str, ...] = ("opened", "closed"),
) -> dict[str, dict[str, _HourRows]]:
    """The rows of ``domains`` that opened or closed (``kinds``) in ``hour``, in one
    statement, by domain and kind."""
    found = {d: {w: _HourRows(keys, [], []) for w in kinds} for d in domains}
    rows = conn.execute(
        _hour_statement(kinds, keys),
        {"domains": list(domains), "start": hour, "end": hour + HOUR},
    )
    for what, domain, at, district, *values, took in rows:
        part = found[domain][what]
        part.times.append(at)
        bucket = close_bucket(took) if took is not None else 0
        part.rows.append((district or None, tuple(values), bucket))
    return found


@functools.cache
def _hour_statement(kinds: tuple[str, ...], keys: tuple[str, ...]) -> CompoundSelect:
    """Built once: building a statement costs more than running it here. Each
    kind's rows by the (domain, time) index, in time order within a domain."""
    parts = []
    for what in kinds:
        at = events.c.occurred_at if what == "opened" else events.c.closed_at
        # the hours to close computed by the database: no times to parse each row
        took = (
            hours_between(events.c.occurred_at, events.c.closed_at)
            if what == "closed"
            else cast(null(), Float())
        )
        parts.append(
            select(
                literal(what).label("kind"),
                events.c.domain,
                at.label("happened"),
                events.c.district_code,
                *(facet_key_column(k) for k in keys),
                took.label("took"),
            ).where(
                events.c.domain.in_(bindparam("domains", expanding=True)),
                at >= _bound("start", at),
                at < _bound("end", at),
            )
        )
    return union_all(*parts).order_by("kind", "domain", "happened")


def _bound(name: str, column) -> BindParameter:
    return bindparam(name, type_=column.type)


# -- the rollups from the next hour on
def any_hours_from(conn: Connection, domain: str, start: datetime, memo: Memo) -> bool:
    """Whether any event of the domain opened or closed in the hours from
    ``start`` on (from the next hour: only records stamped in the future). When
    none did, no filter's rollups hold anything there either; one look for every
    domain at once instead of a read per indicator."""
    return _FUTURE_HOURS.get(
        domain, memo, lambda domains: _any_hours(conn, domains, start), start
    )


_FUTURE_HOURS: AskedTogether[str] = AskedTogether("any_hours_from")


def _any_hours(
    conn: Connection, domains: tuple[str, ...], start: datetime
) -> dict[str, bool]:
    params = {f"domain_{i}": d for i, d in enumerate(domains)} | {"start": start}
    found = {n for (n,) in conn.execute(_any_hours_statement(len(domains)), params)}
    return {d: i in found for i, d in enumerate(domains)}


@functools.cache
def _any_hours_statement(n: int) -> CompoundSelect:
    """A row (the domain's number) for each of ``n`` domains with an hour from
    the start on: the first entry of its index range, each."""
    h = event_hourly
    parts = [
        select(h.c.hour)
        .where(
            h.c.domain == bindparam(f"domain_{i}"),
            h.c.hour >= _bound("start", h.c.hour),
        )
        .limit(1)
        .subquery(f"future_{i}")
        for i in range(n)
    ]
    # each limited part a subquery: SQLite takes no LIMIT inside a compound SELECT
    return union_all(
        *(select(literal(i).label("n")).select_from(p) for i, p in enumerate(parts))
    )
