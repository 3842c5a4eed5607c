"""The city profile: one TOML file that makes CityWall a given city's wall.

It names the city, its time zone and language, its districts with their boundaries
and population, the sources to pull and the KPI targets. Loading checks everything
at once and raises one error that lists every problem with its fix.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from city import i18n, profile_keys
from city.district_codes import MAX_LENGTH as CODE_LENGTH
from city.district_codes import is_wall_code, slug
from city.hotspots import Hotspot, read_hotspots, with_areas
from city.indicators import Domain, Indicator, declarations, standard_raw
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
    code: str  # the wall's code: in the store, URLs, CSV (city.district_codes)
    names: dict[str, str]
    population: int
    geometry: BaseGeometry = field(repr=False, compare=False)
    # the city's own code or name when the wall's code was made from it
    official_code: str | None = None

    @property
    def shown_code(self) -> str:
        """The code people are shown: the city's own, else the wall's."""
        return self.official_code or self.code

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


@dataclass(frozen=True)
class DisabledSource:
    """A source off until the environment gives what its options take from it
    (``{ env = "SEOUL_OPENAPI_KEY" }``): not pulled, never stale, said by the
    check and on the sources page."""

    name: str
    connector: str
    needs: tuple[str, ...]  # the environment variables not set


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


def default_rotation(domains: tuple[Domain, ...]) -> tuple[RotationStep, ...]:
    """The kiosk without ``[[wall.rotation]]``: the overview, then each domain."""
    return (RotationStep("/", 60), *(RotationStep(d.path, 30) for d in domains))


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
    road_classes: dict[str, RoadClass]
    refresh_seconds: float
    speed_window: timedelta
    boundaries_path: Path
    boundaries_source: str
    folder: Path  # the profile's folder: relative paths in source options start here
    tiles: MapTiles | None = None
    frame: MapFrame = AUTOMATIC  # what the district maps frame ([map] frame...)
    rotation: tuple[RotationStep, ...] = ()  # left out: default_rotation
    ladder: Ladder = DEFAULT_LADDER
    network: NetworkPolicy = OPEN_INTERNET  # hosts feeds and cameras may reach
    # what the language switch offers, in order ([city] languages)
    languages: tuple[str, ...] = ("en",)
    # its domains and indicators ([[domains]], [[indicators]]; city.indicators)
    domains: tuple[Domain, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    standard_indicators: bool = True  # it declares none: the standard set
    map_indicator: str = ""  # the overview map's first indicator
    # the overview's turn from one page of indicator groups to the next
    group_seconds: float = 20.0
    hotspots: tuple[Hotspot, ...] = ()  # where crowds gather ([city] hotspots)
    disabled_sources: tuple[DisabledSource, ...] = ()  # waiting for a variable

    @cached_property
    def hotspots_by_code(self) -> dict[str, Hotspot]:
        return {h.code: h for h in self.hotspots}

    @cached_property
    def hotspot_areas(self) -> dict[str, Any]:
        """The hotspots' areas as a FeatureCollection keyed by code, for drawing
        (none: no features)."""
        return _drawable((h.code, h.area) for h in self.hotspots if h.area is not None)

    @cached_property
    def domains_by_id(self) -> dict[str, Domain]:
        return {d.id: d for d in self.domains}

    @cached_property
    def indicators_by_id(self) -> dict[str, Indicator]:
        return {k.id: k for k in self.indicators}

    @cached_property
    def targets(self) -> dict[str, Target]:
        """Each indicator's target, for those that have one."""
        return {
            k.id: Target(k.target, k.watch_ratio)
            for k in self.indicators
            if k.target is not None
        }

    def indicators_of(self, domain: str) -> tuple[Indicator, ...]:
        return tuple(k for k in self.indicators if k.domain == domain)

    @cached_property
    def facet_groups(self) -> tuple[tuple[str, ...], ...]:
        """The filter keys the indicators read, one group per combination: the
        rollups keep counts by them (``store.facets``)."""
        return tuple(sorted({g for k in self.indicators for g in k.facet_groups}))

    def name(self, language: str | None = None) -> str:
        """The city's name in ``language``, else in its own display language."""
        return (
            self.names.get(language or self.default_language)
            or self.names.get(self.default_language)
            or next(iter(self.names.values()), self.id)
        )

    def language(self, asked: str | None) -> str:
        """The language to show: ``asked`` when the wall offers it, else the
        default (an address's ``?lang=``, an embed's, the kiosk's: never an error)."""
        return i18n.resolve(asked, self.default_language, self.languages)

    def language_of(self, search: str | None) -> str:
        """The language a query string asks for (``?lang=ja``), as ``language``."""
        return i18n.language_of(search, self.default_language, self.languages)

    @cached_property
    def districts_by_code(self) -> dict[str, District]:
        return {d.code: d for d in self.districts}

    @cached_property
    def geojson(self) -> dict[str, Any]:
        """Boundaries as a FeatureCollection keyed by district code, for drawing."""
        return _drawable((d.code, d.geometry) for d in self.districts)

    @property
    def population(self) -> int:
        return sum(d.population for d in self.districts)


