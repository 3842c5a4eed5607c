"""The district maps: with no tile server by default, over the city's own tiles
when the profile names a tile server ([map] tile_url).

plotly's d3-based geo traces render offline, labels included (the MapLibre map
traces fetch glyphs from the internet), so a wall with no internet still shows every
district's name and value without hovering.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import dash
import plotly.graph_objects as go
import shapely
from dash import Patch
from plotly.basedatatypes import BaseTraceType
from plotly.colors import get_colorscale, sample_colorscale, unlabel_rgb

from city import i18n
from city.i18n import t
from city.indicators import Indicator
from city.map_frame import frame_bounds, label_anchor, shown_part
from city.profile import CityProfile
from components.charts import count_dtick
from components.format import number, unit
from components.map_labels import NUMBER_BUDGET, design_projector, lines, plan_labels

FONT = "Inter, 'Noto Sans KR', 'Segoe UI', sans-serif"
COLOURS = "Cividis"
# Sizes below are px at a 16 px root font. A wall's root font follows its screen,
# and assets/40-map-fit.js scales every size of a figure marked with ``REM_PX`` by
# the page's root font each time plotly draws it (first draw, refresh, resize), so
# the map's text grows with the tiles around it.
REM_PX = 16
LABEL_PX = 14
BAR_PX = {"thickness": 14, "ticks": 12, "title": 13}
# label text on a district: black or white, whichever stands out from its fill
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"


def _labels(
    profile: CityProfile, kpi: Indicator, values: dict[str, float | None], lang: str
) -> list[str]:
    return [
        f"{_short(d.name(lang))}<br><b>{number(kpi, values.get(d.code), lang)}</b>"
        for d in profile.districts
    ]


def _z(
    profile: CityProfile, kpi: Indicator, values: dict[str, float | None]
) -> list[float | None]:
    scale = 100 if kpi.percent else 1
    return [
        None if values.get(d.code) is None else values[d.code] * scale
        for d in profile.districts
    ]


def z_range(z: list[float | None]) -> tuple[float, float]:
    """The colour scale's ends, as plotly would choose them (set, so that the
    labels' colours can be chosen from the same scale)."""
    known = [v for v in z if v is not None]
    if not known:
        return 0.0, 1.0
    low, high = min(known), max(known)
    return (low, high) if high > low else (low - 0.5, high + 0.5)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def fill_colours(
    z: list[float | None],
    reverse: bool,
    bounds: tuple[float, float] | None = None,
) -> list[str | None]:
    """Each district's fill, as the choropleth paints it (None: not painted), on
    the scale's ``bounds`` when they are set (plotly's own choice otherwise)."""
    low, high = bounds or z_range(z)
    at = [(v - low) / (high - low) for v in z if v is not None]
    # one call for every district: each call checks the whole scale again
    sampled = iter(
        sample_colorscale(
            get_colorscale(COLOURS), [1 - x if reverse else x for x in at], "rgb"
        )
        if at
        else []
    )
    return [None if v is None else next(sampled) for v in z]


def label_colours(
    z: list[float | None],
    reverse: bool,
    bounds: tuple[float, float] | None = None,
) -> list[str]:
    """Black on light fills, white on dark ones (and on the dark page where a
    district has no value): whichever contrasts more with the district's fill."""
    black, white = (0.0, 0.0, 0.0), (255.0, 255.0, 255.0)
    colours = []
    for fill in fill_colours(z, reverse, bounds):
        if fill is None:
            colours.append(LIGHT_TEXT)
            continue
        rgb = tuple(float(c) for c in unlabel_rgb(fill))
        dark = contrast(rgb, black) >= contrast(rgb, white)
        colours.append(DARK_TEXT if dark else LIGHT_TEXT)
    return colours


