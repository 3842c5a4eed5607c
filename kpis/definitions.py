"""What the KPI layer computes a declared indicator for (``city.indicators``
declares them, ``kpis.compile`` makes them SQL): the moment and the city's road
classes. No indicator is written here: they are the profile's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """The moment a refresh is computed for, in UTC, and the city's clock."""

    now: datetime
    today_start: datetime  # local midnight of the city, in UTC
    timezone: ZoneInfo


@dataclass(frozen=True)
class KpiContext:
    """What the profile tells the queries (road class thresholds)."""

    congested_below: dict[str, float]
    default_congested_below: float
