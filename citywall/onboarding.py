"""A new city from one file: ``citywall city init`` writes a profile from a district
boundary GeoJSON, ``citywall city check`` says everything wrong with a profile.

Init reads a city's own file as national offices publish it (``city_files``: keep
some features, skip what is not an area, join a code's parts, read populations,
repair mis-encoded names on request), reprojects the boundaries to WGS84 (from the
file's declared CRS or the one given) and checks they lie where the time zone says,
repairs what can be repaired, simplifies shared edges together so districts
neither gap nor overlap, and starts the city on the demo simulator so its wall runs
at once; the user then swaps in real sources.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from city import i18n
from city.hotspots import read_hotspots
from city.indicators import declarations
from city.map_frame import frame_toml
from city.profile import (
    CityProfile,
    District,
    ProfileError,
    default_languages,
    load_profile,
    options_from_environment,
    read_toml,
)
from citywall import city_files
from citywall.city_files import OnboardingError
from connectors.options import (
    SourceOptionsError,
    read_options,
    toml_key,
    toml_value,
)
from connectors.simulator import (
    AGENCY_ROLES,
    COMPLAINTS,
    UNKNOWN_POPULATION,
    climate_at,
    default_rate,
    middle_latitude,
)
from pages._routes import DISTRICT_PAGE, HOTSPOT_PAGE, OVERVIEW_ALIAS, shown_pages

# Targets (target, watch ratio) any city can start from for the standard
# indicators; each is one the city should tune to its own.
DEFAULT_TARGETS = {
    "complaints_today": (100, 1.25),
    "complaints_open": (300, 1.3),
    # 응답소 averaged 2.7 days (CITY_FACTS): three days to start from
    "complaints_median_hours": (72, 1.5),
    "safety_incidents_24h": (1.0, 1.2),
    "disaster_active_alerts": (0, 1.0),
    # WHO 2021 24-hour interim targets 4 (25 µg/m³) and 2 (50): a city that
    # knows nothing of its air yet starts there, not at Korea's grades
    "pm25_avg": (25, 2.0),
    # below TOPIS's 25 km/h: a new city's rush hours are not yet known
    "road_avg_speed": (22, 0.8),
    "road_congested_share": (0.2, 1.6),
}
# Share of the smaller district two polygons may overlap before it is an error:
# slivers where sources disagree on a river bank are normal (Seoul's boundaries
# have them up to 0.5 %); a district drawn twice or a wrong code is not.
OVERLAP_TOLERANCE = 0.01
# the simulator's rate options and the streams they set
RATE_OPTIONS = {
    "complaints_per_day": "complaints",
    "safety_incidents_per_day": "safety",
    "alerts_per_day": "alerts",
    "traffic_incidents_per_day": "traffic",
}
# a count target this much above what the demo's rates bring on a weekday
TARGET_MARGIN = 1.15
# a city's id names its profile file and its store's folder: nothing that can
# climb out of the profiles folder ("../../evil") or need quoting
CITY_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


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
    where: list[str] = field(default_factory=list)
    population_file: Path | None = None
    population_code_column: str = "code"
    population_column: str = "population"
    fix_encoding: bool = False


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _District:
    official_code: str
    name: str
    population: int
    geometry: BaseGeometry


def init_city(opts: InitOptions, report: Report | None = None) -> Path:
    """Write ``<output_dir>/<id>.toml`` and ``<output_dir>/<id>/districts.geojson``;
    what it skipped, joined or derived goes into ``report.notes``."""
    notes = (report or Report()).notes
    profile_path, folder = _output_paths(opts)
    _check_timezone(opts.timezone)
    _check_language(opts)
    features, declared_crs = city_files.read_features(opts.boundaries, notes)
    features = city_files.keep_where(features, opts.where, notes)
    for key, option in (
        (opts.code_property, "--code-property"),
        (opts.name_property, "--name-property"),
        (opts.population_property, "--population-property"),
    ):
        if key:
            city_files.require_property(features, key, option)
    parts = city_files.areas(features, notes)
    _check_encoding(parts, opts, notes)
    districts = _merged(parts, opts, notes)
    _apply_population_file(districts, opts, notes)
    _to_wgs84(districts, opts, opts.crs or declared_crs)
    codes = city_files.wall_codes([d.official_code for d in districts], notes)

    geometries = [shapely.make_valid(d.geometry) for d in districts]
    geometries = list(_simplified(geometries, opts.simplify_metres))
    folder.mkdir(parents=True, exist_ok=True)
    boundaries = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": codes[d.official_code], "name": d.name},
                "geometry": mapping(geometry),
            }
            for d, geometry in zip(districts, geometries)
        ],
    }
    (folder / "districts.geojson").write_text(
        json.dumps(boundaries, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )
    rows = [(codes[d.official_code], d.name, d.population) for d in districts]
    official = {wall: code for code, wall in codes.items() if wall != code}
    # far islands left out of the map's frame, or a suggestion (city/map_frame.py)
    frame = frame_toml(
        {codes[d.official_code]: g for d, g in zip(districts, geometries)},
        {codes[d.official_code]: d.name for d in districts},
    )
    profile_path.write_text(
        _profile_toml(opts, rows, middle_latitude(geometries), official) + frame,
        encoding="utf-8",
    )
    return profile_path


def _known_languages(output_dir: Path) -> tuple[str, ...]:
    """Shipped catalogs and the ones beside the profiles in ``output_dir``."""
    beside = i18n.languages_in(output_dir.resolve() / i18n.DROP_IN_FOLDER)
    return tuple(sorted({*i18n.shipped_languages(), *beside}))


def _check_language(opts: InitOptions) -> None:
    known = _known_languages(opts.output_dir)
    if opts.language not in known:
        raise OnboardingError(
            f"--language {opts.language}: no catalog for it; CityWall has "
            f"{', '.join(known)}, or put {opts.language}.toml (city/locales/en.toml "
            f"translated) in {opts.output_dir / i18n.DROP_IN_FOLDER}"
        )


def _output_paths(opts: InitOptions) -> tuple[Path, Path]:
    """The profile and its folder, both inside ``output_dir`` whatever the id."""
    if not CITY_ID.fullmatch(opts.city_id):
        raise OnboardingError(
            f"--id {opts.city_id!r} must be 1-32 lowercase letters, digits, - and _ "
            "(e.g. quito or tokyo-23): it names the profile file and the city's store"
        )
    out = opts.output_dir.resolve()
    profile_path = opts.output_dir / f"{opts.city_id}.toml"
    folder = opts.output_dir / opts.city_id
    # the rule above already keeps both inside; this keeps it true if it changes
    if {profile_path.resolve().parent, folder.resolve().parent} != {out}:
        raise OnboardingError(f"--id {opts.city_id!r} would write outside {out}")
    return profile_path, folder


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OnboardingError(
            f"time zone {timezone!r} is not an IANA zone (e.g. America/Guayaquil)"
        ) from None


def _check_encoding(
    parts: list[city_files.Part], opts: InitOptions, notes: list[str]
) -> None:
    """Names saved as UTF-8 read as Latin-1 ("UsaquÃ©n"): repaired only when asked,
    so a wrong guess never rewrites a name silently."""
    keys = sorted({opts.code_property, opts.name_property})
    broken = [
        (part, key, fixed)
        for part in parts
        for key in keys
        if isinstance(part.properties.get(key), str)
        and (fixed := city_files.repaired_text(part.properties[key]))
    ]
    if not broken:
        return
    first, key, fixed = broken[0]
    example = first.properties[key]
    if not opts.fix_encoding:
        raise OnboardingError(
            f"{len(broken)} name(s) look mis-encoded (UTF-8 read as Latin-1), e.g. "
            f"{example!r}, which reads {fixed!r} once repaired: add --fix-encoding"
        )
    for part, key, repaired in broken:
        part.properties = {**part.properties, key: repaired}
    notes.append(
        f"repaired {len(broken)} mis-encoded name(s), e.g. {example!r} → {fixed!r}"
    )


def _merged(
    parts: list[city_files.Part], opts: InitOptions, notes: list[str]
) -> list[_District]:
    """One district per code: the parts of a code (islands, pieces) joined."""
    problems: list[str] = []
    by_code: dict[str, list[tuple[str, city_files.Part]]] = {}
    lacking = []
    for part in parts:
        code = city_files.as_text(part.properties.get(opts.code_property))
        name = city_files.as_text(part.properties.get(opts.name_property))
        if not code or not name:
            lacking.append(part)
            continue
        by_code.setdefault(code, []).append((name, part))
    if lacking:
        first = lacking[0]
        problems.append(
            f"{len(lacking)} feature(s) lack `{opts.code_property}` or "
            f"`{opts.name_property}`, e.g. feature #{first.number}: "
            f"{first.properties}; choose other properties (--code-property, "
            "--name-property) or keep only the features that have them (--where)"
        )
    districts = []
    for code, named in by_code.items():
        names = sorted({name for name, _ in named})
        if len(names) > 1:
            problems.append(
                f"code {code} is on {len(named)} features with different names "
                f"{names}: fix the file or choose another --code-property"
            )
            continue
        population = _population(code, [p for _, p in named], opts, problems)
        geometry = _joined([p.geometry for _, p in named])
        districts.append(_District(code, names[0], population, geometry))
    if problems:  # a few, so a file wrong throughout still reads as one line
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise OnboardingError("; ".join(problems[:3]) + more)
    if len(parts) > len(districts):
        notes.append(
            f"joined {len(parts)} features into {len(districts)} districts "
            "(features sharing a code: islands or parts)"
        )
    return districts


def _joined(geometries: list[BaseGeometry]) -> BaseGeometry:
    if len(geometries) == 1:
        return geometries[0]
    union = shapely.union_all([shapely.make_valid(g) for g in geometries])
    return city_files.polygonal(union) or union


def _population(
    code: str, parts: list[city_files.Part], opts: InitOptions, problems: list[str]
) -> int:
    if not opts.population_property:
        return 0
    values = []
    for part in parts:
        raw = part.properties.get(opts.population_property)
        try:
            value = city_files.parse_population(raw)
        except city_files.PopulationError as exc:
            problems.append(f"feature #{part.number} (district {code}): {exc}")
            continue
        if value is not None:
            values.append(value)
    # the parts of one district usually repeat its population; else they add up
    return values[0] if len(set(values)) == 1 else sum(values)


def _apply_population_file(
    districts: list[_District], opts: InitOptions, notes: list[str]
) -> None:
    if not opts.population_file:
        missing = [d.official_code for d in districts if not d.population]
        if opts.population_property and missing:
            notes.append(
                f"{len(missing)} district(s) with no population in "
                f"`{opts.population_property}`, written as 0: {missing[:5]}"
            )
        return
    if opts.population_property:
        raise OnboardingError(
            "give --population-property or --population-file, not both"
        )
    populations = city_files.populations_from_file(
        [d.official_code for d in districts],
        opts.population_file,
        opts.population_code_column,
        opts.population_column,
        notes,
    )
    for d in districts:
        d.population = populations[d.official_code]


def _to_wgs84(districts: list[_District], opts: InitOptions, crs: str | None) -> None:
    geometries = city_files.to_wgs84(
        [d.geometry for d in districts],
        crs,
        crs_given=bool(opts.crs),
        timezone=opts.timezone,
        city=opts.name,
    )
    for d, geometry in zip(districts, geometries):
        d.geometry = geometry


def _simplified(geometries: list[BaseGeometry], metres: float) -> list[BaseGeometry]:
    """Shared edges simplified once for both sides (no gaps, no overlaps)."""
    if metres <= 0:
        return geometries
    degrees = metres / 111_320
    try:
        return list(shapely.coverage_simplify(geometries, degrees))
    except shapely.errors.GEOSException:
        return [g.simplify(degrees, preserve_topology=True) for g in geometries]


def demo_options(
    population: int, latitude: float, language: str, city: str
) -> dict[str, Any]:
    """The simulator's options for a new city: its size, its climate and hemisphere,
    agencies and alert texts in its language (the catalog's generic words, for the
    city to replace with its own names)."""
    known = population > 0
    residents = population if known else UNKNOWN_POPULATION
    rates = {
        option: _rounded(default_rate(stream, residents))
        for option, stream in RATE_OPTIONS.items()
    }
    return {
        "seed": 1,
        # two weeks and a day: the pace of a day, the 7 days before yesterday
        # and the median of the 7 days before last week are all known at once
        "backfill_days": 15,
        "links_per_district": 4,
        **({} if known else {"population": residents}),
        **rates,
        "speed_minutes": 15,
        "climate": climate_at(latitude),
        "alert_sender": i18n.t(language, "demo.alert_sender", city=city),
        "alert_instruction": i18n.t(language, "demo.alert_instruction"),
        "agencies": {r: i18n.t(language, f"demo.agency.{r}") for r in AGENCY_ROLES},
    }


def fitting_targets(options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Starting targets (target, watch ratio) that the simulated city meets on a
    usual day: the counts a little above what its rates bring, the day-to-day
    change by the noise of its daily count (a town of 30 incidents a day swings
    by a fifth, a capital of 1,000 by a thirtieth)."""
    complaints = options["complaints_per_day"]
    incidents = max(options["safety_incidents_per_day"], 1.0)
    backlog = complaints * COMPLAINTS.week_share() * COMPLAINTS.days_open()
    noise = 1 / math.sqrt(incidents)
    change = round(1 + noise, 2)
    # a count so far today is judged as (count + 1) / (due + 1): early in the day,
    # with a handful due, chance alone swings it; room for three standard
    # deviations once a twentieth of the day's count is due
    due = max(complaints * 0.05, 1.0)
    early = (due + 3 * math.sqrt(due) + 1) / (due * TARGET_MARGIN + 1)
    return DEFAULT_TARGETS | {
        "complaints_today": (
            _rounded(complaints * TARGET_MARGIN),
            round(max(early, 1.25), 2),
        ),
        "complaints_open": (_rounded(backlog * TARGET_MARGIN), 1.3),
        "safety_incidents_24h": (change, round((1 + 3.5 * noise) / change, 2)),
    }


