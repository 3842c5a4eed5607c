"""The city score: 1.0 on target whichever way a KPI points, the mean of its KPIs,
with what pulls it down first, and no data never counted as zero."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kpis.score import CAP, kpi_score, score_of
from kpis.values import KpiValue
from tests.standard import KPIS_BY_ID


def v(kpi_id, value, previous=None, target=None, detail=None, status="good"):
    return KpiValue(kpi_id, value, previous, status, target, detail)


def test_on_target_is_one_in_both_directions():
    speed = KPIS_BY_ID["road_avg_speed"]  # higher is better
    open_ = KPIS_BY_ID["complaints_open"]  # lower is better
    assert kpi_score(speed, v(speed.id, 25.0, target=25.0)).score == 1.0
    assert kpi_score(open_, v(open_.id, 2500.0, target=2500.0)).score == 1.0
    assert kpi_score(speed, v(speed.id, 20.0, target=25.0)).score == pytest.approx(0.8)
    assert kpi_score(open_, v(open_.id, 3125.0, target=2500.0)).score == pytest.approx(
        0.8
    )  # 25 % over a lower-is-better target scores like 20 % under a higher one
    assert kpi_score(open_, v(open_.id, 0.0, target=2500.0)).score == CAP


def test_the_trend_uses_the_comparison_period():
    open_ = KPIS_BY_ID["complaints_open"]
    s = kpi_score(open_, v(open_.id, 2000.0, previous=4000.0, target=2500.0))
    assert s.score == 1.25 and s.previous == 0.625


def test_alerts_score_by_severity_and_safety_by_its_change():
    alerts = KPIS_BY_ID["disaster_active_alerts"]
    assert kpi_score(alerts, v(alerts.id, 0.0, target=0.0)).score == 1.0
    assert kpi_score(alerts, v(alerts.id, 2.0, target=0.0, detail="Severe")).score < 0.5
    safety = KPIS_BY_ID["safety_incidents_24h"]  # target: ratio 1.0 to the usual day
    s = kpi_score(safety, v(safety.id, 200.0, previous=160.0, target=1.0))
    assert s.score == pytest.approx(160 / 200)


def test_the_score_is_the_mean_and_names_the_kpis_that_pull_it_down():
    values = [
        v("complaints_open", 5000.0, previous=2500.0, target=2500.0),  # 0.5
        v("road_avg_speed", 30.0, previous=30.0, target=25.0),  # 1.2
        v("pm25_avg", None, target=15.0, status="nodata"),  # no data
    ]
    score = score_of(KPIS_BY_ID, values)
    assert score.value == pytest.approx((0.5 + 1.2) / 2)  # no data is not a zero
    assert score.previous == pytest.approx((1.0 + 1.2) / 2)
    assert score.missing == ("pm25_avg",)
    scored = [p.kpi_id for p in score.parts if p.score is not None]
    assert scored == ["complaints_open", "road_avg_speed"]  # worst first
    traffic = score_of(KPIS_BY_ID, values, domain="traffic")
    assert traffic.value == pytest.approx(1.2)
    assert score_of(KPIS_BY_ID, [v("pm25_avg", None)]).value is None
    stale = replace(v("road_avg_speed", 30.0, target=25.0), stale=True)
    assert kpi_score(KPIS_BY_ID["road_avg_speed"], stale).score is None


def test_a_count_so_far_today_scores_against_the_share_due_by_now():
    """00:05: 3 complaints against a day's 900 would score the cap; against the
    3 due by now (one added to both) it is on target, and yesterday's 6 at that
    time scores below."""
    today = KPIS_BY_ID["complaints_today"]
    paced = replace(v(today.id, 3.0, previous=6.0, target=900.0), pace_target=3.0)
    s = kpi_score(today, paced)
    assert s.score == pytest.approx(1.0) and s.previous == pytest.approx(4 / 7)
    assert kpi_score(today, v(today.id, 3.0, target=900.0)).score == CAP
    # no complaint in the first minute (0.2 due) neither caps nor sinks the score
    first_minute = replace(v(today.id, 0.0, target=900.0), pace_target=0.2)
    assert kpi_score(today, first_minute).score == pytest.approx(1.2)
