"""The KPIs a city opens to everyone (``CITYWALL_PUBLIC_KPIS``), as Seoul opened its
wall to citizens: their tiles only, refreshing themselves, no record anywhere."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from city.i18n import t
from components.shell import refresh_id
from pages._changed import outputs, rendered
from pages._services import services
from pages._tiles import kpi_tiles
from pages._titles import titled

dash.register_page(
    __name__,
    path="/public",
    title=titled("public.title"),
    name="Public",
    access="public",
)


def public_kpis() -> tuple:
    """The KPIs the city listed, in its order; unknown ids are left out."""
    wanted = services().public_kpis()
    indicators = services().profile().indicators_by_id
    return tuple(indicators[k] for k in wanted if k in indicators)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    profile = services().profile()
    lang = profile.language(lang)
    return html.Div(
        [
            html.H2(
                [
                    t(lang, "public.title"),
                    html.Span(profile.name(lang), className="page-scope"),
                ],
                className="page-title",
            ),
            dcc.Store(id="public-lang", data=lang),
            html.Div(id="public-tiles", className="row g-3", children=_tiles(lang)),
            html.P(
                html.A(
                    t(lang, "public.staff"),
                    href=f"{services().url_prefix()}login",
                ),
                className="page-lead",
            ),
            dcc.Interval(
                id=refresh_id("public"), interval=profile.refresh_seconds * 1000
            ),
        ],
        className="public-page",
    )


def _tiles(lang: str) -> list:
    kpis = public_kpis()
    if not kpis:  # nothing opened: nothing shown (kpi_tiles would show all)
        return [html.P(t(lang, "public.none"), className="page-lead")]
    return kpi_tiles(lang, None, kpis)


@callback(
    Output("public-tiles", "children"),
    Input(refresh_id("public"), "n_intervals"),
    State("public-lang", "data"),
    running=[(Output(refresh_id("public"), "disabled"), True, False)],
    prevent_initial_call=True,
)
def refresh(_n: int | None, lang: str):
    lang = services().profile().language(lang)
    keys = ",".join(k.id for k in public_kpis())
    return outputs(rendered(f"public:{lang}:{keys}", lambda: [_tiles(lang)]))[0]
