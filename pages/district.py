"""One district beside the city: the same KPIs, its map and its alerts."""

from __future__ import annotations

import re

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, callback, dcc, html

from citywall import runtime
from components.city_map import city_map_figure, map_config
from components.format import change, district_facts, number
from components.ticker import alert_ticker_items
from components.tile import STATUS_MARK, STATUS_WORD
from kpis.definitions import KPIS_BY_ID
from kpis.service import KpiValue
from pages._not_found import not_found

CODE = re.compile(r"^[0-9A-Za-z_-]{1,16}$")


def title(code: str | None = None, **_query: str) -> str:
    district = runtime.profile().districts_by_code.get(code or "")
    return f"CityWall — {district.name('en')}" if district else "CityWall — district"


dash.register_page(
    __name__, path_template="/district/<code>", title=title, name="District"
)


def layout(code: str | None = None, **_query: str) -> html.Div:
    if code is None:  # Dash builds a validation layout with no arguments
        return html.Div(id="district-page")
    profile = runtime.profile()
    # path templates also match "/district/1/extra": only a known code passes
    if not CODE.match(code) or code not in profile.districts_by_code:
        return not_found(f"No district with code {code!r} in {profile.name()}.")
    lang = profile.default_language
    district = profile.districts_by_code[code]
    service = runtime.kpi_service()
    kpi = KPIS_BY_ID["complaints_open"]
    return html.Div(
        [
            dcc.Link(
                "← City overview", href=dash.get_relative_path("/"), className="crumb"
            ),
            html.H1(
                [
                    district.name(lang),
                    *(
                        [
                            html.Span(
                                district.name(profile.local_language),
                                className="district-local",
                            )
                        ]
                        if profile.local_language != lang
                        else []
                    ),
                ],
                className="district-title",
            ),
            html.P(district_facts(profile, district, lang), className="district-facts"),
            dbc.Row(
                [
                    dbc.Col(
                        html.Div(
                            id={"type": "district-body", "code": code},
                            children=district_body(code),
                        ),
                        xl=7,
                    ),
                    dbc.Col(
                        # Built once: graphs are never re-created on a timer.
                        dcc.Graph(
                            figure=city_map_figure(
                                profile,
                                kpi,
                                service.map_values(kpi.id),
                                lang,
                                highlight=code,
                            ),
                            config=map_config(staticPlot=True),
                            className="district-map",
                        ),
                        xl=5,
                    ),
                ]
            ),
            dcc.Interval(
                id={"type": "district-refresh", "code": code},
                interval=profile.refresh_seconds * 1000,
            ),
        ],
        id="district-page",
    )


def district_body(code: str) -> list:
    """The refreshed part: the district's KPIs beside the city's, and its alerts."""
    profile = runtime.profile()
    lang = profile.default_language
    district = profile.districts_by_code[code]
    service = runtime.kpi_service()
    mine, city = service.tiles(code), service.tiles(None)
    return [
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Indicator"),
                            html.Th(district.name(lang)),
                            html.Th("Status"),
                            html.Th(profile.name(lang)),
                        ]
                    )
                ),
                html.Tbody([_comparison_row(d, c, lang) for d, c in zip(mine, city)]),
            ],
            className="district-table",
            id="district-kpis",
        ),
        html.Div(
            alert_ticker_items(service.active_alerts(code), profile, lang),
            className="district-alerts",
        ),
    ]


def _comparison_row(mine: KpiValue, city: KpiValue, lang: str) -> html.Tr:
    kpi = KPIS_BY_ID[mine.kpi_id]
    unit = kpi.unit.get(lang, kpi.unit["en"])
    return html.Tr(
        [
            html.Td(kpi.labels.get(lang, kpi.labels["en"])),
            html.Td(
                [
                    html.Span(number(kpi, mine.value), className="cell-value"),
                    f" {unit}",
                    html.Div(change(mine), className="cell-change"),
                ]
            ),
            html.Td(
                f"{STATUS_MARK[mine.status]} {STATUS_WORD[mine.status]}",
                className=f"status-{mine.status}",
            ),
            html.Td(f"{number(kpi, city.value)} {unit}"),
        ],
        id={"type": "district-kpi", "kpi": kpi.id},
    )


@callback(
    Output({"type": "district-body", "code": MATCH}, "children"),
    Input({"type": "district-refresh", "code": MATCH}, "n_intervals"),
    prevent_initial_call=True,
)
def refresh(_n: int) -> list:
    code = dash.ctx.triggered_id["code"]
    if code not in runtime.profile().districts_by_code:
        return dash.no_update
    return district_body(code)