def _rounded(value: float) -> float:
    """A rate or count as a person would write it: 2,412 · 37 · 4.6."""
    return round(value, 1) if value < 10 else float(round(value))


def _profile_toml(
    opts: InitOptions,
    districts: list[tuple[str, str, int]],
    latitude: float,
    official_codes: dict[str, str] | None = None,
) -> str:
    q = json.dumps  # a JSON string is a valid TOML basic string
    lang = opts.language
    population = sum(p for _, _, p in districts)
    demo = demo_options(population, latitude, lang, opts.name)
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
        "languages = "
        + q(list(default_languages(lang, lang, _known_languages(opts.output_dir))))
        + "  # the language switch offers these",
        f'boundaries = "{opts.city_id}/districts.geojson"',
        f"boundaries_source = {q(str(opts.boundaries.name), ensure_ascii=False)}",
        "",
        "[wall]",
        "refresh_seconds = 10",
        "",
        "# Starting targets, fitted to the demo's rates: tune each to the city",
        "# (see README, KPI definitions).",
        "[targets]",
        *(
            f"{kpi} = {{ target = {toml_value(t)}, watch_ratio = {toml_value(r)} }}"
            for kpi, (t, r) in fitting_targets(demo).items()
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
        "# city's feeds (README: Connect your city's feeds). Its rates are Seoul's",
        "# per resident; name the city's own agencies and alert sender.",
        "[[sources]]",
        'name = "demo"',
        'connector = "simulator"',
        "interval_seconds = 5",
        "",
        "[sources.options]",
        *(f"{toml_key(k)} = {toml_value(v)}" for k, v in demo.items()),
    ]
    for code, name, population in districts:
        lines += [
            "",
            "[[districts]]",
            f"code = {q(code)}",
            *(
                [f"official_code = {q(official_codes[code], ensure_ascii=False)}"]
                if code in (official_codes or {})
                else []
            ),
            f"name = {{ {lang} = {q(name, ensure_ascii=False)} }}",
            f"population = {population}",
        ]
    return "\n".join(lines) + "\n"


