"""What a declared indicator should answer, computed plainly with pandas from the
raw rows and the words of the contract (issue 23: measures, windows, comparisons),
never from CityWall's own code: the property test
(``tests/kpis/test_declared_property.py``) holds every tile and map value to it.

The declaration is read as the profile's table (a dict), not as the parsed
``Indicator``, so the parser's defaults are checked too. Where the contract is
silent, the reading taken here is said in a comment.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, text

# the final statuses of a retracted record (the contract: "not cancelled/retracted")
RETRACTED = ("cancelled", "superseded", "all_clear")
COLUMNS = ("category", "severity", "status")  # event filters on columns; others: attrs
# no records: 0, not "no data"
COUNTING = ("count", "in_force", "count_readings", "places_at_least")
MOMENTS = ("open_now", "now")
DAY = timedelta(days=1)
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": DAY}


@dataclass(frozen=True)
class Rows:
    """The store's rows as a bare SELECT gives them, times as aware UTC."""

    events: pd.DataFrame
    areas: pd.DataFrame  # event_id, district_code: the further districts covered
    readings: pd.DataFrame


def read_rows(engine: Engine) -> Rows:
    with engine.connect() as conn:
        events = pd.read_sql(text("SELECT * FROM events"), conn)
        areas = pd.read_sql(text("SELECT * FROM event_areas"), conn)
        readings = pd.read_sql(text("SELECT * FROM measurements"), conn)
    for column in ("occurred_at", "closed_at", "expires_at"):
        events[column] = pd.to_datetime(events[column], utc=True, format="ISO8601")
    readings["observed_at"] = pd.to_datetime(
        readings["observed_at"], utc=True, format="ISO8601"
    )
    events["attrs"] = events["attrs"].map(_as_dict)
    return Rows(events, areas, readings)


def _as_dict(value) -> dict:
    if isinstance(value, str):
        return json.loads(value)
    return dict(value or {})


@dataclass(frozen=True)
class City:
    """What the reference needs of the profile: its clock and road classes."""

    timezone: ZoneInfo
    congested_below: dict[str, float]  # by road class (a reading's category)
    default_below: float  # a category of no class


def expected(
    decl: dict, rows: Rows, city: City, now: datetime, district: str | None
) -> tuple[float | None, float | None]:
    """(value, previous) of the declared indicator at ``now`` for the city
    (``district`` None) or a district, the previous after the comparison's
    divisor, as a tile shows them."""
    measure = decl.get("measure", "count")
    window = decl.get("window", "now" if measure == "in_force" else "24h")
    compare = decl.get("compare", "yesterday")
    start, end = span(window, now, city.timezone)
    value = measured(decl, rows, city, start, end, now, district)
    # the comparison is to the minute (the KPI layer keeps it a minute: its
    # docstring, "to the minute")
    then = now.replace(second=0, microsecond=0)
    previous = None
    if compare != "none":
        if m := re.fullmatch(r"(\d+)d_average", compare):
            days = int(m[1])
            before, _ = span(window, then, city.timezone)
            first = _days_before(window, before, days, city.timezone)
            previous = measured(decl, rows, city, first, before, before, district)
            if measure in COUNTING and previous is not None:
                # "a count: divided by N days / window length"
                length = (end - start).total_seconds()
                # an empty window ("today" at midnight) holds none of the average
                previous = previous * length / (days * DAY.total_seconds())
        else:
            a, b, at = compared_span(window, compare, then, city.timezone)
            previous = measured(decl, rows, city, a, b, at, district)
    if measure in COUNTING:
        value = value or 0.0
        previous = None if compare == "none" else previous or 0.0
    return value, previous


