"""The domain pages' charts: records over time by category, the category breakdown,
and a measurement series over time. Small figures, rebuilt on refresh.

The charts over time span the whole period asked for, every bucket of it drawn
(an hour without a record is a bar of zero, not a gap that shortens the axis);
counts have whole-number axes; each category keeps its colour on every page and
period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import plotly.graph_objects as go

from city import i18n
from city.i18n import t
from components.format import category
from kpis.records import Period

FONT = "Inter, 'Noto Sans KR', 'Segoe UI', sans-serif"
# Okabe–Ito first (told apart with any common colour-vision deficiency), then for
# domains with more categories four of Paul Tol's light and muted sets, the most
# unlike those first; from the ninth category on a hatch tells them apart too.
PALETTE = (
    "#56B4E9",
    "#E69F00",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#BBBBBB",
    "#BBCC33",
    "#AA4499",
    "#FFAABB",
    "#99DDFF",
)
SOLID = 8  # the Okabe–Ito colours are drawn solid, the rest hatched
# a round through the palette: solid and "/"; the next: "x" and "\\"; ... (48
# categories each with a colour and hatch of its own)
PATTERNS = ("", "/", "x", "\\", ".", "+", "-", "|")
TEXT = "#e6edf7"
GRID = "rgba(230,237,247,0.12)"


@dataclass(frozen=True)
class Style:
    colour: str
    pattern: str  # a plotly bar pattern shape; "" for solid


def category_styles(categories: Iterable[str]) -> dict[str, Style]:
    """A style per category of a domain, all different: by the catalog's order of
    the categories it names, then the others by name. ``categories`` is every
    category of the domain (not those of one view), so a category keeps its colour
    whatever the filter and the period."""
    known = [
        key.removeprefix("category.")
        for key in i18n.catalog("en")
        if key.startswith("category.")
    ]
    rank = {name: i for i, name in enumerate(known)}
    ordered = sorted(set(categories), key=lambda c: (rank.get(c, len(rank)), c))
    return {c: _style(i) for i, c in enumerate(ordered)}


def _style(index: int) -> Style:
    rounds, place = divmod(index, len(PALETTE))
    pattern = PATTERNS[(2 * rounds + (place >= SOLID)) % len(PATTERNS)]
    return Style(PALETTE[place], pattern)


def count_dtick(top: float, ticks: int = 5) -> int:
    """A whole step between ticks (1, 2, 5, 10, 20, ...) that gives about ``ticks``
    ticks up to ``top``: a count axis never reads 0.5."""
    rough = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return max(1, int(step))


def _count_axis(top: float) -> dict:
    return dict(tick0=0, dtick=count_dtick(top), tickformat=",d", rangemode="tozero")


def _layout(fig: go.Figure, height: int, legend: bool = False) -> go.Figure:
    fig.update_layout(
        height=height,
        margin=dict(l=8, r=8, t=8, b=8),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(color=TEXT, family=FONT, size=14),
        showlegend=legend,
        legend=dict(orientation="h", y=-0.2),
        uirevision="constant",  # keep zoom and hidden series across refreshes
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False)
    fig.update_yaxes(gridcolor=GRID, zeroline=False)
    return fig


def _local(epoch: int, zone: tzinfo) -> datetime:
    """A bucket start as the city's wall-clock time (plotly draws naive times as is)."""
    return datetime.fromtimestamp(epoch, UTC).astimezone(zone).replace(tzinfo=None)


def _period_axis(fig: go.Figure, period: Period, zone: tzinfo) -> None:
    """The x axis spans the whole period, its first bucket to the end of its last."""
    if period.starts:
        first, last = period.starts[0], period.starts[-1] + period.seconds
        # a date axis even with no trace to tell it so (an empty view)
        fig.update_xaxes(type="date", range=[_local(first, zone), _local(last, zone)])


