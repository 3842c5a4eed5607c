"""The city score on the wall: one number, its trend, each domain's, and on a click
the KPIs that pull it down."""

from __future__ import annotations

from dash import html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from components.format import domain_name, label
from kpis.score import Score


def _arrow(score: Score) -> str:
    if score.value is None or score.previous is None:
        return "→"
    delta = round(score.value - score.previous, 2)
    return "↑" if delta > 0 else "↓" if delta < 0 else "→"


def score_band(value: float | None) -> str:
    """The score's status: on target at 1 and above, watch down to 0.8."""
    if value is None:
        return "nodata"
    return "good" if value >= 1.0 else "watch" if value >= 0.8 else "alert"


def score_number(value: float | None, lang: str) -> str:
    return i18n.number(value, lang, 2)


def _trend(score: Score, lang: str) -> str:
    """ "↓ was 1.29" when the number shown has changed; nothing when it reads the
    same (1.284 against 1.281), which no arrow should call a fall."""
    shown, before = score_number(score.value, lang), score_number(score.previous, lang)
    if score.value is None or score.previous is None or shown == before:
        return ""
    arrow = "↑" if score.value > score.previous else "↓"
    return f"{arrow} {t(lang, 'score.was', value=before)}"


def score_card(
    city: Score,
    domains: dict[str, Score],
    lang: str,
    profile: CityProfile,
    title: str | None = None,
) -> list:
    """The inside of the score card (the card itself is the button that explains),
    headed ``title``: the city's score unless said otherwise (a district's page)."""
    return [
        html.Div(title or t(lang, "score.title"), className="score-label"),
        html.Div(
            [
                html.Span(score_number(city.value, lang), className="score-value"),
                html.Span(_trend(city, lang), className="score-trend"),
            ],
            className=f"score-main score-{score_band(city.value)}",
        ),
        html.Div(
            [
                html.Span(
                    [
                        html.Span(domain_name(d, lang), className="score-domain"),
                        " ",
                        html.B(score_number(domains[d.id].value, lang)),
                        f" {_arrow(domains[d.id])}",
                    ],
                    className=f"score-chip score-{score_band(domains[d.id].value)}",
                    id={"type": "domain-score", "domain": d.id},
                )
                for d in profile.domains
                if d.id in domains
            ],
            className="score-domains",
        ),
        html.Div(t(lang, "score.hint"), className="score-hint"),
    ]


def score_explanation(score: Score, lang: str, profile: CityProfile) -> html.Div:
    """Every KPI's score, worst first: what pulls the score down."""
    rows = []
    for part in score.parts:
        kpi = profile.indicators_by_id[part.kpi_id]
        rows.append(
            html.Tr(
                [
                    html.Td(label(kpi, lang)),
                    html.Td(domain_name(profile.domains_by_id[kpi.domain], lang)),
                    html.Td(
                        score_number(part.score, lang)
                        if part.score is not None
                        else t(lang, "status.nodata"),
                        className=f"score-{score_band(part.score)}",
                    ),
                ],
                id={"type": "score-part", "kpi": part.kpi_id},
            )
        )
    return html.Div(
        [
            html.P(t(lang, "score.explain")),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(t(lang, "district.indicator")),
                                html.Th(t(lang, "score.domain")),
                                html.Th(t(lang, "score.title")),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                className="table table-sm score-table",
            ),
        ],
        id="score-explanation",
    )
