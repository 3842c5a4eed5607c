"""A city's hotspots: the places where crowds gather (Seoul's ~120 of its real-time
city data: Gwanghwamun, Hongdae, Itaewon, Gangnam Station, …), listed in a CSV
beside the profile, one a row:

    code,name_ko,name_en,district,lon,lat,kind
    POI009,광화문·덕수궁,Gwanghwamun · Deoksugung,11110,126.9769,37.5714,heritage

``code`` is the feed's own (Seoul's ``AREA_CD``: codes stay when names change);
``district`` a district code of the profile; ``name_<language>`` columns as many as
the city has; the position is where the wall draws it; ``kind`` (optional: station,
nightlife, park, venue, …) is what the demo's simulated crowds follow.

The profile names the file (``[city] hotspots``): the wall's hotspot pages and
map, the simulator and the citydata connector all read the same list.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# the series a crowd feed writes per hotspot (Seoul's citydata, the demo's)
CROWD_LEVEL = "crowd_level"  # 1 … 4, the level's key as the reading's category
CROWD_MIN = "crowd_min"  # the live population's band
CROWD_MAX = "crowd_max"
CROWD_FORECAST_LEVEL = "crowd_forecast_level"  # at each forecast hour ahead
CROWD_FORECAST_MAX = "crowd_forecast_max"
# Seoul's four official congestion levels, 1 to 4 (여유, 보통, 약간 붐빔, 붐빔)
LEVEL_KEYS = ("relaxed", "normal", "slightly_crowded", "crowded")


@dataclass(frozen=True)
class Hotspot:
    code: str
    names: dict[str, str]
    district: str | None
    lon: float | None
    lat: float | None
    kind: str | None = None

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or next(iter(self.names.values()), self.code)


def read_hotspots(
    path: Path, districts: Iterable[str]
) -> tuple[list[Hotspot], list[str]]:
    """The hotspots of the CSV at ``path`` and every problem with them, one line
    each (a file missing is one)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        return [], [f"hotspots file {path} not found"]
    return hotspots_from(rows, districts)


def hotspots_from(
    rows: Iterable[Mapping[str, object]], districts: Iterable[str]
) -> tuple[list[Hotspot], list[str]]:
    known = set(districts)
    found: list[Hotspot] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        code = str(row.get("code") or "").strip()
        district = str(row.get("district") or "").strip() or None
        names = {
            str(k).removeprefix("name_"): str(v).strip()
            for k, v in row.items()
            if str(k).startswith("name_") and v and str(v).strip()
        }
        where = f"hotspot #{n}" + (f" ({code})" if code else "")
        if not code:
            problems.append(f"{where}: no code")
        elif code in seen:
            problems.append(f"{where}: listed twice")
        seen.add(code)
        if district is not None and district not in known:
            problems.append(f"{where}: district {district!r} is not in the profile")
        if not names:
            problems.append(f"{where}: no name (name_ko, name_en, …)")
        lon, lat = _number(row.get("lon")), _number(row.get("lat"))
        if (lon is None) != (lat is None) or (
            lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)
        ):
            problems.append(f"{where}: lon/lat {row.get('lon')!r}, {row.get('lat')!r}")
            lon = lat = None
        kind = str(row.get("kind") or "").strip() or None
        found.append(Hotspot(code, names, district, lon, lat, kind))
    if not found and not problems:
        problems.append("the hotspots list is empty")
    return found, problems


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
