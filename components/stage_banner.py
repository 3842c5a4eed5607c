"""The city's disaster stage on the wall: a band in the stage's colour with its
number, name and public guidance, since when it holds, and why (the alerts that
raised it, or the operator's reason when it was set by hand)."""

from __future__ import annotations

from dash import html

from city import i18n
from city.hotspots import CROWD_LEVEL, LEVEL_KEYS
from city.i18n import t
from city.profile import CityProfile
from components.format import category
from kpis.stages import Cause, DisasterView


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour_on(colour: str) -> str:
    """Black or white, whichever reads better on a profile's stage colour."""
    try:
        light = _luminance(colour)
    except ValueError:
        return "#ffffff"
    return "#070b14" if (light + 0.05) / 0.0535 >= 1.05 / (light + 0.05) else "#ffffff"


def stage_text(view: DisasterView, lang: str) -> str:
    """ "STAGE 4 of 5 · Alert": the number first, for a screen across the room."""
    level = t(lang, "stage.level", level=view.state.level, of=view.stages)
    return f"{level} · {view.stage.name(lang)}"


def _why(view: DisasterView, profile: CityProfile, lang: str) -> str:
    state = view.state
    if state.manual:
        return t(lang, "stage.manual", reason=state.reason)
    if not state.causes:
        return ""
    causes = "; ".join(_cause(c, profile, lang) for c in state.causes)
    return t(lang, "stage.raised_by", causes=causes)


def _cause(cause: Cause, profile: CityProfile, lang: str) -> str:
    if cause.place is None:
        return i18n.record_title(lang, cause.title, cause.title_key)
    spot = profile.hotspots_by_code.get(cause.place)
    return t(
        lang,
        "stage.hotspot_cause",
        place=spot.name(lang) if spot else cause.place,
        level=level_word(cause.rule.series, cause.value, lang),
        time=i18n.day_and_clock(cause.since, profile.timezone, lang),
    )


def level_word(series: str, value: float | None, lang: str) -> str:
    """A hotspot's level in words: Seoul's four crowd levels by name, any other
    series' level by number."""
    if series == CROWD_LEVEL and value is not None and 1 <= value <= len(LEVEL_KEYS):
        return category("crowd", LEVEL_KEYS[round(value) - 1], lang)
    return i18n.number(value, lang)


def affected_text(codes: tuple[str, ...], profile: CityProfile, lang: str) -> str:
    if not codes or len(codes) == len(profile.districts):
        return t(lang, "stage.whole_city")
    return ", ".join(profile.districts_by_code[c].name(lang) for c in codes)


def stage_banner(view: DisasterView, profile: CityProfile, lang: str) -> html.Div:
    """A slim band in normal times; the full band, with guidance and the districts
    concerned, in the disaster layout."""
    colour = view.stage.colour
    since = t(
        lang,
        "stage.since",
        time=i18n.day_and_clock(view.state.since, profile.timezone, lang),
    )
    parts = [
        html.Span(stage_text(view, lang), className="stage-name"),
        html.Span(since, className="stage-since"),
    ]
    if view.state.manual:
        parts.append(html.Span(t(lang, "stage.log_manual"), className="stage-manual"))
    body = [html.Div(parts, className="stage-head")]
    why = _why(view, profile, lang)
    if view.layout:
        body.append(html.Div(view.stage.advice(lang), className="stage-guidance"))
        body.append(
            html.Div(
                t(
                    lang,
                    "stage.affected",
                    districts=affected_text(view.affected, profile, lang),
                ),
                className="stage-affected",
            )
        )
    if why:
        body.append(html.Div(why, className="stage-why"))
    return html.Div(
        body,
        className=f"stage-banner stage-{view.state.level}"
        + (" stage-disaster" if view.layout else ""),
        style={"backgroundColor": colour, "color": text_colour_on(colour)},
        **{"data-level": str(view.state.level)},
    )
