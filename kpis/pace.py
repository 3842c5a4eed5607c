"""How much of a day's count has usually arrived by this time of day.

A count since local midnight ("complaints today") is 3 at 00:05 and 900 by the
evening: against the whole day's target it looks excellent every night and
worsens all day. It is judged against the share of the target due by now instead,
and that share follows the city's own rhythm: complaints come at office hours, so
by 09:00 far less than 9/24 of a day's have arrived. The rhythm is read from the
hourly rollups of the last weeks, by local hour of day; with no history yet the
share is the time of day (linear).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import Connection, func, select

from store.schema import event_hourly

HISTORY_DAYS = 14  # two of each weekday
MIN_HISTORY = 48  # fewer records than that in two weeks: no rhythm to read, linear
DAY_SECONDS = 86400


def hourly_shape(
    conn: Connection, domain: str, today_start: datetime, zone: tzinfo
) -> list[float]:
    """Records of ``domain`` opened per local hour of day (0..23) over the
    ``HISTORY_DAYS`` whole days before ``today_start``, the whole city."""
    rows = conn.execute(
        select(event_hourly.c.hour, func.sum(event_hourly.c.opened))
        .where(
            event_hourly.c.domain == domain,
            event_hourly.c.hour >= today_start - timedelta(days=HISTORY_DAYS),
            event_hourly.c.hour < today_start,
        )
        .group_by(event_hourly.c.hour)
    ).all()
    by_hour: dict[int, float] = defaultdict(float)
    for hour, n in rows:
        by_hour[hour.astimezone(zone).hour] += float(n or 0)
    return [by_hour[h] for h in range(24)]


def share_of_day(shape: list[float], now: datetime, zone: tzinfo) -> float:
    """The share (0..1) of a usual day's count that has arrived by ``now``: the
    hours of the day already over, and the part of this hour gone."""
    local = now.astimezone(zone)
    elapsed = local.hour * 3600 + local.minute * 60 + local.second
    total = sum(shape)
    if total < MIN_HISTORY:
        return elapsed / DAY_SECONDS
    this_hour = (elapsed % 3600) / 3600
    arrived = sum(shape[: local.hour]) + shape[local.hour] * this_hour
    return arrived / total


def against_pace(count: float, due: float) -> tuple[float, float]:
    """(count, target) as a count so far is compared with the share due by now:
    one added to both, so that the first minutes' handful (1 against 0.2 due)
    neither sinks the score nor lifts it to its cap; by day the one is lost in
    the hundreds."""
    return count + 1.0, due + 1.0
