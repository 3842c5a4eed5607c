"""The hotspots' areas from a city's own file: ``citywall city hotspot-areas``.

Seoul publishes the outline of each place of its real-time city data as a GIS
file in the national grid (metres, not degrees), one feature per place keyed by
its ``AREA_CD``, some places in several parts. This reads such a file as
``citywall city init`` reads boundaries (GeoJSON or TopoJSON, a legacy ``crs``
member or ``--crs``, features kept by ``--where``, null and non-area geometries
skipped with a note), joins a code's parts, reprojects to WGS84, checks the
areas lie where the city is, and writes ``<id>/hotspot_areas.geojson`` beside
the profile, keyed by the hotspots' codes, for ``[city] hotspot_areas``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from city.profile import load_profile, read_toml
from citywall import city_files
from citywall.city_files import OnboardingError

AREAS_FILE = "hotspot_areas.geojson"


@dataclass
class AreasImport:
    """What an import wrote and what it noticed on the way."""

    path: Path
    written: int
    notes: list[str] = field(default_factory=list)
    profile_line: str | None = None  # the line the profile still needs


def import_hotspot_areas(
    source: Path,
    profile_path: Path,
    code_property: str = "code",
    crs: str | None = None,
    where: list[str] | None = None,
) -> AreasImport:
    profile = load_profile(profile_path)
    if not profile.hotspots:
        raise OnboardingError(
            f"{profile_path} lists no hotspots: write its [city] hotspots CSV first"
        )
    notes: list[str] = []
    features, declared_crs = city_files.read_features(source, notes)
    features = city_files.keep_where(features, where or [], notes)
    city_files.require_property(features, code_property, "--code-property")
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for part in city_files.areas(features, notes):
        code = city_files.as_text(part.properties.get(code_property)).strip()
        parts[code].append(part.geometry)
    known = profile.hotspots_by_code
    unknown = sorted(code for code in parts if code not in known)
    if unknown:
        notes.append(
            f"skipped {len(unknown)} area(s) of no listed hotspot: "
            f"{', '.join(unknown[:8])}{' …' if len(unknown) > 8 else ''}"
        )
    codes = [code for code in known if code in parts]
    if not codes:
        raise OnboardingError(
            f"no area's {code_property} is a hotspot code of {profile_path.name} "
            f"(its codes look like {next(iter(known))!r}): is --code-property right?"
        )
    joined = [_joined(parts[code]) for code in codes]
    for code in codes:
        if len(parts[code]) > 1:
            notes.append(f"joined {len(parts[code])} parts of {code}")
    areas = city_files.to_wgs84(
        joined,
        crs or declared_crs,
        crs_given=bool(crs),
        timezone=profile.timezone.key,
        city=profile.name(),
    )
    missing = [code for code in known if code not in parts]
    if missing:
        notes.append(
            f"{len(missing)} hotspot(s) have no area and stay dots: "
            f"{', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"
        )
    folder = profile_path.parent / profile.id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / AREAS_FILE
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": known[code].name()},
                "geometry": mapping(shapely.make_valid(area)),
            }
            for code, area in zip(codes, areas)
        ],
    }
    path.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )
    named = read_toml(profile_path).get("city", {}).get("hotspot_areas")
    kept = isinstance(named, str) and (profile_path.parent / named).resolve() == (
        path.resolve()
    )
    line = None if kept else f'hotspot_areas = "{profile.id}/{AREAS_FILE}"'
    return AreasImport(path, len(codes), notes, line)


def _joined(geometries: list[BaseGeometry]) -> BaseGeometry:
    """A place's parts as one area (its pieces side by side or apart)."""
    if len(geometries) == 1:
        return geometries[0]
    return shapely.union_all([shapely.make_valid(g) for g in geometries])
