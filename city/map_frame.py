"""What a district map frames: the city's main mass, not every last island.

A city's boundaries can reach far beyond where its people are: Tokyo's Ogasawara
islands lie 1,000 km south of the wards, and a map framed on everything draws the
city as a small blob with its labels piled up. The profile can set the frame
(``[map] frame`` or ``[map] frame_leaves_out``); without either, the parts of the
city that are small and far from its main mass are left out of the frame (they are
still drawn, and the district keeps its hover and its listing).

A big district is never left out automatically, however much room it takes
(Bogotá's rural Sumapaz is larger than its urban localidades together): it is the
profile's choice, and ``citywall city init`` writes it as a suggestion.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

Bounds = tuple[float, float, float, float]  # west, south, east, north (degrees)

# Parts closer than this many times the square root of the city's area belong to
# one mass (Tokyo's bay islands to the wards, a river's two banks to each other).
REACH = 0.5
# A mass smaller than this share of the main one, and outside the main one's box
# grown by GROW of its size on every side, is left out of the frame.
OUTLIER_SHARE = 0.2
GROW = 0.5
# A district that alone makes the frame this many times larger is worth leaving
# out (init suggests it; it is never done without the profile saying so).
DOMINANT_GROWTH = 2.0


@dataclass(frozen=True)
class MapFrame:
    """The profile's [map] frame settings: ``bounds`` wins; else the districts in
    ``leaves_out`` are drawn but not framed; with neither (``leaves_out`` None),
    far outlying parts are left out automatically."""

    bounds: Bounds | None = None
    leaves_out: tuple[str, ...] | None = None


AUTOMATIC = MapFrame()


def _parts(geometry: BaseGeometry) -> list[BaseGeometry]:
    """The polygons of a (multi)polygon or collection, empty ones skipped."""
    return [p for p in shapely.get_parts(geometry) if not p.is_empty and p.area > 0]


def _flat(geometry: BaseGeometry, lat0: float) -> BaseGeometry:
    """Degrees of longitude shrunk by the latitude: distances and areas compare
    alike east-west and north-south (near enough over one city)."""
    k = math.cos(math.radians(lat0))
    return shapely.transform(geometry, lambda xy: xy * (k, 1.0))


def _masses(parts: list[BaseGeometry]) -> list[list[int]]:
    """The parts grouped into masses: parts within reach of each other, chained."""
    lat0 = (
        sum(p.centroid.y * p.area for p in parts) / sum(p.area for p in parts)
        if parts
        else 0.0
    )
    flat = [_flat(p, lat0) for p in parts]
    reach = REACH * math.sqrt(sum(p.area for p in flat))
    tree = shapely.STRtree(flat)
    pairs = tree.query(flat, predicate="dwithin", distance=reach)
    group = list(range(len(parts)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, j in pairs.T.tolist():
        group[root(i)] = root(j)
    masses: dict[int, list[int]] = {}
    for i in range(len(parts)):
        masses.setdefault(root(i), []).append(i)
    return list(masses.values())


def _grown(bounds: Bounds, share: float) -> Bounds:
    w, s, e, n = bounds
    dx, dy = (e - w) * share, (n - s) * share
    return (w - dx, s - dy, e + dx, n + dy)


def framed_parts(shapes: Mapping[str, BaseGeometry]) -> dict[str, list[BaseGeometry]]:
    """Each district's parts that the automatic frame keeps (a district wholly
    far away keeps none)."""
    owned = [(code, part) for code, g in shapes.items() for part in _parts(g)]
    if not owned:
        return {code: [] for code in shapes}
    parts = [p for _, p in owned]
    masses = _masses(parts)
    area = [sum(parts[i].area for i in m) for m in masses]
    main = masses[area.index(max(area))]
    main_box = _grown(shapely.MultiPolygon(parts[i] for i in main).bounds, GROW)
    kept: dict[str, list[BaseGeometry]] = {code: [] for code in shapes}
    for mass, mass_area in zip(masses, area, strict=True):
        far = mass is not main and (
            mass_area < OUTLIER_SHARE * max(area)
            and not box(*main_box).intersects(
                shapely.MultiPolygon(parts[i] for i in mass)
            )
        )
        if not far:
            for i in mass:
                kept[owned[i][0]].append(parts[i])
    return kept


def far_districts(shapes: Mapping[str, BaseGeometry]) -> list[str]:
    """Districts that lie wholly outside the automatic frame (Ogasawara)."""
    return [code for code, parts in framed_parts(shapes).items() if not parts]


def dominant_district(shapes: Mapping[str, BaseGeometry]) -> str | None:
    """A district that alone makes the frame DOMINANT_GROWTH times larger (or
    more) than the rest of the city's: worth leaving out, if the profile says so."""
    if len(shapes) < 2:
        return None
    whole = _box_area(shapes.values())
    best, best_growth = None, DOMINANT_GROWTH
    for code in shapes:
        rest = _box_area(g for c, g in shapes.items() if c != code)
        if rest > 0 and whole / rest >= best_growth:
            best, best_growth = code, whole / rest
    return best