def _drawable(shapes: Iterable[tuple[str, BaseGeometry]]) -> dict[str, Any]:
    """Areas as a FeatureCollection keyed by code, as the maps draw them."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code},
                # d3-geo (plotly's geo traces) wants exterior rings clockwise,
                # the opposite of RFC 7946; otherwise it fills the whole globe.
                "geometry": shapely.orient_polygons(
                    geometry, exterior_cw=True
                ).__geo_interface__,
            }
            for code, geometry in shapes
        ],
    }


def load_profile(
    path: Path | str, known: Mapping[str, Collection[str]] | None = None
) -> CityProfile:
    """The profile at ``path``, or ProfileError with every problem. ``known``: the
    names ``[targets]`` and its like may use, by what they are ("KPI id"), from
    the floors that know them."""
    path = Path(path)
    raw = read_toml(path)
    if "domains" not in raw and "indicators" not in raw:
        # the standard indicators: [targets] may name theirs
        standard = [k["id"] for k in standard_raw()["indicators"]]
        known = {profile_keys.KPI_IDS: standard, **(known or {})}
    found = profile_keys.validate(raw, known)
    problems = [p.text for p in found]
    broken = {p.table for p in found if p.wrong_value}  # their own checks wait

    city = _table(raw, "city")
    tz = _timezone(_value(city, "city.timezone"), problems)
    boundaries = _value(city, "city.boundaries")
    boundaries_path = (path.parent / (boundaries or "")).resolve()
    shapes = _read_boundaries(boundaries_path, problems) if boundaries else {}
    districts = _districts(_tables(raw, "districts"), shapes, problems)
    hotspots = _hotspots(city, path.parent, districts, problems)
    sources, disabled = _sources(_tables(raw, "sources"), problems)
    wall, traffic = _table(raw, "wall"), _table(raw, "traffic")
    rotation = () if "wall" in broken else _rotation(wall.get("rotation"), problems)
    tiles = None if "map" in broken else _tiles(_table(raw, "map"), problems)
    frame = (
        AUTOMATIC
        if "map" in broken
        else _frame(_table(raw, "map"), {d.code for d in districts}, problems)
    )
    ladder = (
        DEFAULT_LADDER
        if "disaster" in broken
        else load_ladder(raw.get("disaster"), problems)
    )
    network = (
        OPEN_INTERNET
        if "network" in broken
        else load_network(raw.get("network"), problems)
    )
    languages = _languages(city, path.parent.resolve(), problems)
    language = _value(city, "city.default_language")
    declared = declarations(
        {} if {"domains", "indicators"} & broken else raw,
        problems,
        {d.code for d in districts},
    )
    map_indicator = _map_indicator(wall, declared, problems)
    if not hotspots and "hotspots" not in city:
        problems += [
            f"[[domains]] ({d.id}) maps hotspots, but [city] hotspots names no list"
            for d in declared.domains
            if d.hotspots
        ]
    if problems:
        raise ProfileError(path, problems)
    return CityProfile(
        id=city["id"],
        names=dict(city["name"])
        if isinstance(city["name"], dict)
        else {"en": city["name"]},
        timezone=tz,
        default_language=language,
        local_language=city.get("local_language", language),
        districts=tuple(districts),
        sources=tuple(sources),
        road_classes={
            name: RoadClass(float(c["congested"]), float(c["slow"]))
            for name, c in _table(traffic, "road_classes").items()
        },
        refresh_seconds=float(_value(wall, "wall.refresh_seconds")),
        group_seconds=float(_value(wall, "wall.group_seconds")),
        speed_window=timedelta(
            minutes=float(_value(traffic, "traffic.speed_window_minutes"))
        ),
        boundaries_path=boundaries_path,
        boundaries_source=_value(city, "city.boundaries_source"),
        folder=path.parent.resolve(),
        tiles=tiles,
        frame=frame,
        rotation=rotation or default_rotation(declared.domains),
        ladder=ladder,
        network=network,
        languages=languages,
        domains=declared.domains,
        indicators=declared.indicators,
        standard_indicators=declared.standard,
        map_indicator=map_indicator,
        hotspots=hotspots,
        disabled_sources=tuple(disabled),
    )


def _hotspots(
    city: dict, folder: Path, districts: list[District], problems: list[str]
) -> tuple[Hotspot, ...]:
    name = city.get("hotspots")
    if not isinstance(name, str):
        if "hotspot_areas" in city:
            problems.append(
                "[city] hotspot_areas outlines hotspots, but [city] hotspots names "
                "no list of them"
            )
        return ()
    found, wrong = read_hotspots(folder / name, [d.code for d in districts])
    problems.extend(f"[city] hotspots: {p}" for p in wrong)
    areas = city.get("hotspot_areas")
    if isinstance(areas, str):
        found, wrong = with_areas(found, folder / areas)
        problems.extend(f"[city] hotspot_areas: {p}" for p in wrong)
    return tuple(found)


def _map_indicator(wall: dict, declared, problems: list[str]) -> str:
    """The indicator the overview's map opens on: as the profile says, else the
    backlog for the standard set, else the first one on the map."""
    on_map = [k.id for k in declared.indicators if k.on_map]
    asked = wall.get("map_indicator")
    if isinstance(asked, str):
        if asked not in on_map:
            problems.append(
                f"[wall] map_indicator {asked!r} is not an indicator on the map "
                f"({', '.join(on_map) or 'none is'})"
            )
        return asked
    if declared.standard:
        return "complaints_open"
    return on_map[0] if on_map else ""


def _languages(city: dict, folder: Path, problems: list[str]) -> tuple[str, ...]:
    """The languages the wall offers, each with a catalog (shipped or in the
    ``locales/`` folder beside the profile) and CLDR formats."""
    drop_ins = folder / i18n.DROP_IN_FOLDER
    i18n.use_drop_in_folder(drop_ins)
    problems += i18n.unreadable_catalogs(drop_ins)
    known = i18n.languages()
    how = (
        f"CityWall has catalogs for {', '.join(known)}; for another language put "
        f"<lang>.toml in {drop_ins} (city/locales/en.toml translated)"
    )
    default = city.get("default_language", i18n.FALLBACK)
    local = city.get("local_language", default)
    if default not in known:
        problems.append(f"[city] default_language {default!r} has no catalog: {how}")
    asked = city.get("languages")
    if asked is None:
        return default_languages(default, local, known)
    if not isinstance(asked, list) or not all(isinstance(x, str) for x in asked):
        return (default,)  # the declaration has said what it must be
    offered = tuple(dict.fromkeys(asked))
    for lang in offered:
        if lang not in known:
            problems.append(f"[city] languages: {lang!r} has no catalog: {how}")
        elif not i18n.babel_knows(lang):
            problems.append(
                f"[city] languages: {lang!r} is not a language CLDR knows (no number "
                "or date formats): name the catalog after a tag such as pt or pt_PT"
            )
    if default not in offered:
        problems.append(
            f"[city] languages {list(offered)} must include the default_language "
            f"{default!r}"
        )
    return offered


def default_languages(
    default: str, local: str, known: tuple[str, ...]
) -> tuple[str, ...]:
    """Without ``[city] languages``: the default, the city's own language (when a
    catalog speaks it) and English, which every catalog falls back to and visiting
    staff and vendors read."""
    wanted = (default, local, i18n.FALLBACK)
    return tuple(dict.fromkeys(lang for lang in wanted if lang in known))


def _timezone(name: str | None, problems: list[str]) -> ZoneInfo:
    if name is None:  # left out or not a string: the declaration said so
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"[city] timezone {name!r} is not an IANA zone (write e.g. 'Asia/Seoul')"
        )
        return ZoneInfo("UTC")


def read_toml(path: Path) -> dict[str, Any]:
    """The profile's TOML as it is; ProfileError when there is none to read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(path, [_not_there(path)]) from None
    except IsADirectoryError:
        raise ProfileError(
            path, [f"{path} is a folder: name a .toml file in it"]
        ) from None
    except UnicodeDecodeError as exc:
        raise ProfileError(
            path, [f"not UTF-8 text (byte {exc.start}): save it as UTF-8"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, [f"not valid TOML: {exc}"]) from exc


def _not_there(path: Path) -> str:
    """The file is not there: and the profiles that are, beside it or in cities/."""
    for folder in (path.parent, Path("cities")):
        found = [p.name for p in _profiles_in(folder)]
        if found:
            return (
                f"there is no file {path}; the profiles in {folder}/ are: "
                + ", ".join(found)
            )
    return f"there is no file {path}: write one with `citywall city init`"


def _profiles_in(folder: Path) -> list[Path]:
    """The city profiles in ``folder`` (TOML files with a [city] table)."""
    if not folder.is_dir():
        return []
    return [
        p
        for p in sorted(folder.glob("*.toml"))
        if "[city]" in p.read_text(encoding="utf-8", errors="replace")
    ]


def _table(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``raw[name]`` when it is a table (else the declaration has said why)."""
    value = raw.get(name)
    return value if isinstance(value, dict) else {}


def _tables(raw: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """``raw[name]`` as an array of tables, leaving out what is not one."""
    value = raw.get(name)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _value(table: Mapping[str, Any], path: str) -> Any:
    """The key ``path`` ("wall.refresh_seconds") of ``table``: the declared default
    when left out or wrong (the declaration has said why)."""
    declared = profile_keys.key(path)
    value = table.get(declared.name, declared.default)
    return declared.default if declared.problem(value) else value


def _rotation(rows, problems: list[str]) -> tuple[RotationStep, ...]:
    """The kiosk's pages, in order; the same page may come twice with other filters.
    Types and bounds are the declaration's (``city.profile_keys``)."""
    if rows is None:
        return ()
    steps = []
    for i, row in enumerate(rows):
        page = row["page"]
        if not page.startswith("/"):
            problems.append(
                f'[[wall.rotation]] #{i + 1} ({page}): `page` must be a path such as "/{page}"'
            )
            continue
        query = {str(k): str(v) for k, v in dict(row.get("query", {})).items()}
        steps.append(RotationStep(page, float(row["seconds"]), query))
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
    leaves_out = table.get("frame_leaves_out")  # a list: the declaration checked it
    if leaves_out is not None:
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
        if not feature.get("geometry"):  # said below: "has no polygon"
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
    for position, row in enumerate(rows, start=1):
        code = _value(row, "districts.code")
        if code is None:  # the declaration has said so
            continue
        if problem := _code_problem(code, row.get("official_code"), position):
            problems.append(problem)
        if code not in shapes:
            problems.append(
                f"district {code or '?'} has no polygon in the boundaries file"
            )
            continue
        districts.append(
            District(
                code=code,
                names=dict(_value(row, "districts.name") or {}),
                population=_value(row, "districts.population"),
                geometry=shapes[code],
                official_code=row.get("official_code"),
            )
        )
    unlisted = sorted(set(shapes) - {d.code for d in districts})
    if unlisted:
        problems.append(
            f"boundaries hold districts not listed in [[districts]]: {unlisted}"
        )
    return districts


def _code_problem(code: str, official: Any, position: int) -> str | None:
    """What is wrong with a district's code (the wall's rule, one for the store,
    URLs and CSV files) or its ``official_code``, with the fix."""
    if not isinstance(official, str):  # the declaration has said what it must be
        official = None
    if not code or is_wall_code(code):
        return None  # no code at all: said with its missing polygon
    suggested = slug(code) or str(position)
    return (
        f'district "{code}": code must be 1–{CODE_LENGTH} letters, digits, - or _ '
        f'(URL-safe); write code = "{suggested}" and official_code = '
        f'"{official or code}"'
    )


def _sources(
    rows: list[dict[str, Any]], problems: list[str]
) -> tuple[list[SourceConfig], list[DisabledSource]]:
    """The sources to pull, and those off for want of an environment variable."""
    sources, off = [], []
    seen: set[str] = set()
    for row in rows:
        name = _value(row, "sources.name")
        connector = _value(row, "sources.connector")
        if not name or not connector:  # the declaration has said which
            continue
        if name in seen:
            problems.append(f"source name {name!r} is used twice: names must be unique")
        seen.add(name)
        options, missing = options_from_environment(
            dict(_value(row, "sources.options") or {}), f"source {name!r}", problems
        )
        if missing:
            off.append(DisabledSource(name, connector, tuple(missing)))
            continue
        sources.append(
            SourceConfig(
                name=name,
                connector=connector,
                interval_seconds=float(_value(row, "sources.interval_seconds")),
                options=options,
            )
        )
    return sources, off


def options_from_environment(
    options: dict[str, Any], where: str, problems: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """``options`` with each ``{ env = "NAME" }`` replaced by that environment
    variable's value (a key kept out of the profile's file), and the variables
    not set: a source that needs one is off until it is set, not failing."""
    found, missing = {}, []
    for key, value in options.items():
        if isinstance(value, dict) and "env" in value:
            variable = value["env"]
            if set(value) != {"env"} or not isinstance(variable, str):
                problems.append(
                    f"{where}: option `{key}` from the environment is written "
                    f'{{ env = "VARIABLE" }}'
                )
                continue
            if os.environ.get(variable):
                found[key] = os.environ[variable]
            else:
                missing.append(variable)
            continue
        found[key] = value
    return found, missing
