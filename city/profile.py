"""The city profile: one TOML file that makes CityWall a given city's wall.

It names the city, its time zone and language, its districts with their boundaries
and population, the sources to pull and the KPI targets. Loading checks everything
at once and raises one error that lists every problem with its fix.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from city.i18n import LANGUAGES
from city.ladder import DEFAULT_LADDER, Ladder, load_ladder
from city.map_frame import AUTOMATIC, MapFrame
from city.network import OPEN_INTERNET, NetworkPolicy, load_network


class ProfileError(ValueError):
    """The profile cannot be used; the message lists each problem and its fix."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"city profile {path} has {len(problems)} problem(s):\n{lines}"
        )


@dataclass(frozen=True)
class District:
    code: str
    names: dict[str, str]
    population: int
    geometry: BaseGeometry = field(repr=False, compare=False)

    def name(self, language: str = "en") -> str:
        # place names are proper nouns: a language without its own (Spanish for a
        # Seoul district) uses the romanised English name, else the first given
        return (
            self.names.get(language)
            or self.names.get("en")
            or next(iter(self.names.values()))
        )


@dataclass(frozen=True)
class Target:
    target: float
    watch_ratio: float


@dataclass(frozen=True)
class SourceConfig:
    name: str
    connector: str
    interval_seconds: float
    options: dict[str, Any]

    @property
    def stale_after(self) -> timedelta:
        return stale_after(self.interval_seconds)


STALE_INTERVALS = 3  # missed pulls before a source is stale ...
STALE_AT_LEAST = timedelta(minutes=2)  # ... and never sooner than this


def stale_after(interval_seconds: float) -> timedelta:
    """How long a source (or the wall's newest data, by its slowest source) may go
    without news before the wall says it is stale: three intervals, and never less
    than two minutes, so a feed polled every few seconds does not flap stale on
    one slow answer. The one rule for the badge, the health view and /readyz."""
    return max(timedelta(seconds=STALE_INTERVALS * interval_seconds), STALE_AT_LEAST)


@dataclass(frozen=True)
class RoadClass:
    congested_below: float
    slow_below: float


@dataclass(frozen=True)
class RotationStep:
    """One page of the kiosk's rotation: where, for how long, with which filters."""

    page: str  # "/", "/complaints", "/district/11680"
    seconds: float
    query: dict[str, str] = field(default_factory=dict)


DEFAULT_ROTATION = (
    RotationStep("/", 60),
    RotationStep("/traffic", 30),
    RotationStep("/safety", 30),
    RotationStep("/disasters", 30),
    RotationStep("/complaints", 30),
)


@dataclass(frozen=True)
class MapTiles:
    """A tile server for the maps (an intranet's own, say); without one the maps
    are the district shapes on a blank background."""

    url: str  # raster tiles, https://tiles.city.example/{z}/{x}/{y}.png
    attribution: str = ""
    glyphs_url: str = ""  # MapLibre fonts for the labels, .../{fontstack}/{range}.pbf


