"""The KPI tile: value, unit, change against the previous period, status."""

from __future__ import annotations

from datetime import UTC, tzinfo

import dash_bootstrap_components as dbc
from dash import html

from components.format import change, local_time, number, trend_arrow
from kpis.definitions import Kpi
from kpis.service import KpiValue

# Status is told by an icon and a word as well as by colour (colour-blind viewers).
STATUS_MARK = {"good": "●", "watch": "▲", "alert": "◆", "nodata": "○"}
STATUS_WORD = {
    "good": "on target",
    "watch": "watch",
    "alert": "off target",
    "nodata": "no data",
}


def kpi_tile(
    kpi: Kpi, value: KpiValue, lang: str = "en", zone: tzinfo | None = None
) -> dbc.Col:
    trend = trend_arrow(value)
    detail = f" · highest {value.detail}" if value.detail else ""
    stale = []
    if value.stale:
        # never show old numbers as live: say how old they are
        since = (
            f"STALE since {local_time(value.stale_since, zone or UTC, with_date=True)}"
            if value.stale_since
            else "STALE: source never delivered"
        )
        stale = [html.Div(since, className="tile-stale")]
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(
                        kpi.labels.get(lang, kpi.labels["en"]), className="tile-label"
                    ),
                    html.Div(
                        [
                            html.Span(number(kpi, value.value), className="tile-value"),
                            html.Span(
                                kpi.unit.get(lang, kpi.unit["en"]),
                                className="tile-unit",
                            ),
                        ],
                        className="tile-main",
                    ),
                    html.Div(
                        f"{trend} {change(value)} {kpi.comparison.get(lang, kpi.comparison['en'])}",
                        className="tile-change",
                    ),
                    html.Div(
                        f"{STATUS_MARK[value.status]} {STATUS_WORD[value.status]}{detail}",
                        className="tile-status",
                    ),
                    *stale,
                ]
            ),
            className=f"kpi-tile status-{value.status}"
            + (" kpi-tile-stale" if value.stale else ""),
            id={"type": "kpi-tile", "kpi": kpi.id},
        ),
        xs=12,
        sm=6,
        xl=3,
    )
