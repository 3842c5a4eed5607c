"""The same time of the week in the past weeks, read from the hourly rollups.

"Usual" for a window ending now is what the same window held one, two, … weeks
ago, on the city's clock (a week back across a change of daylight saving time is
the same wall-clock time, not 168 hours). The rollups hold whole UTC hours; a
window that starts or ends inside an hour takes the hour's count in proportion
(the past's expectation, not a count of records: the rows of past weeks are not
read again).

The hours of the past weeks are read once an hour (and again when a batch changes
a past hour): each refresh only weighs them for its own minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, union_all

from kpis.memo import IN_PROCESS, Memo
from store.rollups import HOUR, hour_of
from store.schema import event_hourly, measurement_hourly

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
        """(weeks, windows, hours): how much of each past hour each window,
        moved back k weeks, covers."""
        hours = self.values.shape[2]
        w = np.zeros((len(self.starts), len(windows), hours))
        for k, first in enumerate(self.starts):
            for j, (start, end) in enumerate(windows):
                a, b = weeks_back(start, k + 1, tz), weeks_back(end, k + 1, tz)
                for h in range(hours):
                    lo = first + h * HOUR
                    covered = min(b, lo + HOUR) - max(a, lo)
                    w[k, j, h] = max(covered / HOUR, 0.0)
        return w

    def sums(self, windows, tz: ZoneInfo) -> np.ndarray:
        """(cells, weeks, windows[, 2]): each window's total in each past week."""
        w = self.weights(windows, tz)
        if self.values.ndim == 4:
            return np.einsum("ckhv,kjh->ckjv", self.values, w)
        return np.einsum("ckh,kjh->ckj", self.values, w)


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
    levels = [
        frame,
        frame.assign(category=ALL),
        frame[frame["district"] != ALL].assign(district=ALL),
        frame[frame["district"] != ALL].assign(category=ALL, district=ALL),
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
