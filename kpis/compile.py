"""A declared indicator (``city.indicators.Indicator``) made SQL: the aggregate of
its current window and of the window it is compared with.

Counts, durations and readings come from the rollups (``kpis.rollup_queries``),
which read whole hours from the hourly tables and only the partial hours at a
window's ends from the rows; alerts in force are the few rows in force, by index.
Each aggregate answers for the city, a district or every district at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from city.indicators import Indicator
from kpis import queries as q
from kpis.definitions import KpiContext, Window
from kpis.hotspots import AboveUsual, PlacesAtLeast
from kpis.match import Match
from kpis.rollup_queries import (
    ALL_DISTRICTS,
    EventCount,
    MeanHoursToClose,
    MedianHoursToClose,
    Memo,
    OpenAt,
    no_memo,
)
from kpis.series_queries import SeriesLatest, SeriesStat, tidy

DAY = timedelta(days=1)
LAST_YEAR = timedelta(days=364)  # 52 weeks: the same weekday a year ago
LATEST_WINDOW = DAY  # a place's newest reading counts when it is this recent


def window_at(w: Window, at: datetime) -> Window:
    """The window ``w`` as it was at ``at`` (its own local midnight)."""
    local = at.astimezone(w.timezone).date()
    midnight = datetime.combine(local, time(0), tzinfo=w.timezone)
    return Window(now=at, today_start=midnight.astimezone(UTC), timezone=w.timezone)


def span(k: Indicator, w: Window) -> tuple[datetime, datetime]:
    """The indicator's window at ``w.now``: [start, now)."""
    kind = k.window.kind
    if kind == "duration":
        assert k.window.length is not None
        return w.now - k.window.length, w.now
    if kind == "latest":
        return w.now - LATEST_WINDOW, w.now
    if kind in ("today", "this_week", "this_month"):
        local = w.today_start.astimezone(w.timezone).date()
        if kind == "this_week":
            local -= timedelta(days=local.weekday())
        elif kind == "this_month":
            local = local.replace(day=1)
        start = datetime.combine(local, time(0), tzinfo=w.timezone)
        return start.astimezone(UTC), w.now
    return w.now, w.now  # a moment: open_now, now


