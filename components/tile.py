"""The KPI tile: value, unit, change, sparkline, status, freshness, and its links.

The label leads to the KPI's domain page (filtered like the tile); a small link
downloads the tile's numbers as CSV.
"""

from __future__ import annotations

from datetime import tzinfo
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from city import i18n
from city.i18n import t
from city.indicators import Indicator
from components.format import (
    change,
    comparison,
    label,
    number,
    trend_arrow,
    unit,
)
from kpis.values import KpiValue

# Status is told by an icon and a word as well as by colour (colour-blind viewers).
STATUS_MARK = {
    "good": "●",
    "watch": "▲",
    "alert": "◆",
    "nodata": "○",
    "untargeted": "◇",
}
# Okabe–Ito colours, the same as the CSS status colours.
STATUS_COLOUR = {
    "good": "#009E73",
    "watch": "#E69F00",
    "alert": "#D55E00",
    "nodata": "#8899aa",
    "untargeted": "#8899aa",
}


def status_text(status: str, lang: str, paced: bool = False) -> str:
    """The status in a mark and a word; a count so far today is "on pace" (or
    not), never "on target", which it reaches only at the day's end."""
    words = "pace" if paced else "status"
    return f"{STATUS_MARK[status]} {t(lang, f'{words}.{status}')}"


def pace_text(kpi: Indicator, value: KpiValue, lang: str) -> str | None:
    """What a count so far today is judged against: the day's target and the
    share of it due by now."""
    if value.target is None or value.pace_target is None:
        return None
    return t(
        lang,
        "pace.target",
        day=number(kpi, value.target, lang),
        now=number(kpi, value.pace_target, lang),
    )


def sparkline(values: list[float | None], colour: str) -> str:
    """A tiny SVG line as a data URI: an image, not a Graph, so refreshing a tile
    never creates a plotly figure (or leaks one)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    span = (high - low) or 1.0
    last = max(len(values) - 1, 1)
    points = " ".join(
        f"{i * 100 / last:.1f},{28 - (v - low) * 26 / span:.1f}" for i, v in known
    )
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 30' "
        "preserveAspectRatio='none'><polyline fill='none' stroke='"
        f"{colour}' stroke-width='2' vector-effect='non-scaling-stroke' "
        f"points='{points}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


def kpi_tile(
    kpi: Indicator,
    value: KpiValue,
    lang: str,
    zone: tzinfo,
    *,
    history: list[float | None] | None = None,
    href: str | None = None,
    csv_href: str | None = None,
    new_tab: bool = False,  # inside an iframe: open the page in a tab of its own
    full_width: bool = False,
) -> dbc.Col:
    trend = trend_arrow(value)
    detail = (
        " · " + t(lang, "tile.highest", severity=t(lang, f"severity.{value.detail}"))
        if value.detail
        else ""
    )
    stale = []
    if value.stale:
        # never show old numbers as live: say how old they are
        since = (
            t(
                lang,
                "tile.stale_since",
                time=i18n.day_and_clock(value.stale_since, zone, lang),
            )
            if value.stale_since
            else t(lang, "tile.stale_never")
        )
        stale = [html.Div(since, className="tile-stale")]
    pace = pace_text(kpi, value, lang)
    line = sparkline([*(history or []), value.value], STATUS_COLOUR[value.status])
    title = html.Div(label(kpi, lang), className="tile-label")
    if href and new_tab:
        link = html.A(
            title, href=href, target="_blank", className="tile-link stretched-link"
        )
    elif href:
        link = dcc.Link(title, href=href, className="tile-link stretched-link")
    else:
        link = title
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    link,
                    html.Div(
                        [
                            html.Span(
                                number(kpi, value.value, lang), className="tile-value"
                            ),
                            html.Span(unit(kpi, lang), className="tile-unit"),
                        ],
                        className="tile-main",
                    ),
                    html.Img(
                        src=line,
                        className="tile-spark",
                        alt=t(lang, "tile.sparkline"),
                    )
                    if line
                    else None,
                    html.Div(
                        f"{trend} {change(value, lang)} {comparison(kpi, lang)}",
                        className="tile-change",
                    ),
                    html.Div(
                        status_text(value.status, lang, paced=pace is not None)
                        + detail,
                        className="tile-status",
                    ),
                    html.Div(pace, className="tile-change tile-pace") if pace else None,
                    *stale,
                    html.A(
                        "CSV",
                        href=csv_href,
                        className="tile-csv",
                        title=t(lang, "tile.csv"),
                        download=f"{kpi.id}.csv",
                    )
                    if csv_href
                    else None,
                ]
            ),
            className=f"kpi-tile status-{value.status}"
            + (" kpi-tile-stale" if value.stale else ""),
            id={"type": "kpi-tile", "kpi": kpi.id},
        ),
        xs=12,
        sm=12 if full_width else 6,
        xl=12 if full_width else 3,
    )
