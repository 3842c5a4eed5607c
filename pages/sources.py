"""Sources: every feed of the city with its last success, last error and rows."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Input, Output, State, callback, dcc, html

from city.i18n import t
from components.ingest_state import ingest_line
from components.source_table import source_table
from kpis.health import sources_off
from pages._services import services
from pages._titles import titled

dash.register_page(
    __name__,
    path="/sources",
    title=titled("nav.sources"),
    name="Sources",
    access="admin",
    nav="nav.sources",
    order=11,
)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    lang = services().profile().language(lang)
    return html.Div(
        [
            html.H2(t(lang, "nav.sources"), className="page-title"),
            html.P(t(lang, "sources.lead"), className="page-lead"),
            html.Div(id="source-health", children=_table(lang)),
            dcc.Interval(id="source-refresh", interval=10_000),
        ],
        className="sources-page",
    )


def _table(lang: str) -> list:
    profile = services().profile()
    health = services().kpis().source_health() + sources_off(profile)
    return [
        ingest_line(services().ingest(), profile.timezone, lang),
        source_table(health, profile.timezone, datetime.now(UTC), lang),
    ]


@callback(
    Output("source-health", "children"),
    Input("source-refresh", "n_intervals"),
    State("nav", "search"),
    prevent_initial_call=True,
)
def refresh(_n: int | None, search: str | None):
    return _table(services().profile().language_of(search))
