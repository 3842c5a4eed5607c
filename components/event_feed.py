"""The feed of what just happened: newest events first, with where and when.

Each item links to its record on its domain page (the detail panel opens there).
"""

from __future__ import annotations

from dash import dcc, html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from components.format import domain_name, place, status_word
from components.links import href
from kpis.values import EventRow


def event_feed(
    rows: list[EventRow], profile: CityProfile, lang: str, linked: bool = True
) -> html.Ul:
    """``linked``: each item links to its record (not inside an embed, whose
    token shows no record)."""
    items = [
        html.Li(
            (dcc.Link if linked else html.Span)(
                [
                    html.Span(
                        i18n.clock(r.occurred_at, profile.timezone, lang),
                        className="feed-time",
                    ),
                    # words, not emoji: a wall's browser may have no emoji font
                    html.Span(
                        _domain_word(profile, r.domain, lang), className="feed-domain"
                    ),
                    html.Span(
                        i18n.record_title(lang, r.title, r.title_key),
                        className="feed-title",
                    ),
                    html.Span(
                        place(profile, r.district_code, lang), className="feed-place"
                    ),
                    html.Span(status_word(r.status, lang), className="feed-status"),
                ],
                **(
                    {
                        "href": href(
                            profile.domains_by_id[r.domain].path, lang, record=r.id
                        )
                    }
                    if linked and r.domain in profile.domains_by_id
                    else {}
                ),
                className="feed-link",
            ),
            className=f"feed-item domain-{r.domain}",
        )
        for r in rows
    ]
    return html.Ul(
        items or [html.Li(t(lang, "feed.nothing"), className="feed-item")],
        className="event-feed",
    )


def _domain_word(profile: CityProfile, domain: str, lang: str) -> str:
    """The feed's word for a record's domain: the catalogs' short one for the
    standard domains ("INCIDENT"), else the domain's name."""
    found = profile.domains_by_id.get(domain)
    fallback = domain_name(found, lang) if found else domain
    return i18n.t_or(lang, f"feed.{domain}", fallback)