def _meta(lang: str, dropped: list[str] | None = None) -> dict:
    """What assets/40-map-fit.js needs: the root font the sizes are for, how to
    say which districts had no room for their label, and those the server found
    no room for (``dropped``)."""
    return {
        "citywall": {
            "rem": REM_PX,
            "unlabelled": t(lang, "map.unlabelled", names="{names}"),
            "dropped": dropped or [],
        }
    }


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
    kpi: Indicator,
    values: dict[str, float | None],
    lang: str = "en",
    highlight: str | None = None,
    below_labels: Sequence[BaseTraceType] = (),
) -> go.Figure:
    """One KPI per district, its value printed on each district (and
    ``below_labels``, a domain's hotspots, over the districts)."""
    return district_map(
        profile,
        _z(profile, kpi, values),
        _labels(profile, kpi, values, lang),
        unit(kpi, lang),
        reverse=kpi.higher_is_better,
        highlight=highlight,
        lang=lang,
        below_labels=below_labels,
    )


def counts_map_figure(
    profile: CityProfile,
    counts: dict[str, int],
    points: list[dict],
    lang: str,
    colour_title: str,
    highlight: str | None = None,
) -> go.Figure:
    """Records per district, and the records themselves as points (grouped into
    cells with their count when there are too many to draw one by one)."""
    fig = district_map(
        profile,
        count_z(profile, counts),
        count_labels(profile, counts, lang),
        colour_title,
        reverse=False,
        highlight=highlight,
        lang=lang,
        # drawn under the labels: a point never hides a district's name
        below_labels=[points_trace(points, tiles=profile.tiles is not None)],
    )
    set_count_scale(fig, profile, counts)
    return fig


def counts_map_patch(
    profile: CityProfile, counts: dict[str, int], points: list[dict], lang: str
) -> Patch:
    """A refresh of a counts map: the numbers, the labels and the points."""
    z = count_z(profile, counts)
    labels = count_labels(profile, counts, lang)
    patch = _districts_patch(profile, z, labels, False, labels_at=COUNT_LABELS)
    tiles = profile.tiles is not None
    patch["data"][COUNT_RECORDS] = points_trace(points, tiles=tiles).to_plotly_json()
    inset = not tiles and bool(inset_districts(profile))
    set_count_scale(patch, profile, counts, inset=inset)
    return patch


def count_z(profile: CityProfile, counts: dict[str, int]) -> list[int]:
    return [counts.get(d.code, 0) for d in profile.districts]


# a counts map's traces: districts, records, labels (and the inset, when it has one)
COUNT_RECORDS, COUNT_LABELS, COUNT_INSET = 1, 2, 3


def set_count_scale(
    target: go.Figure | Patch,
    profile: CityProfile,
    counts: dict[str, int],
    inset: bool = False,
) -> None:
    """Counts are coloured from 0 with whole ticks: a view with no records has a
    colour bar of 0 to 1, not -0.4 to 0.4 around its zeros; the labels' colours
    follow the same scale, and so does the inset of a patch when it has one."""
    top = max(1, max(counts.values(), default=0))
    scale = {"zmin": 0, "zmax": top}
    bar = {"tick0": 0, "dtick": count_dtick(top), "tickformat": ",d"}
    colours = label_colours(count_z(profile, counts), False, bounds=(0, top))
    if isinstance(target, go.Figure):
        target.data[0].update(scale, colorbar=bar)
        if profile.tiles is None:
            target.data[COUNT_LABELS].textfont.color = colours
        target.update_traces(scale, selector={"name": "inset"})
        return
    for key, value in scale.items():
        target["data"][0][key] = value
        if inset:
            target["data"][COUNT_INSET][key] = value
    for key, value in bar.items():
        target["data"][0]["colorbar"][key] = value
    if profile.tiles is None:
        target["data"][COUNT_LABELS]["textfont"]["color"] = colours


def count_labels(profile: CityProfile, counts: dict[str, int], lang: str) -> list[str]:
    return [
        f"{_short(d.name(lang))}<br><b>{i18n.number(counts.get(d.code, 0), lang)}</b>"
        for d in profile.districts
    ]