@dataclass(frozen=True)
class CityProfile:
    id: str
    names: dict[str, str]
    timezone: ZoneInfo
    default_language: str
    local_language: str
    districts: tuple[District, ...]
    sources: tuple[SourceConfig, ...]
    targets: dict[str, Target]
    road_classes: dict[str, RoadClass]
    refresh_seconds: float
    speed_window: timedelta
    boundaries_path: Path
    boundaries_source: str
    folder: Path  # the profile's folder: relative paths in source options start here
    tiles: MapTiles | None = None
    frame: MapFrame = AUTOMATIC  # what the district maps frame ([map] frame...)
    rotation: tuple[RotationStep, ...] = DEFAULT_ROTATION
    ladder: Ladder = DEFAULT_LADDER
    network: NetworkPolicy = OPEN_INTERNET  # hosts feeds and cameras may reach

    def name(self, language: str | None = None) -> str:
        """The city's name in ``language``, else in its own display language."""
        return (
            self.names.get(language or self.default_language)
            or self.names.get(self.default_language)
            or next(iter(self.names.values()), self.id)
        )

    @cached_property
    def districts_by_code(self) -> dict[str, District]:
        return {d.code: d for d in self.districts}

    @cached_property
    def geojson(self) -> dict[str, Any]:
        """Boundaries as a FeatureCollection keyed by district code, for drawing."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": d.code,
                    "properties": {"code": d.code},
                    # d3-geo (plotly's geo traces) wants exterior rings clockwise,
                    # the opposite of RFC 7946; otherwise it fills the whole globe.
                    "geometry": shapely.orient_polygons(
                        d.geometry, exterior_cw=True
                    ).__geo_interface__,
                }
                for d in self.districts
            ],
        }

    @property
    def population(self) -> int:
        return sum(d.population for d in self.districts)


def load_profile(path: Path | str) -> CityProfile:
    path = Path(path)
    problems: list[str] = []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(
            path, ["file not found: set CITYWALL_PROFILE to a profile"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, [f"not valid TOML: {exc}"]) from exc

    city = raw.get("city", {})
    for key in ("id", "name", "timezone", "boundaries"):
        if key not in city:
            problems.append(f"[city] needs `{key}`")
    try:
        tz = ZoneInfo(city.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"[city] timezone {city.get('timezone')!r} is not an IANA zone "
            "(write e.g. 'Asia/Seoul')"
        )
        tz = ZoneInfo("UTC")

    boundaries_path = (path.parent / city.get("boundaries", "")).resolve()
    shapes = _read_boundaries(boundaries_path, problems) if "boundaries" in city else {}
    districts = _districts(raw.get("districts", []), shapes, problems)
    sources = _sources(raw.get("sources", []), problems)
    targets = {
        kpi: Target(float(t["target"]), float(t.get("watch_ratio", 1.25)))
        for kpi, t in raw.get("targets", {}).items()
    }
    tiles = _tiles(raw.get("map", {}), problems)
    frame = _frame(raw.get("map", {}), {d.code for d in districts}, problems)
    rotation = _rotation(raw.get("wall", {}).get("rotation"), problems)
    ladder = load_ladder(raw.get("disaster"), problems)
    network = load_network(raw.get("network"), problems)
    language = city.get("default_language", "en")
    if language not in LANGUAGES:
        problems.append(
            f"[city] default_language {language!r}: CityWall speaks {', '.join(LANGUAGES)}"
        )
    road_classes = {
        name: RoadClass(float(c["congested"]), float(c["slow"]))
        for name, c in raw.get("traffic", {}).get("road_classes", {}).items()
    }
    if problems:
        raise ProfileError(path, problems)
    return CityProfile(
        id=city["id"],
        names=dict(city["name"])
        if isinstance(city["name"], dict)
        else {"en": city["name"]},
        timezone=tz,
        default_language=city.get("default_language", "en"),
        local_language=city.get("local_language", city.get("default_language", "en")),
        districts=tuple(districts),
        sources=tuple(sources),
        targets=targets,
        road_classes=road_classes,
        refresh_seconds=float(raw.get("wall", {}).get("refresh_seconds", 10)),
        speed_window=timedelta(
            minutes=float(raw.get("traffic", {}).get("speed_window_minutes", 15))
        ),
        boundaries_path=boundaries_path,
        boundaries_source=city.get("boundaries_source", ""),
        folder=path.parent.resolve(),
        tiles=tiles,
        frame=frame,
        rotation=rotation,
        ladder=ladder,
        network=network,
    )


def _rotation(rows, problems: list[str]) -> tuple[RotationStep, ...]:
    """The kiosk's pages, in order; the same page may come twice with other filters."""
    if rows is None:
        return DEFAULT_ROTATION
    steps = []
    for i, row in enumerate(rows if isinstance(rows, list) else [None]):
        page = row.get("page") if isinstance(row, dict) else None
        seconds = row.get("seconds") if isinstance(row, dict) else None
        if not isinstance(page, str) or not page.startswith("/"):
            problems.append(
                f'[wall] rotation #{i + 1}: `page` must be a path such as "/complaints"'
            )
            continue
        if not isinstance(seconds, int | float) or seconds <= 0:
            problems.append(
                f"[wall] rotation #{i + 1} ({page}): `seconds` must be a positive number"
            )
            continue
        query = {str(k): str(v) for k, v in dict(row.get("query", {})).items()}
        steps.append(RotationStep(page, float(seconds), query))
    if not steps and not problems:
        problems.append("[wall] rotation is empty: list at least one page")
    return tuple(steps)


