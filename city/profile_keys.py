"""Every key a city profile may hold, declared once: its table, name, type,
default and help.

``validate`` walks a profile's raw TOML against the declaration and says, one line
each, every table or key it does not know (with the close match: "did you mean
`default_language`?"), every value of the wrong type and every value out of
bounds; ``city.profile.load_profile`` reads its defaults from the same
declaration (``default``), and ``citywall city keys`` and the README's table of
profile keys are drawn from it, so what a profile accepts and what the
documentation says cannot drift.

Some tables are keyed by ids the ground floor does not know (``[targets]`` by KPI
ids): ``validate`` checks those against the sets it is handed (``known``), which
the floors that know them pass in (``web.runtime``, ``citywall city check``).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from city.indicators import DIRECTIONS, JUDGES, MEASURES, PERIODS
from city.ladder import KINDS as STAGE_RULE_KINDS


@dataclass(frozen=True)
class Kind:
    """A type of value as a profile's author reads it ("array of strings")."""

    name: str
    holds: Callable[[Any], bool]


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _texts(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


STRING = Kind("string", lambda v: isinstance(v, str))
INTEGER = Kind("integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
NUMBER = Kind("number", _number)
STRINGS = Kind("array of strings", _strings)
NUMBERS = Kind(
    "array of numbers", lambda v: isinstance(v, list) and all(map(_number, v))
)
ARRAY = Kind("array", lambda v: isinstance(v, list))
TABLE = Kind("table", lambda v: isinstance(v, dict))
TEXTS = Kind("table of strings by language", _texts)
NAME = Kind(
    "string, or table of strings by language",
    lambda v: isinstance(v, str) or _texts(v),
)
BOOLEAN = Kind("boolean", lambda v: isinstance(v, bool))
THRESHOLD = Kind('number or "road_class"', lambda v: _number(v) or v == "road_class")
DISTRICT_TARGET = Kind(
    "string, or table of numbers by district code",
    lambda v: (
        isinstance(v, str)
        or (isinstance(v, dict) and all(_number(x) for x in v.values()))
    ),
)
FRAME = Kind(
    "array of 4 numbers (west, south, east, north)",
    lambda v: isinstance(v, list) and len(v) == 4 and all(map(_number, v)),
)


@dataclass(frozen=True)
class Key:
    """One key of a table. ``default`` is what the wall uses when the key is left
    out (None: nothing, or what ``help`` says); ``above``/``at_least`` bound a
    number; ``choices`` are the only values allowed."""

    name: str
    kind: Kind
    help: str
    default: Any = None
    required: bool = False
    above: float | None = None
    at_least: float | None = None
    choices: tuple[Any, ...] | None = None
    default_text: str | None = None  # the default in words, when not a value

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this key, None when nothing is."""
        if not self.kind.holds(value):
            return f"must be {_a(self.kind.name)}, not {shown(value)}"
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(map(shown, self.choices))
            return f"must be one of {allowed}, not {shown(value)}"
        if self.above is not None and value <= self.above:
            return f"must be more than {shown(self.above)}, not {shown(value)}"
        if self.at_least is not None and value < self.at_least:
            return f"must be at least {shown(self.at_least)}, not {shown(value)}"
        return None

    @property
    def type_name(self) -> str:
        """The type as listed: ``string: "alert", "quake", "pm25"``."""
        if self.choices is None:
            return self.kind.name
        return f"{self.kind.name}: " + ", ".join(map(shown, self.choices))

    @property
    def default_shown(self) -> str:
        if self.required:
            return "required"
        if self.default_text is not None:
            return self.default_text
        return "—" if self.default is None else shown(self.default)


@dataclass(frozen=True)
class Table:
    """A table of the profile. ``many``: an array of tables (``[[sources]]``).
    ``entries``: the table's own keys are names of these (KPI ids, road classes),
    each naming a table of ``keys``; ``known`` may list the names allowed.
    ``label``: the key that names an item of an array in messages."""

    path: str
    help: str
    keys: tuple[Key, ...] = ()
    many: bool = False
    entries: str | None = None
    label: str | None = None
    required: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def header(self) -> str:
        return f"[[{self.path}]]" if self.many else f"[{self.path}]"


POSITIVE = {"above": 0}
KPI_IDS = "KPI id"  # what [targets] is keyed by: kpis.definitions hands them in

PROFILE: tuple[Table, ...] = (
    Table(
        "city",
        "The city itself.",
        (
            Key(
                "id",
                STRING,
                "Short id: the store's folder, the profile's name.",
                required=True,
            ),
            Key(
                "name",
                NAME,
                'Its name, or names by language: { en = "Seoul", ko = "서울특별시" }.',
                required=True,
            ),
            Key(
                "timezone",
                STRING,
                'IANA time zone, e.g. "Asia/Seoul": the wall\'s clock and days.',
                required=True,
            ),
            Key(
                "boundaries",
                STRING,
                "GeoJSON of the districts, relative to the profile; property `code`.",
                required=True,
            ),
            Key(
                "default_language",
                STRING,
                "The wall's language when the viewer picks none.",
                default="en",
            ),
            Key(
                "local_language",
                STRING,
                "The city's own language (place names, record titles).",
                default_text="its default_language",
            ),
            Key(
                "languages",
                STRINGS,
                'Languages the wall offers, e.g. ["ja", "en"].',
                default_text="default_language, local_language, en",
            ),
            Key(
                "boundaries_source",
                STRING,
                "Where the boundaries come from (shown with the map).",
                default="",
            ),
            Key(
                "hotspots",
                STRING,
                "CSV of the places where crowds gather, relative to the profile: "
                "code,name_<language>…,district,lon,lat[,kind] (README: Crowds).",
                default_text="none",
            ),
            Key(
                "hotspot_areas",
                STRING,
                "GeoJSON of the hotspots' areas (WGS84, a code property each), "
                "relative to the profile: the map fills them by level.",
                default_text="none",
            ),
            Key(
                "population_source",
                STRING,
                "Where the populations come from.",
                default="",
            ),
        ),
        required=True,
    ),
    Table(
        "districts",
        "One per district, in the boundaries file under the same code.",
        (
            Key(
                "code",
                STRING,
                "The district's code on the wall (URLs, store, CSV).",
                required=True,
            ),
            Key("name", TEXTS, 'Names by language: { es = "Tarqui" }.'),
            Key(
                "population",
                INTEGER,
                "Residents: per-district rates and targets.",
                default=0,
                at_least=0,
            ),
            Key(
                "official_code",
                STRING,
                "The city's own code or name, when the wall's code was made from it.",
            ),
        ),
        many=True,
        label="code",
    ),
    Table(
        "wall",
        "The wall screens.",
        (
            Key(
                "refresh_seconds",
                NUMBER,
                "How often an open wall asks for new data.",
                default=10,
                **POSITIVE,
            ),
            Key(
                "map_indicator",
                STRING,
                "The indicator the overview's map shows first.",
                default_text="the first on the map",
            ),
            Key(
                "group_seconds",
                NUMBER,
                "How long the overview shows each page of indicator groups, when"
                " its indicators are grouped by domain and do not fit at once.",
                default=20,
                **POSITIVE,
            ),
        ),
    ),
    Table(
        "wall.rotation",
        "The kiosk's (/wall) pages in turn (left out: the overview, then each domain page); a page may come twice.",
        (
            Key(
                "page",
                STRING,
                'A page of the wall: "/", "/complaints", "/district/11680".',
                required=True,
            ),
            Key(
                "seconds", NUMBER, "How long the page stays.", required=True, **POSITIVE
            ),
            Key(
                "query",
                TABLE,
                'Its filters, e.g. { period = "24h" }.',
                default_text="none",
            ),
        ),
        many=True,
        label="page",
    ),
    Table(
        "domains",
        "The wall's domains: each a page, a place in the navigation and the score.",
        (
            Key("id", STRING, "Its id: the domain of its records.", required=True),
            Key("path", STRING, "Its page.", default_text='"/" + id'),
            Key("label", TEXTS, "Its name by language.", default_text="catalogs"),
            Key("series", STRING, "The measurement series its page charts."),
            Key("chart", STRING, "The indicator whose unit the chart uses."),
            Key("colour", STRING, 'Its accent, e.g. "#5fb3b3".'),
            Key("events", BOOLEAN, "Its page lists its records.", default=True),
            Key(
                "hotspots",
                TABLE,
                "Its map draws the city's hotspots by their level: { level = "
                '"crowd_level", levels = 4, curve = ["crowd_min", "crowd_max"], '
                'forecast = "crowd_forecast_max" } (README: Crowds).',
            ),
        ),
        many=True,
        label="id",
    ),
    Table(
        "indicators",
        'The city\'s indicators (README "Your indicators").',
        (
            Key("id", STRING, "Its id: tiles, CSV, embeds.", required=True),
            Key("domain", STRING, "The domain it belongs to.", required=True),
            Key("label", TEXTS, "Its name by language.", default_text="catalogs"),
            Key("unit", TEXTS, "Its unit by language.", default_text="catalogs"),
            Key(
                "measure",
                STRING,
                "What is measured.",
                default="count",
                choices=MEASURES,
            ),
            Key("series", STRING, "The series a series measure reads."),
            Key(
                "window",
                STRING,
                "Over which records: 15m, 24h, 7d, today, this_week, this_month, "
                "open_now, now, latest.",
                default="24h",
            ),
            Key(
                "compare",
                STRING,
                "yesterday, previous, <N>d_average, last_year or none.",
                default="yesterday",
            ),
            Key(
                "where",
                TABLE,
                "Only records whose category, severity, status or attribute is "
                'one of a list: { category = ["noise"] }.',
                default_text="all",
            ),
            Key(
                "share_of",
                TABLE,
                "A share's denominator, as where.",
                default_text="all",
            ),
            Key("below", THRESHOLD, 'share_below: a number or "road_class".'),
            Key(
                "at_least",
                NUMBER,
                "places_at_least: the level a place's newest reading reaches.",
            ),
            Key(
                "usual_weeks",
                INTEGER,
                "above_usual: the weeks whose same hour is a place's usual.",
                default=4,
                above=0,
            ),
            Key("target", NUMBER, "The value the city aims for.", default_text="none"),
            Key(
                "watch_ratio",
                NUMBER,
                "Up to target × this the tile says watch, beyond it alert.",
                default_text="1.25 (0.8 with direction higher)",
                **POSITIVE,
            ),
            Key(
                "direction",
                STRING,
                "Which way is better.",
                default="lower",
                choices=DIRECTIONS,
            ),
            Key(
                "district_target",
                DISTRICT_TARGET,
                "same, population_share, or a table of targets by district code.",
                default="same",
            ),
            Key("per_resident", BOOLEAN, "Ranks compare per resident.", default=False),
            Key("decimals", INTEGER, "Decimals shown.", default=0, at_least=0),
            Key("percent", BOOLEAN, "A 0..1 share shown as %.", default_text="shares"),
            Key(
                "judge",
                STRING,
                "target; change (value ÷ comparison); severity (alerts).",
                default="target",
                choices=JUDGES,
            ),
            Key(
                "paced", BOOLEAN, "A count today against the day's pace.", default=False
            ),
            Key("on_map", BOOLEAN, "Offered on the map.", default=True),
            Key("period", STRING, "A periodic indicator's period.", choices=PERIODS),
            Key("plan_series", STRING, "The plan, as a series."),
            Key("plan", TABLE, 'The plan by period: { "2026-01" = 120 }.'),
            Key("periods_shown", INTEGER, "Periods on its chart.", default=12, above=0),
        ),
        many=True,
        label="id",
    ),
    Table(
        "targets",
        "KPI targets, each under its KPI's id: complaints_today = { target = 900 }.",
        (
            Key("target", NUMBER, "The value the city aims for.", required=True),
            Key(
                "watch_ratio",
                NUMBER,
                "Up to target × this the tile says watch, beyond it alert.",
                default=1.25,
                **POSITIVE,
            ),
        ),
        entries=KPI_IDS,
    ),
    Table(
        "traffic",
        "Road speeds.",
        (
            Key(
                "speed_window_minutes",
                NUMBER,
                "A link's latest speed is the one reported in this window.",
                default=15,
                **POSITIVE,
            ),
        ),
    ),
    Table(
        "traffic.road_classes",
        "Congestion classes by road class: arterial = { congested = 15, slow = 25 }.",
        (
            Key(
                "congested",
                NUMBER,
                "Below this speed (km/h) a link is congested (red).",
                required=True,
                at_least=0,
            ),
            Key(
                "slow",
                NUMBER,
                "Below this speed (km/h) a link is slow (yellow).",
                required=True,
                at_least=0,
            ),
        ),
        entries="road class",
    ),
    Table(
        "sources",
        "The feeds to pull, each through a connector.",
        (
            Key(
                "name",
                STRING,
                "The source's name, unique in the profile.",
                required=True,
            ),
            Key(
                "connector",
                STRING,
                "Its protocol: `citywall connectors` lists them.",
                required=True,
            ),
            Key(
                "interval_seconds",
                NUMBER,
                "How often it is pulled.",
                default=300,
                **POSITIVE,
            ),
            Key(
                "options",
                TABLE,
                "The connector's options: `citywall connectors show NAME`.",
                default_text="none",
            ),
        ),
        many=True,
        label="name",
    ),
    Table(
        "map",
        "The maps.",
        (
            Key(
                "tile_url",
                STRING,
                "Raster tiles, https://…/{z}/{x}/{y}.png.",
                default_text="no tiles: the shapes alone",
            ),
            Key("attribution", STRING, "The tiles' attribution.", default=""),
            Key(
                "glyphs_url",
                STRING,
                "MapLibre fonts for the labels, …/{fontstack}/{range}.pbf.",
                default="",
            ),
            Key(
                "frame",
                FRAME,
                "The map's frame in degrees.",
                default_text="every district",
            ),
            Key(
                "frame_leaves_out",
                STRINGS,
                "District codes drawn but not framed (far islands).",
                default_text="none",
            ),
        ),
    ),
    Table(
        "disaster",
        "The disaster stages and the rules that raise them.",
        (
            Key(
                "layout_from",
                INTEGER,
                "From this stage up the wall shows its disaster layout.",
                default=3,
            ),
        ),
    ),
    Table(
        "disaster.stages",
        "The ladder's stages.",
        (
            Key("level", INTEGER, "The stage's number.", required=True),
            Key("name", TEXTS, "Its name by language."),
            Key("colour", STRING, 'Its colour, e.g. "#E69F00".', default="#8a94a6"),
            Key("guidance", TEXTS, "Its public guidance by language."),
        ),
        many=True,
        label="level",
    ),
    Table(
        "disaster.rules",
        "What raises the stage.",
        (
            Key("stage", INTEGER, "The stage's level it raises to.", required=True),
            Key(
                "when",
                STRING,
                "An active alert, an earthquake, the city's PM2.5, or a hotspot "
                "held at a level.",
                required=True,
                choices=STAGE_RULE_KINDS,
            ),
            Key("severity", STRINGS, "Alerts of these severities.", default_text="any"),
            Key("urgency", STRINGS, "Alerts of these urgencies.", default_text="any"),
            Key(
                "categories", STRINGS, "Alerts of these categories.", default_text="any"
            ),
            Key("magnitude", NUMBER, "Earthquakes of at least this magnitude in 24 h."),
            Key("above", NUMBER, "PM2.5 over the last hour above this."),
            Key(
                "series",
                STRING,
                "A hotspot rule's series.",
                default="crowd_level",
            ),
            Key("at_least", NUMBER, "A hotspot rule: the level held."),
            Key(
                "minutes",
                NUMBER,
                "A hotspot rule: held this long.",
                default=30,
                at_least=0,
            ),
        ),
        many=True,
    ),
    Table(
        "network",
        "Which hosts feeds and cameras may be fetched from.",
        (
            Key(
                "allow_hosts",
                ARRAY,
                'Internal hosts to reach: names, "*.domain", addresses, networks.',
                default_text="none",
            ),
            Key(
                "deny_hosts",
                ARRAY,
                "Hosts never to reach, whatever they are.",
                default_text="none",
            ),
        ),
    ),
)
TABLES = {t.path: t for t in PROFILE}


def key(path: str) -> Key:
    """The declaration of ``table.key`` ("wall.refresh_seconds")."""
    table, _, name = path.rpartition(".")
    return next(k for k in TABLES[table].keys if k.name == name)


def default(path: str) -> Any:
    return key(path).default


@dataclass(frozen=True)
class Problem:
    """One thing wrong, said in one line; ``table`` is the top-level table it is
    in, ``wrong_value`` whether a value (not a name) is wrong: its table's own
    checks are moot until it is fixed."""

    table: str
    text: str
    wrong_value: bool = True


def validate(
    raw: Mapping[str, Any], known: Mapping[str, Collection[str]] | None = None
) -> list[Problem]:
    """Everything in ``raw`` (a parsed profile) that the declaration refuses;
    ``known`` holds the allowed names of ``entries`` tables by what they are
    ("KPI id": the KPIs' ids), checked when given."""
    known = known or {}
    problems: list[Problem] = []
    roots = [t for t in PROFILE if "." not in t.path]
    for name in raw:
        if name not in TABLES:
            near = _near(name, [t.name for t in roots])
            hint = f": did you mean `[{near}]`?" if near else ""
            problems.append(
                Problem(name, f"the profile has no table `[{name}]`{hint}", False)
            )
    for table in roots:
        if table.path in raw:
            problems += _walk(table, raw[table.path], table.header, table.path, known)
        elif table.required:
            problems.append(Problem(table.path, f"the profile needs {table.header}"))
    return problems


def _walk(
    table: Table, value: Any, where: str, root: str, known: Mapping
) -> list[Problem]:
    if table.many:
        if not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            return [
                Problem(root, f"{where} must be an array of tables, not {shown(value)}")
            ]
        problems = []
        for i, item in enumerate(value, start=1):
            label = item.get(table.label) if table.label else None
            named = f" ({label})" if isinstance(label, str | int) else ""
            problems += _items(
                table, item, f"[[{table.path}]] #{i}{named}", root, known
            )
        return problems
    if not isinstance(value, dict):
        return [Problem(root, f"{where} must be a table, not {shown(value)}")]
    if table.entries:
        return list(_entries(table, value, root, known))
    return _items(table, value, where, root, known)


def _entries(table: Table, value: dict, root: str, known: Mapping) -> Iterator[Problem]:
    allowed = known.get(table.entries)
    for name, entry in value.items():
        if allowed is not None and name not in allowed:
            near = _near(name, list(allowed))
            hint = (
                f"did you mean `{near}`?"
                if near
                else f"known: {', '.join(sorted(allowed))}"
            )
            yield Problem(
                root,
                f"{table.header} `{name}` is not a {table.entries} ({hint})",
                False,
            )
            continue
        where = f"[{table.path}.{name}]"
        if not isinstance(entry, dict):
            yield Problem(root, f"{where} must be a table, not {shown(entry)}")
            continue
        yield from _items(table, entry, where, root, known)


def _items(
    table: Table, value: dict, where: str, root: str, known: Mapping
) -> list[Problem]:
    keys = {k.name: k for k in table.keys}
    children = {t.name: t for t in PROFILE if t.path.rpartition(".")[0] == table.path}
    problems = []
    for name, item in value.items():
        if name in children:
            child = children[name]
            problems += _walk(child, item, f"{where} {name}", root, known)
        elif name in keys:
            wrong = keys[name].problem(item)
            if wrong:
                problems.append(Problem(root, f"{where} {name} {wrong}"))
        else:
            near = _near(name, [*keys, *children])
            hint = (
                f": did you mean `{near}`?"
                if near
                else f" (keys: {', '.join([*keys, *children])})"
            )
            problems.append(Problem(root, f"{where} has no key `{name}`{hint}", False))
    for k in table.keys:
        if k.required and k.name not in value:
            problems.append(Problem(root, f"{where} needs `{k.name}`"))
    return problems


def _near(name: str, names: list[str]) -> str | None:
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    return close[0] if close else None


def shown(value: Any) -> str:
    """A value as written in TOML, cut short."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dict):
        text = "a table"
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _a(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


# -- listings -----------------------------------------------------------------------


def rows() -> Iterator[tuple[str, Key]]:
    """Each key with the header of its table, in the declaration's order."""
    for table in PROFILE:
        header = table.header
        if table.entries:
            header = f"[{table.path}.<{table.entries}>]"
        for k in table.keys:
            yield header, k


def markdown_table() -> str:
    """The profile's keys as a Markdown table: table, key, type, default, help."""
    lines = ["| Table | Key | Type | Default | What it sets |", "|---|---|---|---|---|"]
    for header, k in rows():
        cells = (f"`{header}`", f"`{k.name}`", k.type_name, k.default_shown, k.help)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
