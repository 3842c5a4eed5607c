"""What the KPI layer answers with: plain values components and pages draw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

GOOD, WATCH, ALERT, NO_DATA = "good", "watch", "alert", "nodata"
UNTARGETED = "untargeted"  # a value with no target to judge it by


@dataclass(frozen=True)
class KpiValue:
    kpi_id: str
    value: float | None
    previous: float | None
    status: str
    target: float | None
    detail: str | None = None  # e.g. the highest active alert severity
    # every source that feeds this KPI is stale: the value is as of this time
    # (None with stale=True: the feeding sources never delivered)
    stale: bool = False
    stale_since: datetime | None = None
    # a count so far today (``Indicator.paced``): the share of ``target`` (the whole
    # day's) due by now, which the status and the score judge it against
    pace_target: float | None = None

    @property
    def change(self) -> float | None:
        """Relative change against the comparison period."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class AlertRow:
    id: int
    source_id: str
    category: str
    title: str
    severity: str | None
    district_code: str | None
    occurred_at: datetime
    expires_at: datetime | None
    title_key: str | None = None  # city.records.TITLE_KEY


@dataclass(frozen=True)
class SourceHealth:
    name: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    stale: bool  # no success within ``city.profile.SourceConfig.stale_after``
    connector: str = ""
    interval_seconds: float = 0.0
    feeds: tuple[str, ...] = ()  # "events:safety", "series:road_speed", ...
    last_run_at: datetime | None = None
    last_run_fetched: int | None = None
    last_run_stored: int | None = None
    last_run_rejected: int | None = None
    quarantined_24h: int = 0
    quarantine_size: int = 0  # rows kept, of any age (see store.writes.Retention)
    # off until the environment sets these (``city.profile.DisabledSource``)
    off_until: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        """The last attempt failed (an error newer than the last success)."""
        return self.last_error_at is not None and (
            self.last_success_at is None or self.last_error_at > self.last_success_at
        )


@dataclass(frozen=True)
class EventRow:
    id: int
    domain: str
    title: str
    status: str
    district_code: str | None
    occurred_at: datetime
    title_key: str | None = None  # city.records.TITLE_KEY