# -- check ------------------------------------------------------------------------


def check_city(path: Path) -> Report:
    """Everything wrong with a profile, each with what to do. The profile's keys,
    its sources' options and its rotation's pages are checked from the TOML as
    written, so a profile that does not load still hears of all of them."""
    report = Report()
    # the city's own catalogs, checked even when the profile itself fails
    catalogs = i18n.drop_in_problems(Path(path).parent.resolve() / i18n.DROP_IN_FOLDER)
    try:
        raw = read_toml(path)
    except ProfileError as exc:
        report.problems += exc.problems + [c for c in catalogs if c not in exc.problems]
        return report
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        report.problems += exc.problems + [c for c in catalogs if c not in exc.problems]
        profile = None
    _check_rotation_pages(raw, report, path.parent)
    _check_source_options(raw, report)
    if profile is None:
        return report
    areas = _check_districts(profile, report)
    # the sources are tried on the districts that are areas: a connector that
    # draws points inside a district (the simulator) finds none in a line
    _check_sources(dataclasses.replace(profile, districts=tuple(areas)), report)
    report.problems += catalogs
    report.notes.append(
        f"{profile.name()}: {len(profile.districts)} districts, "
        f"{len(profile.sources)} source(s), time zone {profile.timezone.key}"
    )
    report.notes.append(
        "languages: "
        + ", ".join(f"{i18n.display_name(x)} ({x})" for x in profile.languages)
    )
    report.notes.append(_indicators_note(profile))
    report.notes += _untranslated(profile)
    return report