WRAP_AFTER = 12  # characters: a longer name takes two lines


def _short(name: str) -> str:
    """Seoul's "-gu" is implied on a map of its districts; a long name ("San
    Isidro del Inca") is broken at the space nearest its middle, so it takes the
    room of a narrow district, not of three."""
    name = name.removesuffix("-gu")
    spaces = [i for i, c in enumerate(name) if c == " "]
    if len(name) <= WRAP_AFTER or not spaces:
        return name
    cut = min(spaces, key=lambda i: abs(2 * i - len(name)))
    return f"{name[:cut]}<br>{name[cut + 1 :]}"


MAX_POINTS = 600  # beyond this the points are grouped into cells
CELL_DEGREES = 0.01  # about 1 km


def points_trace(points: list[dict], tiles: bool = False) -> go.Scattergeo:
    """Records as points on the map; on a tile map the same on MapLibre."""
    trace = go.Scattermap if tiles else go.Scattergeo
    located = [
        p for p in points if p.get("lat") is not None and p.get("lon") is not None
    ]
    if len(located) <= MAX_POINTS:
        return trace(
            lon=[p["lon"] for p in located],
            lat=[p["lat"] for p in located],
            customdata=[p["id"] for p in located],
            mode="markers",
            # small and white, drawn under the labels: names and numbers stay readable
            marker=_marker(tiles, size=6, opacity=0.8),
            hovertemplate="%{customdata}<extra></extra>",
            name="records",
        )
    cells: dict[tuple[int, int], list[dict]] = {}
    for p in located:
        key = (round(p["lon"] / CELL_DEGREES), round(p["lat"] / CELL_DEGREES))
        cells.setdefault(key, []).append(p)
    groups = list(cells.values())
    return trace(
        lon=[sum(p["lon"] for p in g) / len(g) for g in groups],
        lat=[sum(p["lat"] for p in g) / len(g) for g in groups],
        # a cell of one record still opens it; a bigger cell has no single record
        customdata=[g[0]["id"] if len(g) == 1 else None for g in groups],
        text=[str(len(g)) for g in groups],
        mode="markers",
        marker=_marker(
            tiles, size=[min(8 + 2 * len(g) ** 0.5, 30) for g in groups], opacity=0.7
        ),
        hovertemplate="%{text}<extra></extra>",
        name="records",
    )


def _marker(tiles: bool, **style) -> dict:
    """White points with a black rim (MapLibre circles have no rim)."""
    marker = {"color": "#ffffff", **style}
    return marker if tiles else marker | {"line": {"color": "#000", "width": 1}}


def _districts_coloured(
    profile: CityProfile,
    z: list[float | None],
    colour_title: str,
    reverse: bool,
    highlight: str | None,
) -> dict:
    """The choropleth's data and colours, the same on either kind of map."""
    codes = [d.code for d in profile.districts]
    low, high = z_range(z)
    return {
        "geojson": profile.geojson,
        "locations": codes,
        "featureidkey": "id",
        "z": z,
        "zmin": low,
        "zmax": high,
        "customdata": codes,
        "colorscale": COLOURS,
        "reversescale": reverse,
        "marker_line_color": [
            "#ffffff" if c == highlight else "#0b1220" for c in codes
        ],
        "marker_line_width": [4 if c == highlight else 1 for c in codes],
        "colorbar": {
            "title": {
                "text": colour_title,
                "side": "top",
                "font": {"size": BAR_PX["title"]},
            },
            "thickness": BAR_PX["thickness"],
            "len": 0.7,
            "tickfont": {"color": "#e6edf7", "size": BAR_PX["ticks"]},
        },
    }


