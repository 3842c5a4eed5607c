"""The page shell: the city's header with its clock and the newest data's time."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from citywall.profile import CityProfile


def page_shell(profile: CityProfile, lang: str | None = None) -> html.Div:
    lang = lang or profile.default_language
    local = (
        [html.Span(profile.name(profile.local_language), className="brand-local")]
        if profile.local_language != lang
        else []
    )
    return html.Div(
        [
            dcc.Location(id="nav", refresh="callback-nav"),
            dbc.Navbar(
                dbc.Container(
                    [
                        dcc.Link(
                            [
                                html.Span("CityWall", className="brand-mark"),
                                html.Span(profile.name(lang), className="brand-city"),
                                *local,
                            ],
                            href=dash.get_relative_path("/"),
                            className="navbar-brand",
                        ),
                        html.Div(
                            [
                                html.Span(id="clock", className="clock"),
                                html.Span(
                                    str(profile.timezone), className="clock-zone"
                                ),
                            ],
                            className="ms-auto clock-box",
                            **{"data-timezone": str(profile.timezone)},
                            id="clock-box",
                        ),
                    ],
                    fluid=True,
                ),
                className="wall-navbar",
                dark=True,
            ),
            dcc.Interval(id="clock-tick", interval=1000),
            dbc.Container(dash.page_container, fluid=True, className="wall-body"),
        ],
        **{"data-bs-theme": "dark"},
        className="wall-root",
    )


# The clock ticks in the browser, in the city's time zone: no server round trip.
dash.clientside_callback(
    """
    function(_n, zone) {
        return new Intl.DateTimeFormat('en-GB', {
            timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit',
            weekday: 'short', day: '2-digit', month: 'short'
        }).format(new Date());
    }
    """,
    dash.Output("clock", "children"),
    dash.Input("clock-tick", "n_intervals"),
    dash.State("clock-box", "data-timezone"),
)