def _indicators_note(profile: CityProfile) -> str:
    """What the wall shows: its domains and how many indicators each has."""
    where = "the standard set" if profile.standard_indicators else "declared"
    domains = ", ".join(
        f"{d.id} ({len(profile.indicators_of(d.id))})" for d in profile.domains
    )
    return f"indicators ({where}): {len(profile.indicators)} in {domains}"


def _untranslated(profile: CityProfile) -> list[str]:
    """A word of a domain or an indicator a wall language has neither declared
    nor in its catalog: shown in English (or the first declared) there."""
    found = []
    for lang in profile.languages:
        words = i18n.catalog(lang)
        for what, texts, key in (
            *((f"domain {d.id}", d.labels, f"domain.{d.id}") for d in profile.domains),
            *(
                (f"indicator {k.id}", k.labels, f"kpi.{k.id}.label")
                for k in profile.indicators
            ),
        ):
            if lang not in texts and key not in words:
                found.append(
                    f'{what} has no label in {lang}: add {lang} = "…" to its label'
                )
    return found


def _check_rotation_pages(raw: dict[str, Any], report: Report, folder: Path) -> None:
    """Each step of the kiosk's rotation names a page of the wall."""
    wall = raw.get("wall")
    rows = wall.get("rotation") if isinstance(wall, dict) else None
    districts = raw.get("districts")
    codes = {
        str(d.get("code"))
        for d in (districts if isinstance(districts, list) else [])
        if isinstance(d, dict)
    }
    # the domains' pages as declared, whatever else is wrong (said elsewhere)
    declared = declarations(raw, [], codes)
    pages = shown_pages(declared.domains)
    groups = sorted({k.domain for k in declared.indicators})
    city = raw.get("city")
    listed = city.get("hotspots") if isinstance(city, dict) else None
    spots = (
        {h.code for h in read_hotspots(folder / listed, codes)[0]}
        if isinstance(listed, str)
        else set()
    )
    for i, row in enumerate(rows if isinstance(rows, list) else [], start=1):
        page = row.get("page") if isinstance(row, dict) else None
        if isinstance(page, str) and page.startswith("/"):  # else load_profile said
            problem = _page_problem(page, codes, pages, spots) or _group_problem(
                page, row.get("query"), groups
            )
            if problem:
                report.problems.append(f"[[wall.rotation]] #{i} ({page}): {problem}")