def _month_before(w: Window) -> datetime:
    """The same local day and time a month earlier (the 31st: the month's last)."""
    local = w.now.astimezone(w.timezone)
    year, month = (
        (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    )
    for day in range(local.day, 27, -1) if local.day > 28 else (local.day,):
        try:
            return local.replace(year=year, month=month, day=day).astimezone(UTC)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


CALENDAR = ("today", "this_week", "this_month")


def _days_before(w: Window, at: datetime, days: int, calendar: bool) -> datetime:
    """``days`` days before ``at``: the city's days for a calendar window (the
    same time of its clock), 24 hours each otherwise."""
    if not calendar:
        return at - days * DAY
    local = at.astimezone(w.timezone)
    wall = local.replace(tzinfo=None) - days * DAY
    first = wall.replace(tzinfo=w.timezone).astimezone(UTC).astimezone(w.timezone)
    if first.replace(tzinfo=None) != wall:
        # a time the clock skipped (it jumps an hour, on the hour): the jump
        return first.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    # a time the clock shows twice: the showing with the offset of ``at``
    shown = [wall.replace(tzinfo=w.timezone, fold=f) for f in (0, 1)]
    same = [t for t in shown if t.utcoffset() == local.utcoffset()]
    moved = (same or shown)[0].astimezone(UTC)
    return moved


def compared_window(k: Indicator, w: Window) -> Window | None:
    """The moment the comparison is the indicator's value at (None: an average,
    or no comparison)."""
    kind = k.compare.kind
    calendar = k.window.kind in CALENDAR
    if kind == "none" or kind == "average":
        return None
    if kind == "yesterday":
        return window_at(w, _days_before(w, w.now, 1, calendar))
    if kind == "last_year":
        return window_at(w, _days_before(w, w.now, LAST_YEAR.days, calendar))
    # previous: the window just before, of the same length
    if k.window.kind == "duration":
        assert k.window.length is not None
        return window_at(w, w.now - k.window.length)
    if k.window.kind == "this_week":
        return window_at(w, _days_before(w, w.now, 7, True))
    if k.window.kind == "this_month":
        return window_at(w, _month_before(w))
    # today and the moments: a day before
    return window_at(w, _days_before(w, w.now, 1, calendar))


def current(k: Indicator, w: Window, c: KpiContext) -> Any:
    return _aggregate(k, w, c, *span(k, w))


def previous(k: Indicator, w: Window, c: KpiContext) -> Any | None:
    """The aggregate of what the indicator is compared with (None: nothing)."""
    if k.compare.kind == "none":
        return None
    if k.compare.kind == "average":
        start, _ = span(k, w)
        first = _days_before(w, start, k.compare.days, k.window.kind in CALENDAR)
        return _aggregate(k, w, c, first, start)
    before = compared_window(k, w)
    assert before is not None
    return current(k, before, c)


def previous_end(k: Indicator, w: Window) -> datetime | None:
    """Where the window of what the indicator is compared with ends (None:
    nothing compared): the comparison reads no hour after the one holding it."""
    if k.compare.kind == "none":
        return None
    if k.compare.kind == "average":
        return span(k, w)[0]
    before = compared_window(k, w)
    assert before is not None
    return span(k, before)[1]


def previous_divisor(k: Indicator, w: Window) -> float:
    """What the comparison's value is divided by: an average of N days scaled to
    the window's length for a count, 1 otherwise. A window of no length ("today"
    at the city's midnight) holds no part of the average: 0 to compare with, not
    N days' whole count."""
    if k.compare.kind != "average" or not k.counts:
        return 1.0
    start, end = span(k, w)
    length = (end - start).total_seconds()
    return k.compare.days * DAY.total_seconds() / length if length > 0 else math.inf


def _match(filters: tuple[tuple[str, tuple[str, ...]], ...]) -> Match | None:
    return Match(where=filters) if filters else None


def _aggregate(
    k: Indicator, w: Window, c: KpiContext, start: datetime, end: datetime
) -> Any:
    """The measure of ``k`` over [start, end) (readings: (start, end])."""
    m = k.measure
    where = _match(k.where)
    if m == "count":
        if k.window.kind == "open_now":
            return OpenAt(k.domain, w.now, match=where)
        return EventCount(k.domain, start, end, match=where)
    if m == "share":
        return Share(
            EventCount(k.domain, start, end, match=where),
            EventCount(k.domain, start, end, match=_match(k.share_of)),
        )
    if m == "median_hours":
        return MedianHoursToClose(k.domain, start, end, match=where)
    if m == "mean_hours":
        return MeanHoursToClose(k.domain, start, end, match=where)
    if m == "in_force":
        return q.in_force_at(k.domain, w.now, k.where)
    assert k.series is not None
    categories = dict(k.where).get("category")
    if m == "share_below":
        if k.below == "road_class":
            return q.share_below(
                k.series, start, end, c.congested_below, c.default_congested_below,
                categories,
            )  # fmt: skip
        return q.share_below(k.series, start, end, {}, float(k.below), categories)
    if m == "latest":
        return SeriesLatest(k.series, start, end, categories)
    if m == "above_usual":
        return AboveUsual(k.series, start, end, k.usual_weeks)
    if m == "places_at_least":
        assert k.at_least is not None
        return PlacesAtLeast(k.series, start, end, k.at_least, tidy(categories))
    stat = "count" if m == "count_readings" else m
    return SeriesStat(k.series, start, end, stat, categories)


@dataclass(frozen=True)
class Share:
    """One count over another, for the city, a district or every district."""

    part: Any
    whole: Any
    counts: bool = False
    citywide_rows: bool = False

    def run(self, conn, scope: str | None, memo: Memo = no_memo) -> Any:
        part = q.run(conn, self.part, scope, memo)
        whole = q.run(conn, self.whole, scope, memo)
        if scope == ALL_DISTRICTS:
            return {d: _ratio(part.get(d, 0), n) for d, n in whole.items()}
        return _ratio(part, whole)


def _ratio(part: float | None, whole: float | None) -> float | None:
    return (part or 0) / whole if whole else None
