"""A periodic indicator's chart: what was achieved each month or week (bars)
against its plan (a dashed line), the last periods up to the current one.

The current period is not over: its bar is hatched and paler and says "so far",
and the summary judges the last period that is over ("November: 96 % of plan;
9 of the last 11 months on plan"). Periods are named in the viewer's language
(Babel's month names, the catalogs' week words) and large amounts read short
("18억", "1.8B"), so twelve bars stay legible on a 1920×1080 wall and, scaled,
at 3840×2160.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import plotly.graph_objects as go
from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_percent

from city import i18n
from city.i18n import t
from components.charts import FONT, GRID, PALETTE, TEXT, note_empty
from kpis.periods import PeriodValue, next_start

ACHIEVED, PLANNED = PALETTE[0], PALETTE[1]
CURRENT_OPACITY = 0.55
COMPACT_FROM = 10_000  # axis ticks from here on read "1.2만", "12K"


def period_name(p: PeriodValue, lang: str) -> str:
    """The period in full: "March 2026", "2026년 3월", "Week 53, 2026"."""
    if p.period == "month":
        return format_skeleton("yMMMM", p.start, locale=lang)
    year, week, _ = p.start.isocalendar()
    return t(lang, "plan.week", week=week, year=year)


def tick_label(p: PeriodValue, lang: str, first: bool) -> str:
    """A bar's label: "Mar" ("Jan 2026" at the first and at each new year);
    a week's number over its Monday ("W53<br>Dec 28")."""
    if p.period == "month":
        with_year = first or p.start.month == 1
        return format_skeleton("yMMM" if with_year else "MMM", p.start, locale=lang)
    week = t(lang, "plan.week_short", week=p.start.isocalendar()[1])
    return f"{week}<br>{format_skeleton('MMMd', p.start, locale=lang)}"


def on_plan(p: PeriodValue, higher_is_better: bool) -> bool | None:
    """Whether a period met its plan (None without achieved and plan)."""
    if p.achieved is None or p.planned is None:
        return None
    if higher_is_better:
        return p.achieved >= p.planned
    return p.achieved <= p.planned


def plan_summary(
    periods: Sequence[PeriodValue], lang: str, higher_is_better: bool = True
) -> str:
    """The last period over against its plan, and how many periods over met
    theirs: "November 2026: 96% of plan · 9 of the last 11 months on plan"."""
    over = [p for p in periods if not p.current]
    if not over:
        return ""
    last = over[-1]
    name = period_name(last, lang)
    if last.ratio is None:
        parts = [t(lang, "plan.no_plan", period=name)]
    else:
        percent = format_percent(last.ratio, locale=lang)
        parts = [t(lang, "plan.of_plan", period=name, percent=percent)]
    judged = [on_plan(p, higher_is_better) for p in over]
    judged = [j for j in judged if j is not None]
    if judged:
        parts.append(
            t(lang, f"plan.on_plan_{last.period}", on=sum(judged), n=len(judged))
        )
    return " · ".join(parts)


def _amount(
    value: float | None, unit: str, decimals: int, lang: str, percent: bool
) -> str:
    """A value as the indicator shows it: "1,095,500,000 원", or "95.3%" for a share
    shown as a percentage."""
    if percent and value is not None:
        # the language's own pattern ("#,##0 %" in Spanish), with the decimals
        pattern = Locale.parse(lang).percent_formats[None].pattern
        if decimals:
            pattern = pattern.replace("0", "0." + "0" * decimals, 1)
        return format_percent(value, format=pattern, locale=lang)
    return f"{i18n.number(value, lang, decimals)} {unit}".strip()


def _named(name: str, unit: str) -> str:
    """A legend entry with the unit the axis's numbers are in: "Achieved (KRW)"."""
    return f"{name} ({unit})" if unit else name


def _compact_ticks(top: float, lang: str) -> dict:
    """About five ticks from 0 to ``top`` at 1, 2 or 5 × 10ⁿ, each written short in
    ``lang`` (plotly's own "1.8G" reads as nothing in any language)."""
    rough = top / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    ticks = [i * step for i in range(math.ceil(top / step) + 1)]
    return dict(
        tickvals=ticks,
        ticktext=[
            format_compact_decimal(v, locale=lang, fraction_digits=1) for v in ticks
        ],
        range=[0, ticks[-1]],
    )


