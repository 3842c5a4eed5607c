"""Seoul's air by district: the Open API's ``RealtimeCityAir`` (dataset OA-2219),
one station per district, hourly.

The service renamed its fields; both namings are read:

    today       before      what
    MSRMT_DT    MSRDT       measured at, written 202605181500 (Seoul's clock)
    MSRSTN_NM   MSRSTE_NM   the station: the district's name (중구)
    PM          PM10        PM10, ㎍/㎥
    FPM         PM25        PM2.5, ㎍/㎥
    OZON        O3          ozone, ppm
    NTDX        NO2         nitrogen dioxide, ppm
    CBMX        CO          carbon monoxide, ppm
    SPDX        SO2         sulphur dioxide, ppm
    CAI_IDX     IDEX_MVL    the integrated air index (CAI)
    CAI_GRD     IDEX_NM     its grade (좋음, 보통, 나쁨, 매우나쁨)

A station whose every reading is zero and whose grade is empty is down, not
breathing clean air: its row is quarantined naming the station, so the source's
health says which one is out and the district shows no reading rather than a
perfect one. A reading left empty is missing; the station's others still land.

    [[sources]]
    name = "air"
    connector = "seoul_air"
    interval_seconds = 600
    [sources.options]
    api_key = "…"
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from city.profile import CityProfile
from city.records import Batch, Measurement, Rejected
from connectors.base import excerpt
from connectors.feed import FEED_OPTIONS, FeedConnector
from connectors.mapping import district_lookup
from connectors.options import declare
from connectors.seoul_api import API_OPTIONS, SeoulOpenApi
from connectors.values import optional_number, parse_time

SERVICE = "RealtimeCityAir"
WRITTEN = "%Y%m%d%H%M"
# series: (today's field, the former one)
READINGS = {
    "pm10": ("PM", "PM10"),
    "pm25": ("FPM", "PM25"),
    "o3": ("OZON", "O3"),
    "no2": ("NTDX", "NO2"),
    "co": ("CBMX", "CO"),
    "so2": ("SPDX", "SO2"),
    "air_index": ("CAI_IDX", "IDEX_MVL"),
}
TIME, STATION, GRADE = (
    ("MSRMT_DT", "MSRDT"),
    ("MSRSTN_NM", "MSRSTE_NM"),
    ("CAI_GRD", "IDEX_NM"),
)


class SeoulAirConnector(FeedConnector):
    protocol = "seoul_air"
    OPTIONS = declare(API_OPTIONS, FEED_OPTIONS)
    EXAMPLE: ClassVar[dict[str, Any]] = {"api_key": "your-key"}

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        self.api = SeoulOpenApi(self)
        self.districts = district_lookup(profile)
        # a district's reading drawn at a point inside it (the station's own
        # position is not in the feed)
        self.points = {
            d.code: (point.x, point.y)
            for d in profile.districts
            for point in [d.geometry.representative_point()]
        }

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        batch = Batch(next_cursor=cursor)
        for row in self.api.rows(SERVICE):
            try:
                batch.measurements += self._readings(row)
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(row), _station(row)))
        return batch

    def _readings(self, row: Mapping[str, Any]) -> list[Measurement]:
        station = _station(row)
        if not station:
            raise ValueError("a row without its station (MSRSTN_NM)")
        code = self.districts.get(station.casefold())
        if code is None:
            raise ValueError(f"station {station!r} is not a district of this city")
        observed = parse_time(_field(row, TIME), self.zone, TIME[0], WRITTEN)
        values = {
            series: optional_number(_field(row, names), names[0])
            for series, names in READINGS.items()
        }
        grade = _field(row, GRADE)
        if not any(values.values()) and not (grade or "").strip():
            raise ValueError(
                f"station {station} is down: every reading 0 or empty and no grade "
                "(an outage, not clean air)"
            )
        lon, lat = self.points[code]
        return [
            Measurement(
                series=series,
                place=f"{SERVICE}:{station}",
                observed_at=observed,
                value=value,
                category=grade if series == "air_index" else None,
                district_code=code,
                lon=lon,
                lat=lat,
            )
            for series, value in values.items()
            if value is not None
        ]


def _field(row: Mapping[str, Any], names: tuple[str, str]) -> Any:
    """Today's field, else the former one."""
    for name in names:
        if row.get(name) not in (None, ""):
            return row[name]
    return None


def _station(row: Mapping[str, Any]) -> str:
    # composed: a name sent as separate jamo (NFD) is still the district's
    return unicodedata.normalize("NFC", str(_field(row, STATION) or "").strip())
