"""Chrome-less routes for the intranet's iframes.

``/embed/tile/<kpi>?district=…&lang=…`` is one KPI tile; ``/embed/<page>`` (for
example ``/embed/complaints?district=11680`` or ``/embed/district/11680``) is any
page without the header. Each refreshes itself on the wall's timer, and stays an
embed: its links and filters keep the embed's address and token (``_embedding``).
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from city.i18n import t
from components.shell import refresh_id
from pages._changed import outputs, rendered, view_key
from pages._embedding import Embedding, drawing
from pages._not_found import not_found
from pages._routes import page_exists, page_layout
from pages._services import services
from pages._tiles import kpi_tiles
from pages._titles import titled


def exists(target: str | None = None, **query: str) -> bool:
    """A known KPI's tile (of a known district, if one is named), or a page that
    exists (see ``page_exists``)."""
    if target is None:
        return False
    if target.startswith("tile/"):
        district = query.get("district")
        indicators = services().profile().indicators_by_id
        return target.removeprefix("tile/") in indicators and (
            not district or district in services().profile().districts_by_code
        )
    return page_exists(target, **query)


dash.register_page(
    __name__,
    path_template="/embed/<target>",
    title=titled(None),
    name="Embed",
    access="viewer",
    exists=exists,  # the address answers 404 otherwise (web.not_found)
)


def layout(
    target: str | None = None,
    lang: str | None = None,
    token: str | None = None,
    **query: str,
):
    if target is None:  # the validation layout
        return html.Div(id="embed")
    profile = services().profile()
    lang = profile.language(lang)
    embedding = Embedding.of(target, token)
    if target.startswith("tile/"):
        return _tile(
            target.removeprefix("tile/"), query.get("district"), lang, embedding
        )
    with drawing(embedding):
        page = page_layout(target, lang=lang, **query)
    if page is None:
        return not_found(t(lang, "not_found.no_page"), lang)
    return html.Div(page)


def _tile(kpi_id: str, district: str | None, lang: str, embedding: Embedding):
    profile = services().profile()
    if kpi_id not in profile.indicators_by_id:
        return not_found(t(lang, "not_found.kpi", kpi=kpi_id), lang)
    if district and district not in profile.districts_by_code:
        return not_found(
            t(lang, "not_found.district", code=district, city=profile.name(lang)), lang
        )
    view = {
        "kpi": kpi_id,
        "district": district,
        "lang": lang,
        "embed": embedding.as_view(),
    }
    return html.Div(
        [
            dcc.Store(id="embed-tile-view", data=view),
            html.Div(id="embed-tile", children=_tile_body(view)),
            dcc.Interval(
                id=refresh_id("embed-tile"), interval=profile.refresh_seconds * 1000
            ),
        ],
        className="embed-tile",
    )


def _tile_body(view: dict) -> list:
    # full width; its CSV link carries the embed's download credential
    return kpi_tiles(
        view["lang"],
        view["district"],
        (services().profile().indicators_by_id[view["kpi"]],),
        full_width=True,
        embedding=Embedding.from_view(view),
    )


@callback(
    Output("embed-tile", "children"),
    Input(refresh_id("embed-tile"), "n_intervals"),
    State("embed-tile-view", "data"),
    running=[(Output(refresh_id("embed-tile"), "disabled"), True, False)],
    prevent_initial_call=True,
)
def refresh(_n, view):
    made = rendered(f"embed-tile:{view_key(view)}", lambda: [_tile_body(view)])
    return outputs(made)[0]
