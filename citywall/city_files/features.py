"""Reading the boundary file's features: GeoJSON or TopoJSON, kept by
``--where``, areas only, names checked for mis-encoding."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from citywall.city_files import topojson
from citywall.city_files.errors import OnboardingError
from citywall.city_files.populations import did_you_mean

AREA_TYPES = ("Polygon", "MultiPolygon")
# files GIS offices also publish boundaries in, which init does not read itself
OTHER_FORMATS = {
    ".shp": "Shapefile",
    ".zip": "zip archive (a zipped Shapefile?)",
    ".gpkg": "GeoPackage",
    ".kml": "KML file",
    ".kmz": "KMZ file",
    ".gml": "GML file",
}
Feature = dict[str, Any]


@dataclass
class Part:
    """One feature of the file that is an area: a district or a piece of one."""

    number: int  # 1-based position in the file, for messages
    properties: dict[str, Any]
    geometry: BaseGeometry


def read_features(path: Path, notes: list[str]) -> tuple[list[Feature], str | None]:
    """The file's features and the CRS its legacy ``crs`` member declares (RFC 7946
    dropped the member; exports from GIS software still write it)."""
    if path.suffix.lower() in OTHER_FORMATS:
        raise OnboardingError(
            f"{path.name} is a {OTHER_FORMATS[path.suffix.lower()]}: convert it to "
            f"GeoJSON first, e.g. ogr2ogr -f GeoJSON districts.geojson {path.name}"
        )
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise OnboardingError(
            f"{path.name} is not UTF-8: re-save it as UTF-8 (GeoJSON is UTF-8)"
        ) from None
    except json.JSONDecodeError as exc:
        raise OnboardingError(
            f"{path.name} is not GeoJSON or TopoJSON (not JSON: {exc})"
        ) from None
    if not isinstance(document, dict):
        raise OnboardingError(f"{path.name} is not a GeoJSON object")
    if topojson.is_topology(document):
        document = topojson.to_feature_collection(document, notes)
        notes.append(f"{path.name} is TopoJSON: read its arcs as GeoJSON")
    crs = ((document.get("crs") or {}).get("properties") or {}).get("name")
    if document.get("type") == "Feature":
        return [document], crs
    features = document.get("features") or []
    if not features:
        raise OnboardingError(
            f"{path.name} holds no features (expected a GeoJSON FeatureCollection "
            "or a TopoJSON Topology)"
        )
    return [_with_id(f) for f in features if isinstance(f, dict)], crs


def _with_id(feature: Feature) -> Feature:
    """A feature's own ``id`` (world-atlas TopoJSON keeps codes there) offered as
    the property ``id``, so ``--code-property id`` reads it."""
    if "id" not in feature or "id" in properties_of(feature):
        return feature
    return {**feature, "properties": {**properties_of(feature), "id": feature["id"]}}


def properties_of(feature: Feature) -> dict[str, Any]:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def as_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def keep_where(
    features: list[Feature], conditions: list[str], notes: list[str]
) -> list[Feature]:
    """Features whose properties match every ``KEY=GLOB`` (fnmatch, case-sensitive)."""
    if not conditions:
        return features
    parsed = [_condition(c) for c in conditions]
    for key, _ in parsed:
        require_property(features, key, "--where")
    kept = [
        f
        for f in features
        if all(
            fnmatchcase(as_text(properties_of(f).get(key)), glob)
            for key, glob in parsed
        )
    ]
    if not kept:
        raise OnboardingError(_nothing_kept(features, parsed))
    notes.append(
        f"--where {' '.join(conditions)}: kept {len(kept)} of {len(features)} "
        f"features, dropped {len(features) - len(kept)}"
    )
    return kept


def _condition(text: str) -> tuple[str, str]:
    key, sep, glob = text.partition("=")
    if not sep or not key.strip():
        raise OnboardingError(
            f"--where {text!r} must be KEY=GLOB, e.g. --where N03_007=131*"
        )
    return key.strip(), glob.strip()


def _nothing_kept(features: list[Feature], parsed: list[tuple[str, str]]) -> str:
    for key, glob in parsed:
        if not any(
            fnmatchcase(as_text(properties_of(f).get(key)), glob) for f in features
        ):
            values = sorted(
                {as_text(properties_of(f).get(key)) for f in features} - {""}
            )
            examples = ", ".join(repr(v) for v in values[:5])
            return (
                f"--where {key}={glob} keeps no feature; {key} has values such as "
                f"{examples} ({len(values)} different)"
            )
    together = " ".join(f"{k}={g}" for k, g in parsed)
    return f"--where {together}: each matches some features, but none matches all"


def require_property(features: list[Feature], key: str, option: str) -> None:
    """Refuse a property no feature has (a misspelt option), with the likely one."""
    seen: set[str] = set()
    for f in features:
        seen.update(properties_of(f))
    if key not in seen:
        raise OnboardingError(
            f"no feature has the property {key!r}{did_you_mean(key, sorted(seen))}: "
            f"fix {option}; the properties are {sorted(seen)}"
        )


def areas(features: list[Feature], notes: list[str]) -> list[Part]:
    """The features that are areas; null geometries and points/lines skipped with
    a note, refused when nothing else is left (a district is an area)."""
    parts, missing, other = [], 0, Counter()
    for number, feature in enumerate(features, start=1):
        raw = feature.get("geometry")
        if not raw:
            missing += 1
            continue
        try:
            geometry = shape(raw)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError):
            raise OnboardingError(
                f"feature #{number}: its geometry is not valid GeoJSON"
            ) from None
        area = polygonal(geometry)
        if area is None:
            other[geometry.geom_type] += 1
            continue
        parts.append(Part(number, properties_of(feature), area))
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(other.items()))
    if not parts:
        found = kinds or "only features with no geometry"
        raise OnboardingError(
            f"no feature is an area ({found}): a district is an area (Polygon or "
            "MultiPolygon); use the districts' boundary file, not their centres "
            "or borders"
        )
    if missing:
        notes.append(f"skipped {missing} feature(s) with no geometry")
    if other:
        notes.append(f"skipped {kinds} feature(s): a district is an area")
    return parts


def polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """The areas of a geometry (the polygons of a collection), None if it has none."""
    if geometry.is_empty:
        return None
    if geometry.geom_type in AREA_TYPES:
        return geometry
    polygons = [p for p in shapely.get_parts(geometry) if p.geom_type in AREA_TYPES]
    if not polygons:
        return None
    return MultiPolygon([q for p in polygons for q in shapely.get_parts(p)])


def repaired_text(text: str) -> str | None:
    """The text a UTF-8 string was before it was read as Latin-1 (or Windows-1252)
    and saved again ("UsaquÃ©n" → "Usaquén"); None when it is not mis-encoded.
    Real Latin-1 accents ("Usaquén") are not valid UTF-8 bytes, so they pass."""
    for codec in ("latin-1", "cp1252"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != text:
            return fixed
    return None
