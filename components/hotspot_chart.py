"""A hotspot's day: its live population over the last 24 hours (a band, low to
high, as the feed gives it) and the forecast ahead of now, dashed, with a line at
now between them."""

from __future__ import annotations

from datetime import datetime, tzinfo

import plotly.graph_objects as go

from city.i18n import t
from components.charts import PALETTE, _layout, note_empty
from kpis.hotspots import HotspotCurve

BAND = "rgba(86,180,233,0.30)"
FORECAST = PALETTE[1]


def _local(at: datetime, zone: tzinfo) -> datetime:
    """The city's wall-clock time (plotly draws naive times as they are)."""
    return at.astimezone(zone).replace(tzinfo=None)


def hotspot_figure(
    curve: HotspotCurve,
    names: dict[str, str],
    zone: tzinfo,
    now: datetime,
    lang: str,
) -> go.Figure:
    """``names``: each curve series' and the forecast's words, by series."""
    fig = go.Figure()
    series = list(curve.curve)
    if len(series) == 2:  # a band: the low series, then the high filled down to it
        low, high = (curve.curve[s] for s in series)
        fig.add_trace(_line(low, zone, names[series[0]], width=1, colour=PALETTE[0]))
        fig.add_trace(
            _line(high, zone, names[series[1]], width=3, colour=PALETTE[0], fill=True)
        )
    elif series:
        fig.add_trace(_line(curve.curve[series[0]], zone, names[series[0]], width=3))
    if curve.forecast:
        fig.add_trace(
            _line(
                curve.forecast,
                zone,
                t(lang, "hotspot.forecast"),
                width=3,
                colour=FORECAST,
                dash="dash",
            )
        )
    drawn = any(curve.curve.values()) or curve.forecast
    if not drawn:
        note_empty(fig, t(lang, "hotspot.no_reading"))
    x_now = _local(now, zone)
    fig.add_vline(x=x_now, line=dict(color="#e6edf7", width=1, dash="dot"))
    fig.add_annotation(
        x=x_now, y=1, yref="paper", text=t(lang, "hotspot.now"), showarrow=False,
        yanchor="bottom", font=dict(size=14),
    )  # fmt: skip
    fig.update_xaxes(type="date")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    _layout(fig, 360, legend=True)
    # room above for the "now" mark; the height follows the page (.hotspot-chart)
    fig.update_layout(height=None, autosize=True, margin=dict(t=28))
    return fig


def _line(
    points: list[tuple[datetime, float]],
    zone: tzinfo,
    name: str,
    width: int,
    colour: str = PALETTE[0],
    dash: str = "solid",
    fill: bool = False,
) -> go.Scatter:
    return go.Scatter(
        x=[_local(at, zone) for at, _ in points],
        y=[value for _, value in points],
        mode="lines",
        name=name,
        line=dict(color=colour, width=width, dash=dash),
        fill="tonexty" if fill else None,
        fillcolor=BAND if fill else None,
        hovertemplate="%{x|%H:%M}<br>%{y:,.0f}<extra>" + name + "</extra>",
    )
