"""The city's hotspots as the wall shows them: each one's level now, its curve
over the day and its forecast, the places at a level now (an indicator's
measure) and the places held at a level for a while (a ladder rule's).

All read the newest readings of one series over a short window, by the key
``(series, observed_at, place, source)``: a hundred places every few minutes,
never the year's rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, union_all

from city.indicators import HotspotView
from kpis.rollup_queries import ALL_DISTRICTS, Memo, no_memo
from kpis.series_queries import categories_in
from store.rollups import HOUR, NO_DISTRICT, hour_of
from store.schema import measurements

DAY = timedelta(days=1)
# how far back a hold is looked for: a place held longer shows this long
HOLD_LOOKBACK = timedelta(hours=3)


@dataclass(frozen=True)
class HotspotNow:
    """A hotspot's newest level (1 … n, its category naming it) and, when its
    domain draws a curve, its newest population (the curve's last series)."""

    code: str
    level: int
    category: str | None
    at: datetime
    people: float | None = None


def hotspots_now(
    conn: Connection, view: HotspotView, now: datetime
) -> dict[str, HotspotNow]:
    """Each hotspot with a reading of the level series in the fresh window."""
    since = now - timedelta(minutes=view.fresh_minutes)
    people = (
        {
            p: r.value
            for p, r in newest_readings(conn, view.curve[-1], since, now).items()
        }
        if view.curve
        else {}
    )
    return {
        place: HotspotNow(place, round(r.value), r.category, r.at, people.get(place))
        for place, r in newest_readings(conn, view.level, since, now).items()
    }


@dataclass(frozen=True)
class Reading:
    at: datetime
    value: float
    category: str | None
    district: str | None


def newest_readings(
    conn: Connection,
    series: str,
    start: datetime,
    end: datetime,
    categories: tuple[str, ...] | None = None,
) -> dict[str, Reading]:
    """Each place's newest reading of ``series`` in (start, end] (of
    ``categories`` only, unless None); of two sources at one place and time, the
    higher. One index range of the window, kept whole in Python: a grouped join
    back to the table made SQLite walk every reading the series ever had."""
    m = measurements.c
    found: dict[str, Reading] = {}
    rows = conn.execute(
        select(m.place, m.observed_at, m.value, m.category, m.district_code).where(
            m.series == series,
            m.observed_at > start,
            m.observed_at <= end,
            *categories_in(categories),
        )
    )
    for place, at, value, category, district in rows:
        kept = found.get(place)
        if kept is None or (at, value) > (kept.at, kept.value):
            found[place] = Reading(at, value, category, district)
    return found


@dataclass(frozen=True)
class HotspotCurve:
    """What a hotspot's page draws: each curve series over the last day, and the
    forecast from now on, as (time, value) in time order."""

    curve: dict[str, list[tuple[datetime, float]]]
    forecast: list[tuple[datetime, float]]


def hotspot_curve(
    conn: Connection, view: HotspotView, code: str, now: datetime
) -> HotspotCurve:
    def readings(series: str, start: datetime, end: datetime):
        m = measurements.c
        return [
            (at, value)
            for at, value in conn.execute(
                select(m.observed_at, func.max(m.value))
                .where(
                    m.series == series,
                    m.place == code,
                    m.observed_at > start,
                    m.observed_at <= end,
                )
                .group_by(m.observed_at)
                .order_by(m.observed_at)
            )
        ]

    curve = {s: readings(s, now - DAY, now) for s in view.curve}
    forecast = (
        readings(view.forecast, now, now + DAY) if view.forecast is not None else []
    )
    return HotspotCurve(curve, forecast)


@dataclass(frozen=True)
class PlacesAtLeast:
    """How many places' newest reading of ``series`` in (start, end] is at least
    ``at_least`` ("hotspots crowded now"), for the city, a district or every
    district at once."""

    series: str
    start: datetime
    end: datetime
    at_least: float
    categories: tuple[str, ...] | None = None  # of these readings only (None: all)
    counts: bool = True
    median: bool = False
    citywide_rows: bool = False

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        newest = newest_readings(
            conn, self.series, self.start, self.end, self.categories
        )
        rows: dict[str, int] = defaultdict(int)
        for reading in newest.values():
            if reading.value >= self.at_least:
                rows[reading.district or NO_DISTRICT] += 1
        if scope == ALL_DISTRICTS:
            return {d: n for d, n in rows.items() if d != NO_DISTRICT}
        if scope is not None:
            return rows.get(scope, 0)
        return sum(rows.values())


@dataclass(frozen=True)
class Held:
    """A place whose readings have stayed at or above a level since ``since``."""

    place: str
    district: str | None
    since: datetime
    value: float


def held_at_least(
    conn: Connection,
    series: str,
    at_least: float,
    minutes: float,
    now: datetime,
    fresh: timedelta,
) -> list[Held]:
    """The places whose readings of ``series`` have all been at least
    ``at_least`` for ``minutes`` or more up to now, the newest within ``fresh``
    (a feed that stopped holds no stage), longest held first."""
    m = measurements.c
    rows = conn.execute(
        select(m.place, m.district_code, m.observed_at, func.max(m.value))
        .where(
            m.series == series,
            m.observed_at > now - HOLD_LOOKBACK - timedelta(minutes=minutes),
            m.observed_at <= now,
        )
        .group_by(m.place, m.district_code, m.observed_at)
        .order_by(m.observed_at)
    )
    by_place: dict[str, list[tuple[datetime, float, str | None]]] = defaultdict(list)
    for place, district, at, value in rows:
        by_place[place].append((at, value, district))
    found = []
    for place, readings in by_place.items():
        newest_at, newest, district = readings[-1]
        if newest < at_least or newest_at < now - fresh:
            continue
        since = newest_at
        for at, value, _ in reversed(readings):
            if value < at_least:
                break
            since = at
        if since <= now - timedelta(minutes=minutes):
            found.append(Held(place, district, since, newest))
    return sorted(found, key=lambda h: (h.since, h.place))


WEEK = timedelta(days=7)


@dataclass(frozen=True)
class AboveUsual:
    """The largest crowd against its usual for this hour: each place's newest
    reading of ``series`` in (start, end] over its usual, the mean of its readings
    in the hour holding ``end`` on the same weekday of the ``weeks`` weeks before;
    the largest of those ratios for the city, a district or every district at
    once (none for a place with no usual yet).

    The usuals are whole hours weeks back: read once an hour, memoised under the
    settled version, so a refresh after a live batch (or late records of the hour
    just over) reads only the newest readings."""

    series: str
    start: datetime
    end: datetime
    weeks: int = 4
    counts: bool = False
    median: bool = False
    citywide_rows: bool = False

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        usual = memo(  # weeks back: settled hours only
            ("usual", self.series, hour_of(self.end), self.weeks),
            lambda: usual_by_place(conn, self.series, hour_of(self.end), self.weeks),
            settled=True,
        )
        best: dict[str, float] = {}
        newest = newest_readings(conn, self.series, self.start, self.end)
        for place, reading in newest.items():
            mean = usual.get(place, 0.0)
            if mean <= 0:
                continue
            key = reading.district or NO_DISTRICT
            best[key] = max(best.get(key, 0.0), reading.value / mean)
        if scope == ALL_DISTRICTS:
            return {d: v for d, v in best.items() if d != NO_DISTRICT}
        if scope is not None:
            return best.get(scope)
        return max(best.values(), default=None)


def usual_by_place(
    conn: Connection, series: str, hour: datetime, weeks: int
) -> dict[str, float]:
    """Each place's mean reading of ``series`` in ``hour`` on the same weekday of
    the ``weeks`` weeks before (one number a place: small enough to share)."""
    m = measurements.c
    # one index range a week, put together (an OR of the ranges made SQLite walk
    # the whole series)
    weeks_hours = union_all(
        *(
            select(m.place, func.sum(m.value), func.count())
            .where(m.series == series, m.observed_at >= h, m.observed_at < h + HOUR)
            .group_by(m.place)
            for h in (hour - k * WEEK for k in range(1, weeks + 1))
        )
    )
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for place, total, n in conn.execute(weeks_hours):
        sums[place][0] += total
        sums[place][1] += n
    return {place: total / n for place, (total, n) in sums.items()}
