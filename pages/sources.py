"""Sources: every feed of the city with its last success, last error and rows."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Input, Output, callback, dcc, html

from citywall import runtime
from components.source_table import source_table

dash.register_page(
    __name__, path="/sources", title="CityWall — sources", name="Sources"
)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Sources", className="page-title"),
            html.P(
                "A source is stale when it has not delivered for three of its "
                "intervals; the tiles it feeds then say since when.",
                className="page-lead",
            ),
            html.Div(id="source-health", children=_table()),
            dcc.Interval(id="source-refresh", interval=10_000),
        ],
        className="sources-page",
    )


def _table():
    profile = runtime.profile()
    health = runtime.kpi_service().source_health()
    return source_table(health, profile.timezone, datetime.now(UTC))


@callback(
    Output("source-health", "children"),
    Input("source-refresh", "n_intervals"),
    prevent_initial_call=True,
)
def refresh(_n: int | None):
    return _table()
