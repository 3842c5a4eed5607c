"""Simulated crowds at a city's hotspots, for the demo: what Seoul's citydata
gives per place (the live population as a band, its congestion level, a forecast
hour by hour), drawn from each hotspot's kind and the city's clock.

Each kind has its own day: stations peak at the rush hours on weekdays, nightlife
on Friday and Saturday nights, heritage, parks and shopping streets in weekend
afternoons, business districts on weekday office hours; venues and parks hold
events some evenings, and one hotspot a month holds the city's festival. A level
is the population against the hotspot's capacity (Seoul's four, from relaxed to
crowded). The same seed gives the same crowds, whichever pull asks for them.
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from city.hotspots import (
    CROWD_FORECAST_LEVEL,
    CROWD_FORECAST_MAX,
    CROWD_LEVEL,
    CROWD_MAX,
    CROWD_MIN,
    LEVEL_KEYS,
    Hotspot,
)
from city.records import Measurement

HOUR = timedelta(hours=1)
FORECAST_HOURS = 12  # as citydata's FCST_PPLTN
# the population, as a share of capacity, from which each level starts
LEVEL_FROM = (0.0, 0.45, 0.7, 0.92)
# people at a hotspot's capacity, by kind (a hotspot's own is within ±30 %)
CAPACITY = {
    "station": 30_000,
    "nightlife": 25_000,
    "tourist_zone": 40_000,
    "heritage": 15_000,
    "park": 20_000,
    "venue": 30_000,
    "street": 15_000,
    "business": 35_000,
    "square": 12_000,
}
EVENT_KINDS = ("venue", "park", "square")
FESTIVAL_KINDS = ("park", "square", "venue")


def _bump(hour: float, at: float, width: float) -> float:
    """A smooth peak at ``at`` o'clock, across midnight too."""
    gap = min(abs(hour - at), 24 - abs(hour - at))
    return math.exp(-((gap / width) ** 2) / 2)


def usual_share(kind: str | None, hour: float, weekday: int) -> float:
    """A hotspot's usual population as a share of its capacity, by its kind, at
    ``hour`` (local, fractional) of a day (Monday 0); without events."""
    weekend = weekday >= 5
    night_out = weekday in (4, 5)  # Friday and Saturday nights
    if kind == "station":
        if weekend:
            return 0.08 + 0.5 * _bump(hour, 15.5, 3.5)
        # busy at the rushes, seldom crowded for long: a stage is for the rare
        return 0.06 + 0.72 * _bump(hour, 8.4, 0.9) + 0.78 * _bump(hour, 18.6, 1.3)
    if kind == "nightlife":
        evening = 0.95 if night_out else 0.55
        return 0.08 + 0.3 * _bump(hour, 15, 3) + evening * _bump(hour, 22.5, 2.2)
    if kind == "business":
        if weekend:
            return 0.05 + 0.15 * _bump(hour, 14, 3)
        return 0.05 + 0.7 * _bump(hour, 13, 3.2) + 0.15 * _bump(hour, 12.3, 0.6)
    if kind == "venue":
        return 0.04 + 0.08 * _bump(hour, 14, 3)
    daytime = 0.82 if weekend else 0.48
    if kind == "park":
        daytime += 0.1 * _bump(hour, 19, 1.5)
    return 0.04 + daytime * _bump(hour, 14.5, 2.8)


def level_of(share: float) -> int:
    """The level (1 … 4) of a population at ``share`` of capacity."""
    return max(i for i, start in enumerate(LEVEL_FROM, start=1) if share >= start)