def _page_problem(
    page: str, codes: set[str], shown: tuple[str, ...], spots: set[str]
) -> str | None:
    """Why the kiosk cannot show ``page``; None when it can."""
    path, _, query = page.partition("?")
    if query:
        return f'put the filters in `query`: page = "{path}", query = {{ … }}'
    if path in shown or path == OVERVIEW_ALIAS:
        return None
    first, _, code = path.strip("/").partition("/")
    # a page of one of the city's districts or hotspots, by its code
    listed = {
        "district": (codes, "[[districts]]"),
        "hotspot": (spots, "[city] hotspots"),
    }
    if first in listed:
        known, where = listed[first]
        if code in known:
            return None
        near = difflib.get_close_matches(code, sorted(known), n=1)
        hint = f"did you mean /{first}/{near[0]}?" if near else f"see {where}"
        return f"no {first} {code!r} in this city ({hint})"
    pages = [*shown, DISTRICT_PAGE, HOTSPOT_PAGE]
    near = difflib.get_close_matches(path, pages, n=1)
    hint = f"did you mean {near[0]}?" if near else f"pages: {', '.join(pages)}"
    return f"the wall has no such page ({hint})"


def _group_problem(page: str, query: Any, groups: list[str]) -> str | None:
    """Why the kiosk cannot hold the overview on the group ``query`` names (a
    domain with indicators: pages/overview.py); None when it can, or names none."""
    group = query.get("group") if isinstance(query, dict) else None
    if group is None:
        return None
    if page not in ("/", OVERVIEW_ALIAS):
        return 'only the overview shows a group: page = "/", query = { group = … }'
    if group in groups:
        return None
    near = difflib.get_close_matches(str(group), groups, n=1)
    hint = f"did you mean {near[0]!r}?" if near else f"groups: {', '.join(groups)}"
    return f"the overview has no group {group!r} ({hint})"


