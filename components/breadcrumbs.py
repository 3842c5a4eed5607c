"""Breadcrumbs: the way back up from a record to its district and the city."""

from __future__ import annotations

from dash import dcc, html


def breadcrumbs(trail: list[tuple[str, str | None]], here: str) -> html.Nav:
    """``trail`` as (text, address); an item without an address is shown as text
    (inside an embed, a page its token does not open)."""
    items = [
        html.Li(
            dcc.Link(text, href=link) if link else text, className="breadcrumb-item"
        )
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
