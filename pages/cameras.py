"""The camera wall: every camera this wall may show, as a grid of live pictures,
for the whole city or one district (``?district=``, so a link shows the same)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from access.current import camera_level
from city import i18n
from city.i18n import t
from components.camera_grid import camera_grid
from components.links import href
from pages._services import services
from pages._titles import titled

dash.register_page(
    __name__,
    path="/cameras",
    title=titled("nav.cameras"),
    name="Cameras",
    access="viewer",
    nav="nav.cameras",
    order=10,
)


def layout(
    district: str | None = None, lang: str | None = None, **_query: str
) -> html.Div:
    profile = services().profile()
    lang = profile.language(lang)
    district = district if district in profile.districts_by_code else None
    cameras = services().kpis().cameras(camera_level(), district)
    return html.Div(
        [
            dcc.Store(id="cameras-lang", data=lang),
            html.H2(
                [
                    t(lang, "nav.cameras"),
                    html.Span(
                        profile.districts_by_code[district].name(lang)
                        if district
                        else profile.name(lang),
                        className="page-scope",
                    ),
                ],
                className="page-title",
            ),
            html.P(
                t(lang, "cameras.lead", count=i18n.number(len(cameras), lang)),
                className="page-lead",
            ),
            dcc.Dropdown(
                id="cameras-district",
                options=[
                    {"label": d.name(lang), "value": d.code}
                    for d in sorted(profile.districts, key=lambda d: d.name(lang))
                ],
                value=district,
                placeholder=t(lang, "filters.all_districts"),
                className="cameras-filter",
            ),
            camera_grid(cameras, profile, lang, "cameras.none"),
        ],
        className="cameras-page",
    )


@callback(
    Output("nav", "href", allow_duplicate=True),
    Input("cameras-district", "value"),
    State("cameras-lang", "data"),
    prevent_initial_call=True,
)
def pick_district(district: str | None, lang: str):
    """A district chosen goes into the address: bookmarks show the same cameras."""
    return href("/cameras", lang, district=district)