def district_map(
    profile: CityProfile,
    z: list[float | None],
    labels: list[str],
    colour_title: str,
    reverse: bool = False,
    highlight: str | None = None,
    lang: str = "en",
    below_labels: Sequence[BaseTraceType] = (),
) -> go.Figure:
    """The districts coloured by ``z``, each labelled with its name and value,
    and ``below_labels`` (the records) between the two."""
    if profile.tiles is not None:
        return tile_map(
            profile, z, labels, colour_title, reverse, highlight, lang, below_labels
        )
    codes = [d.code for d in profile.districts]
    place = label_layout(profile, labels, focus=highlight)
    fig = go.Figure(
        [
            go.Choropleth(
                **_districts_coloured(profile, z, colour_title, reverse, highlight),
                # the name and number on hover too: a label with no room is left out
                text=labels,
                hovertemplate="%{text}<extra></extra>",
            ),
            *below_labels,
            go.Scattergeo(
                lon=[p[0] for p in place.points],
                lat=[p[1] for p in place.points],
                text=place.shown(labels),
                customdata=codes,
                mode="text",
                name="labels",
                textfont=dict(
                    color=label_colours(z, reverse),
                    size=LABEL_PX,
                    family=FONT,
                    # a halo in the opposite colour keeps the text clear of edges
                    shadow="auto",
                ),
                hoverinfo="skip",
            ),
        ]
    )
    # the city's own box, not fitbounds: plotly frames fitted bounds in a square,
    # which leaves a wide map box mostly empty
    fig.update_geos(
        domain={"x": [0, 1], "y": [0, 1]},  # the whole box, an inset or not
        lonaxis_range=place.lon_range,
        lataxis_range=place.lat_range,
        visible=False,
        bgcolor="rgba(0,0,0,0)",
        projection_type="mercator",
    )
    if place.inset:
        fig.add_trace(_inset(profile, z, labels, reverse, place.inset))
        fig.update_layout(
            geo2=_inset_geo(profile, place.inset, place.inset_domain or {})
        )
    fig.update_layout(
        margin=dict(l=0, r=0, t=0, b=0),
        paper_bgcolor="rgba(0,0,0,0)",
        font=dict(color="#e6edf7", family=FONT, size=LABEL_PX),
        hoverlabel=dict(font=dict(size=LABEL_PX)),
        uirevision="city-map",  # keep the view steady across refreshes
        showlegend=False,
        meta=_meta(lang, place.dropped_names(labels)),
    )
    return fig


@dataclass(frozen=True)
class LabelLayout:
    """A district map's frame and where its labels go (components/map_labels.py)."""

    lon_range: list[float]
    lat_range: list[float]
    points: list[tuple[float, float]]  # the middle of each district's label
    dropped: list[int]  # districts whose label has no room
    inset: list[int]  # districts wholly off the map, drawn in an inset
    inset_domain: dict | None = None  # the inset's corner (paper x and y)

    def shown(self, labels: list[str]) -> list[str]:
        """The labels as drawn: empty where there is no room."""
        gone = set(self.dropped)
        return ["" if i in gone else text for i, text in enumerate(labels)]

    def dropped_names(self, labels: list[str]) -> list[str]:
        return [_name_of(labels[i]) for i in self.dropped]


def _city_frame(profile: CityProfile) -> tuple[float, float, float, float]:
    """The box the city's maps frame (city/map_frame.py decides)."""
    return frame_bounds({d.code: d.geometry for d in profile.districts}, profile.frame)


def _name_of(label: str) -> str:
    """The district's name in its label (every line but the value's)."""
    return " ".join(lines(label)[:-1])


# Laid-out labels per profile, by their names and focus, and its inset districts:
# a refresh changes only the numbers, so it reuses the layout (about 8 ms for
# Seoul's 25) instead of planning it again. Keyed by the profile object, which a frozen dataclass with
# dicts cannot be hashed as: by its id, checked through a weak reference.
_LAYOUTS: dict[int, tuple[weakref.ref, dict]] = {}
_LAYOUTS_PER_PROFILE = 64


