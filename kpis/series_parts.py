"""The parts of hours at a series window's ends, from the readings themselves
(the whole hours come from ``measurement_hourly``: ``kpis.series_queries``).

A part in an hour already over is cut from that hour's readings, kept whole by
the process (each district and category's readings in time order, with running
sums; never in the shared cache, where a city's hours would stay for days) until a
batch changes a past hour: the rolling windows' starts and their comparisons move
through the same past hours from one moment to the next, and each moment read
them again before. A part of the current hour is read grouped by district and
category, once a moment for every indicator of the series that asks for it.
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Select, bindparam, func, select

from kpis.asked_together import AskedTogether
from kpis.memo import IN_PROCESS, THIS_MOMENT, Memo
from store.rollups import HOUR, NO_CATEGORY, NO_DISTRICT, hour_of
from store.schema import measurements
from store.versions import settled_before

# what a district's readings of one category add up to: (n, total, low, high)
Sums = tuple[int, float, float | None, float | None]
Cells = dict[tuple[str, str], Sums]  # by (district, category)


@dataclass(frozen=True)
class Span:
    """The readings observed from ``start`` to ``end``, each end left out or
    taken in: (start, end] is ``Span(start, True, end, True)``."""

    start: datetime
    after_start: bool  # start itself left out
    end: datetime
    to_end: bool  # end itself taken in

    def in_hour(self, hour: datetime) -> Span:
        """The part of this span inside [hour, hour + 1 h)."""
        start, after = (
            (self.start, self.after_start) if self.start >= hour else (hour, False)
        )
        later = hour + HOUR
        end, to_end = (self.end, self.to_end) if self.end < later else (later, False)
        return Span(start, after, end, to_end)

    def hours(self) -> Iterator[datetime]:
        hour = hour_of(self.start)
        while hour < self.end or (hour == self.end and self.to_end):
            yield hour
            hour += HOUR


def part_cells(conn: Connection, series: str, span: Span, memo: Memo) -> Cells:
    """The readings of ``series`` in ``span`` by district and category."""
    found: dict[tuple[str, str], Sums] = {}
    now_hour = hour_of(datetime.now(UTC))
    for hour in span.hours():
        part = span.in_hour(hour)
        if hour < now_hour:
            cells = _kept_hour(conn, series, hour, memo).cut(part)
        else:
            cells = memo(
                ("series_part", series, part),
                lambda part=part: _grouped(conn, series, part),
                THIS_MOMENT,
            )
        for key, sums in cells.items():
            found[key] = _plus(found[key], sums) if key in found else sums
    return found


def picked(
    cells: Cells, scope: str | None, categories: tuple[str, ...] | None
) -> dict[str, Sums]:
    """Per district (every one for the city or all districts, else the one), of
    the categories given (None: all; "" the readings without one)."""
    one = scope if scope not in (None, "*") else None
    found: dict[str, Sums] = {}
    for (district, category), sums in cells.items():
        if categories is not None and category not in categories:
            continue
        if one is not None and district != one:
            continue
        found[district] = _plus(found[district], sums) if district in found else sums
    return found


def _plus(a: Sums, b: Sums) -> Sums:
    low = a[2] if b[2] is None else b[2] if a[2] is None else min(a[2], b[2])
    high = a[3] if b[3] is None else b[3] if a[3] is None else max(a[3], b[3])
    return (a[0] + b[0], a[1] + b[1], low, high)


# -- an hour already over, kept whole
@dataclass
class _Readings:
    times: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    sums: list[float] = field(default_factory=lambda: [0.0])  # sums[i]: of the first i


@dataclass
class _SeriesHour:
    readings: dict[tuple[str, str], _Readings]

    def cut(self, span: Span) -> Cells:
        found: Cells = {}
        for key, r in self.readings.items():
            first = (bisect_right if span.after_start else bisect_left)(
                r.times, span.start
            )
            last = (bisect_right if span.to_end else bisect_left)(r.times, span.end)
            if last > first:
                within = r.values[first:last]
                found[key] = (
                    last - first,
                    r.sums[last] - r.sums[first],
                    min(within),
                    max(within),
                )
        return found


# the hour just over of every series asked, read in one statement: again only
# after a batch of late readings (which every feed sends at the top of the hour)
_HOURS_JUST_OVER: AskedTogether[str] = AskedTogether(
    "series_hour_just_over", IN_PROCESS
)


def _kept_hour(
    conn: Connection, series: str, hour: datetime, memo: Memo
) -> _SeriesHour:
    if hour < settled_before(datetime.now(UTC)):
        return memo(
            ("series_hour", series, hour),
            lambda: _read_hour(conn, (series,), hour)[series],
            IN_PROCESS,
            settled=True,
        )
    return _HOURS_JUST_OVER.get(
        series, memo, lambda asked: _read_hour(conn, asked, hour), hour
    )


def _read_hour(
    conn: Connection, series: tuple[str, ...], hour: datetime
) -> dict[str, _SeriesHour]:
    """The readings of ``series`` in ``hour``, by series, district and category."""
    readings: dict[str, dict[tuple[str, str], _Readings]] = {
        name: defaultdict(_Readings) for name in series
    }
    rows = conn.execute(
        _hour_statement(),
        {"series": list(series), "start": hour, "end": hour + HOUR},
    )
    for name, district, category, at, value in rows:
        r = readings[name][(district, category)]
        r.times.append(at)
        r.values.append(value)
        r.sums.append(r.sums[-1] + value)
    return {name: _SeriesHour(dict(found)) for name, found in readings.items()}


@functools.cache
def _hour_statement() -> Select:
    """Built once: building a statement costs more than running it here."""
    m = measurements.c
    return (
        select(
            m.series,
            func.coalesce(m.district_code, NO_DISTRICT),
            func.coalesce(m.category, NO_CATEGORY),
            m.observed_at,
            m.value,
        )
        .where(
            m.series.in_(bindparam("series", expanding=True)),
            m.observed_at >= bindparam("start", type_=m.observed_at.type),
            m.observed_at < bindparam("end", type_=m.observed_at.type),
        )
        .order_by(m.series, m.observed_at)
    )


# -- the current hour, read grouped
def _grouped(conn: Connection, series: str, span: Span) -> Cells:
    m = measurements.c
    district = func.coalesce(m.district_code, NO_DISTRICT)
    category = func.coalesce(m.category, NO_CATEGORY)
    at = m.observed_at
    rows = conn.execute(
        select(
            district,
            category,
            func.count(),
            func.sum(m.value),
            func.min(m.value),
            func.max(m.value),
        )
        .where(
            m.series == series,
            at > span.start if span.after_start else at >= span.start,
            at <= span.end if span.to_end else at < span.end,
        )
        .group_by(district, category)
    )
    return {(d, c): (int(n), float(t or 0), lo, hi) for d, c, n, t, lo, hi in rows}