def _tiles(table: dict, problems: list[str]) -> MapTiles | None:
    url = table.get("tile_url", "")
    if not url:
        return None
    if not url.startswith(("http://", "https://")) or "{z}" not in url:
        problems.append(
            f"[map] tile_url {url!r} must be an http(s) URL with {{z}}, {{x}} and {{y}}"
        )
        return None
    return MapTiles(
        url=url,
        attribution=str(table.get("attribution", "")),
        glyphs_url=str(table.get("glyphs_url", "")),
    )


def _frame(table: dict, codes: set[str], problems: list[str]) -> MapFrame:
    """[map] frame = [west, south, east, north] and frame_leaves_out = [codes]."""
    bounds = table.get("frame")
    if bounds is not None and not (
        isinstance(bounds, list)
        and len(bounds) == 4
        and all(isinstance(v, int | float) for v in bounds)
        and -180 <= bounds[0] < bounds[2] <= 180
        and -90 <= bounds[1] < bounds[3] <= 90
    ):
        problems.append(
            f"[map] frame {bounds!r} must be [west, south, east, north] in degrees, "
            "e.g. [139.56, 35.52, 139.92, 35.82]"
        )
        bounds = None
    leaves_out = table.get("frame_leaves_out")
    if leaves_out is not None and not isinstance(leaves_out, list):
        problems.append(
            f'[map] frame_leaves_out must be a list of district codes, e.g. ["{leaves_out}"]'
        )
        leaves_out = None
    elif leaves_out is not None:
        unknown = [c for c in leaves_out if str(c) not in codes]
        if unknown:
            problems.append(
                f"[map] frame_leaves_out: {unknown} are not district codes of "
                "[[districts]]: list codes from there"
            )
        leaves_out = None if unknown else tuple(str(c) for c in leaves_out)
    return MapFrame(
        bounds=tuple(float(v) for v in bounds) if bounds else None,
        leaves_out=leaves_out,
    )


def _read_boundaries(path: Path, problems: list[str]) -> dict[str, BaseGeometry]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        problems.append(f"boundaries file {path} not found: fix [city] boundaries")
        return {}
    except json.JSONDecodeError as exc:
        problems.append(f"boundaries file {path} is not GeoJSON: {exc}")
        return {}
    shapes: dict[str, BaseGeometry] = {}
    for i, feature in enumerate(collection.get("features", [])):
        code = str(feature.get("properties", {}).get("code") or feature.get("id") or "")
        if not code:
            problems.append(f"boundary feature #{i} has no `code` property")
            continue
        geometry = shape(feature["geometry"])
        if not geometry.is_valid:
            problems.append(f"boundary of district {code} is not a valid polygon")
        shapes[code] = geometry
    return shapes


def _districts(
    rows: list[dict[str, Any]], shapes: dict[str, BaseGeometry], problems: list[str]
) -> list[District]:
    if not rows:
        problems.append(
            "no [[districts]]: list each district with code, name, population"
        )
    districts = []
    for row in rows:
        code = str(row.get("code", ""))
        if code not in shapes:
            problems.append(
                f"district {code or '?'} has no polygon in the boundaries file"
            )
            continue
        districts.append(
            District(
                code=code,
                names=dict(row.get("name", {})),
                population=int(row.get("population", 0)),
                geometry=shapes[code],
            )
        )
    unlisted = sorted(set(shapes) - {d.code for d in districts})
    if unlisted:
        problems.append(
            f"boundaries hold districts not listed in [[districts]]: {unlisted}"
        )
    return districts


def _sources(rows: list[dict[str, Any]], problems: list[str]) -> list[SourceConfig]:
    sources = []
    seen: set[str] = set()
    for row in rows:
        name = row.get("name")
        if not name or not row.get("connector"):
            problems.append("each [[sources]] needs `name` and `connector`")
            continue
        if name in seen:
            problems.append(f"source name {name!r} is used twice: names must be unique")
        seen.add(name)
        sources.append(
            SourceConfig(
                name=name,
                connector=row["connector"],
                interval_seconds=float(row.get("interval_seconds", 300)),
                options=dict(row.get("options", {})),
            )
        )
    return sources
