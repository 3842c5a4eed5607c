"""A series' statistics over a window, read from the readings' hourly rollup.

Readings count in (start, end]. The window's whole hours come from
``measurement_hourly`` (count, sum, lowest, highest per series, hour, district
and category), the hours already over memoised like the events' (see
``kpis.rollup_queries``); the parts of an hour at its ends from the rows
(``kpis.series_parts``: a past hour kept whole, the current one read once a
moment).

Like the other aggregates, each answers for the city (scope None), one district,
or every district at once (``ALL_DISTRICTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, and_, func, select

from kpis.rollup_queries import (
    ALL_DISTRICTS,
    HOUR,
    Memo,
    no_memo,
    past_and_present,
)
from kpis.series_parts import Span, part_cells, picked
from store.rollups import NO_CATEGORY, NO_DISTRICT, hour_of
from store.schema import measurement_hourly, measurements

STATS = ("mean", "min", "max", "sum", "count")


class Cell(NamedTuple):
    """What a district's readings add up to."""

    n: int
    total: float
    low: float | None
    high: float | None

    def plus(self, other: Cell) -> Cell:
        return Cell(
            self.n + other.n,
            self.total + other.total,
            _pick(min, self.low, other.low),
            _pick(max, self.high, other.high),
        )


NO_READINGS = Cell(0, 0.0, None, None)


def _pick(best, a: float | None, b: float | None) -> float | None:
    return a if b is None else b if a is None else best(a, b)


def tidy(categories) -> tuple[str, ...] | None:
    return None if categories is None else tuple(sorted(set(categories)))


@dataclass(frozen=True)
class SeriesStat:
    """``stat`` (mean, min, max, sum or count) of a series' readings observed in
    (start, end], of the readings of ``categories`` only (None: all; "" stands
    for readings with no category). No readings: None, a count 0."""

    series: str
    start: datetime
    end: datetime
    stat: str
    categories: tuple[str, ...] | None = None
    median: bool = False
    citywide_rows: bool = False

    def __post_init__(self) -> None:
        if self.stat not in STATS:
            raise ValueError(f"stat {self.stat!r}: one of {', '.join(STATS)}")
        object.__setattr__(self, "categories", tidy(self.categories))

    @property
    def counts(self) -> bool:
        """A count: no readings means 0, not "no data"."""
        return self.stat == "count"

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        cats = self.categories
        first, last = hour_of(self.start) + HOUR, hour_of(self.end)
        if first < last:
            parts = [
                part_cells(
                    conn, self.series, Span(self.start, True, first, False), memo
                ),
                part_cells(conn, self.series, Span(last, False, self.end, True), memo),
            ]
            parts = [picked(part, scope, cats) for part in parts]
            parts += past_and_present(
                first,
                last,
                lambda a, b: _hour_cells(conn, self.series, a, b, scope, cats),
                ("series", self.series, scope, cats),
                memo,
            )
        else:
            window = Span(self.start, True, self.end, True)
            parts = [picked(part_cells(conn, self.series, window, memo), scope, cats)]
        merged: dict[str, Cell] = {}
        for part in parts:
            for district, cell in part.items():
                merged[district] = merged.get(district, NO_READINGS).plus(Cell(*cell))
        if scope == ALL_DISTRICTS:
            return {d: self._value(c) for d, c in merged.items() if d != NO_DISTRICT}
        if scope is None:
            city = NO_READINGS
            for cell in merged.values():
                city = city.plus(cell)
            return self._value(city)
        return self._value(merged.get(scope, NO_READINGS))

    def _value(self, cell: Cell) -> float | None:
        if self.stat == "count":
            return cell.n
        if not cell.n:
            return None
        return {
            "mean": cell.total / cell.n,
            "min": cell.low,
            "max": cell.high,
            "sum": cell.total,
        }[self.stat]


def _in_district(column, scope: str | None) -> list[ColumnElement[bool]]:
    return [] if scope is None or scope == ALL_DISTRICTS else [column == scope]


def _hour_cells(
    conn: Connection, series: str, start: datetime, end: datetime | None, scope, cats
) -> dict[str, tuple]:
    """(n, total, low, high) per district over the whole hours [start, end)."""
    h = measurement_hourly
    rows = conn.execute(
        select(
            h.c.district_code,
            func.sum(h.c.n),
            func.sum(h.c.total),
            func.min(h.c.low),
            func.max(h.c.high),
        )
        .where(
            h.c.series == series,
            h.c.hour >= start,
            *([] if end is None else [h.c.hour < end]),
            *([] if cats is None else [h.c.category.in_(cats)]),
            *_in_district(h.c.district_code, scope),
        )
        .group_by(h.c.district_code)
    )
    return {d: (int(n or 0), float(t or 0), lo, hi) for d, n, t, lo, hi in rows}


def categories_in(cats: tuple[str, ...] | None) -> list[ColumnElement[bool]]:
    if cats is None:
        return []
    return [func.coalesce(measurements.c.category, NO_CATEGORY).in_(cats)]


@dataclass(frozen=True)
class SeriesLatest:
    """Each place's newest reading in (start, end], averaged (a place: a source's
    sensor at one place). Of ``categories`` only, as ``SeriesStat``.

    It reads the window's readings (an index range of their key), not a rollup:
    the newest reading of a place is not something an hour's totals know."""

    series: str
    start: datetime
    end: datetime
    categories: tuple[str, ...] | None = None
    counts: bool = False
    median: bool = False
    citywide_rows: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tidy(self.categories))

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        m = measurements.c
        in_window = (
            m.series == self.series,
            m.observed_at > self.start,
            m.observed_at <= self.end,
            *categories_in(self.categories),
            *_in_district(m.district_code, scope),
        )
        newest = (
            select(m.place, m.source, func.max(m.observed_at).label("at"))
            .where(*in_window)
            .group_by(m.place, m.source)
            .subquery()
        )
        district = func.coalesce(m.district_code, NO_DISTRICT)
        rows = conn.execute(
            select(district, func.count(), func.sum(m.value))
            .select_from(
                measurements.join(
                    newest,
                    and_(
                        m.place == newest.c.place,
                        m.source == newest.c.source,
                        m.observed_at == newest.c.at,
                    ),
                )
            )
            .where(m.series == self.series, *categories_in(self.categories))
            .group_by(district)
        ).all()
        if scope == ALL_DISTRICTS:
            return {d: total / n for d, n, total in rows if d != NO_DISTRICT and n}
        n = sum(r[1] for r in rows)
        return sum(r[2] for r in rows) / n if n else None
