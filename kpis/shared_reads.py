"""What every indicator of a refresh reads alike, read once a moment for all of
them: the partial hours at windows' ends from the rows, and whether any hour
from the next one on holds anything.

A window's whole hours come from the rollups; the parts of an hour at its ends
(the current hour up to now, and where a rolling window starts) from the rows.
Sixty indicators over a few domains share a handful of such parts, so each part
is read once per moment, counted by district and by the values of every key the
store keeps facets of (``store.facets``), and each indicator's filter picks its
own from those groups here: one query per domain and part instead of one per
indicator (the refresh after a batch made 60 of them before).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Float, Select, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import FunctionElement

from kpis.match import Match, facet_key_column
from kpis.memo import THIS_MOMENT, Memo
from store.rollups import NO_DISTRICT, close_bucket
from store.schema import event_hourly, events
from store.versions import facet_groups


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
    keys = _keys(conn, memo)
    groups: _Groups = memo(
        ("edge", domain, what, start, end, after_start, *keys),
        lambda: _grouped_counts(conn, domain, what, start, end, after_start, keys),
        THIS_MOMENT,
    )
    found: dict[str | None, float] = {}
    for district, n in groups.of(match):
        found[district] = found.get(district, 0) + n
    return found


def _grouped_counts(
    conn, domain, what, start, end, after_start, keys: tuple[str, ...]
) -> _Groups:
    rows = conn.execute(
        _counts_statement(what, after_start, keys),
        {"domain": domain, "start": start, "end": end},
    )
    groups = _Groups(keys)
    for district, *values, n in rows:
        groups.add(district or None, tuple(values), n)
    return groups


@functools.cache
def _counts_statement(what: str, after_start: bool, keys: tuple[str, ...]) -> Select:
    """Built once: building a statement costs more than running it here."""
    at = events.c.occurred_at if what == "opened" else events.c.closed_at
    start, end = _bound("start", at), _bound("end", at)
    columns = [facet_key_column(k) for k in keys]
    return (
        select(events.c.district_code, *columns, func.count())
        .where(
            events.c.domain == bindparam("domain"),
            at > start if after_start else at >= start,
            at < end,
        )
        .group_by(events.c.district_code, *columns)
    )


def _bound(name: str, column) -> BindParameter:
    return bindparam(name, type_=column.type)


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
    keys = _keys(conn, memo)
    groups: _Groups = memo(
        ("edge_histogram", domain, start, end, *keys),
        lambda: _grouped_buckets(conn, domain, start, end, keys),
        THIS_MOMENT,
    )
    found: dict[str, Counter] = defaultdict(Counter)
    for district, bucket in groups.of(match):
        found[district or NO_DISTRICT][bucket] += 1
    return dict(found)


def _grouped_buckets(conn, domain, start, end, keys: tuple[str, ...]) -> _Groups:
    rows = conn.execute(
        _buckets_statement(keys), {"domain": domain, "start": start, "end": end}
    )
    groups = _Groups(keys)
    for district, *values, hours in rows:
        groups.add(district, tuple(values), close_bucket(hours))
    return groups


@functools.cache
def _buckets_statement(keys: tuple[str, ...]) -> Select:
    took = hours_between(events.c.occurred_at, events.c.closed_at)
    closed = events.c.closed_at
    # the hours computed by the database: no times to parse for each row
    return select(
        events.c.district_code, *(facet_key_column(k) for k in keys), took
    ).where(
        events.c.domain == bindparam("domain"),
        closed >= _bound("start", closed),
        closed < _bound("end", closed),
    )


# -- the rollups from the next hour on
def any_hours_from(conn: Connection, domain: str, start: datetime, memo: Memo) -> bool:
    """Whether any event of the domain opened or closed in the hours from
    ``start`` on (from the next hour: only records stamped in the future). When
    none did, no filter's rollups hold anything there either; one look per
    domain instead of a filtered read per indicator."""
    return memo(
        ("any_hours_from", domain, start),
        lambda: (
            conn.execute(
                _any_hours_statement(), {"domain": domain, "start": start}
            ).first()
            is not None
        ),
        THIS_MOMENT,
    )


@functools.cache
def _any_hours_statement() -> Select:
    h = event_hourly
    return (
        select(h.c.hour)
        .where(h.c.domain == bindparam("domain"), h.c.hour >= _bound("start", h.c.hour))
        .limit(1)
    )
