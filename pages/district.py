"""One district beside the city and the other districts: the same KPIs, per resident
where that is fair, its rank, its map and its alerts."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, dcc, html

from city import i18n
from city.i18n import t
from city.indicators import Indicator
from city.profile import CityProfile
from components.breadcrumbs import breadcrumbs
from components.city_map import city_map_figure, map_config
from components.format import change, district_facts, label, number, unit
from components.links import district_code_in, district_path, href
from components.ranking import Rank, rank_of
from components.score_card import score_card, score_number
from components.shell import second_name, timer
from components.ticker import alert_ticker_items
from components.tile import status_text
from kpis.score import scores_for
from kpis.values import KpiValue
from pages._changed import outputs, rendered
from pages._moment import AskedMoment, asked_moment, at_in, at_moment, moment_notice
from pages._not_found import not_found
from pages._services import services
from pages._titles import tab_title

PER = 10_000  # "per 10,000 residents"


def title(code: str | None = None, **_path: str) -> str:
    district = services().profile().districts_by_code.get(district_code_in(code or ""))
    return tab_title(lambda lang: district.name(lang) if district else None)


def exists(code: str | None = None, **_query: str) -> bool:
    """A known district's code: path templates also match "/district/1/extra"."""
    codes = services().profile().districts_by_code
    return code is not None and district_code_in(code) in codes


dash.register_page(
    __name__,
    path_template="/district/<code>",
    title=title,
    name="District",
    access="staff",
    moment=True,  # draws a past moment (?at=, pages._moment)
    exists=exists,  # the address answers 404 otherwise (web.not_found)
)


def layout(
    code: str | None = None, lang: str | None = None, at: str = "", **_query: str
):
    if code is None:  # Dash builds a validation layout with no arguments
        return html.Div(id="district-page")
    asked = asked_moment(at)
    with at_moment(asked):
        return _layout(code, lang, asked)


def _layout(code: str, lang: str | None, asked: AskedMoment):
    profile = services().profile()
    lang = profile.language(lang)
    code = district_code_in(code)
    if not exists(code):
        return not_found(
            t(lang, "not_found.district", code=code, city=profile.name(lang)), lang
        )
    district = profile.districts_by_code[code]
    service = services().kpis()
    kpi = profile.indicators_by_id[profile.map_indicator]
    local = second_name(
        district.name(lang), district.name(profile.local_language), "district-local"
    )
    return html.Div(
        [
            *moment_notice(asked, lang, href(district_path(code), lang, at=None)),
            breadcrumbs(
                [(t(lang, "nav.overview"), href("/", lang))], district.name(lang)
            ),
            html.H1([district.name(lang), *local], className="district-title"),
            html.P(district_facts(profile, district, lang), className="district-facts"),
            dbc.Row(
                [
                    dbc.Col(
                        html.Div(
                            id={"type": "district-body", "code": code},
                            children=district_body(code, lang),
                        ),
                        xl=7,
                    ),
                    dbc.Col(
                        # Built once: graphs are never re-created on a timer.
                        dcc.Graph(
                            id="district-map",
                            figure=city_map_figure(
                                profile,
                                kpi,
                                service.map_values(kpi.id),
                                lang,
                                highlight=code,
                            ),
                            config=map_config(scrollZoom=False),
                            className="district-map",
                        ),
                        xl=5,
                    ),
                ]
            ),
            # a past moment does not change: nothing to refresh
            timer(
                {"type": "district-refresh", "code": code},
                profile.refresh_seconds,
                live=not asked.past,
            ),
        ],
        id="district-page",
    )


