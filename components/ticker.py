"""The alert ticker: active alerts, most severe first, scrolling on the wall; with
none, a still and whole line that says so (a scrolling "all clear" only ever shows
in pieces)."""

from __future__ import annotations

from dash import html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from kpis.values import AlertRow


def alert_ticker(alerts: list[AlertRow], profile: CityProfile, lang: str) -> html.Div:
    """The ticker's track: it scrolls only when there are alerts to scroll."""
    return html.Div(
        alert_ticker_items(alerts, profile, lang),
        className="ticker-track" if alerts else "ticker-track ticker-still",
    )


def alert_ticker_items(alerts: list[AlertRow], profile: CityProfile, lang: str) -> list:
    if not alerts:
        return [
            html.Span(t(lang, "ticker.none"), className="ticker-item severity-none")
        ]
    items = []
    for a in alerts:
        district = profile.districts_by_code.get(a.district_code or "")
        where = (
            district.name(lang)
            if district
            else t(lang, "ticker.citywide", city=profile.name(lang))
        )
        severity = t(lang, f"severity.{a.severity or 'Unknown'}")
        until = i18n.clock(a.expires_at, profile.timezone, lang)
        title = i18n.record_title(lang, a.title, a.title_key)
        items.append(
            html.Span(
                f"{severity} · {title} · {where} · {t(lang, 'ticker.until', time=until)}",
                className=f"ticker-item severity-{(a.severity or 'unknown').lower()}",
            )
        )
    return items