def _profile_memo(profile: CityProfile) -> dict:
    """What is remembered of ``profile``'s maps (the geometry never changes)."""
    ref, memo = _LAYOUTS.get(id(profile), (None, None))
    if ref is None or ref() is not profile:
        memo = {}
        _LAYOUTS[id(profile)] = (weakref.ref(profile), memo)
    return memo


def label_layout(
    profile: CityProfile, labels: list[str], focus: str | None = None
) -> LabelLayout:
    """``_label_layout``, remembered for the profile (the value lines are not part
    of the key: the layout gives them a fixed width)."""
    memo = _profile_memo(profile)
    key = (tuple("<br>".join(lines(text)[:-1]) for text in labels), focus)
    if key not in memo:
        if len(memo) >= _LAYOUTS_PER_PROFILE:
            memo.clear()
        memo[key] = _label_layout(profile, labels, focus)
    return memo[key]


def _label_layout(
    profile: CityProfile, labels: list[str], focus: str | None = None
) -> LabelLayout:
    """The map's frame (the profile's, or the city's main mass; the ``focus``
    district's own box when none of it is in that frame, as on Ogasawara's own
    page) with 2 % room on every side, and its labels laid out on it: from the
    districts' names alone (the value line is given a fixed width), so a refresh
    keeps the same places."""
    frame = _city_frame(profile)
    focused = profile.districts_by_code.get(focus or "")
    if focused is not None and shown_part(focused.geometry, frame) is None:
        frame = focused.geometry.bounds
        focus_moved = True
    else:
        focus_moved = False
    minx, miny, maxx, maxy = frame
    pad_x, pad_y = (maxx - minx) * 0.02, (maxy - miny) * 0.02
    lon_range = [minx - pad_x, maxx + pad_x]
    lat_range = [miny - pad_y, maxy + pad_y]
    project = design_projector(lon_range, lat_range, REM_PX)
    shown = [shown_part(d.geometry, frame) for d in profile.districts]
    anchors = [label_anchor(part) for part in shown]
    homes = [None if part is None else _px_box(project, part.bounds) for part in shown]
    order = sorted(
        range(len(shown)), key=lambda i: -(shown[i].area if shown[i] else 0.0)
    )
    texts = ["<br>".join([*lines(text)[:-1], NUMBER_BUDGET]) for text in labels]
    # a map framed on its own district (a far one's page) has no inset
    inset = [] if focus_moved else [i for i, part in enumerate(shown) if part is None]
    corner = _inset_corner(project, shown) if inset else None
    taken = [_inset_box(project, corner)] if corner else []
    plan = plan_labels(anchors, texts, homes, order, project, LABEL_PX, taken)
    points = [
        point or (spot.x, spot.y)  # off the map: no label, any point will do
        for point, spot in zip(
            plan.points,
            (d.geometry.representative_point() for d in profile.districts),
            strict=True,
        )
    ]
    return LabelLayout(lon_range, lat_range, points, plan.dropped, inset, corner)


# The inset of districts wholly off the map (Ogasawara): a fifth of the map's width
# and under a third of its height, in the corner that hides the least of the city.
INSET_SIZE = (0.2, 0.3)


def _inset_corner(project, shown: list) -> dict:
    """The inset's domain (paper x and y): the corner over the least of the
    districts (lower left first when two are alike)."""
    (w, h), city = INSET_SIZE, shapely.union_all([p for p in shown if p is not None])
    corners = [
        {"x": [0.0, w], "y": [0.0, h]},
        {"x": [1 - w, 1.0], "y": [0.0, h]},
        {"x": [0.0, w], "y": [1 - h, 1.0]},
        {"x": [1 - w, 1.0], "y": [1 - h, 1.0]},
    ]

    def hidden(corner: dict) -> float:
        left, top, right, bottom = _inset_box(project, corner)
        west, north = project.inverse(left, top)
        east, south = project.inverse(right, bottom)
        return city.intersection(shapely.box(west, south, east, north)).area

    covered = [hidden(c) for c in corners]
    return corners[covered.index(min(covered))]


