"""A domain's hotspots on its district map: one dot per hotspot in the colour of
its level now (Seoul's four: green, yellow, orange, red), named on the map once
it reaches the highest level, grey when its feed has nothing fresh; where the
city has the hotspots' areas, each area filled in the same colour under its dot."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
from dash import Patch
from plotly.basedatatypes import BaseTraceType
from plotly.colors import sample_colorscale

from city import i18n
from city.hotspots import Hotspot
from city.i18n import t
from city.indicators import HotspotView, Indicator
from city.profile import CityProfile
from components.city_map import FONT, LABEL_PX, city_map_figure, city_map_patch
from components.stage_banner import level_word
from kpis.hotspots import HotspotNow

# Seoul's own colours for 여유, 보통, 약간 붐빔, 붐빔 (the citydata maps')
FOUR_LEVELS = ("#1ea362", "#f5c400", "#ff8a00", "#e8363a")
NO_READING = "#6b7588"
AREA_OPACITY = 0.55  # the district's colour shows through


def hotspot_trace_at(profile: CityProfile) -> int:
    """The dots' trace: over the districts (and the areas), under the labels."""
    return 2 if profile.hotspot_areas["features"] else 1


def hotspot_curves(profile: CityProfile) -> tuple[int, ...]:
    """The traces a click on a hotspot comes from: its dot, its area."""
    at = hotspot_trace_at(profile)
    return (at - 1, at) if at == 2 else (at,)


def level_colours(levels: int) -> tuple[str, ...]:
    """A colour per level, low to high."""
    if levels == len(FOUR_LEVELS):
        return FOUR_LEVELS
    return tuple(
        sample_colorscale("RdYlGn_r", [i / (levels - 1) for i in range(levels)])
    )


def hotspot_traces(
    profile: CityProfile,
    view: HotspotView,
    now: dict[str, HotspotNow],
    lang: str,
) -> list[BaseTraceType]:
    """The areas' trace (when the city has them), then the dots'."""
    spots = [h for h in profile.hotspots if h.lon is not None and h.lat is not None]
    levels = {s.code: _level(now.get(s.code), view) for s in spots}
    hover = {s.code: _hover(s, now.get(s.code), view, profile, lang) for s in spots}
    areas = (
        [areas_trace(profile, view, levels, hover)]
        if hotspot_trace_at(profile) == 2
        else []
    )
    return [*areas, _dots_trace(profile, view, spots, levels, hover, lang)]


def _level(state: HotspotNow | None, view: HotspotView) -> int:
    """1 … levels, 0 for no fresh reading."""
    return 0 if state is None else min(max(state.level, 1), view.levels)


def _hover(
    spot: Hotspot,
    state: HotspotNow | None,
    view: HotspotView,
    profile: CityProfile,
    lang: str,
) -> str:
    name = spot.name(lang)
    if state is None:
        return f"<b>{name}</b><br>{t(lang, 'hotspot.no_reading')}"
    words = level_word(view.level, state.level, lang)
    people = (
        "<br>" + t(lang, "hotspot.people", people=i18n.number(state.people, lang))
        if state.people is not None
        else ""
    )
    return f"<b>{name}</b><br>{words}{people}<br>{_clock(state.at, profile, lang)}"


def areas_trace(
    profile: CityProfile,
    view: HotspotView,
    levels: dict[str, int],
    hover: dict[str, str],
) -> go.Choropleth | go.Choroplethmap:
    """Each area in its level's colour (grey with nothing fresh): the levels as
    z over a stepped colour scale, one step a level."""
    codes = [f["id"] for f in profile.hotspot_areas["features"]]
    steps = (NO_READING, *level_colours(view.levels))
    scale = []
    for i, colour in enumerate(steps):
        scale += [[i / len(steps), colour], [(i + 1) / len(steps), colour]]
    trace = go.Choroplethmap if profile.tiles is not None else go.Choropleth
    return trace(
        geojson=profile.hotspot_areas,
        locations=codes,
        featureidkey="id",
        z=[levels.get(c, 0) for c in codes],
        zmin=-0.5,
        zmax=view.levels + 0.5,
        colorscale=scale,
        showscale=False,
        customdata=codes,
        text=[hover.get(c, "") for c in codes],
        hovertemplate="%{text}<extra></extra>",
        marker={"opacity": AREA_OPACITY, "line": {"color": "#ffffff", "width": 1}},
        name="hotspot areas",
    )


def _dots_trace(
    profile: CityProfile,
    view: HotspotView,
    spots: list[Hotspot],
    levels: dict[str, int],
    hover: dict[str, str],
    lang: str,
) -> go.Scattergeo | go.Scattermap:
    colours = (NO_READING, *level_colours(view.levels))
    fill = [colours[levels[s.code]] for s in spots]
    # the highest level is named on the map: read from across the room
    text = [s.name(lang) if levels[s.code] == view.levels else "" for s in spots]
    size = [12 if levels[s.code] == 0 else 10 + 4 * levels[s.code] for s in spots]
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
        hovertext=[hover[s.code] for s in spots],
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
        below_labels=hotspot_traces(profile, view, now, lang),
    )


def hotspot_map_patch(
    profile: CityProfile,
    kpi: Indicator,
    values: dict[str, float | None],
    view: HotspotView,
    now: dict[str, HotspotNow],
    lang: str,
) -> Patch:
    at = hotspot_trace_at(profile)
    patch = city_map_patch(profile, kpi, values, lang, labels_at=at + 1)
    *areas, dots = hotspot_traces(profile, view, now, lang)
    for area in areas:  # the colours and words: the outlines stay in the browser
        patch["data"][at - 1]["z"] = list(area.z)
        patch["data"][at - 1]["text"] = list(area.text)
    patch["data"][at] = dots.to_plotly_json()
    return patch