def _check_source_options(raw: dict[str, Any], report: Report) -> None:
    """Each source's connector is installed and takes the options it is given, as
    the connector declares them (``citywall connectors show NAME``)."""
    import connectors  # late: the CLI's other commands do not need every connector

    installed = connectors.available()
    rows = raw.get("sources")
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not isinstance(row.get("connector"), str):
            continue  # load_profile has said so
        where, name = f"source {row.get('name')!r}", row["connector"]
        cls = installed.get(name)
        if cls is None:
            near = difflib.get_close_matches(name, sorted(installed), n=1)
            hint = (
                f"did you mean {near[0]!r}?"
                if near
                else f"installed: {sorted(installed)}"
            )
            report.problems.append(f"{where}: unknown connector {name!r} ({hint})")
            continue
        options = row.get("options", {})
        if not isinstance(options, dict):
            continue  # load_profile has said so
        given, missing = options_from_environment(options, where, [])
        if missing:
            report.notes.append(
                f"{where} is off until the environment sets {', '.join(missing)}"
            )
            # what the environment will give, checked as such a value then: an
            # address for a URL, any text for a key
            given |= {
                k: "https://environment.invalid/" if k.endswith("url") else "(set)"
                for k in options
                if k not in given
            }
        problems = _option_problems(name, cls, given)
        report.problems += [f"{where}: {p}" for p in problems]


def _option_problems(name: str, cls: type, options: dict[str, Any]) -> list[str]:
    """What is wrong with ``options`` for connector ``name`` (``cls``): URLs that are not
    http(s), and what its declared options refuse (a plugin may declare none)."""
    problems = [
        f"{key} {value!r} is not an http(s) URL"
        for key, value in options.items()
        if key.endswith("url") and isinstance(value, str) and not _is_url(value)
    ]
    if hasattr(cls, "OPTIONS"):
        try:
            read_options(cls.OPTIONS, options, name)
        except SourceOptionsError as exc:
            problems.append(str(exc))
    return problems


def _check_districts(profile: CityProfile, report: Report) -> list[District]:
    """Problems of the districts; returns those that are areas."""
    areas = []
    for d in profile.districts:
        if d.geometry.is_empty or d.geometry.geom_type not in (
            "Polygon",
            "MultiPolygon",
        ):
            report.problems.append(
                f"district {d.code}: boundary is not a polygon (a district is an "
                "area): run `citywall city init` again on the area file"
            )
        else:
            areas.append(d)
        if not d.names:
            report.problems.append(f"district {d.code}: no name")
        if d.population <= 0:
            report.notes.append(
                f"district {d.code}: no population; per-district targets use area"
            )
    _check_overlaps(areas, report)
    return areas


def _check_overlaps(areas: list[District], report: Report) -> None:
    """Overlaps between areas only: a point or a line has no area to share."""
    tree = shapely.STRtree([d.geometry for d in areas])
    slivers = 0
    for i, j in tree.query([d.geometry for d in areas], "intersects").T:
        if i >= j:
            continue
        a, b = areas[i], areas[j]
        smaller = min(a.geometry.area, b.geometry.area)
        if smaller <= 0:  # a degenerate ring: reported as not valid on load
            continue
        share = a.geometry.intersection(b.geometry).area / smaller
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
    import connectors

    installed = connectors.available()
    for source in profile.sources:
        where = f"source {source.name!r}"
        if source.connector not in installed:
            continue  # _check_source_options has said so
        try:
            connectors.build(source, profile)
        except (ValueError, LookupError, OSError) as exc:
            problem = f"{where}: {exc}"
            if problem not in report.problems:  # its options' own, said already
                report.problems.append(problem)


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
