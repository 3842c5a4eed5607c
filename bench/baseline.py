"""The usual Dash way, to compare against: each refresh reads the rows into pandas
and aggregates them there.

It computes what an overview refresh shows — every tile (value and comparison),
the map's values per district, the newest events and the active alerts — from the
same store, with the same definitions, so the benchmark can check that both ways
give the same numbers before it compares their times.

``read_all=True`` is the way most dashboards start (every event row, the last day
of measurements); ``read_all=False`` is a careful variant that lets SQL keep only
the rows the windows can touch, for an honest second line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine, text

from city.profile import CityProfile
from city.records import RETRACTED_STATUSES

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
USUAL_WEEKS = 4  # Seoul's crowd_against_usual
HOUR = timedelta(hours=1)
EVENT_COLUMNS = (
    "id, domain, category, title, status, severity, district_code, "
    "occurred_at, closed_at, expires_at"
)


@dataclass(frozen=True)
class BaselineRefresh:
    tiles: dict[str, tuple[float | None, float | None]]  # value, previous
    map_values: dict[str, float]  # complaints open per district
    latest: list[int]  # ids of the newest events
    alerts: list[int]  # ids of the active alerts


def _times(engine: Engine, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """Stored times as aware UTC timestamps (SQLite keeps text)."""
    for c in columns:
        frame[c] = pd.to_datetime(frame[c], utc=True, format="ISO8601")


def read_rows(
    engine: Engine, now: datetime, read_all: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    since = now - 15 * DAY
    where = (
        ""
        if read_all
        else "WHERE occurred_at >= :since OR closed_at IS NULL OR closed_at >= :since "
        "OR (domain = 'disaster' AND (expires_at IS NULL OR expires_at > :since))"
    )
    params = {
        "since": _bind(engine, since),
        "day": _bind(engine, now - DAY - HOUR),
        "usual": _bind(engine, now - DAY - USUAL_WEEKS * WEEK - HOUR),
    }
    with engine.connect() as conn:
        ev = pd.read_sql(
            text(f"SELECT {EVENT_COLUMNS} FROM events {where}"), conn, params=params
        )
        ms = pd.read_sql(
            text(
                "SELECT series, category, district_code, place, observed_at, value "
                "FROM measurements WHERE observed_at > :day "
                # the crowds' usual: the same hour of the weeks before
                "OR (series = 'crowd_max' AND observed_at >= :usual)"
            ),
            conn,
            params=params,
        )
    _times(engine, ev, ("occurred_at", "closed_at", "expires_at"))
    _times(engine, ms, ("observed_at",))
    return ev, ms


def _bind(engine: Engine, t: datetime):
    """A time as the store compares it: text on SQLite, a timestamp elsewhere."""
    if engine.dialect.name == "sqlite":
        return t.astimezone(UTC).isoformat(" ", "microseconds")[:26]
    return t


def refresh(
    engine: Engine,
    profile: CityProfile,
    now: datetime,
    speed_window: timedelta,
    read_all: bool = True,
) -> BaselineRefresh:
    ev, ms = read_rows(engine, now, read_all)
    t = pd.Timestamp(now)
    tiles = plain_kpis(ev, ms, profile, now, speed_window)
    by_district = (
        _open_at(ev[ev.domain == "complaints"], t).groupby("district_code").size()
    )
    happened = ev[ev.occurred_at <= t].nlargest(8, "occurred_at")
    return BaselineRefresh(
        tiles=tiles,
        map_values={d: float(n) for d, n in by_district.items()},
        latest=happened.id.tolist(),
        alerts=_active_at(ev[ev.domain == "disaster"], t).id.tolist(),
    )


def _open_at(events: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The events open at ``at``: occurred by then, not closed yet."""
    return events[
        (events.occurred_at <= at) & (events.closed_at.isna() | (events.closed_at > at))
    ]


