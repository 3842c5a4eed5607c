"""Breadcrumbs: the way back up from a record to its district and the city."""

from __future__ import annotations

from dash import dcc, html


def breadcrumbs(trail: list[tuple[str, str]], here: str) -> html.Nav:
    items = [
        html.Li(dcc.Link(text, href=link), className="breadcrumb-item")
        for text, link in trail
    ]
    items.append(
        html.Li(here, className="breadcrumb-item active", **{"aria-current": "page"})
    )
    return html.Nav(
        html.Ol(items, className="breadcrumb"),
        className="crumbs",
        **{"aria-label": "breadcrumb"},
    )