def _inset_box(project, corner: dict) -> tuple[float, float, float, float]:
    """The inset's corner in px, kept free of labels."""
    width, height = project.size
    return (
        corner["x"][0] * width,
        (1 - corner["y"][1]) * height,
        corner["x"][1] * width,
        (1 - corner["y"][0]) * height,
    )


def _inset(
    profile: CityProfile,
    z: list[float | None],
    labels: list[str],
    reverse: bool,
    inset: list[int],
) -> go.Choropleth:
    """The districts wholly off the map, on a small map of their own in a corner,
    coloured on the same scale (their own boundaries only: a small payload)."""
    chosen = [profile.districts[i] for i in inset]
    codes = [d.code for d in chosen]
    low, high = z_range(z)
    return go.Choropleth(
        geo="geo2",
        geojson={
            "type": "FeatureCollection",
            "features": [f for f in profile.geojson["features"] if f["id"] in codes],
        },
        locations=codes,
        featureidkey="id",
        z=[z[i] for i in inset],
        zmin=low,
        zmax=high,
        customdata=codes,  # a click opens the district, as on the map
        colorscale=COLOURS,
        reversescale=reverse,
        showscale=False,
        marker_line_color="#0b1220",
        marker_line_width=1,
        text=[labels[i] for i in inset],
        hovertemplate="%{text}<extra></extra>",
        name="inset",
    )


def _inset_geo(profile: CityProfile, inset: list[int], domain: dict) -> dict:
    minx, miny, maxx, maxy = shapely.union_all(
        [profile.districts[i].geometry for i in inset]
    ).bounds
    pad = max(maxx - minx, maxy - miny) * 0.15
    return {
        "domain": domain,
        "lonaxis_range": [minx - pad, maxx + pad],
        "lataxis_range": [miny - pad, maxy + pad],
        "visible": False,
        # the wall's own panel colour, opaque: a map of its own over the city's
        "bgcolor": "#101828",
        "showframe": True,
        "framecolor": "#23304a",
        "projection_type": "mercator",
    }


def _px_box(project, bounds: tuple[float, float, float, float]) -> tuple:
    """A lon/lat box on the map, in px (left, top, right, bottom)."""
    west, south, east, north = bounds
    return (*project(west, north), *project(east, south))


def _districts_patch(
    profile: CityProfile,
    z: list[float | None],
    labels: list[str],
    reverse: bool,
    labels_at: int = 1,
) -> Patch:
    """The numbers of a district map: its colours, labels and their colours (the
    labels are trace ``labels_at``, after the records when there are any)."""
    low, high = z_range(z)
    place = label_layout(profile, labels)
    patch = Patch()
    patch["data"][0]["z"] = z
    patch["data"][0]["zmin"] = low
    patch["data"][0]["zmax"] = high
    patch["data"][0]["text"] = labels
    patch["data"][labels_at]["text"] = place.shown(labels)
    if place.inset and profile.tiles is None:  # the inset is the last trace
        inset = patch["data"][labels_at + 1]
        inset["z"] = [z[i] for i in place.inset]
        inset["zmin"], inset["zmax"] = low, high
        inset["text"] = [labels[i] for i in place.inset]
    if profile.tiles is None:
        patch["data"][labels_at]["textfont"]["color"] = label_colours(z, reverse)
    return patch


def city_map_patch(
    profile: CityProfile,
    kpi: Indicator,
    values: dict[str, float | None],
    lang: str = "en",
    labels_at: int = 1,
) -> Patch:
    """Only the numbers change on a refresh: patch them, never resend the figure
    (the labels are trace ``labels_at``: 2 under a domain's hotspots)."""
    return _districts_patch(
        profile,
        _z(profile, kpi, values),
        _labels(profile, kpi, values, lang),
        kpi.higher_is_better,
        labels_at=labels_at,
    )