def _active_at(alerts: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The alerts in force at ``at``: issued, not expired, not retracted."""
    return alerts[
        (alerts.occurred_at <= at)
        & (alerts.expires_at.isna() | (alerts.expires_at > at))
        & ~alerts.status.isin(RETRACTED_STATUSES)
    ]


def plain_kpis(
    ev: pd.DataFrame,
    ms: pd.DataFrame,
    profile: CityProfile,
    now: datetime,
    speed_window: timedelta,
    district: str | None = None,
) -> dict[str, tuple[float | None, float | None]]:
    """Every KPI's (value, previous) for the city or a district, computed plainly
    with pandas over raw rows: what the benchmark compares CityWall's answers
    with, and what ``tests/kpis/test_kpis.py`` checks each KPI against. A new KPI
    gets its plain computation here (a missing one fails both)."""
    if district:
        # a district's events, and the alerts that cover it or the whole city
        city_wide = ev.district_code.isna() | (ev.district_code == district)
        ev = ev[
            (ev.district_code == district) | ((ev.domain == "disaster") & city_wide)
        ]
        ms = ms[ms.district_code == district]
    local_day = now.astimezone(profile.timezone).date()
    today = datetime.combine(local_day, time(0), tzinfo=profile.timezone)
    t = pd.Timestamp(now)
    today_ts = pd.Timestamp(today.astimezone(UTC))

    def created(domain, start, end):
        d = ev[ev.domain == domain]
        return float(((d.occurred_at >= start) & (d.occurred_at < end)).sum())

    def open_at(domain, at):
        return float(len(_open_at(ev[ev.domain == domain], at)))

    def median_hours(domain, start, end):
        d = ev[(ev.domain == domain) & (ev.closed_at >= start) & (ev.closed_at < end)]
        if d.empty:
            return None
        return float(((d.closed_at - d.occurred_at).dt.total_seconds() / 3600).median())

    def alerts_at(at):
        return float(len(_active_at(ev[ev.domain == "disaster"], at)))

    classes = profile.road_classes
    default_limit = (
        classes["arterial"].congested_below if "arterial" in classes else 15.0
    )
    limits = ms.category.map({n: c.congested_below for n, c in classes.items()})
    ms = ms.assign(congested=(ms.value < limits.fillna(default_limit)).astype(float))

    def mean(series, start, end, column="value"):
        d = ms[
            (ms.series == series) & (ms.observed_at > start) & (ms.observed_at <= end)
        ]
        return None if d.empty else float(d[column].mean())

    def series_in(series, start, end):
        return ms[
            (ms.series == series) & (ms.observed_at > start) & (ms.observed_at <= end)
        ]

    def places_at_least(series, at_least, start, end):
        """Places whose newest reading (the higher of two at once) reaches it."""
        found = series_in(series, start, end)
        if found.empty:  # no readings (the frame may lack their columns)
            return 0.0
        newest = found.sort_values(["observed_at", "value"]).groupby("place").tail(1)
        return float((newest.value >= at_least).sum())

    def highest(series, start, end):
        d = series_in(series, start, end)
        return None if d.empty else float(d.value.max())

    def above_usual(series, start, end, weeks=USUAL_WEEKS):
        """Each place's newest over its mean in end's hour of the past weeks."""
        newest = (
            series_in(series, start, end)
            .sort_values(["observed_at", "value"])
            .groupby("place")
            .tail(1)
        )
        of_series = ms[ms.series == series]
        hours = {end.floor("h") - k * WEEK for k in range(1, weeks + 1)}
        before = of_series[of_series.observed_at.dt.floor("h").isin(hours)]
        usual = before.groupby("place").value.mean()
        ratios = [
            v / usual[p]
            for p, v in zip(newest.place, newest.value)
            if p in usual and usual[p] > 0
        ]
        return max(ratios) if ratios else None

    w = pd.Timedelta(speed_window)
    half = pd.Timedelta(minutes=30)
    then = t.floor("min")  # values to compare with, to the minute as CityWall has them
    return {
        "complaints_today": (
            created("complaints", today_ts, t),
            created("complaints", today_ts - DAY, then - DAY),
        ),
        "complaints_open": (
            open_at("complaints", t),
            open_at("complaints", then - DAY),
        ),
        "complaints_median_hours": (
            median_hours("complaints", t - 7 * DAY, t),
            median_hours("complaints", then - 14 * DAY, then - 7 * DAY),
        ),
        "safety_incidents_24h": (
            created("safety", t - DAY, t),
            created("safety", then - 8 * DAY, then - DAY) / 7,
        ),
        "disaster_active_alerts": (alerts_at(t), alerts_at(then - DAY)),
        "pm25_avg": (
            mean("pm25", t - HOUR, t),
            mean("pm25", then - DAY - HOUR, then - DAY),
        ),
        "road_avg_speed": (
            mean("road_speed", t - w, t),
            mean("road_speed", then - DAY - w, then - DAY),
        ),
        "road_congested_share": (
            mean("road_speed", t - w, t, "congested"),
            mean("road_speed", then - DAY - w, then - DAY, "congested"),
        ),
        "crowd_hotspots_crowded": (
            places_at_least("crowd_level", 4, t - half, t),
            places_at_least("crowd_level", 4, then - DAY - half, then - DAY),
        ),
        "crowd_hotspots_busy": (
            places_at_least("crowd_level", 3, t - half, t),
            places_at_least("crowd_level", 3, then - DAY - half, then - DAY),
        ),
        "crowd_largest": (
            highest("crowd_max", t - half, t),
            highest("crowd_max", then - DAY - half, then - DAY),
        ),
        "crowd_against_usual": (
            above_usual("crowd_max", t - half, t),
            above_usual("crowd_max", then - DAY - half, then - DAY),
        ),
    }
