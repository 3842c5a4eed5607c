"""The banner of a page shown at a past moment ("As of 5 Dec 02:00 — not live",
with a link back to live), and the note of a moment that could not be shown.
Known by their classes, not ids: the kiosk's strip and the page it shows may
both draw one."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dash import dcc, html

from city import i18n
from city.i18n import t


def moment_banner(
    at: datetime, zone: tzinfo, lang: str, live_href: str | None
) -> html.Div:
    """``live_href``: the same view live (None on the kiosk, where nothing is
    clicked: the banner names the moment only)."""
    when = i18n.day_and_clock(at, zone, lang)
    back = (
        [dcc.Link(t(lang, "moment.back"), href=live_href, className="moment-live")]
        if live_href
        else []
    )
    return html.Div(
        [
            html.Strong(t(lang, "moment.as_of", time=when), className="moment-when"),
            # the store keeps a record's lifecycle times, not its every change
            html.Span(t(lang, "moment.as_known"), className="moment-known"),
            *back,
        ],
        className="moment-banner",
        role="status",
    )


def moment_problem(key: str, values: dict[str, str], lang: str) -> html.Div:
    """Why the page shows live instead of the moment asked (``moment.<key>``)."""
    return html.Div(
        t(lang, f"moment.{key}", **values),
        className="moment-problem",
        role="alert",
    )
