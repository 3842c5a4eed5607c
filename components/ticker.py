"""The alert ticker: active alerts, most severe first, scrolling on the wall."""

from __future__ import annotations

from dash import html

from citywall.profile import CityProfile
from components.format import local_time
from kpis.service import AlertRow


def alert_ticker_items(
    alerts: list[AlertRow], profile: CityProfile, lang: str = "en"
) -> list:
    if not alerts:
        return [
            html.Span(
                "No active disaster alerts", className="ticker-item severity-none"
            )
        ]
    items = []
    for a in alerts:
        place = (
            profile.districts_by_code[a.district_code].name(lang)
            if a.district_code in profile.districts_by_code
            else profile.name(lang) + " (city-wide)"
        )
        until = local_time(a.expires_at, profile.timezone)[:5]
        items.append(
            html.Span(
                f"{a.severity or 'Unknown'} · {a.title} · {place} · until {until}",
                className=f"ticker-item severity-{(a.severity or 'unknown').lower()}",
            )
        )
    return items
