"""The not-found content, shared by the 404 page and unknown district codes."""

from __future__ import annotations

import dash
from dash import dcc, html


def not_found(what: str) -> html.Div:
    return html.Div(
        [
            html.H1("Not found", className="display-5"),
            html.P(what, id="not-found-reason", className="lead"),
            dcc.Link(
                "Back to the city overview",
                href=dash.get_relative_path("/"),
                className="btn btn-outline-light",
            ),
        ],
        id="not-found",
        className="not-found",
    )
