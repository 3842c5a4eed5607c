"""The disaster layout's alert panel: each active alert's headline, severity,
districts, what to do, and issued and expiry times, most severe first."""

from __future__ import annotations

from dash import html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from components.camera_grid import camera_grid
from components.format import category
from components.links import href
from components.stage_banner import affected_text
from kpis.alerts import AlertBrief
from kpis.cameras import CameraRow


def _card(
    alert: AlertBrief, profile: CityProfile, lang: str, linked: bool = True
) -> html.Div:
    zone = profile.timezone
    expires = (
        i18n.day_and_clock(alert.expires_at, zone, lang)
        if alert.expires_at
        else t(lang, "stage.no_expiry")
    )
    instruction = alert.text(lang, "instruction")
    severity = alert.severity or "Unknown"
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        t(lang, f"severity.{severity}"), className="alert-severity"
                    ),
                    html.A(
                        alert.text(lang, "headline"),
                        href=href("/disasters", lang, record=alert.id),
                        className="alert-headline",
                    )
                    if linked
                    else html.Span(
                        alert.text(lang, "headline"), className="alert-headline"
                    ),
                ],
                className="alert-head",
            ),
            html.Div(
                f"{category('disaster', alert.category, lang)} · "
                + affected_text(alert.districts, profile, lang),
                className="alert-where",
            ),
            html.Div(
                t(
                    lang,
                    "stage.issued",
                    issued=i18n.day_and_clock(alert.issued_at, zone, lang),
                    expires=expires,
                ),
                className="alert-times",
            ),
            html.Div(
                [
                    html.Span(t(lang, "stage.instruction") + ":", className="alert-do"),
                    " ",
                    instruction,
                ],
                className="alert-instruction",
            )
            if instruction
            else None,
        ],
        className=f"alert-card alert-{severity.lower()}",
        **{"data-event": str(alert.id)},
    )


def disaster_panel(
    alerts: tuple[AlertBrief, ...],
    profile: CityProfile,
    lang: str,
    cameras: list[CameraRow],
    linked: bool = True,  # not inside an embed: its token shows no record
) -> list:
    """The alerts, then live pictures from the districts concerned."""
    heading = html.H2(t(lang, "stage.alerts"), className="feed-heading")
    if alerts:
        # one box for the cards: a wall shows as many whole cards as it has room for
        cards = html.Div(
            [_card(a, profile, lang, linked) for a in alerts], className="alert-cards"
        )
    else:
        cards = html.Div(t(lang, "ticker.none"), className="alert-none")
    shown = [heading, cards]
    if cameras:
        shown += [
            html.H2(t(lang, "cameras.in_area"), className="feed-heading"),
            camera_grid(cameras, profile, lang, "cameras.none"),
        ]
    return shown