def district_body(code: str, lang: str) -> list:
    """The refreshed part: the district's KPIs beside the city's, its rank among
    the districts, and its alerts."""
    profile = services().profile()
    district = profile.districts_by_code[code]
    service = services().kpis()
    mine, city = service.tiles(code), service.tiles(None)
    per_resident = profile.population > 0
    domains = tuple(profile.domains_by_id)
    my_score, my_domains = scores_for(profile.indicators_by_id, mine, domains)
    city_score, _ = scores_for(profile.indicators_by_id, city, domains)
    head = [
        t(lang, "district.indicator"),
        district.name(lang),
        t(lang, "district.per_resident", per=i18n.number(PER, lang))
        if per_resident
        else None,
        t(lang, "district.status"),
        profile.name(lang),
        t(lang, "district.rank"),
    ]
    return [
        html.Div(
            [
                *score_card(
                    my_score,
                    my_domains,
                    lang,
                    profile,
                    title=t(lang, "score.district", district=district.name(lang)),
                )[:3],
                html.Div(
                    t(
                        lang,
                        "score.city_was",
                        city=profile.name(lang),
                        value=score_number(city_score.value, lang),
                    ),
                    className="score-hint",
                ),
            ],
            className="score-card district-score",
            id="district-score",
        ),
        dbc.Table(
            [
                html.Thead(html.Tr([html.Th(h) for h in head if h is not None])),
                html.Tbody(
                    [
                        _comparison_row(profile, code, d, c, lang, per_resident)
                        for d, c in zip(mine, city)
                    ]
                ),
            ],
            className="district-table",
            id="district-kpis",
        ),
        html.Div(
            alert_ticker_items(service.active_alerts(code), profile, lang),
            className="district-alerts",
        ),
    ]


def _rank(
    profile: CityProfile, kpi: Indicator, code: str, per_resident: bool
) -> Rank | None:
    if not kpi.on_map:
        return None
    values = services().kpis().map_values(kpi.id)
    if per_resident and kpi.per_resident:
        values = {
            c: None if v is None else v / profile.districts_by_code[c].population
            for c, v in values.items()
            if profile.districts_by_code[c].population > 0
        }
    return rank_of(code, values, kpi.higher_is_better)


def _comparison_row(
    profile: CityProfile,
    code: str,
    mine: KpiValue,
    city: KpiValue,
    lang: str,
    per_resident: bool,
) -> html.Tr:
    kpi = profile.indicators_by_id[mine.kpi_id]
    population = profile.districts_by_code[code].population
    rank = _rank(profile, kpi, code, per_resident)
    cells = [
        html.Td(
            dcc.Link(
                label(kpi, lang),
                href=href(profile.domains_by_id[kpi.domain].path, lang, district=code),
            )
        ),
        html.Td(
            [
                html.Span(number(kpi, mine.value, lang), className="cell-value"),
                f" {unit(kpi, lang)}",
                html.Div(change(mine, lang), className="cell-change"),
            ]
        ),
    ]
    if per_resident:
        cells.append(
            html.Td(
                i18n.number(mine.value * PER / population, lang, 1)
                if kpi.per_resident and mine.value is not None and population
                else "—",
                className="cell-per-resident",
            )
        )
    cells += [
        html.Td(
            status_text(mine.status, lang, paced=mine.pace_target is not None),
            className=f"status-{mine.status}",
        ),
        html.Td(f"{number(kpi, city.value, lang)} {unit(kpi, lang)}"),
        html.Td(
            t(
                lang,
                "district.rank_of",
                rank=rank.position,
                of=rank.of,
            )
            if rank
            else "—",
            className="cell-rank",
            title=t(lang, "district.rank_per_resident")
            if per_resident and kpi.per_resident
            else t(lang, "district.rank_help"),
        ),
    ]
    return html.Tr(cells, id={"type": "district-kpi", "kpi": kpi.id})


@callback(
    Output({"type": "district-body", "code": MATCH}, "children"),
    Input({"type": "district-refresh", "code": MATCH}, "n_intervals"),
    State("nav", "search"),
    prevent_initial_call=True,
)
def refresh(_n: int, search: str | None) -> list:
    code = dash.ctx.triggered_id["code"]
    profile = services().profile()
    if code not in profile.districts_by_code:
        return dash.no_update
    lang = profile.language_of(search)
    with at_moment(asked_moment(at_in(search))):
        made = rendered(f"district:{code}:{lang}", lambda: [district_body(code, lang)])
    return outputs(made)[0]


@callback(
    Output("nav", "href", allow_duplicate=True),
    Input("district-map", "clickData"),
    State("nav", "search"),
    prevent_initial_call=True,
)
def open_other_district(click: dict | None, search: str | None):
    """A click on another district opens its page."""
    code = (click or {}).get("points", [{}])[0].get("customdata")
    profile = services().profile()
    if code not in profile.districts_by_code:
        return dash.no_update
    with at_moment(asked_moment(at_in(search))):  # at the same moment
        return href(district_path(code), profile.language_of(search))
