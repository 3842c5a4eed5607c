"""The same time of the week in the past weeks, read from the hourly rollups.

"Usual" for a window ending now is what the same window held one, two, … weeks
ago, on the city's clock (a week back across a change of daylight saving time is
the same wall-clock time, not 168 hours). The rollups hold whole UTC hours: a
window's whole hours come from them, and the parts of hours at its edges from the
rows. (Taking an edge hour's count in proportion instead said a station's crowd at
10:45 was the mean of its whole 10:00 hour, when it falls by half in that hour:
the wall flagged every such district, every weekday.)

The hours of the past weeks are read once an hour (and again when a batch changes
a past hour); each refresh reads only its windows' edges: an hour of rows a week
at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, literal, select, union_all

from kpis.memo import IN_PROCESS, THIS_MOMENT, Memo
from store.rollups import HOUR, hour_of
from store.schema import event_hourly, events, measurement_hourly, measurements

WEEK = timedelta(days=7)
ALL = ""  # a cell's category or district: all of them


def weeks_back(t: datetime, k: int, tz: ZoneInfo) -> datetime:
    """``t`` at the same wall-clock time ``k`` weeks before, in UTC."""
    local = t.astimezone(tz)
    return (local - k * WEEK).astimezone(t.tzinfo)


@dataclass(frozen=True)
class PastHours:
    """Hourly values of every cell over the same span in each past week.

    ``values[c, k, h]`` is cell ``c``'s value (a count, or a count and a sum for a
    series) in hour ``h`` of week ``k + 1`` back; ``starts[k]`` is that week's first
    hour. Cells are (name, category, district), ALL for every one."""

    cells: tuple[tuple[str, str, str], ...]
    starts: tuple[datetime, ...]
    values: np.ndarray  # (cells, weeks, hours[, 2])

    def index(self) -> dict[tuple[str, str, str], int]:
        return {cell: i for i, cell in enumerate(self.cells)}

    def weights(self, windows: Sequence[tuple[datetime, datetime]], tz: ZoneInfo):
        """(weeks, windows, hours): 1 for each past hour a window, moved back k
        weeks, covers whole, else 0 (its edges are read from the rows)."""
        hours = self.values.shape[2]
        w = np.zeros((len(self.starts), len(windows), hours))
        for k, first in enumerate(self.starts):
            for j, (start, end) in enumerate(windows):
                a, b = weeks_back(start, k + 1, tz), weeks_back(end, k + 1, tz)
                for h in range(hours):
                    lo = first + h * HOUR
                    w[k, j, h] = float(a <= lo and lo + HOUR <= b)
        return w

    def sums(self, windows, tz: ZoneInfo, edges: Edges | None = None) -> np.ndarray:
        """(cells, weeks, windows[, 2]): each window's total in each past week,
        its whole hours from the rollups and its ``edges`` from the rows."""
        w = self.weights(windows, tz)
        if self.values.ndim == 4:
            found = np.einsum("ckhv,kjh->ckjv", self.values, w)
        else:
            found = np.einsum("ckh,kjh->ckj", self.values, w)
        if edges is not None:
            edges.add_to(found, self.index())
        return found


@dataclass(frozen=True)
class Edges:
    """What the rows hold in the parts of hours at each window's edges, in each
    past week: ``rows`` of (week, window, name, category, district, values)."""

    rows: tuple[tuple, ...]

    def add_to(self, sums: np.ndarray, index: dict[tuple[str, str, str], int]) -> None:
        for k, j, name, category, district, values in self.rows:
            district = district or ALL  # no district: the city's only
            cells = {(name, category, district), (name, ALL, district)}
            if district != ALL:
                cells |= {(name, category, ALL), (name, ALL, ALL)}
            for cell in cells:
                i = index.get(cell)
                if i is not None:  # every cell with rows in the span has hours
                    sums[i, k, j] += values if sums.ndim == 4 else values[0]


def edge_parts(
    windows: Sequence[tuple[datetime, datetime]], weeks: int, tz: ZoneInfo
) -> dict[tuple[datetime, datetime], list[tuple[int, int]]]:
    """The parts of hours at the windows' edges moved back 1…``weeks`` weeks, each
    with the (week, window) pairs it belongs to: a window's end (shared by every
    window ending now) and its start, or the whole window inside one hour."""
    parts: dict[tuple[datetime, datetime], list[tuple[int, int]]] = {}
    for k in range(weeks):
        for j, (start, end) in enumerate(windows):
            a, b = weeks_back(start, k + 1, tz), weeks_back(end, k + 1, tz)
            first_whole = hour_of(a) if hour_of(a) == a else hour_of(a) + HOUR
            if first_whole >= hour_of(b):  # no whole hour: the window is its edges
                pieces = [(a, min(b, first_whole)), (max(a, hour_of(b)), b)]
            else:
                pieces = [(a, first_whole), (hour_of(b), b)]
            for lo, hi in dict.fromkeys(pieces):
                if lo < hi:
                    parts.setdefault((lo, hi), []).append((k, j))
    return parts


def past_event_edges(
    conn: Connection,
    domains: tuple[str, ...],
    windows: Sequence[tuple[datetime, datetime]],
    weeks: int,
    tz: ZoneInfo,
    memo: Memo,
) -> Edges:
    """Records opened in the windows' edge parts of the past weeks, per (domain,
    category, district)."""
    c = events.c
    return _edges(
        conn,
        windows,
        weeks,
        tz,
        memo,
        ("usual_event_edges", *domains),
        lambda lo, hi: (
            select(c.domain, c.category, c.district_code, func.count())
            .where(c.domain.in_(domains), c.occurred_at >= lo, c.occurred_at < hi)
            .group_by(c.domain, c.category, c.district_code)
        ),
        lambda row: (row[0], row[1], row[2], np.array([float(row[3])])),
    )


def past_series_edges(
    conn: Connection,
    series: tuple[str, ...],
    windows: Sequence[tuple[datetime, datetime]],
    weeks: int,
    tz: ZoneInfo,
    memo: Memo,
) -> Edges:
    """Readings (count and sum) in the windows' edge parts of the past weeks, per
    (series, district)."""
    m = measurements.c
    return _edges(
        conn,
        windows,
        weeks,
        tz,
        memo,
        ("usual_series_edges", *series),
        lambda lo, hi: (
            select(m.series, m.district_code, func.count(), func.sum(m.value))
            .where(m.series.in_(series), m.observed_at >= lo, m.observed_at < hi)
            .group_by(m.series, m.district_code)
        ),
        lambda row: (row[0], ALL, row[1], np.array([float(row[2]), float(row[3])])),
    )


def _edges(conn, windows, weeks, tz, memo, name, statement, values) -> Edges:
    parts = edge_parts(windows, weeks, tz)
    if not parts:
        return Edges(())
    ranges = list(parts)

    def read() -> list:
        # one index range per part, tagged with its place in ``ranges``
        tagged = [
            statement(lo, hi).add_columns(literal(i).label("part"))
            for i, (lo, hi) in enumerate(ranges)
        ]
        return conn.execute(tagged[0] if len(tagged) == 1 else union_all(*tagged)).all()

    rows = memo((*name, *(t for r in ranges for t in r)), read, THIS_MOMENT)
    found = []
    for row in rows:
        *fields, part = row
        cell = values(fields)
        found += [(k, j, *cell) for k, j in parts[ranges[part]]]
    return Edges(tuple(found))


def past_event_hours(
    conn: Connection,
    domains: tuple[str, ...],
    span: tuple[datetime, datetime],
    weeks: int,
    tz: ZoneInfo,
    memo: Memo,
) -> PastHours:
    """Events opened per hour over ``span`` moved back 1…``weeks`` weeks, for every
    (domain, category, district) and their totals over categories and districts."""
    return memo(
        ("usual_event_hours", *domains, hour_of(span[0]), hour_of(span[1]), weeks),
        lambda: _read_event_hours(conn, domains, span, weeks, tz),
        IN_PROCESS,
        settled=True,  # a week back at least
    )


def past_series_hours(
    conn: Connection,
    series: tuple[str, ...],
    span: tuple[datetime, datetime],
    weeks: int,
    tz: ZoneInfo,
    memo: Memo,
) -> PastHours:
    """Readings per hour (count and sum) over ``span`` moved back, for every
    (series, district) and the city's."""
    return memo(
        ("usual_series_hours", *series, hour_of(span[0]), hour_of(span[1]), weeks),
        lambda: _read_series_hours(conn, series, span, weeks, tz),
        IN_PROCESS,
        settled=True,  # a week back at least
    )


