"""A city with 60 declared indicators in 6 domains, as Seoul's office showed 61
under 5 policies: the benchmark's and the wall tests' profile for "many
indicators on one wall".

Every indicator reads what the simulator and the synthetic year make (complaint,
incident, alert and road categories, alert severities, open and closed statuses,
the agency or channel kept in attrs, PM2.5 and road speeds), so each has data;
together the first 60 use every measure, window and comparison a profile may
declare, and filters on a category, a severity, a status and an attribute.
"""

from __future__ import annotations

import json
import re
import tomllib
from itertools import cycle, islice
from pathlib import Path

from connectors.simulator import AGENCIES

# the categories of each domain the event indicators pick from (the simulator's)
EVENT_DOMAINS = {
    "complaints": ("noise", "waste", "illegal_parking", "roads", "streetlights", "housing"),
    "safety": ("traffic_crash", "ambulance", "rescue", "fire"),
    "traffic": ("accident", "roadwork", "vehicle_breakdown"),
}  # fmt: skip
WINDOWS = ("today", "24h", "7d", "this_week", "this_month", "6h")
COMPARISONS = ("yesterday", "previous", "7d_average", "last_year", "none")
SERIES_STATS = (
    "mean", "max", "min", "latest", "share_below", "count_readings", "sum",
    "places_at_least",
)  # fmt: skip
VARIANTS = ("median", "closed share", "open", "by attribute", "mean hours")
SEVERE = ("Severe", "Extreme")
OPEN = ("received", "assigned", "in_progress", "dispatched", "reported")
EXTRA_DOMAINS = (
    ("air", {"en": "Air", "ko": "대기", "es": "Aire"}, "pm25"),
    ("mobility", {"en": "Mobility", "ko": "이동", "es": "Movilidad"}, "road_speed"),
)


