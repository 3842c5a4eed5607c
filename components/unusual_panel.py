"""The few most surprising facts now, each a sentence in the wall's language:
"Noise, Mapo-gu: 41 in the last 3 h; usually 8–14 on a Saturday night". Each
links to its domain's page filtered to the district and category."""

from __future__ import annotations

from babel.dates import format_date
from dash import dcc, html

from city import i18n
from city.i18n import t
from city.indicators import Domain
from city.profile import CityProfile
from components.format import category, domain_name, label, place, unit
from components.links import href
from kpis.unusual import ALL, LEAST_WEEKS, Surprise, Unusual

SHOWN = 4  # facts on the wall: read from across a room, not scanned
DAYPARTS = ((5, "morning"), (12, "afternoon"), (17, "evening"), (22, "night"))


def unusual_panel(
    found: Unusual, profile: CityProfile, lang: str, linked: bool = True
) -> list:
    """The panel's heading, its facts (or a line saying there are none, or that
    the history is too short to say), and what the usual rests on."""
    # the longest history: a domain with less is flagged from nothing (a quiet
    # feed, alerts that never came) but does not hold the others back
    weeks = max(found.weeks.values(), default=0)
    heading = unusual_heading(lang)
    if weeks < LEAST_WEEKS:
        line = t(lang, "unusual.learning", weeks=weeks, needed=LEAST_WEEKS)
        return [heading, html.P(line, className="unusual-none")]
    facts = [
        _fact(s, profile, lang, linked)
        for s in found.top(SHOWN)
        if _domain_of(profile, s) is not None
    ]
    basis = html.P(t(lang, "unusual.basis", weeks=weeks), className="unusual-basis")
    if not facts:
        return [
            heading,
            html.P(t(lang, "unusual.none"), className="unusual-none"),
            basis,
        ]
    return [heading, html.Ul(facts, className="unusual-list"), basis]


def unusual_heading(lang: str) -> html.H2:
    return html.H2(t(lang, "unusual.title"), className="unusual-heading")


def sentence(s: Surprise, profile: CityProfile, lang: str) -> str:
    """The fact in words."""
    domain = _domain_of(profile, s)
    what = _what(s, profile, domain, lang)
    where = place(profile, s.district or None, lang)
    decimals = 0 if s.kind == "count" else 1
    low, high = (i18n.number(v, lang, decimals) for v in (s.low, s.high))
    usual = low if low == high else f"{low}–{high}"
    return t(
        lang,
        f"unusual.{s.kind}",
        what=what,
        place=where,
        observed=i18n.number(s.observed, lang, decimals),
        unit=_unit(profile, domain, lang) if s.kind == "mean" else "",
        window=t(lang, f"unusual.window_{s.window}"),
        usual=usual,
        when=_when(s, profile, lang),
    ).strip()


def _fact(s: Surprise, profile: CityProfile, lang: str, linked: bool) -> html.Li:
    domain = _domain_of(profile, s)
    assert domain is not None
    words = [
        html.Span("▲" if s.above else "▼", className="unusual-arrow"),
        html.Span(sentence(s, profile, lang), className="unusual-text"),
    ]
    target = href(
        domain.path,
        lang,
        district=s.district or None,
        category=s.category or None,
        period="24h",
    )
    return html.Li(
        dcc.Link(words, href=target) if linked else html.Span(words),
        className=f"unusual-fact unusual-{'above' if s.above else 'below'}",
    )


def _domain_of(profile: CityProfile, s: Surprise) -> Domain | None:
    """The domain page a fact opens: its records', or the one charting its series."""
    if s.kind == "count":
        return profile.domains_by_id.get(s.name)
    return next((d for d in profile.domains if d.series == s.name), None)


def _what(s: Surprise, profile: CityProfile, domain: Domain | None, lang: str) -> str:
    if s.kind == "mean":
        kpi = profile.indicators_by_id.get(domain.series_kpi or "") if domain else None
        if kpi is not None and kpi.series == s.name:
            return label(kpi, lang)
        return i18n.t_or(lang, f"series_name.{s.name}", s.name.replace("_", " "))
    name = domain_name(domain, lang) if domain else s.name
    if s.category == ALL:
        return name
    return f"{name} · {category(s.name, s.category, lang)}"


def _unit(profile: CityProfile, domain: Domain | None, lang: str) -> str:
    kpi = profile.indicators_by_id.get(domain.series_kpi or "") if domain else None
    return unit(kpi, lang) if kpi is not None else ""


def _when(s: Surprise, profile: CityProfile, lang: str) -> str:
    """When it is usual: "on a Saturday night", or "by now on a Saturday"."""
    local = s.end.astimezone(profile.timezone)
    weekday = format_date(local, "EEEE", locale=lang)  # its whole name
    if s.window == "today":
        return t(lang, "unusual.by_now", weekday=weekday)
    hour = local.hour
    part = "night"
    for start, name in DAYPARTS:
        if hour >= start:
            part = name
    return t(lang, f"unusual.on_{part}", weekday=weekday)