def _ranges(span, weeks: int, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Each past week's hours covering ``span``: [first hour, last hour + 1h)."""
    return [
        (
            hour_of(weeks_back(span[0], k, tz)),
            hour_of(weeks_back(span[1], k, tz)) + HOUR,
        )
        for k in range(1, weeks + 1)
    ]


def _read_event_hours(conn, domains, span, weeks, tz) -> PastHours:
    ranges = _ranges(span, weeks, tz)
    t = event_hourly.c
    # one index range per domain and week: an OR of ranges reads the whole table
    rows = conn.execute(
        union_all(
            *(
                select(t.domain, t.category, t.district_code, t.hour, t.opened).where(
                    t.domain == domain, t.hour >= a, t.hour < b
                )
                for domain in domains
                for a, b in ranges
            )
        )
    ).all()
    return _arranged(ranges, ((d, c, s, h, (n,)) for d, c, s, h, n in rows), 1)


def _read_series_hours(conn, series, span, weeks, tz) -> PastHours:
    ranges = _ranges(span, weeks, tz)
    t = measurement_hourly.c
    rows = conn.execute(
        union_all(
            *(
                select(t.series, t.district_code, t.hour, t.n, t.total).where(
                    t.series == name, t.hour >= a, t.hour < b
                )
                for name in series
                for a, b in ranges
            )
        )
    ).all()
    return _arranged(ranges, ((s, ALL, d, h, (n, v)) for s, d, h, n, v in rows), 2)


def _arranged(ranges, rows, width: int) -> PastHours:
    """Rows of (name, category, district, hour, values) as a PastHours, with the
    totals over categories, over districts, and over both added."""
    hours = max(int((b - a) / HOUR) for a, b in ranges)
    frame = pd.DataFrame(
        list(rows), columns=["name", "category", "district", "hour", "values"]
    )
    if frame.empty:
        return PastHours((), tuple(a for a, _ in ranges), _empty(ranges, hours, width))
    # the rollups' "" is no district: such records count for the city only
    frame["district"] = frame["district"].fillna(ALL)
    hour = frame["hour"].map(lambda t: t.timestamp()).to_numpy()
    week = np.full(len(frame), -1)
    for k, (a, b) in enumerate(ranges):
        week[(hour >= a.timestamp()) & (hour < b.timestamp())] = k
    starts = np.array([a.timestamp() for a, _ in ranges])
    frame["k"] = week
    frame["h"] = ((hour - starts[week]) // 3600).astype(int)
    frame = frame[week >= 0]
    # each row once in each total it belongs to: a series' rows have no category
    # (they are already their category's total), a record with no district
    # counts for the city only
    some_category, some_district = frame["category"] != ALL, frame["district"] != ALL
    levels = [
        frame,
        frame[some_category].assign(category=ALL),
        frame[some_district].assign(district=ALL),
        frame[some_category & some_district].assign(category=ALL, district=ALL),
    ]
    every = pd.concat(levels, ignore_index=True)
    keys = list(zip(every["name"], every["category"], every["district"], strict=True))
    codes, cells = pd.factorize(pd.Series(keys), sort=True)
    values = np.zeros((len(cells), len(ranges), hours, width))
    np.add.at(
        values,
        (codes, every["k"].to_numpy(), every["h"].to_numpy()),
        np.array(every["values"].tolist(), dtype=float),
    )
    return PastHours(
        tuple(cells),
        tuple(a for a, _ in ranges),
        values[..., 0] if width == 1 else values,
    )


def _empty(ranges, hours: int, width: int) -> np.ndarray:
    shape = (0, len(ranges), hours) + ((width,) if width > 1 else ())
    return np.zeros(shape)
