"""One hotspot: its level now, its live population over the last day and the
forecast ahead (``/hotspot/<code>``, the code as the profile's hotspots list has
it). Reached from a hotspot on its domain's map."""

from __future__ import annotations

from datetime import datetime

import dash
from dash import MATCH, Input, Output, State, callback, dcc, html

from city import i18n
from city.hotspots import Hotspot
from city.i18n import t
from city.indicators import Domain
from components.breadcrumbs import breadcrumbs
from components.chart_locale import chart_config
from components.format import domain_name, place
from components.hotspot_chart import hotspot_figure
from components.hotspot_map import NO_READING, level_colours
from components.links import href
from components.shell import second_name
from components.stage_banner import level_word
from pages._changed import outputs, rendered
from pages._not_found import not_found
from pages._services import services
from pages._titles import tab_title


def _spot(code: str | None) -> Hotspot | None:
    return services().profile().hotspots_by_code.get(code or "")


def _domain() -> Domain | None:
    """The domain whose map draws the hotspots (the first, if several do)."""
    return next((d for d in services().profile().domains if d.hotspots), None)


def title(code: str | None = None, **_path: str) -> str:
    spot = _spot(code)
    return tab_title(lambda lang: spot.name(lang) if spot else None)


def exists(code: str | None = None, **_query: str) -> bool:
    return _spot(code) is not None and _domain() is not None


dash.register_page(
    __name__,
    path_template="/hotspot/<code>",
    title=title,
    name="Hotspot",
    access="viewer",  # what the wall shows of a place: no record rows
    exists=exists,  # the address answers 404 otherwise (web.not_found)
)


def layout(code: str | None = None, lang: str | None = None, **_query: str):
    if code is None:  # Dash builds a validation layout with no arguments
        return html.Div(id="hotspot-page")
    profile = services().profile()
    lang = profile.language(lang)
    spot, domain = _spot(code), _domain()
    if spot is None or domain is None:
        return not_found(
            t(lang, "not_found.hotspot", code=code, city=profile.name(lang)), lang
        )
    name = spot.name(lang)
    local = second_name(name, spot.name(profile.local_language), "district-local")
    return html.Div(
        [
            breadcrumbs(
                [
                    (t(lang, "nav.overview"), href("/", lang)),
                    (domain_name(domain, lang), href(domain.path, lang)),
                ],
                name,
            ),
            html.H1([name, *local], className="district-title"),
            html.P(place(profile, spot.district, lang), className="district-facts"),
            html.Div(
                id={"type": "hotspot-now", "code": spot.code},
                children=hotspot_now(spot, domain, lang),
            ),
            html.H3(t(lang, "hotspot.curve_title"), className="section-title"),
            dcc.Graph(
                id={"type": "hotspot-chart", "code": spot.code},
                figure=_figure(spot, domain, lang),
                config=chart_config(lang),
                className="hotspot-chart",
            ),
            dcc.Interval(
                id={"type": "hotspot-refresh", "code": spot.code},
                interval=profile.refresh_seconds * 1000,
            ),
        ],
        id="hotspot-page",
        className="hotspot-page",
    )


def hotspot_now(spot: Hotspot, domain: Domain, lang: str) -> html.Div:
    """Its level now in its colour, the people there and the reading's time; or
    that its feed has nothing fresh."""
    view = domain.hotspots
    assert view is not None
    now = services().kpis().hotspots_now(domain.id).get(spot.code)
    if now is None:
        return html.Div(
            [
                html.Span(
                    t(lang, "hotspot.no_reading"),
                    className="hotspot-level",
                    style={"background": NO_READING},
                )
            ],
            className="hotspot-now",
        )
    level = min(max(now.level, 1), view.levels)
    colour = level_colours(view.levels)[level - 1]
    parts = [
        html.Span(
            level_word(view.level, now.level, lang),
            className="hotspot-level",
            id="hotspot-level",
            style={"background": colour, "color": "#070b14"},
            **{"data-level": str(level)},
        )
    ]
    if now.people is not None:
        parts.append(
            html.Span(
                t(lang, "hotspot.people", people=i18n.number(now.people, lang)),
                className="hotspot-people",
            )
        )
    parts.append(
        html.Span(
            t(lang, "hotspot.as_of", time=_clock(now.at, lang)),
            className="hotspot-time",
        )
    )
    return html.Div(parts, className="hotspot-now")


def _clock(at: datetime, lang: str) -> str:
    return i18n.day_and_clock(at, services().profile().timezone, lang)


def _figure(spot: Hotspot, domain: Domain, lang: str):
    view = domain.hotspots
    assert view is not None
    service = services().kpis()
    curve = service.hotspot_curve(domain.id, spot.code)
    assert curve is not None
    names = {s: i18n.t_or(lang, f"hotspot.series.{s}", s) for s in view.curve}
    return hotspot_figure(
        curve, names, services().profile().timezone, service.moment().now, lang
    )


@callback(
    Output({"type": "hotspot-now", "code": MATCH}, "children"),
    Output({"type": "hotspot-chart", "code": MATCH}, "figure"),
    Input({"type": "hotspot-refresh", "code": MATCH}, "n_intervals"),
    State("nav", "search"),
    prevent_initial_call=True,
)
def refresh(_n: int, search: str | None):
    code = dash.ctx.triggered_id["code"]
    profile = services().profile()
    spot, domain = _spot(code), _domain()
    if spot is None or domain is None:
        return dash.no_update, dash.no_update
    lang = profile.language_of(search)
    made = rendered(
        f"hotspot:{code}:{lang}",
        lambda: [hotspot_now(spot, domain, lang), _figure(spot, domain, lang)],
    )
    return outputs(made)
