"""A dark table of rows under a header: the admin page's lists share one look."""

from __future__ import annotations

from datetime import datetime, tzinfo

import dash_bootstrap_components as dbc
from dash import html

from city import i18n


def plain_table(headers: list[str], rows: list[html.Tr], class_name: str) -> dbc.Table:
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)],
        className=f"admin-table {class_name}",
        bordered=False,
        hover=True,
        responsive=True,
        color="dark",
    )


def when(at: datetime | None, zone: tzinfo, lang: str, empty: str = "—") -> str:
    """A moment in the city's time, or ``empty`` when there is none."""
    return i18n.day_and_clock(at, zone, lang) if at is not None else empty