def outline_districts(
    target: Patch | go.Figure,
    profile: CityProfile,
    codes: tuple[str, ...],
    colour: str,
) -> Patch | go.Figure:
    """Outline the districts a disaster concerns in the stage's colour, on a new
    figure or a refresh's patch (every district's line is set, so the outlines go
    when the stage comes down)."""
    concerned = set(codes)
    colours = [colour if d.code in concerned else "#0b1220" for d in profile.districts]
    widths = [5 if d.code in concerned else 1 for d in profile.districts]
    inset = inset_districts(profile)
    inset_line = {
        "color": [colours[i] for i in inset],
        "width": [widths[i] for i in inset],
    }
    if isinstance(target, go.Figure):
        target.data[0].marker.line.color = colours
        target.data[0].marker.line.width = widths
        target.update_traces(marker_line=inset_line, selector={"name": "inset"})
        return target
    line = target["data"][0]["marker"]["line"]
    line["color"] = colours
    line["width"] = widths
    if inset and profile.tiles is None:  # the overview's map: districts, labels, inset
        target["data"][2]["marker"]["line"] = inset_line
    return target


def inset_districts(profile: CityProfile) -> list[int]:
    """The districts wholly off the city's map (drawn in its inset); worked out
    once per profile, not at every refresh's outlines."""
    memo = _profile_memo(profile)
    if "inset" not in memo:
        frame = _city_frame(profile)
        memo["inset"] = [
            i
            for i, d in enumerate(profile.districts)
            if shown_part(d.geometry, frame) is None
        ]
    return list(memo["inset"])


def tile_map(
    profile: CityProfile,
    z: list[float | None],
    labels: list[str],
    colour_title: str,
    reverse: bool = False,
    highlight: str | None = None,
    lang: str = "en",
    below_labels: Sequence[BaseTraceType] = (),
) -> go.Figure:
    """The same map over the city's own tile server (MapLibre). The labels need
    the server's fonts: without ``glyphs_url`` they are left out (a label layer
    would fetch fonts from the internet) and the names show on hover."""
    tiles = profile.tiles
    assert tiles is not None
    codes = [d.code for d in profile.districts]
    place = label_layout(profile, labels, focus=highlight)
    style: dict = {
        "version": 8,
        "sources": {
            "city": {
                "type": "raster",
                "tiles": [tiles.url],
                "tileSize": 256,
                "attribution": tiles.attribution,
            }
        },
        "layers": [{"id": "city", "type": "raster", "source": "city"}],
    }
    if tiles.glyphs_url:
        style["glyphs"] = tiles.glyphs_url
    fig = go.Figure(
        [
            go.Choroplethmap(
                **_districts_coloured(profile, z, colour_title, reverse, highlight),
                text=labels,
                marker_opacity=0.6,
                hovertemplate="%{text}<extra></extra>",
            ),
            *below_labels,
            go.Scattermap(
                lon=[p[0] for p in place.points],
                lat=[p[1] for p in place.points],
                text=labels,
                customdata=codes,
                mode="text" if tiles.glyphs_url else "markers",
                marker={"size": 1, "opacity": 0},
                name="labels",
                textfont={"color": LIGHT_TEXT, "size": LABEL_PX},
                hoverinfo="skip",
            ),
        ]
    )
    (minx, maxx), (miny, maxy) = place.lon_range, place.lat_range
    span = max(maxx - minx, (maxy - miny) * 1.3, 1e-6)
    fig.update_layout(
        map={
            "style": style,
            "center": {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2},
            # a city about 600 px wide: 256 px cover 360° at zoom 0
            "zoom": math.log2(360 * 600 / 256 / span),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        font={"color": "#e6edf7", "family": FONT, "size": LABEL_PX},
        hoverlabel={"font": {"size": LABEL_PX}},
        uirevision="city-map",
        showlegend=False,
        meta=_meta(lang),
    )
    return fig