def _toml(value) -> str:
    """A TOML value for a string, number, list of strings or table of strings."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def _block(header: str, fields: dict) -> str:
    return header + "\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in fields.items())


def declarations(n: int = 60) -> str:
    """``[[domains]]`` and ``[[indicators]]`` of a city with ``n`` indicators."""
    blocks = [
        _block("[[domains]]", {"id": "traffic", "series": "road_speed", "chart": "road_mean_15m"}),
        _block("[[domains]]", {"id": "safety"}),
        _block("[[domains]]", {"id": "disaster", "path": "/disasters"}),
        _block("[[domains]]", {"id": "complaints"}),
    ]  # fmt: skip
    for id_, label, series in EXTRA_DOMAINS:
        blocks.append(
            _block(
                "[[domains]]",
                {"id": id_, "label": label, "series": series, "events": False},
            )
        )
    indicators = list(islice(_indicators(), n))
    return "\n".join(blocks + [_block("[[indicators]]", k) for k in indicators])


def _indicators():
    """Indicators without end, each different, in a fixed order."""
    yield {"id": "road_mean_15m", "domain": "traffic", "measure": "mean",
           "series": "road_speed", "window": "15m", "direction": "higher",
           "target": 25, "watch_ratio": 0.8, "decimals": 1}  # fmt: skip
    # each air station's PM2.5 now against its usual for this hour (4 weeks back)
    yield {"id": "pm25_above_usual", "domain": "air", "measure": "above_usual",
           "series": "pm25", "window": "1h", "compare": "yesterday",
           "decimals": 1}  # fmt: skip
    yield {"id": "alerts_in_force", "domain": "disaster", "measure": "in_force",
           "window": "now", "judge": "severity", "target": 0, "watch_ratio": 1}  # fmt: skip
    yield {"id": "backlog", "domain": "complaints", "window": "open_now",
           "district_target": "population_share", "per_resident": True,
           "target": 2500, "watch_ratio": 1.3}  # fmt: skip
    # the alerts' severity (only alerts have one)
    yield {"id": "alerts_severe_in_force", "domain": "disaster",
           "measure": "in_force", "window": "now",
           "where": {"severity": list(SEVERE)}, "target": 0, "watch_ratio": 1}  # fmt: skip
    yield {"id": "alerts_severe_24h", "domain": "disaster", "window": "24h",
           "where": {"severity": list(SEVERE)}, "compare": "7d_average",
           "target": 2}  # fmt: skip
    yield {"id": "complaints_today_paced", "domain": "complaints", "window": "today",
           "compare": "yesterday", "paced": True, "target": 30000}  # fmt: skip
    windows, comparisons = cycle(WINDOWS), cycle(COMPARISONS)
    count = 0
    for domain, categories in cycle(EVENT_DOMAINS.items()):
        for category in categories:
            count += 1
            window, compare = next(windows), next(comparisons)
            yield {
                "id": f"{domain}_{category}_{window}",
                "domain": domain,
                "label": {"en": f"{category.replace('_', ' ')}, {window}"},
                "measure": "count",
                "where": {"category": [category]},
                "window": window,
                "compare": compare,
                "target": 50 * (1 + count % 7),
            }
            yield _variant(domain, category, count)
            if count % 3 == 0:
                yield _series_indicator(count // 3)


def _variant(domain: str, category: str, count: int) -> dict:
    """A duration, a share, an open backlog or a count by an attribute of the same
    category."""
    kind = count % 5
    name = category.replace("_", " ")
    one = {"category": [category]}
    base = {"domain": domain, "label": {"en": f"{name} ({VARIANTS[kind]})"}}
    if kind == 0:
        return base | {"id": f"{domain}_{category}_median", "measure": "median_hours",
                       "where": one, "window": "7d", "compare": "previous",
                       "decimals": 1, "target": 48}  # fmt: skip
    if kind == 1:
        return base | {"id": f"{domain}_{category}_closed_share", "measure": "share",
                       "where": one | {"status": ["closed"]}, "share_of": one,
                       "window": "24h", "direction": "higher", "target": 0.6}  # fmt: skip
    if kind == 2:
        return base | {"id": f"{domain}_{category}_open", "window": "open_now",
                       "where": one | {"status": list(OPEN)}, "target": 300}  # fmt: skip
    if kind == 3:
        # an attribute kept in attrs: the agency that answers, or the channel
        agency = AGENCIES.get(category)
        by = {"agency": [agency]} if agency else {"channel": ["120"]}
        return base | {"id": f"{domain}_{category}_by_{next(iter(by))}",
                       "where": one | by, "window": "this_week",
                       "compare": "previous", "judge": "change", "target": 1.2}  # fmt: skip
    return base | {"id": f"{domain}_{category}_mean_hours", "measure": "mean_hours",
                   "where": one, "window": "24h", "compare": "last_year",
                   "decimals": 1, "target": 24}  # fmt: skip


def _series_indicator(count: int) -> dict:
    """The next series statistic; road speeds of one road class every other time."""
    stat = SERIES_STATS[count % len(SERIES_STATS)]
    domain, series = ("air", "pm25") if count % 2 else ("mobility", "road_speed")
    found = {
        "id": f"{series}_{stat}_{count}",
        "domain": domain,
        "label": {"en": f"{series} {stat}"},
        "measure": stat,
        "series": series,
        "window": "latest" if stat == "latest" else ("1h", "3h", "24h")[count % 3],
        "compare": ("none", "yesterday", "previous")[count % 3],
        "decimals": 1,
        "target": 35 if series == "pm25" else 20,
    }
    if series == "road_speed" and count % 4 == 0:
        found["where"] = {"category": ["expressway"]}
    if stat == "share_below":
        found["below"] = 25 if series == "pm25" else "road_class"
        found["decimals"] = 0
    if stat == "places_at_least":  # stations over a level, links at a speed
        found["at_least"] = 35 if series == "pm25" else 60
        found["decimals"] = 0
    if stat in ("sum", "count_readings"):
        found["target"] = 10_000_000 if stat == "sum" else 100_000
        found["decimals"] = 0
    return found


def profile_with_many_indicators(base: Path, folder: Path, n: int = 60) -> Path:
    """``base`` (a profile that declares its indicators, e.g. the shipped Seoul)
    copied into ``folder`` with ``n`` indicators instead of its own; its
    boundaries and hotspots are referred to where they are."""
    text = profile_text(base)
    text = text.replace(
        'map_indicator = "complaints_open"', 'map_indicator = "backlog"'
    )
    start, end = text.index("[[domains]]"), text.index("\n[traffic]")
    # the kiosk turns through every domain: the base's own rotation names its pages
    head = re.sub(r"(?ms)^rotation = \[.*?^\]\n", "", text[:start])
    path = folder / f"{base.stem}-{n}-indicators.toml"
    path.write_text(head + declarations(n) + text[end:], encoding="utf-8")
    return path


def profile_text(base: Path) -> str:
    """The profile at ``base``, its boundaries and hotspots referred to where they
    are: a copy written elsewhere still finds them."""
    text = base.read_text(encoding="utf-8")
    for name in _files(text):
        text = text.replace(
            f'"{name}"', f'"{(base.parent / name).resolve().as_posix()}"'
        )
    return text


def _files(text: str) -> list[str]:
    """The files the profile names beside it: its boundaries, its hotspots."""
    city = tomllib.loads(text)["city"]
    return [city[k] for k in ("boundaries", "hotspots") if k in city]
