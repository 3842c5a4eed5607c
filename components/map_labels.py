"""Where a district map's labels go, decided on the server: no two overlap.

The browser (assets/40-map-fit.js) measures the real text and hides what still
collides, but a map read from the figure alone (a test, an embed, a screenshot
before that script runs) must already be clear. So the labels are laid out here on
the smallest map the wall draws, with the text's size estimated from its
characters: the biggest districts first, each at its own point or moved a little
(its point in the figure moves, up to two thirds of its width aside or most of its
height up or down) while its middle stays on its district; a label that finds no
room is dropped (its text left empty) and named, for the hover and the line under
the map.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom in px

# The smallest map area the wall gives a district map, in rem (the kiosk at 16:9
# gives the overview's map about 43 × 31 rem, 39 × 30 of it for the map itself).
DESIGN_REM = (38.0, 28.0)
GAP_REM = 0.15  # labels closer than this read as one (as in 40-map-fit.js)
LINE_SPACING = 1.3  # plotly's, between the lines of one text
NUMBER_BUDGET = "00,000"  # the value line, as wide as a five-digit count


@dataclass(frozen=True)
class Projector:
    """lon/lat to px on a ``size`` map that frames ``lon_range`` × ``lat_range``
    in Mercator, centred, as plotly's geo subplot fits its axis ranges."""

    lon_range: tuple[float, float]
    lat_range: tuple[float, float]
    size: tuple[float, float]

    @staticmethod
    def _y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    @property
    def _fit(self) -> tuple[float, float, float]:
        dx = math.radians(self.lon_range[1] - self.lon_range[0]) or 1e-9
        dy = (self._y(self.lat_range[1]) - self._y(self.lat_range[0])) or 1e-9
        scale = min(self.size[0] / dx, self.size[1] / dy)
        return scale, (self.size[0] - dx * scale) / 2, (self.size[1] - dy * scale) / 2

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        scale, left, top = self._fit
        x = left + math.radians(lon - self.lon_range[0]) * scale
        y = top + (self._y(self.lat_range[1]) - self._y(lat)) * scale
        return x, y

    def inverse(self, x: float, y: float) -> tuple[float, float]:
        """px back to lon/lat."""
        scale, left, top = self._fit
        lon = self.lon_range[0] + math.degrees((x - left) / scale)
        mercator = self._y(self.lat_range[1]) - (y - top) / scale
        return lon, math.degrees(math.atan(math.sinh(mercator)))

    @property
    def frame(self) -> Box:
        """The map itself, in px: plotly clips what lies outside it."""
        scale, left, top = self._fit
        return (left, top, self.size[0] - left, self.size[1] - top)


def _char_em(ch: str) -> float:
    """A character's width in em, roughly, in a sans-serif such as Inter or Noto."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch.isspace():
        return 0.28
    if ch.isdigit():
        return 0.62
    if ch.isupper():
        return 0.7
    if ch.isalpha():
        return 0.56
    return 0.38


def lines(text: str) -> list[str]:
    """A label's lines, without plotly's tags."""
    return [re.sub(r"<[^>]+>", "", line) for line in text.split("<br>")]


def text_size(text: str, font_px: float) -> tuple[float, float]:
    """A label's width and height in px (generous: wider than it draws)."""
    rows = lines(text)
    width = max(sum(_char_em(c) for c in row) for row in rows) * font_px
    height = ((len(rows) - 1) * LINE_SPACING + 1) * font_px
    return width, height


def text_box(at: tuple[float, float], size: tuple[float, float], position: str) -> Box:
    """Where plotly draws a text of ``size`` at ``position`` of its point (a text
    trace has no marker, so no offset beyond the text's own size)."""
    (x, y), (w, h) = at, size
    left = x - w if "left" in position else x if "right" in position else x - w / 2
    top = y - h if "top" in position else y if "bottom" in position else y - h / 2
    return (left, top, left + w, top + h)


def overlap(a: Box, b: Box, gap: float = 0.0) -> bool:
    return (
        a[0] < b[2] + gap
        and b[0] < a[2] + gap
        and a[1] < b[3] + gap
        and b[1] < a[3] + gap
    )


