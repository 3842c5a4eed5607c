"""The domain pages' charts: records over time by category, the category breakdown,
and a measurement series over time. Small figures, rebuilt on refresh."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import plotly.graph_objects as go

from city import i18n
from city.i18n import t
from components.format import category

FONT = "Inter, 'Noto Sans KR', 'Segoe UI', sans-serif"
# Okabe–Ito: told apart by viewers with any common colour-vision deficiency.
PALETTE = (
    "#56B4E9",
    "#E69F00",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#BBBBBB",
)
TEXT = "#e6edf7"
GRID = "rgba(230,237,247,0.12)"


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


def _local(epochs: list[int], zone: tzinfo) -> list[datetime]:
    """Bucket starts as the city's wall-clock times (plotly draws naive times as is)."""
    return [
        datetime.fromtimestamp(e, UTC).astimezone(zone).replace(tzinfo=None)
        for e in epochs
    ]


def timeline_figure(
    counts: list[tuple[int, str, int]], domain: str, zone: tzinfo, lang: str
) -> go.Figure:
    """Stacked bars: records per hour (or day) and category."""
    by_category: dict[str, dict[int, int]] = {}
    for bucket, cat, n in counts:
        by_category.setdefault(cat, {})[bucket] = n
    totals: dict[str, int] = {c: sum(v.values()) for c, v in by_category.items()}
    fig = go.Figure(
        [
            go.Bar(
                x=_local(sorted(by_category[cat]), zone),
                y=[by_category[cat][b] for b in sorted(by_category[cat])],
                name=category(domain, cat, lang),
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate="%{x}<br>%{y}<extra>%{fullData.name}</extra>",
            )
            for i, cat in enumerate(sorted(totals, key=totals.get, reverse=True))
        ]
    )
    fig.update_layout(barmode="stack", bargap=0.1)
    if not counts:
        _empty(fig, lang)
    return _layout(fig, 300, legend=True)


def breakdown_figure(counts: dict[str, int], domain: str, lang: str) -> go.Figure:
    """Horizontal bars, largest on top; a click on a bar filters by its category."""
    ordered = sorted(counts.items(), key=lambda kv: kv[1])
    fig = go.Figure(
        go.Bar(
            x=[n for _, n in ordered],
            y=[category(domain, c, lang) for c, _ in ordered],
            customdata=[c for c, _ in ordered],
            orientation="h",
            marker_color=PALETTE[0],
            text=[i18n.number(n, lang) for _, n in ordered],
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    if not counts:
        _empty(fig, lang)
    return _layout(fig, max(200, 34 * len(counts) + 40))


def series_figure(
    points: list[tuple[int, float]], name: str, zone: tzinfo, lang: str
) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=_local([p[0] for p in points], zone),
            y=[p[1] for p in points],
            mode="lines",
            name=name,
            line=dict(color=PALETTE[1], width=3),
            hovertemplate="%{x}<br>%{y:.1f}<extra></extra>",
        )
    )
    if not points:
        _empty(fig, lang)
    return _layout(fig, 220)


def _empty(fig: go.Figure, lang: str) -> None:
    fig.add_annotation(
        text=t(lang, "domain.no_records"),
        showarrow=False,
        font=dict(size=18, color=TEXT),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
