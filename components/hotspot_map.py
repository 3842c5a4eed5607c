"""A domain's hotspots on its district map: one dot per hotspot in the colour of
its level now (Seoul's four: green, yellow, orange, red), named on the map once
it reaches the highest level, grey when its feed has nothing fresh."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
from dash import Patch
from plotly.colors import sample_colorscale

from city import i18n
from city.i18n import t
from city.indicators import HotspotView, Indicator
from city.profile import CityProfile
from components.city_map import FONT, LABEL_PX, city_map_figure, city_map_patch
from components.stage_banner import level_word
from kpis.hotspots import HotspotNow

# Seoul's own colours for 여유, 보통, 약간 붐빔, 붐빔 (the citydata maps')
FOUR_LEVELS = ("#1ea362", "#f5c400", "#ff8a00", "#e8363a")
NO_READING = "#6b7588"
HOTSPOTS_TRACE = 1  # over the districts, under their labels
LABELS_TRACE = 2


def level_colours(levels: int) -> tuple[str, ...]:
    """A colour per level, low to high."""
    if levels == len(FOUR_LEVELS):
        return FOUR_LEVELS
    return tuple(
        sample_colorscale("RdYlGn_r", [i / (levels - 1) for i in range(levels)])
    )


def hotspots_trace(
    profile: CityProfile,
    view: HotspotView,
    now: dict[str, HotspotNow],
    lang: str,
) -> go.Scattergeo | go.Scattermap:
    colours = level_colours(view.levels)
    spots = [h for h in profile.hotspots if h.lon is not None and h.lat is not None]
    fill, text, hover, size = [], [], [], []
    for spot in spots:
        state = now.get(spot.code)
        name = spot.name(lang)
        if state is None:
            fill.append(NO_READING)
            text.append("")
            hover.append(f"<b>{name}</b><br>{t(lang, 'hotspot.no_reading')}")
            size.append(12)
            continue
        level = min(max(state.level, 1), view.levels)
        fill.append(colours[level - 1])
        # the highest level is named on the map: read from across the room
        text.append(name if level == view.levels else "")
        words = level_word(view.level, state.level, lang)
        people = (
            "<br>" + t(lang, "hotspot.people", people=i18n.number(state.people, lang))
            if state.people is not None
            else ""
        )
        hover.append(
            f"<b>{name}</b><br>{words}{people}<br>{_clock(state.at, profile, lang)}"
        )
        size.append(14 + 4 * (level - 1))
    tiles = profile.tiles is not None
    trace = go.Scattermap if tiles else go.Scattergeo
    marker = {"color": fill, "size": size, "opacity": 0.95}
    if not tiles:
        marker["line"] = {"color": "#070b14", "width": 1.5}
    return trace(
        lon=[s.lon for s in spots],
        lat=[s.lat for s in spots],
        customdata=[s.code for s in spots],
        text=text,
        hovertext=hover,
        mode="markers+text",
        textposition="top center",
        textfont={"color": "#ffffff", "size": LABEL_PX, "family": FONT},
        marker=marker,
        hovertemplate="%{hovertext}<extra></extra>",
        name="hotspots",
    )


def _clock(at: datetime, profile: CityProfile, lang: str) -> str:
    return i18n.day_and_clock(at, profile.timezone, lang)


def hotspot_map_figure(
    profile: CityProfile,
    kpi: Indicator,
    values: dict[str, float | None],
    view: HotspotView,
    now: dict[str, HotspotNow],
    lang: str,
    highlight: str | None = None,
) -> go.Figure:
    """The domain's indicator by district, its hotspots over it."""
    return city_map_figure(
        profile,
        kpi,
        values,
        lang,
        highlight=highlight,
        below_labels=hotspots_trace(profile, view, now, lang),
    )


def hotspot_map_patch(
    profile: CityProfile,
    kpi: Indicator,
    values: dict[str, float | None],
    view: HotspotView,
    now: dict[str, HotspotNow],
    lang: str,
) -> Patch:
    patch = city_map_patch(profile, kpi, values, lang, labels_at=LABELS_TRACE)
    patch["data"][HOTSPOTS_TRACE] = hotspots_trace(
        profile, view, now, lang
    ).to_plotly_json()
    return patch
