"""The KPI maths: a query's answer made a value, a target and a status.

Every rule here reads the KPI's declaration (``city.indicators.Indicator``) and the
city's targets; none names a KPI.
"""

from __future__ import annotations

from typing import Any

from city.indicators import Indicator
from city.profile import CityProfile
from kpis.pace import against_pace
from kpis.values import ALERT, GOOD, NO_DATA, WATCH, KpiValue

SEVERITY_STATUS = {"Extreme": ALERT, "Severe": ALERT, "Moderate": WATCH}


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


class Judge:
    """Targets and statuses of one city's KPIs."""

    def __init__(self, profile: CityProfile) -> None:
        self.profile = profile

    def value(
        self,
        kpi: Indicator,
        district: str | None,
        value: Any,
        previous: Any,
        counts: bool,
        severity: str | None = None,
        share_of_day: float | None = None,
        previous_divisor: float = 1.0,
        planned: float | None = None,
    ) -> KpiValue:
        """The KPI's value for the city (``district`` None) or a district, from
        what its current and comparison queries answered. A count so far today
        (``Indicator.paced``) is judged against ``share_of_day`` of its target: the
        share of a day's count usually arrived by now (``kpis.pace``)."""
        value, previous = as_float(value), as_float(previous)
        if counts:
            value, previous = value or 0.0, previous or 0.0
        if previous is not None:
            previous /= previous_divisor
        target = self.target(kpi, district)
        if target is None:  # a periodic indicator without one: its period's plan
            target = planned
        due = None
        if kpi.paced and target is not None and share_of_day is not None:
            due = target * share_of_day
        return KpiValue(
            kpi.id,
            value,
            previous,
            self.status(kpi, value, previous, target, severity, due),
            target,
            severity if kpi.judged_by_severity else None,
            pace_target=due,
        )

    def target(self, kpi: Indicator, district: str | None) -> float | None:
        if kpi.target is None:
            return None
        if district and kpi.district_target == "own":
            return kpi.district_targets.get(district)
        if district and kpi.scales_with_population:
            return kpi.target * self.district_share(district)
        return kpi.target

    def district_share(self, code: str) -> float:
        """The district's share of the city: by population, else by area."""
        district = self.profile.districts_by_code[code]
        if self.profile.population > 0:
            return district.population / self.profile.population
        total = sum(d.geometry.area for d in self.profile.districts)
        return district.geometry.area / total if total else 0.0

    def status(
        self,
        kpi: Indicator,
        value: float | None,
        previous: float | None,
        target: float | None,
        severity: str | None,
        due: float | None = None,
    ) -> str:
        if value is None:
            return NO_DATA
        if kpi.judged_by_severity:
            return SEVERITY_STATUS.get(severity or "", GOOD)
        if target is None:
            return GOOD
        basis = value
        if due is not None:  # a count so far today, against the share due by now
            basis, target = against_pace(value, due)
        if kpi.status_on_change:
            if not previous:
                return GOOD if value == 0 else WATCH
            basis = value / previous
        watch = target * kpi.watch_ratio
        if kpi.higher_is_better:
            return GOOD if basis >= target else WATCH if basis >= watch else ALERT
        return GOOD if basis <= target else WATCH if basis <= watch else ALERT
