"""A new city from one file: ``citywall city init`` writes a profile from a district
boundary GeoJSON, ``citywall city check`` says everything wrong with a profile.

Init reprojects the boundaries to WGS84 (from the file's declared CRS or the one
given), repairs what can be repaired, simplifies shared edges together so districts
neither gap nor overlap, and starts the city on the demo simulator so its wall runs
at once; the user then swaps in real sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from city.map_frame import frame_toml
from city.profile import CityProfile, ProfileError, load_profile
from kpis.definitions import KPIS

# Targets any city can start from (each KPI declares its own); each is one the
# city should tune to its own.
DEFAULT_TARGETS = {k.id: k.starting_target for k in KPIS if k.starting_target}
# Share of the smaller district two polygons may overlap before it is an error:
# slivers where sources disagree on a river bank are normal (Seoul's boundaries
# have them up to 0.5 %); a district drawn twice or a wrong code is not.
OVERLAP_TOLERANCE = 0.01


@dataclass
class InitOptions:
    boundaries: Path
    city_id: str
    name: str
    timezone: str
    language: str = "en"
    code_property: str = "code"
    name_property: str = "name"
    population_property: str | None = None
    crs: str | None = None
    simplify_metres: float = 20.0
    output_dir: Path = Path("cities")


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class OnboardingError(ValueError):
    pass


def init_city(opts: InitOptions) -> Path:
    """Write ``<output_dir>/<id>.toml`` and ``<output_dir>/<id>/districts.geojson``."""
    try:
        ZoneInfo(opts.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OnboardingError(
            f"time zone {opts.timezone!r} is not an IANA zone (e.g. America/Guayaquil)"
        ) from None
    collection = json.loads(opts.boundaries.read_text(encoding="utf-8"))
    features = collection.get("features") or []
    if not features:
        raise OnboardingError(f"{opts.boundaries} holds no features")
    to_wgs84 = _transformer(opts.crs or _declared_crs(collection))
    districts, problems = [], []
    for i, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = str(props.get(opts.code_property) or "").strip()
        name = str(props.get(opts.name_property) or "").strip()
        if not code or not name:
            found = sorted(props)
            problems.append(
                f"feature #{i} lacks `{opts.code_property}` or `{opts.name_property}` "
                f"(its properties: {found})"
            )
            continue
        geometry = shape(feature["geometry"])
        if to_wgs84:
            geometry = shapely.transform(geometry, to_wgs84, interleaved=False)
        population = (
            props.get(opts.population_property) if opts.population_property else 0
        )
        districts.append((code, name, int(float(population or 0)), geometry))
    codes = [d[0] for d in districts]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        problems.append(f"district codes used twice: {duplicates}")
    if problems:
        raise OnboardingError("; ".join(problems))

    geometries = [shapely.make_valid(g) for _, _, _, g in districts]
    geometries = list(_simplified(geometries, opts.simplify_metres))
    folder = opts.output_dir / opts.city_id
    folder.mkdir(parents=True, exist_ok=True)
    boundaries = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": mapping(geometry),
            }
            for (code, name, _, _), geometry in zip(districts, geometries)
        ],
    }
    (folder / "districts.geojson").write_text(
        json.dumps(boundaries, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )
    profile_path = opts.output_dir / f"{opts.city_id}.toml"
    # far islands left out of the map's frame, or a suggestion (city/map_frame.py)
    frame = frame_toml(
        {c: g for (c, *_), g in zip(districts, geometries)},
        {c: n for c, n, *_ in districts},
    )
    profile_path.write_text(
        _profile_toml(opts, [(c, n, p) for c, n, p, _ in districts]) + frame,
        encoding="utf-8",
    )
    return profile_path


def _declared_crs(collection: dict[str, Any]) -> str | None:
    """The legacy GeoJSON ``crs`` member (RFC 7946 dropped it; exports still write it)."""
    crs = collection.get("crs") or {}
    return (crs.get("properties") or {}).get("name")


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


def _simplified(geometries: list[BaseGeometry], metres: float) -> list[BaseGeometry]:
    """Shared edges simplified once for both sides (no gaps, no overlaps)."""
    if metres <= 0:
        return geometries
    degrees = metres / 111_320
    try:
        return list(shapely.coverage_simplify(geometries, degrees))
    except shapely.errors.GEOSException:
        return [g.simplify(degrees, preserve_topology=True) for g in geometries]


def _profile_toml(opts: InitOptions, districts: list[tuple[str, str, int]]) -> str:
    q = json.dumps  # a JSON string is a valid TOML basic string
    lang = opts.language
    lines = [
        f"# {opts.name} — written by `citywall city init`; edit freely.",
        "# Check it with `citywall city check` after every change.",
        "",
        "[city]",
        f"id = {q(opts.city_id)}",
        f"name = {{ {lang} = {q(opts.name, ensure_ascii=False)} }}",
        f"timezone = {q(opts.timezone)}",
        f"default_language = {q(lang)}",
        f"local_language = {q(lang)}",
        f'boundaries = "{opts.city_id}/districts.geojson"',
        f"boundaries_source = {q(str(opts.boundaries.name), ensure_ascii=False)}",
        "",
        "[wall]",
        "refresh_seconds = 10",
        "",
        "# Starting targets: tune each to the city (see README, KPI definitions).",
        "[targets]",
        *(
            f"{kpi} = {{ target = {t}, watch_ratio = {r} }}"
            for kpi, (t, r) in DEFAULT_TARGETS.items()
        ),
        "",
        "[traffic]",
        "speed_window_minutes = 15",
        "",
        "[traffic.road_classes]",
        "arterial = { congested = 15, slow = 25 }",
        "expressway = { congested = 30, slow = 50 }",
        "",
        "# The demo simulator makes the wall live at once; replace it with the",
        "# city's feeds (README: Connect your city's feeds).",
        "[[sources]]",
        'name = "demo"',
        'connector = "simulator"',
        "interval_seconds = 5",
        "options = { seed = 1, backfill_days = 7, links_per_district = 4, "
        "complaints_per_day = 300, safety_incidents_per_day = 60, alerts_per_day = 2, "
        "speed_minutes = 15 }",
    ]
    for code, name, population in districts:
        lines += [
            "",
            "[[districts]]",
            f"code = {q(code)}",
            f"name = {{ {lang} = {q(name, ensure_ascii=False)} }}",
            f"population = {population}",
        ]
    return "\n".join(lines) + "\n"


# -- check ------------------------------------------------------------------------


def check_city(path: Path) -> Report:
    """Everything wrong with a profile, each with what to do."""
    report = Report()
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        report.problems += exc.problems
        return report
    _check_districts(profile, report)
    _check_sources(profile, report)
    report.notes.append(
        f"{profile.name()}: {len(profile.districts)} districts, "
        f"{len(profile.sources)} source(s), time zone {profile.timezone.key}"
    )
    return report


def _check_districts(profile: CityProfile, report: Report) -> None:
    for d in profile.districts:
        if d.geometry.is_empty or d.geometry.geom_type not in (
            "Polygon",
            "MultiPolygon",
        ):
            report.problems.append(f"district {d.code}: boundary is not a polygon")
        if not d.names:
            report.problems.append(f"district {d.code}: no name")
        if d.population <= 0:
            report.notes.append(
                f"district {d.code}: no population; per-district targets use area"
            )
    tree = shapely.STRtree([d.geometry for d in profile.districts])
    slivers = 0
    for i, j in tree.query([d.geometry for d in profile.districts], "intersects").T:
        if i >= j:
            continue
        a, b = profile.districts[i], profile.districts[j]
        share = a.geometry.intersection(b.geometry).area / min(
            a.geometry.area, b.geometry.area
        )
        if share > OVERLAP_TOLERANCE:
            report.problems.append(
                f"districts {a.code} and {b.code} overlap ({share:.1%} of the "
                "smaller): a district drawn twice or under the wrong code?"
            )
        elif share > 0:
            slivers += 1
    if slivers:
        report.notes.append(
            f"{slivers} boundary sliver(s) under {OVERLAP_TOLERANCE:.0%} overlap "
            "(harmless: a point there counts in one district)"
        )


def _check_sources(profile: CityProfile, report: Report) -> None:
    import connectors  # late: the CLI's other commands do not need every connector

    installed = connectors.available()
    for source in profile.sources:
        where = f"source {source.name!r}"
        if source.connector not in installed:
            report.problems.append(
                f"{where}: unknown connector {source.connector!r}; "
                f"installed: {sorted(installed)}"
            )
            continue
        if source.interval_seconds <= 0:
            report.problems.append(f"{where}: interval_seconds must be positive")
        for key, value in source.options.items():
            if key.endswith("url") and isinstance(value, str) and not _is_url(value):
                report.problems.append(
                    f"{where}: {key} {value!r} is not an http(s) URL"
                )
        try:
            connectors.build(source, profile)
        except (ValueError, LookupError, OSError) as exc:
            report.problems.append(f"{where}: {exc}")


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
