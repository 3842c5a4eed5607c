"""The plan-against-achieved chart: bars, the plan's line, the current period
marked, the summary in the viewer's language, and the CSV rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from city.i18n import catalog
from components.plan_chart import plan_figure, plan_rows, plan_summary
from kpis.periods import PeriodValue, next_start, period_key


def months(achieved: list[float | None], planned: list[float | None]):
    """Periods from January 2026 on, the last one current."""
    found, start = [], date(2026, 1, 1)
    for i, (a, p) in enumerate(zip(achieved, planned, strict=True)):
        found.append(
            PeriodValue(
                start, period_key(start, "month"), "month", a, p, i == len(achieved) - 1
            )
        )
        start = next_start(start, "month")
    return found


# 12 months of a budget: March restated to 1.8e9; 8 of the 11 months over met plan
BUDGET = months(
    [1.83e9, 1.71e9, 1.80e9, 1.91e9, 1.89e9, 2.01e9, 1.74e9, 1.52e9, 2.0e9, 2.0e9,
     1.79e9, 0.40e9],
    [1.85e9, 1.70e9, 1.75e9, 1.85e9, 1.85e9, 1.85e9, 1.70e9, 1.60e9, 1.85e9, 1.85e9,
     1.85e9, 1.85e9],
)  # fmt: skip


def test_achieved_are_bars_the_plan_a_line_and_the_current_month_is_marked():
    fig = plan_figure(BUDGET, "원", 0, "ko")
    bars, plan = fig.data
    assert bars.type == "bar" and plan.type == "scatter"
    assert list(bars.y) == [p.achieved for p in BUDGET]
    assert list(plan.y) == [p.planned for p in BUDGET]
    assert plan.line.dash == "dash"
    # only December is hatched and pale, and said to be so far
    assert list(bars.marker.pattern.shape) == [""] * 11 + ["/"]
    assert list(bars.marker.opacity) == [1] * 11 + [0.55]
    (note,) = fig.layout.annotations
    assert note.text == "집계 중" and note.x == bars.x[-1]
    assert note.y == BUDGET[-1].achieved  # just over the bar, whatever the plan
    assert (bars.name, plan.name) == ("실적 (원)", "계획 (원)")
    assert bars.customdata[-1] == "2026년 12월 (집계 중)"
    # the year at the first month, then months alone
    assert list(bars.x[:3]) == ["2026년 1월", "2월", "3월"]
    # billions read the Korean way on the axis
    assert list(fig.layout.yaxis.ticktext) == [
        "0",
        "5억",
        "10억",
        "15억",
        "20억",
        "25억",
    ]
    assert "2.5B" in plan_figure(BUDGET, "KRW", 0, "en").layout.yaxis.ticktext


@pytest.mark.parametrize(
    ("lang", "summary"),
    [
        ("en", "November 2026: 97% of plan · 8 of the last 11 months on plan"),
        ("ko", "2026년 11월: 계획 대비 97% · 최근 11개월 중 8개월 계획 달성"),
    ],
)
def test_the_summary_judges_the_last_month_over_in_the_viewers_language(lang, summary):
    assert plan_summary(BUDGET, lang) == summary
    assert plan_figure(BUDGET, "KRW", 0, lang).layout.title.text == summary


def test_lower_is_better_counts_the_months_at_or_under_plan():
    assert plan_summary(BUDGET, "en", higher_is_better=False).endswith(
        "3 of the last 11 months on plan"
    )


def test_weeks_across_the_new_year_are_named_by_their_iso_week():
    start = date(2026, 12, 21)
    weeks = [
        PeriodValue(
            start + timedelta(days=7 * i),
            period_key(start + timedelta(days=7 * i), "week"),
            "week",
            40 + i,
            45,
            i == 2,
        )
        for i in range(3)
    ]
    fig = plan_figure(weeks, "건", 0, "ko")
    assert list(fig.data[0].x) == [
        "52주<br>12월 21일",
        "53주<br>12월 28일",
        "1주<br>1월 4일",
    ]
    assert plan_summary(weeks, "en") == (
        "Week 53, 2026: 91% of plan · 0 of the last 2 weeks on plan"
    )
    assert plan_summary(weeks, "ko").startswith("2026년 53주차: 계획 대비 91%")


def test_a_month_without_plan_or_values_says_so():
    empty = months([None, None], [None, None])
    fig = plan_figure(empty, "원", 0, "en")
    assert fig.layout.annotations[-1].text == "No values in these periods"
    assert plan_summary(empty, "en") == "January 2026: no plan"


def test_the_csv_rows_carry_local_days_and_unrounded_values():
    rows = plan_rows(BUDGET, "ko")
    assert rows[1] == {
        "period": "2026-02",
        "label": "2026년 2월",
        "start": "2026-02-01",
        "end": "2026-02-28",
        "achieved": 1.71e9,
        "planned": 1.70e9,
        "percent_of_plan": pytest.approx(100 * 1.71 / 1.70),
        "complete": True,
    }
    assert rows[-1]["complete"] is False and rows[-1]["end"] == "2026-12-31"


def test_every_language_has_the_charts_words():
    for lang in ("en", "ko", "es", "ja", "pt"):
        words = catalog(lang)
        assert all(
            f"plan.{key}" in words
            for key in ("achieved", "planned", "so_far", "of_plan", "on_plan_month")
        ), lang


def test_a_share_reads_as_a_percentage():
    shares = months([0.953, 0.91], [0.95, 0.95])
    fig = plan_figure(shares, "", 1, "es", percent=True)
    assert fig.layout.yaxis.tickformat == ".0%"
    assert list(fig.data[0].hovertext) == [
        "95,3\xa0%",
        "91,0\xa0%",
    ]  # a no-break space, as CLDR has it
    assert fig.data[0].name == "Logrado"  # no unit to add
    assert plan_summary(shares, "es") == (
        "enero de 2026: 100\xa0% del plan · 1 de los últimos 1 meses según el plan"
    )
