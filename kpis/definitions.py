"""The KPIs, declared once as data.

Each KPI names its domain, direction and the SQL aggregates for the current and the
comparison period; targets come from the city profile, and its words (label, unit,
what it is compared with) from the language catalogs, ``[kpi.<id>]``. Adding a KPI
is one more entry in ``KPIS`` and its words in every catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from city.profile_keys import KPI_IDS
from city.records import events_feed, series_feed
from kpis import queries as q

H = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """The moments a refresh is computed for, in UTC."""

    now: datetime
    today_start: datetime  # local midnight of the city, in UTC
    speed_window: timedelta


@dataclass(frozen=True)
class Kpi:
    id: str
    domain: str
    current: Callable[[Window, KpiContext], q.Aggregate]
    previous: Callable[[Window, KpiContext], q.Aggregate]
    higher_is_better: bool = False
    decimals: int = 0
    percent: bool = False  # a 0..1 share shown as a percentage
    previous_divisor: float = 1.0  # e.g. 7 for "a day of the previous 7 days"
    scales_with_population: bool = False  # district target = city target × share
    status_on_change: bool = False  # judge value / previous against the target
    # judged by the most severe of the alerts it counts (Extreme or Severe: alert,
    # Moderate: watch), which its tile shows beside the count
    judged_by_severity: bool = False
    # (target, watch ratio) a new city's profile starts from (``citywall city
    # init``), which the city then tunes to its own
    starting_target: tuple[float, float] | None = None
    on_map: bool = True
    series: str | None = None  # the measurement series it reads; None: events
    # a count that grows with the district's size: compared per resident
    per_resident: bool = False
    # a count since the city's midnight: judged against the share of the day's
    # target that has usually arrived by this time of day (``kpis.pace``), not
    # against the whole day's target, which every night would meet by far
    paced: bool = False

    @property
    def feed(self) -> str:
        """What a source must deliver for this KPI (see ``store.writes.feeds_of``)."""
        return series_feed(self.series) if self.series else events_feed(self.domain)


@dataclass(frozen=True)
class KpiContext:
    """What the profile tells the queries (road class thresholds)."""

    congested_below: dict[str, float]
    default_congested_below: float


KPIS: tuple[Kpi, ...] = (
    Kpi(
        id="complaints_today",
        domain="complaints",
        current=lambda w, c: q.events_created("complaints", w.today_start, w.now),
        previous=lambda w, c: q.events_created(
            "complaints", w.today_start - DAY, w.now - DAY
        ),
        scales_with_population=True,
        per_resident=True,
        paced=True,
        starting_target=(100, 1.25),
    ),
    Kpi(
        id="complaints_open",
        domain="complaints",
        current=lambda w, c: q.events_open_at("complaints", w.now),
        previous=lambda w, c: q.events_open_at("complaints", w.now - DAY),
        scales_with_population=True,
        per_resident=True,
        starting_target=(300, 1.3),
    ),
    Kpi(
        id="complaints_median_hours",
        domain="complaints",
        current=lambda w, c: q.median_hours_to_close(
            "complaints", w.now - 7 * DAY, w.now
        ),
        previous=lambda w, c: q.median_hours_to_close(
            "complaints", w.now - 14 * DAY, w.now - 7 * DAY
        ),
        decimals=1,
        # 응답소 averaged 2.7 days (CITY_FACTS): three days to start from
        starting_target=(72, 1.5),
    ),
    Kpi(
        id="safety_incidents_24h",
        domain="safety",
        current=lambda w, c: q.events_created("safety", w.now - DAY, w.now),
        previous=lambda w, c: q.events_created("safety", w.now - 8 * DAY, w.now - DAY),
        previous_divisor=7.0,
        status_on_change=True,
        per_resident=True,
        starting_target=(1.0, 1.2),
    ),
    Kpi(
        id="disaster_active_alerts",
        domain="disaster",
        current=lambda w, c: q.alerts_active_at(w.now),
        previous=lambda w, c: q.alerts_active_at(w.now - DAY),
        judged_by_severity=True,
        starting_target=(0, 1.0),
    ),
    Kpi(
        id="pm25_avg",
        domain="disaster",
        series="pm25",
        current=lambda w, c: q.series_mean("pm25", w.now - H, w.now),
        previous=lambda w, c: q.series_mean("pm25", w.now - DAY - H, w.now - DAY),
        decimals=1,
        # WHO 2021 24-hour interim targets 4 (25 µg/m³) and 2 (50): a city that
        # knows nothing of its air yet starts there, not at Korea's grades
        starting_target=(25, 2.0),
    ),
    Kpi(
        id="road_avg_speed",
        domain="traffic",
        series="road_speed",
        current=lambda w, c: q.series_mean("road_speed", w.now - w.speed_window, w.now),
        previous=lambda w, c: q.series_mean(
            "road_speed", w.now - DAY - w.speed_window, w.now - DAY
        ),
        higher_is_better=True,
        decimals=1,
        # below TOPIS's 25 km/h: a new city's rush hours are not yet known
        starting_target=(22, 0.8),
    ),
    Kpi(
        id="road_congested_share",
        domain="traffic",
        series="road_speed",
        current=lambda w, c: q.share_below(
            "road_speed",
            w.now - w.speed_window,
            w.now,
            c.congested_below,
            c.default_congested_below,
        ),
        previous=lambda w, c: q.share_below(
            "road_speed",
            w.now - DAY - w.speed_window,
            w.now - DAY,
            c.congested_below,
            c.default_congested_below,
        ),
        percent=True,
        starting_target=(0.2, 1.6),
    ),
)

KPIS_BY_ID = {k.id: k for k in KPIS}
# the names a profile's [targets] may use (city.profile_keys checks them)
PROFILE_IDS = {KPI_IDS: tuple(KPIS_BY_ID)}


@dataclass(frozen=True)
class Domain:
    """A domain page: the events it lists and the measurement series it charts."""

    id: str  # events.domain
    path: str  # its page
    series: str | None = None
    series_kpi: str | None = None  # the KPI whose unit and decimals the chart uses

    @property
    def kpis(self) -> tuple[Kpi, ...]:
        return tuple(k for k in KPIS if k.domain == self.id)


DOMAINS: tuple[Domain, ...] = (
    Domain("traffic", "/traffic", series="road_speed", series_kpi="road_avg_speed"),
    Domain("safety", "/safety"),
    Domain("disaster", "/disasters", series="pm25", series_kpi="pm25_avg"),
    Domain("complaints", "/complaints"),
)
DOMAINS_BY_ID = {d.id: d for d in DOMAINS}