def _inside(a: Box, frame: Box) -> bool:
    return (
        a[0] >= frame[0] and a[1] >= frame[1] and a[2] <= frame[2] and a[3] <= frame[3]
    )


# Where to try a label's middle, in its own width and height from its district's
# point: there first, then nearer places before farther ones, up to two thirds of
# its width sideways and most of its height up or down (as 40-map-fit.js tries).
SHIFTS = sorted(
    (
        (dx, dy)
        for dx in (0.0, -1 / 3, 1 / 3, -1 / 2, 1 / 2, -2 / 3, 2 / 3)
        for dy in (0.0, -0.3, 0.3, -0.5, 0.5, -0.6, 0.6)
    ),
    key=lambda d: math.hypot(d[0] * 3, d[1]),  # a label is about 3 times as wide
)


@dataclass(frozen=True)
class LabelPlan:
    points: list[tuple[float, float] | None]  # each label's middle (lon, lat)
    dropped: list[int]  # labels with no room, by index


def plan_labels(
    anchors: Sequence[tuple[float, float] | None],
    texts: Sequence[str],
    homes: Sequence[Box | None],
    order: Sequence[int],
    project: Projector,
    font_px: float,
    taken: Sequence[Box] = (),
) -> LabelPlan:
    """Each label's place on the map ``project`` draws: labels in ``order`` (the
    biggest district first), each at the first of SHIFTS from its anchor that
    overlaps no label already placed, lies on the map and keeps its middle inside
    its district's ``homes`` box (px) and keeps out of the ``taken`` boxes (an
    inset); dropped where none fits or the anchor is off the map."""
    gap = GAP_REM * font_px / 0.875  # GAP_REM of the root font: labels are 0.875 rem
    points: list[tuple[float, float] | None] = list(anchors)
    dropped: list[int] = []
    placed: list[Box] = list(taken)
    for i in order:
        found = _first_free(
            anchors[i], texts[i], homes[i], placed, project, font_px, gap
        )
        if found is None:
            dropped.append(i)
            continue
        middle, box = found
        points[i] = project.inverse(*middle)
        placed.append(box)
    return LabelPlan(points, sorted(dropped))


def _first_free(
    anchor: tuple[float, float] | None,
    text: str,
    home: Box | None,
    placed: list[Box],
    project: Projector,
    font_px: float,
    gap: float,
) -> tuple[tuple[float, float], Box] | None:
    if anchor is None or home is None:
        return None
    x, y = project(*anchor)
    w, h = text_size(text, font_px)
    for dx, dy in SHIFTS:
        middle = (x + dx * w, y + dy * h)
        box = text_box(middle, (w, h), "middle center")
        own = home[0] <= middle[0] <= home[2] and home[1] <= middle[1] <= home[3]
        if (
            own
            and _inside(box, project.frame)
            and not any(overlap(box, other, gap) for other in placed)
        ):
            return middle, box
    return None


def design_projector(lon_range, lat_range, rem_px: float) -> Projector:
    """The smallest wall map's projection, at a ``rem_px`` root font."""
    return Projector(
        (float(lon_range[0]), float(lon_range[1])),
        (float(lat_range[0]), float(lat_range[1])),
        (DESIGN_REM[0] * rem_px, DESIGN_REM[1] * rem_px),
    )


def figure_label_boxes(figure: dict) -> list[tuple[str, Box]]:
    """The shown labels of a district map figure (plotly JSON) with their boxes
    on the smallest wall map: what a test checks for overlaps."""
    layout = figure["layout"]
    geo = layout["geo"]
    rem = layout["meta"]["citywall"]["rem"]
    project = design_projector(geo["lonaxis"]["range"], geo["lataxis"]["range"], rem)
    trace = next(t for t in figure["data"] if t.get("name") == "labels")
    positions = trace.get("textposition") or "middle center"
    if isinstance(positions, str):
        positions = [positions] * len(trace["text"])
    font = trace["textfont"]["size"]
    return [
        (text, text_box(project(lon, lat), text_size(text, font), position))
        for lon, lat, text, position in zip(
            trace["lon"], trace["lat"], trace["text"], positions, strict=True
        )
        if text
    ]