def plan_figure(
    periods: Sequence[PeriodValue],
    unit: str,
    decimals: int,
    lang: str,
    higher_is_better: bool = True,
    percent: bool = False,
    height: int = 300,
) -> go.Figure:
    """Bars of what was achieved, the plan as a dashed line over them, the current
    period hatched and marked "so far", the summary as the title. ``percent``: the
    values are shares (0..1) shown as percentages, as the indicator's own."""
    labels = [tick_label(p, lang, i == 0) for i, p in enumerate(periods)]
    hover = [period_name(p, lang) for p in periods]
    so_far = t(lang, "plan.so_far")
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=[p.achieved for p in periods],
                name=_named(t(lang, "plan.achieved"), unit),
                marker_color=ACHIEVED,
                marker_opacity=[CURRENT_OPACITY if p.current else 1 for p in periods],
                marker_pattern_shape=["/" if p.current else "" for p in periods],
                customdata=[
                    f"{name} ({so_far})" if p.current else name
                    for name, p in zip(hover, periods, strict=True)
                ],
                hovertext=[
                    _amount(p.achieved, unit, decimals, lang, percent) for p in periods
                ],
                hovertemplate="%{customdata}<br>%{hovertext}<extra>%{fullData.name}"
                "</extra>",
            ),
            go.Scatter(
                x=labels,
                y=[p.planned for p in periods],
                name=_named(t(lang, "plan.planned"), unit),
                mode="lines+markers",
                connectgaps=False,
                line=dict(color=PLANNED, width=3, dash="dash"),
                marker=dict(size=10, color=PLANNED),
                customdata=hover,
                hovertext=[
                    _amount(p.planned, unit, decimals, lang, percent) for p in periods
                ],
                hovertemplate="%{customdata}<br>%{hovertext}<extra>%{fullData.name}"
                "</extra>",
            ),
        ]
    )
    current = [
        (label, p) for label, p in zip(labels, periods, strict=True) if p.current
    ]
    for label, p in current:
        fig.add_annotation(
            x=label,
            y=p.achieved or 0,
            text=so_far,
            showarrow=False,
            yanchor="bottom",
            font=dict(size=14, color=TEXT),
        )
    values = [v for p in periods for v in (p.achieved, p.planned) if v is not None]
    top = max(values, default=0)
    if percent:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    elif top >= COMPACT_FROM:
        fig.update_yaxes(**_compact_ticks(top * 1.1, lang))
    else:
        fig.update_yaxes(rangemode="tozero")
    if not values:
        note_empty(fig, t(lang, "plan.no_values"))
    fig.update_layout(
        height=height,
        title=dict(
            text=plan_summary(periods, lang, higher_is_better),
            x=0,
            xref="paper",
            xanchor="left",
            font=dict(size=16, color=TEXT),
        ),
        margin=dict(l=8, r=8, t=44, b=8),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(color=TEXT, family=FONT, size=14),
        legend=dict(orientation="h", y=-0.12, x=0, yanchor="top"),
        bargap=0.25,
        uirevision="constant",
    )
    fig.update_xaxes(type="category", gridcolor=GRID, zeroline=False)
    fig.update_yaxes(gridcolor=GRID, zeroline=False)
    return fig


def plan_rows(periods: Sequence[PeriodValue], lang: str) -> list[dict]:
    """The periods as a CSV's rows: the key ("2026-03"), its name in ``lang``, its
    first and last local day, the values unrounded and whether it is over."""
    return [
        {
            "period": p.key,
            "label": period_name(p, lang),
            "start": p.start.isoformat(),
            "end": (next_start(p.start, p.period) - timedelta(days=1)).isoformat(),
            "achieved": p.achieved,
            "planned": p.planned,
            "percent_of_plan": None if p.ratio is None else 100 * p.ratio,
            "complete": not p.current,
        }
        for p in periods
    ]