# -- windows ------------------------------------------------------------------------
def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local day (a midnight that the clock skips starts
    the day when the clock jumps)."""
    local = pd.Timestamp(day).tz_localize(tz, nonexistent="shift_forward")
    return local.tz_convert(UTC).to_pydatetime()


def _local(at: datetime, tz: ZoneInfo) -> pd.Timestamp:
    return pd.Timestamp(at).tz_convert(tz)


def period_start(window: str, at: datetime, tz: ZoneInfo) -> datetime:
    day = _local(at, tz).date()
    if window == "this_week":
        day -= timedelta(days=day.weekday())
    elif window == "this_month":
        day = day.replace(day=1)
    return day_start(day, tz)


def span(window: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, now): events in it, readings in (start, now]."""
    if m := re.fullmatch(r"(\d+)([mhd])", window):
        return now - int(m[1]) * UNITS[m[2]], now
    if window == "latest":  # "the last 24 h"
        return now - DAY, now
    if window in ("today", "this_week", "this_month"):
        return period_start(window, now, tz), now
    return now, now  # a moment


def local_shift(at: datetime, tz: ZoneInfo, days: int = 0, months: int = 0):
    """The same time of the city's clock ``days`` days (or ``months`` months, the
    day kept or the month's last) earlier."""
    local = _local(at, tz)
    wall = local.tz_localize(None) - pd.Timedelta(days=days)
    if months:
        wall = wall - pd.DateOffset(months=months)  # clamps to the month's last day
    # a time the clock skipped: from the jump on; shown twice: the showing with
    # the offset of ``at`` (so a day of 24 hours ago, when there is one)
    moved = wall.tz_localize(
        tz, nonexistent="shift_forward", ambiguous=bool(local.dst())
    )
    return moved.tz_convert(UTC).to_pydatetime()


def compared_span(
    window: str, compare: str, then: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime, datetime]:
    """The window compared with: (start, end, the moment a moment-window is at).

    Durations and moments are in UTC: a day is 24 hours. Calendar windows are on
    the city's clock: "yesterday from midnight to this time" is yesterday's local
    midnight up to this time of the clock yesterday; "previous" is the previous
    day, week or month up to the same point of it on the clock."""
    calendar = window in ("today", "this_week", "this_month")
    if compare == "yesterday" or (compare == "previous" and window == "today"):
        at = local_shift(then, tz, days=1) if calendar else then - DAY
    elif compare == "last_year":  # 364 days: the same weekday
        at = local_shift(then, tz, days=364) if calendar else then - 364 * DAY
    elif compare == "previous" and window == "this_week":
        at = local_shift(then, tz, days=7)
    elif compare == "previous" and window == "this_month":
        at = local_shift(then, tz, months=1)
    elif compare == "previous":  # a duration (or latest): the one just before
        start, end = span(window, then, tz)
        at = then - (end - start)
    else:
        raise AssertionError(compare)
    start, end = span(window, at, tz)
    return start, end, at


