"""How fresh the wall is: the newest data's time and each source's health.

A wall must never show old numbers as live: when the feeds go quiet the strip says
STALE and since when, per source. A source's last error is shown on hover to
admins only (``show_errors``): it may quote what a feed's server answered.
"""

from __future__ import annotations

from datetime import datetime

from dash import dcc, html

from city import i18n
from city.i18n import t
from city.profile import CityProfile, stale_after
from kpis.values import SourceHealth


def freshness_strip(
    newest: datetime | None,
    health: list[SourceHealth],
    profile: CityProfile,
    now: datetime,
    lang: str,
    # under a path prefix: components.links.href; None (the kiosk): badges that
    # open nothing, for a screen nobody may click away from
    sources_href: str | None = "/sources",
    show_errors: bool = False,  # the page decides: admins only
) -> list:
    zone = profile.timezone
    if newest is None:
        items = [html.Span(t(lang, "freshness.no_data"), className="stale")]
    else:
        interval = max((s.interval_seconds for s in profile.sources), default=60)
        late = now - newest > stale_after(interval)
        text = t(lang, "freshness.as_of", time=i18n.day_and_clock(newest, zone, lang))
        items = [
            html.Span(
                t(lang, "freshness.stale", text=text) if late else text,
                className="stale" if late else "",
            )
        ]
    for source in health:
        if not source.stale:
            said = ""
        elif source.last_success_at:
            said = t(
                lang,
                "freshness.source_stale",
                source=source.name,
                time=i18n.clock(source.last_success_at, zone, lang),
            )
        else:
            said = t(lang, "freshness.source_never", source=source.name)
        label = f"◆ {said}" if source.stale else f"● {source.name}"
        if show_errors and source.last_error:
            hover = t(lang, "freshness.last_error", error=source.last_error)
        else:  # viewers: stale, and since when; never what a server answered
            hover = said
        badge = {
            "title": hover,
            "className": f"source-badge {'source-stale' if source.stale else 'source-ok'}",
            "id": {"type": "source-badge", "source": source.name},
        }
        items.append(
            dcc.Link(label, href=sources_href, **badge)
            if sources_href
            else html.Span(label, **badge)
        )
    return items


def delay_banner(since: datetime, profile: CityProfile, lang: str) -> html.Div:
    """The database is not answering: the numbers below are the last good ones."""
    return html.Div(
        t(
            lang,
            "freshness.delayed",
            time=i18n.day_and_clock(since, profile.timezone, lang),
        ),
        className="delay-banner-text",
    )
