"""The city score: every KPI against its target, in one number (Boston's CityScore).

A KPI's score is 1.0 on target, above 1 better than the target and below 1 worse,
whichever way the KPI points: value ÷ target when higher is better, target ÷ value
when lower is. The city's score (or a domain's, or a district's) is the mean of its
KPIs' scores. Each score is capped at 2 so that one excellent KPI cannot hide a bad
one, and a KPI with no data (or only stale data) is left out and named, never
counted as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from city.indicators import Indicator
from kpis.pace import against_pace
from kpis.values import KpiValue

CAP = 2.0
# Alerts have no ratio to a target (the target is none at all): the score follows
# the most severe alert in force.
SEVERITY_SCORE = {
    None: 1.0,
    "Unknown": 0.9,
    "Minor": 0.9,
    "Moderate": 0.7,
    "Severe": 0.4,
    "Extreme": 0.2,
}


@dataclass(frozen=True)
class KpiScore:
    kpi_id: str
    domain: str
    score: float | None  # None: no data or no target
    previous: float | None  # the same against the comparison period


@dataclass(frozen=True)
class Score:
    value: float | None  # mean of the KPIs' scores
    previous: float | None
    parts: tuple[KpiScore, ...]  # worst first: what pulls the score down

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(p.kpi_id for p in self.parts if p.score is None)


def _ratio(kpi: Indicator, value: float | None, target: float | None) -> float | None:
    if value is None or target is None:
        return None
    if kpi.higher_is_better:
        return min(value / target, CAP) if target > 0 else None
    if value <= 0:
        return CAP if target >= 0 else None
    return min(target / value, CAP)


def kpi_score(kpi: Indicator, value: KpiValue) -> KpiScore:
    # a stale value is shown dimmed with its age on its tile; it scores nothing
    if value.value is None or value.stale:
        return KpiScore(kpi.id, kpi.domain, None, None)
    if kpi.judged_by_severity:
        now = SEVERITY_SCORE.get(value.detail, 0.9)
        return KpiScore(kpi.id, kpi.domain, now, None)
    if kpi.status_on_change:
        # judged on the change itself: today's ratio to the usual, against the target
        basis = value.value / value.previous if value.previous else None
        if basis is None:
            return KpiScore(kpi.id, kpi.domain, 1.0 if value.value == 0 else None, None)
        return KpiScore(kpi.id, kpi.domain, _ratio(kpi, basis, value.target), None)
    if value.pace_target is not None:
        # a count so far today against the share of its target due by now
        # (yesterday's at this time likewise): never "above target" at 00:05
        due = value.pace_target
        return KpiScore(
            kpi.id,
            kpi.domain,
            _ratio(kpi, *against_pace(value.value, due)),
            None
            if value.previous is None
            else _ratio(kpi, *against_pace(value.previous, due)),
        )
    return KpiScore(
        kpi.id,
        kpi.domain,
        _ratio(kpi, value.value, value.target),
        _ratio(kpi, value.previous, value.target),
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score_of(
    kpis: dict[str, Indicator], values: list[KpiValue], domain: str | None = None
) -> Score:
    """The score of these KPI values (a city's or a district's), optionally of one
    domain. The trend compares with each KPI's comparison period; a KPI without a
    previous score keeps its current one there, so it moves nothing."""
    parts = [kpi_score(kpis[v.kpi_id], v) for v in values if v.kpi_id in kpis]
    if domain:
        parts = [p for p in parts if p.domain == domain]
    scored = [p for p in parts if p.score is not None]
    previous = [p.previous if p.previous is not None else p.score for p in scored]
    ordered = sorted(parts, key=lambda p: (p.score is not None, p.score or 0.0))
    return Score(
        _mean([p.score for p in scored]),  # type: ignore[misc]
        _mean(previous),  # type: ignore[arg-type]
        tuple(ordered),
    )


def scores_for(
    kpis: dict[str, Indicator], values: list[KpiValue], domains: tuple[str, ...]
) -> tuple[Score, dict[str, Score]]:
    """The overall score and each domain's, from one set of KPI values."""
    return score_of(kpis, values), {d: score_of(kpis, values, d) for d in domains}
