"""The not-found content, shared by the 404 page and unknown district codes."""

from __future__ import annotations

from dash import dcc, html

from city.i18n import t
from components.links import href


def not_found(what: str, lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t(lang, "not_found.title"), className="display-5"),
            html.P(what, id="not-found-reason", className="lead"),
            dcc.Link(
                t(lang, "not_found.back"),
                href=href("/", lang),
                className="btn btn-outline-light",
            ),
        ],
        id="not-found",
        className="not-found",
    )
