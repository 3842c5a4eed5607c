"""Whether the boundaries lie on the globe where the city's time zone says:
coordinates in metres read as degrees, or a wrong ``--crs``, put a city in the
ocean or in Antarctica, and every record would then fall outside its districts.

The time zone database lists a reference point for each zone and the countries
each zone covers (zone1970.tab, zone.tab); a city lies within a generous radius
of one of its country's points."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from citywall.city_files.errors import OnboardingError

# Countries are big: Tokyo's Ogasawara islands lie 1,000 km from Tokyo, the
# Galápagos 1,200 km from Guayaquil, Kashgar 1,000 km from Urumqi.
RADIUS_KM = 2_500
EARTH_RADIUS_KM = 6_371.0
_COORDINATES = re.compile(r"([+-]\d{4,6})([+-]\d{5,7})")


Bounds = tuple[float, float, float, float]


def to_wgs84(
    geometries: list[BaseGeometry],
    crs: str | None,
    *,
    crs_given: bool,
    timezone: str,
    city: str,
) -> list[BaseGeometry]:
    """The districts in degrees, checked to lie where the time zone says the city
    is; ``crs`` from --crs (``crs_given``) or the file's member, None for WGS84."""
    bounds = _bounds(geometries)
    if not crs and looks_projected(bounds):
        largest = max(abs(b) for b in bounds)
        raise OnboardingError(
            f"coordinates look like metres (up to {largest:,.0f}), not degrees; "
            f"give --crs (e.g. {utm_hint(timezone)}, or the national grid the "
            "file's source names)"
        )
    transform = _transformer(crs)
    if transform:
        geometries = [
            shapely.transform(g, transform, interleaved=False) for g in geometries
        ]
    source = f"--crs {crs}" if crs_given else f"the file's crs {crs}" if crs else ""
    hint = f"is {source} right" if source else "are the coordinates lon/lat (WGS84)"
    bounds = _bounds(geometries)
    if not on_the_globe(bounds):
        raise OnboardingError(
            f"{source or 'the file'} puts the districts off the globe "
            f"(bounds {tuple(round(b, 1) for b in bounds)}): {hint}?"
        )
    # the median of the districts' centres: far islands do not move it
    points = [g.representative_point() for g in geometries]
    lon = statistics.median(p.x for p in points)
    lat = statistics.median(p.y for p in points)
    nearest = nearest_reference(timezone, lon, lat)
    if nearest and nearest[1] > RADIUS_KM:
        point, km = nearest
        where = f"{point.zone}'s reference point"
        if point.zone != timezone:
            where += f", the nearest in {timezone}'s country"
        raise OnboardingError(
            f"{city} lies {km:,.0f} km from {where} (its districts centre on lat "
            f"{lat:.2f}, lon {lon:.2f}): {hint}, and is {timezone} the city's "
            "time zone?"
        )
    return geometries


def _bounds(geometries: list[BaseGeometry]) -> Bounds:
    return shapely.GeometryCollection(geometries).bounds


def _transformer(crs: str | None) -> Any:
    if not crs:
        return None
    try:
        source = CRS.from_user_input(crs)
    except CRSError as exc:
        raise OnboardingError(f"unknown CRS {crs!r}: {exc}") from None
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, 4326, always_xy=True).transform


@dataclass(frozen=True)
class ReferencePoint:
    zone: str
    lat: float
    lon: float


def looks_projected(bounds: Bounds) -> bool:
    """Values beyond ±180/±90 cannot be degrees (metres, or feet)."""
    west, south, east, north = bounds
    return (
        min(west, east) < -180
        or max(west, east) > 180
        or min(south, north) < -90
        or max(south, north) > 90
    )


def on_the_globe(bounds: Bounds) -> bool:
    return all(math.isfinite(v) for v in bounds) and not looks_projected(bounds)


def utm_hint(timezone: str) -> str:
    """The UTM zone at the time zone's reference point, as an example --crs."""
    points = _zone_points().get(timezone)
    if not points:
        return "EPSG:32718 for UTM zone 18S"
    lat, lon = points[0].lat, points[0].lon
    zone = min(60, int((lon + 180) // 6) + 1)
    hemisphere = "N" if lat >= 0 else "S"
    epsg = (32600 if lat >= 0 else 32700) + zone
    return f"EPSG:{epsg} for UTM zone {zone}{hemisphere}"


def nearest_reference(
    timezone: str, lon: float, lat: float
) -> tuple[ReferencePoint, float] | None:
    """The closest reference point of the zone's countries, and its distance in km;
    None when the zone has none (UTC, Etc/GMT+5)."""
    countries = _zone_countries().get(timezone)
    if not countries:
        return None
    candidates = [
        point
        for zone, points in _zone_points().items()
        if _zone_countries().get(zone, set()) & countries
        for point in points
    ]
    if not candidates:
        return None
    return min(
        ((p, distance_km(lon, lat, p.lon, p.lat)) for p in candidates),
        key=lambda pair: pair[1],
    )


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def _tab_rows(name: str) -> list[list[str]]:
    text = (resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")
    return [
        line.split("\t")
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


@cache
def _zone_countries() -> dict[str, frozenset[str]]:
    """Each zone's country from zone.tab (one per zone); zone1970.tab lists every
    country that shares a zone since 1970 (Asia/Tokyo: Japan and an Australian
    station) and serves only for zones zone.tab lacks."""
    countries: dict[str, frozenset[str]] = {}
    for name in ("zone1970.tab", "zone.tab"):  # zone.tab's entries win
        for codes, _, zone, *_ in _tab_rows(name):
            countries[zone] = frozenset(codes.split(","))
    return countries


@cache
def _zone_points() -> dict[str, tuple[ReferencePoint, ...]]:
    points: dict[str, set[ReferencePoint]] = {}
    for name in ("zone1970.tab", "zone.tab"):
        for _, coordinates, zone, *_ in _tab_rows(name):
            match = _COORDINATES.fullmatch(coordinates)
            if match:
                lat, lon = (_degrees(part) for part in match.groups())
                points.setdefault(zone, set()).add(ReferencePoint(zone, lat, lon))
    return {
        zone: tuple(sorted(p, key=lambda r: (r.lat, r.lon)))
        for zone, p in points.items()
    }


def _degrees(text: str) -> float:
    """ISO 6709 ±DDMM[SS] or ±DDDMM[SS] to decimal degrees."""
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    head = 2 if len(digits) in (4, 6) else 3
    degrees, rest = int(digits[:head]), digits[head:]
    minutes = int(rest[:2])
    seconds = int(rest[2:] or 0)
    return sign * (degrees + minutes / 60 + seconds / 3600)