def timeline_figure(
    counts: list[tuple[int, str, int]],
    period: Period,
    domain: str,
    styles: dict[str, Style],
    zone: tzinfo,
    lang: str,
) -> go.Figure:
    """Stacked bars: records per hour (or day) and category, over every bucket of
    the period (zero where none came in)."""
    by_category: dict[str, dict[int, int]] = {}
    for bucket, cat, n in counts:
        by_category.setdefault(cat, {})[bucket] = n
    starts = sorted({*period.starts, *(b for b, _, _ in counts)})
    totals = {c: sum(v.values()) for c, v in by_category.items()}
    fallback = category_styles([*styles, *totals])  # a category new since
    x = [_local(b, zone) for b in starts]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=[by_category[cat].get(b, 0) for b in starts],
                name=category(domain, cat, lang),
                marker_color=styles.get(cat, fallback[cat]).colour,
                marker_pattern_shape=styles.get(cat, fallback[cat]).pattern,
                # each bar stands over its bucket, from its start (in ms)
                offset=period.seconds * 50,
                width=period.seconds * 900,
                hovertemplate="%{x}<br>%{y}<extra>%{fullData.name}</extra>",
            )
            for cat in sorted(totals, key=lambda c: (-totals[c], c))
        ]
    )
    per_bucket = [sum(by_category[c].get(b, 0) for c in by_category) for b in starts]
    fig.update_layout(barmode="stack", bargap=0.1)
    fig.update_yaxes(**_count_axis(max(per_bucket, default=0)))
    _period_axis(fig, period, zone)
    if not counts:
        _empty(fig, lang, keep_axes=True)
    return _layout(fig, 300, legend=True)


def breakdown_figure(
    counts: dict[str, int], domain: str, styles: dict[str, Style], lang: str
) -> go.Figure:
    """Horizontal bars, largest on top, in each category's colour; a click on a
    bar filters by its category."""
    ordered = sorted(counts.items(), key=lambda kv: kv[1])
    fallback = category_styles([*styles, *counts])
    chosen = [styles.get(c, fallback[c]) for c, _ in ordered]
    fig = go.Figure(
        go.Bar(
            x=[n for _, n in ordered],
            y=[category(domain, c, lang) for c, _ in ordered],
            customdata=[c for c, _ in ordered],
            orientation="h",
            marker_color=[s.colour for s in chosen],
            marker_pattern_shape=[s.pattern for s in chosen],
            text=[i18n.number(n, lang) for _, n in ordered],
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(**_count_axis(max(counts.values(), default=0)))
    if not counts:
        _empty(fig, lang)
    return _layout(fig, max(200, 34 * len(counts) + 40))


def series_figure(
    points: list[tuple[int, float]],
    period: Period,
    name: str,
    zone: tzinfo,
    lang: str,
) -> go.Figure:
    """A series' mean per bucket over the whole period; a bucket without readings
    is a gap in the line (not a zero, not a straight line across it)."""
    found = dict(points)
    starts = sorted({*period.starts, *found})
    fig = go.Figure(
        go.Scatter(
            x=[_local(b, zone) for b in starts],
            y=[found.get(b) for b in starts],
            mode="lines",
            name=name,
            connectgaps=False,
            line=dict(color=PALETTE[1], width=3),
            hovertemplate="%{x}<br>%{y:.1f}<extra></extra>",
        )
    )
    _period_axis(fig, period, zone)
    if not points:
        _empty(fig, lang, keep_axes=True)
    return _layout(fig, 220)


def _empty(fig: go.Figure, lang: str, keep_axes: bool = False) -> None:
    """ "No records in this period" over the chart; a chart over time keeps its
    axis of the period, the counts from 0."""
    note_empty(fig, t(lang, "domain.no_records"))
    if keep_axes:
        fig.update_yaxes(range=[0, 1], showticklabels=False)
        return
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)


def note_empty(fig: go.Figure, text: str) -> None:
    """``text`` in the middle of a chart with nothing to draw."""
    fig.add_annotation(
        text=text,
        showarrow=False,
        font=dict(size=18, color=TEXT),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
