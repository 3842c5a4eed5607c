"""The city's own domains and indicators, declared in its profile.

A domain is a page of the wall and a kind of record (``events.domain``); an
indicator says what is measured over which records and window, what it is
compared with, and its target. ``kpis.compile`` turns a declaration into SQL over
the rollups; nothing else in CityWall names an indicator. A profile that declares
none gets the standard set (``standard_indicators.toml`` beside this file), read
by the very same code.

The declaration's keys and types are checked by ``city.profile_keys``; the checks
here are the ones between keys (a series measure needs ``series``, a window the
measure can use, a chart indicator of the same domain...), one line per mistake.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from city.records import events_feed, series_feed

STANDARD_FILE = Path(__file__).with_name("standard_indicators.toml")
DOMAIN_ID = re.compile(r"[a-z][a-z0-9_]{0,15}")  # events.domain is 16 characters
INDICATOR_ID = re.compile(r"[a-z][a-z0-9_]{0,47}")
DURATION = re.compile(r"([1-9][0-9]*)(m|h|d)")
AVERAGE = re.compile(r"([1-9][0-9]*)d_average")
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}

EVENT_MEASURES = ("count", "share", "median_hours", "mean_hours", "in_force")
SERIES_MEASURES = (
    "mean", "min", "max", "sum", "count_readings", "latest", "share_below",
    "places_at_least", "above_usual",
)  # fmt: skip
MEASURES = EVENT_MEASURES + SERIES_MEASURES
CALENDAR_WINDOWS = ("today", "this_week", "this_month")
COMPARISONS = ("yesterday", "previous", "last_year", "none")
DIRECTIONS = ("lower", "higher")
JUDGES = ("target", "change", "severity")
DISTRICT_TARGETS = ("same", "population_share")
PERIODS = ("month", "week")
EVENT_FILTERS = ("category", "severity", "status")  # columns; others: attrs
PERIODIC_MEASURES = ("sum", "mean", "max", "min", "latest", "count_readings")
# the windows each measure may use, beside durations and calendar windows
ONLY_WINDOW = {"in_force": "now"}
EXTRA_WINDOWS = {
    "count": ("open_now",),
    "latest": ("latest",),
    "places_at_least": ("latest",),
    "above_usual": ("latest",),
}
# measures of one moment: compared with another moment, never an average
MOMENT_MEASURES = ("places_at_least", "above_usual")


@dataclass(frozen=True)
class HotspotView:
    """How a domain shows the city's hotspots (``[city] hotspots``): on its map,
    each at its newest reading of ``level`` (1 … ``levels``, the reading's category
    naming the level); on a hotspot's page, the ``curve`` series over the last day
    (two: a band, low and high) and ``forecast`` ahead of now."""

    level: str
    levels: int = 4
    curve: tuple[str, ...] = ()
    forecast: str | None = None
    fresh_minutes: float = 30.0  # an older reading is not the hotspot's now


@dataclass(frozen=True)
class Domain:
    """A domain page: the events it lists and the measurement series it charts."""

    id: str  # events.domain
    path: str  # its page
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    series: str | None = None
    series_kpi: str | None = None  # the indicator whose unit and decimals it uses
    colour: str | None = None
    events: bool = True
    hotspots: HotspotView | None = None

    def label(self, lang: str) -> str | None:
        """Its name in ``lang`` as declared (None: the catalogs' ``domain.<id>``)."""
        return self.labels.get(lang) or None


@dataclass(frozen=True)
class Window:
    """Which records: a duration back from now, a calendar window of the city's
    clock, or a moment (``open_now``, ``now``, ``latest``)."""

    kind: str  # "duration", "today", "this_week", "this_month", "open_now", ...
    length: timedelta | None = None  # a duration's

    @classmethod
    def parse(cls, text: str) -> Window | None:
        if m := DURATION.fullmatch(text):
            return cls("duration", int(m[1]) * UNITS[m[2]])
        if text in (*CALENDAR_WINDOWS, "open_now", "now", "latest"):
            return cls(text)
        return None


@dataclass(frozen=True)
class Comparison:
    kind: str  # "yesterday", "previous", "average", "last_year", "none"
    days: int = 0  # an average's

    @classmethod
    def parse(cls, text: str) -> Comparison | None:
        if m := AVERAGE.fullmatch(text):
            return cls("average", int(m[1]))
        return cls(text) if text in COMPARISONS else None

    @property
    def key(self) -> str:
        """Its catalog key (``compare.<key>``)."""
        return "average" if self.kind == "average" else self.kind


@dataclass(frozen=True)
class Indicator:
    id: str
    domain: str
    measure: str
    window: Window
    compare: Comparison
    series: str | None = None  # the measurement series it reads; None: events
    # (key, allowed values): records whose key has any of them, for every key
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    share_of: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a share's denominator
    below: float | str | None = None  # share_below: a number or "road_class"
    at_least: float | None = None  # places_at_least: a place's newest reading
    usual_weeks: int = 4  # above_usual: the weeks its usual is the mean of
    target: float | None = None
    watch_ratio: float = 1.25
    higher_is_better: bool = False
    district_target: str = "same"  # or "population_share", or "own"
    district_targets: dict[str, float] = field(default_factory=dict, compare=False)
    per_resident: bool = False
    decimals: int = 0
    percent: bool = False  # a 0..1 share shown as a percentage
    judge: str = "target"
    paced: bool = False
    on_map: bool = True
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    units: dict[str, str] = field(default_factory=dict, compare=False)
    period: str | None = None  # a periodic indicator's: month or week
    plan_series: str | None = None
    plan: dict[str, float] = field(default_factory=dict, compare=False)
    periods_shown: int = 12

    @property
    def feed(self) -> str:
        """What a source must deliver for this indicator (``store.writes.feeds_of``)."""
        return series_feed(self.series) if self.series else events_feed(self.domain)

    @property
    def counts(self) -> bool:
        """A count: no records means 0, not "no data"."""
        return self.measure in (
            "count", "in_force", "count_readings", "places_at_least"
        )  # fmt: skip

    @property
    def scales_with_population(self) -> bool:
        return self.district_target == "population_share"

    @property
    def status_on_change(self) -> bool:
        return self.judge == "change"

    @property
    def judged_by_severity(self) -> bool:
        return self.judge == "severity"

    @property
    def has_plan(self) -> bool:
        return bool(self.plan_series or self.plan)

    @property
    def facet_groups(self) -> tuple[tuple[str, ...], ...]:
        """The keys each of its event filters reads, sorted: the rollups keep
        counts by each such group (``store.facets``)."""
        if self.series:
            return ()
        found = {tuple(k for k, _ in f) for f in (self.where, self.share_of) if f}
        return tuple(sorted(found))


@dataclass(frozen=True)
class Declarations:
    domains: tuple[Domain, ...]
    indicators: tuple[Indicator, ...]
    standard: bool  # the profile declared none: the standard set


def standard_raw() -> dict[str, Any]:
    return tomllib.loads(STANDARD_FILE.read_text(encoding="utf-8"))


def declarations(
    raw: Mapping[str, Any], problems: list[str], district_codes: set[str]
) -> Declarations:
    """The profile's domains and indicators (the standard ones when it declares
    neither), each mistake added to ``problems`` in one line."""
    standard = "domains" not in raw and "indicators" not in raw
    source = standard_raw() if standard else raw
    if not standard and "targets" in raw:
        problems.append(
            "[targets] is for the standard indicators only: with [[indicators]] "
            "declared, write each target in its declaration (target = ...)"
        )
    refused: set[str] = set()  # domains said wrong: their indicators are not
    domains = _domains(_list(source, "domains"), problems, refused)
    known = {d.id for d in domains} | refused
    if not domains:
        problems.append("[[domains]]: declare at least one domain")
    indicators = []
    seen: set[str] = set()
    failed: set[str] = set()  # said already: a chart naming one is not
    for i, row in enumerate(_list(source, "indicators"), start=1):
        where = f"[[indicators]] #{i} ({row.get('id', '?')})"
        found = _indicator(row, where, known, district_codes, problems)
        if found is None:
            failed.add(str(row.get("id")))
            continue
        if found.id in seen:
            problems.append(f"{where} the id {found.id!r} is declared twice")
            continue
        seen.add(found.id)
        indicators.append(found)
    if standard:
        indicators = [_with_target(k, raw.get("targets", {})) for k in indicators]
    by_id = {k.id: k for k in indicators}
    for d in domains:
        chart = by_id.get(d.series_kpi or "")
        if d.series_kpi in failed:
            continue
        if d.series_kpi and (chart is None or chart.domain != d.id):
            mine = [k.id for k in indicators if k.domain == d.id]
            near = difflib.get_close_matches(d.series_kpi, mine, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"its: {', '.join(mine)}"
            problems.append(
                f"[[domains]] ({d.id}) chart {d.series_kpi!r} is not an indicator "
                f"of this domain ({hint})"
            )
    return Declarations(tuple(domains), tuple(indicators), standard)


def _list(raw: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = raw.get(name)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _domains(rows: list[dict], problems: list[str], refused: set[str]) -> list[Domain]:
    found: list[Domain] = []
    for i, row in enumerate(rows, start=1):
        id_ = str(row.get("id", ""))
        where = f"[[domains]] #{i} ({id_})"
        refused.add(id_)  # until it is found right
        if not DOMAIN_ID.fullmatch(id_):
            problems.append(
                f"{where} id must be 1-16 lower-case letters, digits or _, "
                "starting with a letter"
            )
            continue
        if any(d.id == id_ for d in found):
            problems.append(f"{where} the id {id_!r} is declared twice")
            continue
        path = str(row.get("path", f"/{id_}"))
        if not re.fullmatch(r"/[a-z0-9][a-z0-9_-]*", path):
            problems.append(f'{where} path must be one word such as "/{id_}"')
            continue
        if path in RESERVED_PATHS or any(d.path == path for d in found):
            problems.append(f"{where} path {path} is another page's")
            continue
        refused.discard(id_)
        found.append(
            Domain(
                id_,
                path,
                dict(row.get("label", {})),
                row.get("series"),
                row.get("chart"),
                row.get("colour"),
                bool(row.get("events", True)),
                _hotspot_view(row.get("hotspots"), where, problems),
            )
        )
    return found


def _hotspot_view(value: Any, where: str, problems: list[str]) -> HotspotView | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("level"), str):
        problems.append(
            f"{where} hotspots must be a table naming its level series: "
            '{ level = "crowd_level", curve = ["crowd_min", "crowd_max"] }'
        )
        return None
    unknown = set(value) - {"level", "levels", "curve", "forecast", "fresh_minutes"}
    if unknown:
        problems.append(f"{where} hotspots: unknown keys {', '.join(sorted(unknown))}")
    levels, curve = value.get("levels", 4), value.get("curve", [])
    forecast, fresh = value.get("forecast"), value.get("fresh_minutes", 30)
    if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2:
        problems.append(f"{where} hotspots.levels must be a whole number from 2 up")
        levels = 4
    if not (
        isinstance(curve, list)
        and len(curve) <= 2
        and all(isinstance(c, str) for c in curve)
    ):
        problems.append(f"{where} hotspots.curve must list one or two series")
        curve = []
    if forecast is not None and not isinstance(forecast, str):
        problems.append(f"{where} hotspots.forecast must be a series' name")
        forecast = None
    if not isinstance(fresh, int | float) or isinstance(fresh, bool) or fresh <= 0:
        problems.append(f"{where} hotspots.fresh_minutes must be a positive number")
        fresh = 30
    return HotspotView(value["level"], levels, tuple(curve), forecast, float(fresh))


# the wall's own pages: a domain may not take their address
RESERVED_PATHS = frozenset(
    ("/cameras", "/sources", "/admin", "/public", "/district", "/embed", "/kiosk",
     "/overview", "/wall", "/csv", "/readyz", "/healthz", "/sign-in",
     "/hotspot")
)  # fmt: skip


def _filters(
    value: Any, where: str, name: str, series: bool, problems: list[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(
            f"{where} {name} must be a table such as {{ category = [...] }}"
        )
        return ()
    found = []
    for key, allowed in value.items():
        if series and key != "category":
            problems.append(f"{where} a series can be filtered by category only")
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", key):
            problems.append(f"{where} {name} key {key!r} is not a field name")
            continue
        if isinstance(allowed, str):
            allowed = [allowed]
        if not (
            isinstance(allowed, list)
            and allowed
            and all(isinstance(a, str) for a in allowed)
        ):
            problems.append(
                f"{where} {name}.{key} must be a string or a list of strings"
            )
            continue
        found.append((key, tuple(dict.fromkeys(allowed))))
    return tuple(sorted(found))


def _indicator(
    row: dict,
    where: str,
    domains: set[str],
    district_codes: set[str],
    problems: list[str],
) -> Indicator | None:
    before = len(problems)
    id_ = str(row.get("id", ""))
    if not INDICATOR_ID.fullmatch(id_):
        problems.append(
            f"{where} id must be 1-48 lower-case letters, digits or _, "
            "starting with a letter"
        )
    domain = row.get("domain")
    if domain not in domains:
        problems.append(
            f"{where} domain {domain!r} is not declared "
            f"(the domains: {', '.join(sorted(domains))})"
        )
    measure = row.get("measure", "count")
    series = row.get("series")
    if measure not in MEASURES:
        problems.append(f"{where} measure must be one of {', '.join(MEASURES)}")
    elif measure in SERIES_MEASURES and not series:
        problems.append(f"{where} measure {measure!r} reads a series: name `series`")
    elif measure in EVENT_MEASURES and series:
        problems.append(
            f"{where} measure {measure!r} counts events: leave `series` out, or "
            f"measure the series ({', '.join(SERIES_MEASURES)})"
        )
    # a periodic indicator's window is its period (the tile shows the last over)
    default_window = {"month": "this_month", "week": "this_week"}.get(
        row.get("period"), ONLY_WINDOW.get(measure, "24h")
    )
    window_text = str(row.get("window", default_window))
    window = Window.parse(window_text)
    if window is None:
        problems.append(
            f"{where} window {window_text!r} must be a duration such as 15m, 24h "
            f"or 7d, or one of {', '.join(CALENDAR_WINDOWS)}, open_now, latest"
        )
    elif measure in MEASURES and not _window_fits(measure, window):
        problems.append(
            f"{where} measure {measure!r} cannot use window {window_text!r}"
        )
        window = None  # said: nothing more about it
    compare_text = str(
        row.get("compare", "previous" if row.get("period") else "yesterday")
    )
    compare = Comparison.parse(compare_text)
    if compare is None:
        problems.append(
            f"{where} compare {compare_text!r} must be one of "
            f"{', '.join(COMPARISONS)} or <N>d_average (e.g. 7d_average)"
        )
    elif measure in MOMENT_MEASURES and compare.kind == "average":
        problems.append(
            f"{where} {measure} reads places at one moment: compare with "
            "yesterday, previous, last_year or none"
        )
    elif window is not None and window.length is None and compare.kind == "average":
        if window.kind in ("open_now", "now", "latest"):
            problems.append(
                f"{where} a moment ({window.kind}) has no average to compare "
                "with: use yesterday, previous, last_year or none"
            )
    below = row.get("below")
    if measure == "share_below" and not (
        below == "road_class" or isinstance(below, int | float)
    ):
        problems.append(f'{where} share_below needs below = <number> or "road_class"')
    at_least = row.get("at_least")
    if measure == "places_at_least" and not (
        isinstance(at_least, int | float) and not isinstance(at_least, bool)
    ):
        problems.append(
            f"{where} places_at_least needs at_least = <number>: the level a "
            "place's newest reading must reach"
        )
    elif at_least is not None and measure != "places_at_least":
        problems.append(f'{where} at_least is for measure = "places_at_least" only')
    weeks = row.get("usual_weeks", 4)
    if not isinstance(weeks, int) or isinstance(weeks, bool) or not 1 <= weeks <= 52:
        problems.append(f"{where} usual_weeks must be a whole number of weeks, 1 to 52")
    elif "usual_weeks" in row and measure != "above_usual":
        problems.append(f'{where} usual_weeks is for measure = "above_usual" only')
    is_series = measure in SERIES_MEASURES
    filters = _filters(row.get("where"), where, "where", is_series, problems)
    share_of = _filters(row.get("share_of"), where, "share_of", is_series, problems)
    if row.get("share_of") is not None and measure != "share":
        problems.append(f'{where} share_of is for measure = "share" only')
    district_target, own = _district_target(
        row.get("district_target", "same"), where, district_codes, problems
    )
    judge = row.get("judge", "target")
    higher = row.get("direction", "lower") == "higher"
    watch_ratio = float(row.get("watch_ratio", 0.8 if higher else 1.25))
    if judge == "target" and (watch_ratio > 1 if higher else watch_ratio < 1):
        problems.append(
            f"{where} watch_ratio {watch_ratio:g} "
            + (
                'with direction = "higher": the watch band lies under the '
                "target, write a ratio under 1 (e.g. 0.8)"
                if higher
                else "with a lower-is-better target: the watch band lies over the "
                "target, write a ratio over 1 (e.g. 1.25)"
            )
        )
    if judge == "change" and compare is not None and compare.kind == "none":
        problems.append(f'{where} judge = "change" needs a comparison (compare)')
    paced = bool(row.get("paced", False))
    if paced and window is not None and (measure != "count" or window.kind != "today"):
        problems.append(f'{where} paced is for a count over window = "today"')
    period = row.get("period")
    plan = row.get("plan", {})
    if period is not None and ("window" in row or "compare" in row):
        problems.append(
            f"{where} a periodic indicator is read by its period (the last one "
            "over, against its plan and the one before): leave out window and compare"
        )
    if period is not None and measure not in PERIODIC_MEASURES:
        problems.append(
            f"{where} a periodic indicator measures a series: measure one of "
            f"{', '.join(PERIODIC_MEASURES)}"
        )
    if (plan or row.get("plan_series")) and period is None:
        problems.append(f'{where} a plan needs period = "month" or "week"')
    if plan and period in PERIODS:
        problems += [f"{where} {p}" for p in plan_table_problems(plan, period)]
    if len(problems) > before or window is None or compare is None:
        return None
    return Indicator(
        id=id_,
        domain=domain,
        measure=measure,
        window=window,
        compare=compare,
        series=series,
        where=filters,
        share_of=share_of,
        below=below,
        at_least=float(at_least) if at_least is not None else None,
        usual_weeks=int(weeks) if isinstance(weeks, int) else 4,
        target=_number(row.get("target")),
        watch_ratio=watch_ratio,
        higher_is_better=higher,
        district_target=district_target,
        district_targets=own,
        per_resident=bool(row.get("per_resident", False)),
        decimals=int(row.get("decimals", 0)),
        percent=bool(row.get("percent", measure in ("share", "share_below"))),
        judge=judge,
        paced=paced,
        on_map=bool(row.get("on_map", True)),
        labels=dict(row.get("label", {})),
        units=dict(row.get("unit", {})),
        period=period,
        plan_series=row.get("plan_series"),
        plan={str(k): float(v) for k, v in dict(plan).items()},
        periods_shown=int(row.get("periods_shown", 12)),
    )


def _window_fits(measure: str, window: Window) -> bool:
    if measure in ONLY_WINDOW:
        return window.kind == ONLY_WINDOW[measure]
    if window.kind in ("duration", *CALENDAR_WINDOWS):
        return True
    return window.kind in EXTRA_WINDOWS.get(measure, ())


def _district_target(
    value: Any, where: str, codes: set[str], problems: list[str]
) -> tuple[str, dict[str, float]]:
    if isinstance(value, dict):
        unknown = sorted(set(value) - codes)
        if unknown:
            problems.append(
                f"{where} district_target names no district {', '.join(unknown)}"
            )
        return "own", {str(k): float(v) for k, v in value.items()}
    if value not in DISTRICT_TARGETS:
        problems.append(
            f"{where} district_target must be same, population_share or a table "
            "of targets by district code"
        )
    return str(value), {}


MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")
WEEK_KEY = re.compile(r"(\d{4})-W(\d{2})")
KEY_FORMS = {"month": ("a month", "YYYY-MM"), "week": ("an ISO week", "YYYY-Www")}


def plan_table_problems(plan: dict, period: str) -> list[str]:
    """One line per key or value of a ``plan`` table that cannot be a period's
    plan, each saying how to write it; none for a good table."""
    what, form = KEY_FORMS.get(period, ("a period", "YYYY-MM or YYYY-Www"))
    problems = []
    for key, value in plan.items():
        if not _is_period_key(str(key), period):
            problems.append(f"plan key {str(key)!r} is not {what}: write {form}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(
                f"plan value {value!r} for {str(key)!r} is not a number: "
                "write it without quotes or separators, e.g. 1200000000 or 1.2e9"
            )
    return problems


def _is_period_key(key: str, period: str) -> bool:
    if period == "month":
        match = MONTH_KEY.fullmatch(key)
        return bool(match) and 1 <= int(match[2]) <= 12
    match = WEEK_KEY.fullmatch(key)
    if not match:
        return False
    year, week = int(match[1]), int(match[2])
    # the ISO year's last week: that of 28 December (52 or 53)
    return 1 <= week <= date(year, 12, 28).isocalendar()[1]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _with_target(indicator: Indicator, targets: Mapping[str, Any]) -> Indicator:
    """A standard indicator with the profile's ``[targets]`` entry, if any."""
    found = targets.get(indicator.id)
    if not isinstance(found, dict) or "target" not in found:
        return indicator
    return replace(
        indicator,
        target=float(found["target"]),
        watch_ratio=float(found.get("watch_ratio", indicator.watch_ratio)),
    )
