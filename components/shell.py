"""The page shell: the city's header, the pages, the language switch and the clock.

The header is drawn from the address (path and ``?lang=``) by a callback, so the
same shell serves every language; embed routes (``/embed/...``) and the kiosk
(``/wall``) get none of it: an intranet iframe shows only the page or the tile, and
the wall screen its own strip.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from citywall import i18n
from citywall.i18n import t
from citywall.profile import CityProfile
from components.links import href
from kpis.definitions import DOMAINS

EMBED_PREFIX = "/embed/"
KIOSK = "/wall"


def page_shell() -> html.Div:
    return html.Div(
        [
            dcc.Location(id="nav", refresh="callback-nav"),
            html.Div(id="shell-header"),
            dcc.Interval(id="clock-tick", interval=1000),
            dbc.Container(dash.page_container, fluid=True, className="wall-body"),
        ],
        **{"data-bs-theme": "dark"},
        className="wall-root",
        id="wall-root",
    )


def chromeless(pathname: str | None) -> str | None:
    """ "embed" or "kiosk" for the routes shown without the header, else None."""
    path = "/" + (dash.strip_relative_path(pathname or "/") or "")
    if (path + "/").startswith(EMBED_PREFIX):
        return "embed"
    if path == KIOSK:
        return "kiosk"
    return None


def header(profile: CityProfile, lang: str, pathname: str, search: str) -> dbc.Navbar:
    local = (
        [html.Span(profile.name(profile.local_language), className="brand-local")]
        if profile.local_language != lang
        else []
    )
    here = "/" + (dash.strip_relative_path(pathname or "/") or "")
    pages = (
        [("/", "nav.overview")]
        + [(d.path, f"domain.{d.id}") for d in DOMAINS]
        + [("/sources", "nav.sources")]
    )
    links = [
        dbc.NavItem(
            dcc.Link(
                t(lang, key),
                href=href(path, lang),
                className="nav-link" + (" active" if here == path else ""),
                id={"type": "nav-link", "path": path},
            )
        )
        for path, key in pages
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dcc.Link(
                    [
                        html.Span("CityWall", className="brand-mark"),
                        html.Span(profile.name(lang), className="brand-city"),
                        *local,
                    ],
                    href=href("/", lang),
                    className="navbar-brand",
                ),
                dbc.Nav(links, className="me-auto", navbar=True),
                html.Div(
                    [
                        dcc.Link(
                            code.upper(),
                            href=_with_language(pathname, search, code),
                            title=name,
                            className="lang-link" + (" active" if code == lang else ""),
                            id={"type": "lang-link", "lang": code},
                        )
                        for code, name in i18n.LANGUAGE_NAMES.items()
                    ],
                    className="lang-switch",
                    **{"aria-label": t(lang, "nav.language")},
                ),
                html.Div(
                    [
                        html.Span(id="clock", className="clock"),
                        html.Span(str(profile.timezone), className="clock-zone"),
                    ],
                    className="clock-box",
                    **{"data-timezone": str(profile.timezone), "data-lang": lang},
                    id="clock-box",
                ),
            ],
            fluid=True,
        ),
        className="wall-navbar",
        dark=True,
    )


def _with_language(pathname: str, search: str, lang: str) -> str:
    """The same view in another language: every filter kept."""
    query = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != "lang"]
    return (pathname or "/") + "?" + urlencode([*query, ("lang", lang)])


# The clock ticks in the browser, in the city's time zone and the viewer's language.
dash.clientside_callback(
    """
    function(_n, zone, lang) {
        if (!zone) { return window.dash_clientside.no_update; }
        return new Intl.DateTimeFormat(lang || 'en', {
            timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit',
            weekday: 'short', day: 'numeric', month: 'short', hourCycle: 'h23'
        }).format(new Date());
    }
    """,
    dash.Output("clock", "children"),
    dash.Input("clock-tick", "n_intervals"),
    dash.State("clock-box", "data-timezone"),
    dash.State("clock-box", "data-lang"),
)
