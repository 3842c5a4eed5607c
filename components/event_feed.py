"""The feed of what just happened: newest events first, with where and when."""

from __future__ import annotations

from dash import html

from citywall.profile import CityProfile
from components.format import local_time
from kpis.service import EventRow

# Words, not emoji: a wall's browser may have no emoji font.
DOMAIN_LABEL = {
    "safety": "Safety",
    "complaints": "Complaint",
    "disaster": "Alert",
    "traffic": "Traffic",
}


def event_feed(rows: list[EventRow], profile: CityProfile, lang: str = "en") -> html.Ul:
    items = [
        html.Li(
            [
                html.Span(
                    local_time(r.occurred_at, profile.timezone)[:5],
                    className="feed-time",
                ),
                html.Span(
                    DOMAIN_LABEL.get(r.domain, r.domain), className="feed-domain"
                ),
                html.Span(r.title, className="feed-title"),
                html.Span(
                    profile.districts_by_code[r.district_code].name(lang)
                    if r.district_code in profile.districts_by_code
                    else profile.name(lang),
                    className="feed-place",
                ),
                html.Span(r.status.replace("_", " "), className="feed-status"),
            ],
            className=f"feed-item domain-{r.domain}",
        )
        for r in rows
    ]
    return html.Ul(
        items or [html.Li("Nothing yet", className="feed-item")], className="event-feed"
    )