def _box_area(geometries) -> float:
    w, s, e, n = _union_bounds(list(geometries))
    return max(e - w, 0.0) * max(n - s, 0.0)


def _union_bounds(geometries: list[BaseGeometry]) -> Bounds:
    boxes = [g.bounds for g in geometries if not g.is_empty]
    if not boxes:
        return (-180.0, -85.0, 180.0, 85.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def frame_bounds(shapes: Mapping[str, BaseGeometry], frame: MapFrame) -> Bounds:
    """The box a map of these districts frames, by the profile's settings."""
    if frame.bounds is not None:
        return frame.bounds
    if frame.leaves_out is not None:
        framed = [g for code, g in shapes.items() if code not in frame.leaves_out]
        return _union_bounds(framed or list(shapes.values()))
    kept = [p for parts in framed_parts(shapes).values() for p in parts]
    return _union_bounds(kept)


def shown_part(geometry: BaseGeometry, frame: Bounds) -> BaseGeometry | None:
    """The part of a district inside the frame (None: none of it)."""
    part = geometry.intersection(box(*frame))
    return None if part.is_empty or part.area == 0 else part


def label_anchor(shown: BaseGeometry | None) -> tuple[float, float] | None:
    """Where a district's label goes: inside the largest part of the district
    that the frame shows (None: none of it is shown)."""
    parts = _parts(shown) if shown is not None else []
    if not parts:
        return None
    point = max(parts, key=lambda p: p.area).representative_point()
    return point.x, point.y


def frame_toml(shapes: Mapping[str, BaseGeometry], names: Mapping[str, str]) -> str:
    """A [map] table for ``citywall city init`` when the city has outliers: far
    districts left out of the frame (said in a comment), or a commented-out
    suggestion for a district that alone swells the frame; "" when neither."""
    kept = framed_parts(shapes)
    far = [code for code, parts in kept.items() if not parts]
    partly = [
        code
        for code, parts in kept.items()
        if parts and len(parts) < len(_parts(shapes[code]))
    ]
    lines: list[str] = []
    if far:
        who = ", ".join(f"{names.get(c, c)} ({c})" for c in far)
        lines += [
            f"# {who}: far from the rest of the city, drawn but not framed, so the",
            "# map shows the city's main mass. Delete the line to frame it too.",
            f"frame_leaves_out = {_toml_list(far)}",
        ]
    elif partly:
        who = ", ".join(names.get(c, c) for c in partly)
        lines += [
            f"# Small far parts of {who} are drawn but not framed;",
            "# to frame everything: frame_leaves_out = []",
        ]
    big = None if far else dominant_district(shapes)
    if big is not None:
        growth = _box_area(shapes.values()) / _box_area(
            g for c, g in shapes.items() if c != big
        )
        lines += [
            f"# {names.get(big, big)} ({big}) alone makes the map's frame "
            f"{growth:.1f} times larger, so",
            "# the other districts are drawn small. To frame them (it is still drawn):",
            f"# frame_leaves_out = {_toml_list([big])}",
        ]
    return "\n[map]\n" + "\n".join(lines) + "\n" if lines else ""


def _toml_list(codes: list[str]) -> str:
    return "[" + ", ".join(json.dumps(c, ensure_ascii=False) for c in codes) + "]"