@dataclass(frozen=True)
class CrowdModel:
    hotspots: tuple[Hotspot, ...]
    timezone: ZoneInfo
    seed: int
    step: timedelta = timedelta(minutes=10)

    @cached_property
    def _capacities(self) -> dict[str, float]:
        found = {}
        for spot in self.hotspots:
            key = [self.seed, 11, zlib.crc32(spot.code.encode())]
            spread = np.random.default_rng(key).uniform(0.7, 1.3)
            found[spot.code] = CAPACITY.get(spot.kind or "", 20_000) * spread
        return found

    def capacity(self, spot: Hotspot) -> float:
        return self._capacities[spot.code]

    def expected_share(self, spot: Hotspot, at: datetime) -> float:
        """The population this hotspot is expected to hold at ``at`` (its kind's
        day, its events, the festival), as a share of capacity."""
        local = at.astimezone(self.timezone)
        hour = local.hour + local.minute / 60
        share = usual_share(spot.kind, hour, local.weekday())
        if spot.kind in EVENT_KINDS and self._event_on(spot, local):
            share += 1.05 * _bump(hour, 20.0, 1.4)
        if self._festival_at(local) == spot.code:
            share += 1.5 * _bump(hour, 19.5, 1.8)
        return share

    def readings(
        self, start: datetime, end: datetime, forecast: bool
    ) -> list[Measurement]:
        """Every hotspot's live band and level at each step in [start, end); with
        ``forecast``, the forecast of the hours after the last step as well."""
        found: list[Measurement] = []
        last = None
        for at in _steps(start, end, self.step):
            last = at
            noise = self._rng(at).lognormal(0.0, 0.07, len(self.hotspots))
            for spot, factor in zip(self.hotspots, noise):
                people = self.expected_share(spot, at) * factor * self.capacity(spot)
                found += self._live(spot, at, people)
        if forecast and last is not None:
            for spot in self.hotspots:
                found += self._forecast(spot, last)
        return found

    def _live(self, spot: Hotspot, at: datetime, people: float) -> list[Measurement]:
        low, high = _band(people)
        level = level_of(people / self.capacity(spot))
        return [
            _reading(spot, CROWD_LEVEL, at, level, LEVEL_KEYS[level - 1]),
            _reading(spot, CROWD_MIN, at, low),
            _reading(spot, CROWD_MAX, at, high),
        ]

    def _forecast(self, spot: Hotspot, now: datetime) -> list[Measurement]:
        found = []
        hour = now.replace(minute=0, second=0, microsecond=0)
        for ahead in range(1, FORECAST_HOURS + 1):
            at = hour + ahead * HOUR
            people = self.expected_share(spot, at) * self.capacity(spot)
            level = level_of(people / self.capacity(spot))
            found += [
                _reading(spot, CROWD_FORECAST_LEVEL, at, level, LEVEL_KEYS[level - 1]),
                _reading(spot, CROWD_FORECAST_MAX, at, _band(people)[1]),
            ]
        return found

    def _event_on(self, spot: Hotspot, local: datetime) -> bool:
        """Whether the hotspot holds an evening event that day: a concert, a
        match, a rally (weekends mostly)."""
        return _event_day(self.seed, spot.code, local.date().toordinal())

    def _festival_at(self, local: datetime) -> str | None:
        """The hotspot of the month's festival, on its last Saturday (one of the
        parks, squares or venues, by the seed)."""
        if local.weekday() != 5 or (local + timedelta(days=7)).month == local.month:
            return None
        hosts = tuple(h.code for h in self.hotspots if h.kind in FESTIVAL_KINDS)
        return _festival_host(self.seed, hosts, local.year, local.month)

    def _rng(self, at: datetime) -> np.random.Generator:
        return np.random.default_rng([self.seed, 14, int(at.timestamp())])


@functools.lru_cache(maxsize=4096)
def _event_day(seed: int, code: str, day: int) -> bool:
    chance = 0.3 if date.fromordinal(day).weekday() >= 5 else 0.06
    rng = np.random.default_rng([seed, 12, zlib.crc32(code.encode()), day])
    return bool(rng.random() < chance)


@functools.lru_cache(maxsize=256)
def _festival_host(seed: int, hosts: tuple[str, ...], year: int, month: int):
    if not hosts:
        return None
    rng = np.random.default_rng([seed, 13, year, month])
    return hosts[int(rng.integers(len(hosts)))]


def _band(people: float) -> tuple[float, float]:
    """A live population as citydata gives it: a band two per cent wide, in
    hundreds."""
    low = max(math.floor(people * 0.99 / 100) * 100, 0)
    return float(low), float(max(math.ceil(people * 1.01 / 100) * 100, low + 100))


def _steps(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    seconds = step.total_seconds()
    at = datetime.fromtimestamp(
        math.ceil(start.timestamp() / seconds) * seconds, tz=start.tzinfo
    )
    while at < end:
        yield at
        at += step


def _reading(
    spot: Hotspot, series: str, at: datetime, value: float, category: str | None = None
) -> Measurement:
    return Measurement(
        series=series,
        place=spot.code,
        observed_at=at,
        value=float(value),
        category=category,
        district_code=spot.district,
        lon=spot.lon,
        lat=spot.lat,
    )
