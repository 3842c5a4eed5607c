"""A city's hotspots: the places where crowds gather (Seoul's ~120 of its real-time
city data: Gwanghwamun, Hongdae, Itaewon, Gangnam Station, …), listed in a CSV
beside the profile, one a row:

    code,name_ko,name_en,district,lon,lat,kind
    POI009,광화문·덕수궁,Gwanghwamun · Deoksugung,11110,126.9769,37.5714,heritage

``code`` is the feed's own (Seoul's ``AREA_CD``: codes stay when names change);
``district`` a district code of the profile; ``name_<language>`` columns as many as
the city has; the position is where the wall draws it; ``kind`` (optional: station,
nightlife, park, venue, …) is what the demo's simulated crowds follow.

The profile names the file (``[city] hotspots``): the wall's hotspot pages and
map, the simulator and the citydata connector all read the same list.

A city that has its hotspots' areas (Seoul publishes each place's outline) names
a GeoJSON of them too (``[city] hotspot_areas``, WGS84, a ``code`` property per
feature; ``citywall city hotspot-areas`` writes one from a projected file): the
map then fills each area in its level's colour, and a hotspot listed without a
position is drawn inside its area.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

# the series a crowd feed writes per hotspot (Seoul's citydata, the demo's)
CROWD_LEVEL = "crowd_level"  # 1 … 4, the level's key as the reading's category
CROWD_MIN = "crowd_min"  # the live population's band
CROWD_MAX = "crowd_max"
CROWD_FORECAST_LEVEL = "crowd_forecast_level"  # at each forecast hour ahead
CROWD_FORECAST_MAX = "crowd_forecast_max"
# Seoul's four official congestion levels, 1 to 4 (여유, 보통, 약간 붐빔, 붐빔)
LEVEL_KEYS = ("relaxed", "normal", "slightly_crowded", "crowded")


@dataclass(frozen=True)
class Hotspot:
    code: str
    names: dict[str, str]
    district: str | None
    lon: float | None
    lat: float | None
    kind: str | None = None
    area: BaseGeometry | None = None  # its outline, when the city has one

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or next(iter(self.names.values()), self.code)


def read_hotspots(
    path: Path, districts: Iterable[str]
) -> tuple[list[Hotspot], list[str]]:
    """The hotspots of the CSV at ``path`` and every problem with them, one line
    each (a file missing is one)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        return [], [f"hotspots file {path} not found"]
    return hotspots_from(rows, districts)


def hotspots_from(
    rows: Iterable[Mapping[str, object]], districts: Iterable[str]
) -> tuple[list[Hotspot], list[str]]:
    known = set(districts)
    found: list[Hotspot] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        code = str(row.get("code") or "").strip()
        district = str(row.get("district") or "").strip() or None
        names = {
            str(k).removeprefix("name_"): str(v).strip()
            for k, v in row.items()
            if str(k).startswith("name_") and v and str(v).strip()
        }
        where = f"hotspot #{n}" + (f" ({code})" if code else "")
        if not code:
            problems.append(f"{where}: no code")
        elif code in seen:
            problems.append(f"{where}: listed twice")
        seen.add(code)
        if district is not None and district not in known:
            problems.append(f"{where}: district {district!r} is not in the profile")
        if not names:
            problems.append(f"{where}: no name (name_ko, name_en, …)")
        lon, lat = _number(row.get("lon")), _number(row.get("lat"))
        if (lon is None) != (lat is None) or (
            lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)
        ):
            problems.append(f"{where}: lon/lat {row.get('lon')!r}, {row.get('lat')!r}")
            lon = lat = None
        kind = str(row.get("kind") or "").strip() or None
        found.append(Hotspot(code, names, district, lon, lat, kind))
    if not found and not problems:
        problems.append("the hotspots list is empty")
    return found, problems


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


AREA_TYPES = ("Polygon", "MultiPolygon")


def with_areas(hotspots: list[Hotspot], path: Path) -> tuple[list[Hotspot], list[str]]:
    """The hotspots with their areas from the GeoJSON at ``path`` (a hotspot
    without a position placed inside its area), and every problem, one line each."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError:
        return hotspots, [f"hotspot areas file {path} not found"]
    except json.JSONDecodeError as exc:
        return hotspots, [f"hotspot areas file {path} is not GeoJSON: {exc}"]
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        return hotspots, [f"hotspot areas file {path} holds no FeatureCollection"]
    known = {h.code for h in hotspots}
    areas: dict[str, BaseGeometry] = {}
    problems: list[str] = []
    for n, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        code = str(properties.get("code") or (feature or {}).get("id") or "").strip()
        where = f"area #{n}" + (f" ({code})" if code else "")
        geometry = (feature or {}).get("geometry") or {}
        if not code:
            problems.append(f"{where}: no `code` property")
        elif code not in known:
            problems.append(f"{where}: no hotspot {code!r} in the hotspots list")
        elif code in areas:
            problems.append(f"{where}: a second area for the same hotspot")
        elif geometry.get("type") not in AREA_TYPES:
            problems.append(
                f"{where}: a {geometry.get('type') or 'missing'} "
                "geometry, not a Polygon or MultiPolygon"
            )
        elif (area := _area(geometry, where, problems)) is not None:
            areas[code] = area
    return [_placed(h, areas.get(h.code)) for h in hotspots], problems


def _area(geometry: dict, where: str, problems: list[str]) -> BaseGeometry | None:
    try:
        area = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        problems.append(f"{where}: unreadable geometry ({exc})")
        return None
    if area.is_empty:
        problems.append(f"{where}: an empty geometry")
        return None
    lon0, lat0, lon1, lat1 = area.bounds
    if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
        problems.append(
            f"{where}: coordinates {area.bounds[:2]} are not longitude and latitude "
            "(a projected file? citywall city hotspot-areas converts it)"
        )
        return None
    if not area.is_valid:
        problems.append(f"{where}: not a valid polygon (it crosses itself)")
        return None
    return area


def _placed(hotspot: Hotspot, area: BaseGeometry | None) -> Hotspot:
    if area is None:
        return hotspot
    if hotspot.lon is None:  # drawn (and clicked) inside its area
        inside = area.representative_point()
        return replace(hotspot, area=area, lon=inside.x, lat=inside.y)
    return replace(hotspot, area=area)
