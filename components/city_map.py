"""The district choropleth, drawn with no tile server.

plotly's d3-based geo traces render offline, labels included (the MapLibre map
traces fetch glyphs from the internet), so a wall with no internet still shows every
district's name and value without hovering.
"""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Patch

from citywall.profile import CityProfile
from components.format import number
from kpis.definitions import Kpi

FONT = "Inter, 'Noto Sans KR', 'Segoe UI', sans-serif"


def _labels(
    profile: CityProfile, kpi: Kpi, values: dict[str, float | None], lang: str
) -> list[str]:
    return [
        f"{d.name(lang).removesuffix('-gu')}<br><b>{number(kpi, values.get(d.code))}</b>"
        for d in profile.districts
    ]


def _z(
    profile: CityProfile, kpi: Kpi, values: dict[str, float | None]
) -> list[float | None]:
    scale = 100 if kpi.percent else 1
    return [
        None if values.get(d.code) is None else values[d.code] * scale
        for d in profile.districts
    ]


def map_config(**extra) -> dict:
    """Graph config: plotly's geo traces load a world topology even when it is
    hidden, so it is served from our assets instead of a CDN."""
    return {
        "displayModeBar": False,
        "topojsonURL": dash.get_asset_url("topojson/"),
        **extra,
    }


def city_map_figure(
    profile: CityProfile,
    kpi: Kpi,
    values: dict[str, float | None],
    lang: str = "en",
    highlight: str | None = None,
) -> go.Figure:
    codes = [d.code for d in profile.districts]
    centroids = [d.geometry.representative_point() for d in profile.districts]
    fig = go.Figure(
        [
            go.Choropleth(
                geojson=profile.geojson,
                locations=codes,
                featureidkey="id",
                z=_z(profile, kpi, values),
                customdata=codes,
                colorscale="Cividis",
                reversescale=kpi.higher_is_better,
                marker_line_color=[
                    "#ffffff" if c == highlight else "#0b1220" for c in codes
                ],
                marker_line_width=[4 if c == highlight else 1 for c in codes],
                colorbar=dict(
                    title=dict(text=kpi.unit.get(lang, kpi.unit["en"]), side="top"),
                    thickness=14,
                    len=0.7,
                    tickfont=dict(color="#e6edf7"),
                ),
                hovertemplate="%{customdata}<extra></extra>",
            ),
            go.Scattergeo(
                lon=[p.x for p in centroids],
                lat=[p.y for p in centroids],
                text=_labels(profile, kpi, values, lang),
                customdata=codes,
                mode="text",
                textfont=dict(
                    color="#ffffff",
                    size=14,
                    family=FONT,
                    shadow="0 0 3px #000, 0 0 2px #000",
                ),
                hoverinfo="skip",
            ),
        ]
    )
    fig.update_geos(
        fitbounds="locations",
        visible=False,
        bgcolor="rgba(0,0,0,0)",
        projection_type="mercator",
    )
    fig.update_layout(
        margin=dict(l=0, r=0, t=0, b=0),
        paper_bgcolor="rgba(0,0,0,0)",
        font=dict(color="#e6edf7", family=FONT),
        uirevision="city-map",  # keep the view steady across refreshes
        showlegend=False,
    )
    return fig


def city_map_patch(
    profile: CityProfile, kpi: Kpi, values: dict[str, float | None], lang: str = "en"
) -> Patch:
    """Only the numbers change on a refresh: patch them, never resend the figure."""
    patch = Patch()
    patch["data"][0]["z"] = _z(profile, kpi, values)
    patch["data"][1]["text"] = _labels(profile, kpi, values, lang)
    return patch