def _days_before(window: str, start: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The start of the N days before a window that starts at ``start``."""
    if window in ("today", "this_week", "this_month"):
        return local_shift(start, tz, days=days)
    return start - days * DAY


# -- measures -----------------------------------------------------------------------
def _matching(frame: pd.DataFrame, filters: dict | None) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for key, allowed in (filters or {}).items():
        allowed = [allowed] if isinstance(allowed, str) else list(allowed)
        if key in COLUMNS:
            keep &= frame[key].isin(allowed)
        else:
            # an attribute the record lacks matches nothing
            keep &= frame["attrs"].map(
                lambda a, k=key, ok=tuple(allowed): k in a and str(a[k]) in ok
            )
    return keep


def measured(
    decl: dict,
    rows: Rows,
    city: City,
    start: datetime,
    end: datetime,
    at: datetime,
    district: str | None,
) -> float | None:
    measure = decl.get("measure", "count")
    if "series" in decl:
        return _of_readings(decl, rows, city, start, end, district)
    ev = rows.events[rows.events.domain == decl["domain"]]
    if measure == "in_force":
        return _in_force(ev, rows.areas, decl.get("where"), at, district)
    if district is not None:
        ev = ev[ev.district_code == district]
    where = _matching(ev, decl.get("where"))
    occurred = (ev.occurred_at >= start) & (ev.occurred_at < end)
    if measure == "count":
        if decl.get("window") == "open_now":
            open_ = (ev.occurred_at <= at) & (ev.closed_at.isna() | (ev.closed_at > at))
            return float((open_ & where).sum())
        return float((occurred & where).sum())
    if measure == "share":
        whole = float((occurred & _matching(ev, decl.get("share_of"))).sum())
        return float((occurred & where).sum()) / whole if whole else None
    closed = ev[where & (ev.closed_at >= start) & (ev.closed_at < end)]
    if closed.empty:
        return None
    hours = (closed.closed_at - closed.occurred_at).dt.total_seconds() / 3600
    return float(hours.median() if measure == "median_hours" else hours.mean())


def _in_force(ev, areas, where, at, district) -> float:
    """Issued by ``at``, not expired, not retracted; a row with no district is in
    force in every district, a warning area in each district it covers."""
    ev = ev[
        (ev.occurred_at <= at)
        & (ev.expires_at.isna() | (ev.expires_at > at))
        & ~ev.status.isin(RETRACTED)
    ]
    ev = ev[_matching(ev, where)]
    if district is not None:
        covering = set(areas.event_id[areas.district_code == district])
        ev = ev[
            (ev.district_code == district)
            | ev.district_code.isna()
            | ev.id.isin(covering)
        ]
    return float(len(ev))


def _above_usual(decl, rows, start, end, district) -> float | None:
    """Each place's newest reading over its mean in the hour holding the window's
    end on the same weekday of the weeks before; the largest ratio."""
    all_ = rows.readings[rows.readings.series == decl["series"]]

    def within(a, b):
        return all_[(all_.observed_at > a) & (all_.observed_at <= b)]

    newest = within(start, end).sort_values(["observed_at", "value"])
    newest = newest.groupby("place").tail(1)
    if district is not None:
        newest = newest[newest.district_code == district]
    weeks = decl.get("usual_weeks", 4)
    hour = pd.Timestamp(end).floor("h")
    hours = {hour - k * 7 * DAY for k in range(1, weeks + 1)}
    before = all_[all_.observed_at.dt.floor("h").isin(hours)]
    usual = before.groupby("place").value.mean()
    ratios = [
        value / usual[place]
        for place, value in zip(newest.place, newest.value)
        if place in usual.index and usual[place] > 0
    ]
    return max(ratios) if ratios else None


def _of_readings(decl, rows, city, start, end, district) -> float | None:
    measure = decl["measure"]
    if measure == "above_usual":
        return _above_usual(decl, rows, start, end, district)
    ms = rows.readings[rows.readings.series == decl["series"]]
    ms = ms[(ms.observed_at > start) & (ms.observed_at <= end)]
    if district is not None:
        ms = ms[ms.district_code == district]
    categories = (decl.get("where") or {}).get("category")
    if categories is not None:
        ms = ms[
            ms.category.isin(
                [categories] if isinstance(categories, str) else categories
            )
        ]
    if measure == "count_readings":
        return float(len(ms))
    if measure == "places_at_least":  # places whose newest reading reaches it
        newest = ms.sort_values(["observed_at", "value"]).groupby("place").tail(1)
        return float((newest.value >= decl["at_least"]).sum())
    if ms.empty:
        return None
    if measure == "latest":  # each place's newest reading, averaged
        newest = ms.sort_values("observed_at").groupby("place").tail(1)
        return float(newest.value.mean())
    if measure == "share_below":
        below = decl["below"]
        if below == "road_class":
            limit = ms.category.map(city.congested_below).fillna(city.default_below)
        else:
            limit = float(below)
        return float((ms.value < limit).mean())
    return float(getattr(ms.value, measure)())  # mean, min, max, sum
