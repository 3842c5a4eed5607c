"""The wall overview: every domain's KPIs, the district map, alerts, freshness."""

from __future__ import annotations

from datetime import datetime, timezone

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, dcc, html

from citywall import runtime
from components.city_map import city_map_figure, city_map_patch, map_config
from components.event_feed import event_feed
from components.freshness import freshness_strip
from components.ticker import alert_ticker_items
from components.tile import kpi_tile
from kpis.definitions import KPIS, KPIS_BY_ID

dash.register_page(__name__, path="/", title="CityWall — overview", name="Overview")

DEFAULT_METRIC = "complaints_open"


def layout(metric: str = DEFAULT_METRIC, **_query: str) -> html.Div:
    profile = runtime.profile()
    lang = profile.default_language
    metric = (
        metric if metric in KPIS_BY_ID and KPIS_BY_ID[metric].on_map else DEFAULT_METRIC
    )
    service = runtime.kpi_service()
    kpi = KPIS_BY_ID[metric]
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        id="freshness",
                        className="freshness",
                        children=freshness(),
                    ),
                    html.Div(
                        id="alert-ticker",
                        className="ticker",
                        children=html.Div(
                            alert_ticker_items(service.active_alerts(), profile, lang),
                            className="ticker-track",
                        ),
                    ),
                ],
                className="overview-strip",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Row(id="tiles", children=tiles(lang), className="g-3"),
                            html.H2("Just happened", className="feed-heading"),
                            html.Div(
                                id="event-feed",
                                children=event_feed(
                                    service.latest_events(), profile, lang
                                ),
                            ),
                        ],
                        xl=7,
                        className="tiles-col",
                    ),
                    dbc.Col(
                        [
                            dcc.Dropdown(
                                id="map-metric",
                                options=[
                                    {
                                        "label": k.labels.get(lang, k.labels["en"]),
                                        "value": k.id,
                                    }
                                    for k in KPIS
                                    if k.on_map
                                ],
                                value=metric,
                                clearable=False,
                                className="map-metric",
                            ),
                            dcc.Graph(
                                id="city-map",
                                figure=city_map_figure(
                                    profile, kpi, service.map_values(metric), lang
                                ),
                                config=map_config(scrollZoom=False),
                                className="city-map",
                            ),
                            html.Div(
                                "Click a district to open its page.",
                                className="map-hint",
                            ),
                        ],
                        xl=5,
                    ),
                ],
                className="g-3",
            ),
            dcc.Interval(
                id="overview-refresh", interval=profile.refresh_seconds * 1000
            ),
        ],
        className="overview",
    )


def tiles(lang: str, district: str | None = None) -> list:
    values = runtime.kpi_service().tiles(district)
    zone = runtime.profile().timezone
    return [kpi_tile(KPIS_BY_ID[v.kpi_id], v, lang, zone) for v in values]


def freshness() -> list:
    service = runtime.kpi_service()
    return freshness_strip(
        service.newest_data(),
        service.source_health(),
        runtime.profile(),
        datetime.now(timezone.utc),
        sources_href=dash.get_relative_path("/sources"),
    )


@callback(
    Output("tiles", "children"),
    Output("city-map", "figure"),
    Output("alert-ticker", "children"),
    Output("freshness", "children"),
    Output("event-feed", "children"),
    Input("overview-refresh", "n_intervals"),
    Input("map-metric", "value"),
    # The timer stops while a refresh runs, so refreshes can never pile up.
    running=[(Output("overview-refresh", "disabled"), True, False)],
    prevent_initial_call=True,
)
def refresh(_n: int | None, metric: str):
    profile = runtime.profile()
    lang = profile.default_language
    service = runtime.kpi_service()
    kpi = KPIS_BY_ID.get(metric, KPIS_BY_ID[DEFAULT_METRIC])
    values = service.map_values(kpi.id)
    if ctx.triggered_id == "map-metric":
        figure = city_map_figure(profile, kpi, values, lang)
    else:
        figure = city_map_patch(profile, kpi, values, lang)
    ticker = html.Div(
        alert_ticker_items(service.active_alerts(), profile, lang),
        className="ticker-track",
    )
    feed = event_feed(service.latest_events(), profile, lang)
    return tiles(lang), figure, ticker, freshness(), feed


@callback(
    Output("nav", "href"),
    Input("city-map", "clickData"),
    prevent_initial_call=True,
)
def open_district(click: dict | None):
    """A click on a district goes to its page (drill-down by link)."""
    if not click or not click.get("points"):
        return dash.no_update
    code = click["points"][0].get("customdata") or click["points"][0].get("location")
    if code not in runtime.profile().districts_by_code:
        return dash.no_update
    return dash.get_relative_path(f"/district/{code}")
