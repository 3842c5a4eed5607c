"""A year of a big city, made up: the benchmark's data.

``SyntheticCity`` is a connector like any other: the benchmark loads its records
through the real ingest (validation, district assignment by point-in-polygon, one
transaction per batch, rollups, data version). Everything is drawn from a random
generator seeded with (seed, chunk), so the same seed always gives the same store.

The mix follows the demo simulator's streams (categories, hours of the day,
lifecycles); only the volume is the benchmark's: by default 10 million events and
50 million measurements in 365 days, as in a city of 10 million residents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any, ClassVar

import numpy as np
import shapely

from city.profile import CityProfile
from city.records import TITLE_KEY, Batch, Event, Measurement
from connectors.simulator import (
    AGENCIES,
    SEVERITIES,
    SEVERITY_WEIGHTS,
    STREAMS,
    english_title,
)

# Share of all events per stream: most of what a city records is complaints.
STREAM_SHARE = {"complaints": 0.62, "safety": 0.28, "traffic": 0.098, "alerts": 0.002}
# Lifecycles to closing (median hours, log-normal sigma); alerts expire instead.
CLOSE_HOURS = {"complaints": (20.0, 1.0), "safety": (1.3, 0.6), "traffic": (0.9, 0.7)}
NEVER_CLOSED = 0.003  # complaints that stay open: the backlog's long tail
ALERT_HOURS = (1.0, 12.0)  # alerts are in force this many hours (uniform)
SPEED_STEP = timedelta(minutes=15)
PM25_STATIONS_PER_DISTRICT = 1
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Volume:
    events: int = 10_000_000
    measurements: int = 50_000_000
    days: int = 365

    def scaled(self, factor: float) -> Volume:
        return Volume(
            max(int(self.events * factor), 1000),
            max(int(self.measurements * factor), 1000),
            self.days,
        )


class SyntheticCity:
    """Records for ``volume`` over the days before ``end``, a chunk of hours per
    pull. ``pull_seconds`` adds up the time spent making records, so the ingest's
    own rate can be told apart from the generator's."""

    protocol: ClassVar[str] = "synthetic"

    def __init__(
        self,
        profile: CityProfile,
        end: datetime,
        volume: Volume = Volume(),
        seed: int = 1,
        chunk: timedelta = timedelta(hours=6),
        start: datetime | None = None,
    ) -> None:
        self.profile = profile
        self.volume = volume
        self.end = end
        # a later ``end`` with the first run's ``start`` goes on where it stopped:
        # the draws are keyed by the time since the start
        self.start = start or end - volume.days * DAY
        self.seed = seed
        self.chunk = chunk
        self.tz = profile.timezone
        self.pull_seconds = 0.0
        self.points = self._points_inside(20_000)
        per_day = volume.events / volume.days
        self.streams = {s.name: s for s in STREAMS}
        self.per_hour = {
            name: per_day * share / 24 for name, share in STREAM_SHARE.items()
        }
        pm25_per_day = 24 * PM25_STATIONS_PER_DISTRICT * len(profile.districts)
        speeds_per_day = volume.measurements / volume.days - pm25_per_day
        n_links = max(int(round(speeds_per_day / (DAY / SPEED_STEP))), 1)
        rng = np.random.default_rng([seed, 2])
        self.links = rng.choice(len(self.points), n_links, replace=False)
        expressway = rng.random(n_links) < 0.15
        self.link_class = np.where(expressway, "expressway", "arterial").tolist()
        self.free_flow = np.where(
            expressway, rng.uniform(70, 85, n_links), rng.uniform(30, 48, n_links)
        )
        self.stations = rng.choice(
            len(self.points),
            PM25_STATIONS_PER_DISTRICT * len(profile.districts),
            replace=False,
        )

    # -- the connector contract ------------------------------------------------------
    def pull(self, cursor: str | None, now: datetime) -> Batch:
        t0 = perf_counter()
        start = datetime.fromisoformat(cursor) if cursor else self.start
        end = min(start + self.chunk, self.end)
        batch = Batch(
            events=self.events(start, end),
            measurements=self.measurements(start, end),
            next_cursor=end.isoformat(),
            more=end < self.end,
        )
        self.pull_seconds += perf_counter() - t0
        return batch

    def events(self, start: datetime, end: datetime, as_of: datetime | None = None):
        """The events that occurred in [start, end), as known at ``as_of`` (by
        default the end of the year): a later closing is not known yet."""
        as_of = as_of or self.end
        out: list[Event] = []
        hour = start
        while hour < end:
            local_hour = hour.astimezone(self.tz).hour
            for k, (name, rate) in enumerate(self.per_hour.items()):
                stream = self.streams[name]
                rng = self._rng(hour, k)
                shape = stream.hourly[local_hour] / np.mean(stream.hourly)
                n = rng.poisson(rate * shape)
                out.extend(self._stream_events(stream, rng, hour, n, as_of))
            hour += timedelta(hours=1)
        return out

    def _stream_events(
        self, stream, rng: np.random.Generator, hour: datetime, n: int, as_of
    ) -> list[Event]:
        if n == 0:
            return []
        names = list(stream.categories)
        weights = np.array(list(stream.categories.values()))
        categories = rng.choice(len(names), n, p=weights / weights.sum()).tolist()
        offsets = np.sort(rng.uniform(0, 3600, n))
        places = rng.integers(0, len(self.points), n)
        lon = self.points[places, 0].tolist()
        lat = self.points[places, 1].tolist()
        base = hour.timestamp()
        occurred = [datetime.fromtimestamp(base + s, UTC) for s in offsets.tolist()]
        stamp = hour.strftime("%Y%m%d%H")
        cut = as_of.timestamp()
        if stream.name == "alerts":
            return self._alerts(rng, n, names, categories, occurred, lon, lat, stamp)
        median, sigma = CLOSE_HOURS[stream.name]
        close_after = rng.lognormal(math.log(median * 3600), sigma, n)
        if stream.name == "complaints":
            close_after[rng.random(n) < NEVER_CLOSED] = math.inf
        closes = (base + offsets + close_after).tolist()
        out = []
        for i in range(n):
            category = names[categories[i]]
            closed = closes[i] <= cut
            closed_at = datetime.fromtimestamp(closes[i], UTC) if closed else None
            out.append(
                Event(
                    source_id=f"{stream.name}-{stamp}-{i}",
                    domain=stream.domain,
                    category=category,
                    occurred_at=occurred[i],
                    title=english_title(category),
                    status="closed" if closed else stream.first_status,
                    lon=lon[i],
                    lat=lat[i],
                    updated_at=closed_at or occurred[i],
                    closed_at=closed_at,
                    attrs=_attrs(category),
                )
            )
        return out

    def _alerts(self, rng, n, names, categories, occurred, lon, lat, stamp):
        severities = rng.choice(len(SEVERITIES), n, p=SEVERITY_WEIGHTS).tolist()
        hours = rng.uniform(*ALERT_HOURS, n).tolist()
        return [
            Event(
                source_id=f"alerts-{stamp}-{i}",
                domain="disaster",
                category=names[categories[i]],
                occurred_at=occurred[i],
                title=english_title(names[categories[i]]),
                attrs={TITLE_KEY: names[categories[i]]},
                status="active",
                severity=SEVERITIES[severities[i]],
                lon=lon[i],
                lat=lat[i],
                expires_at=occurred[i] + timedelta(hours=hours[i]),
            )
            for i in range(n)
        ]

    def measurements(self, start: datetime, end: datetime) -> list[Measurement]:
        """Road link speeds every 15 minutes and hourly PM2.5 per station."""
        out: list[Measurement] = []
        tick = start
        while tick < end:
            rng = self._rng(tick, 9)
            local = tick.astimezone(self.tz)
            hour = local.hour + local.minute / 60
            rush = 0.5 * math.exp(-(((hour - 8.2) / 1.1) ** 2) / 2) + 0.55 * math.exp(
                -(((hour - 18.6) / 1.6) ** 2) / 2
            )
            noise = rng.normal(0, 0.08, len(self.links))
            speeds = np.round(
                np.clip(self.free_flow * (1 - rush) * (1 + noise), 3, None), 1
            )
            out.extend(
                Measurement(
                    "road_speed",
                    f"L{link:06d}",
                    tick,
                    speed,
                    road_class,
                    None,
                    lon,
                    lat,
                )
                for link, speed, road_class, lon, lat in zip(
                    self.links.tolist(),
                    speeds.tolist(),
                    self.link_class,
                    self.points[self.links, 0].tolist(),
                    self.points[self.links, 1].tolist(),
                )
            )
            if tick.minute == 0:
                values = np.round(rng.gamma(4.0, 6.0, len(self.stations)), 1)
                out.extend(
                    Measurement(
                        "pm25",
                        f"S{station:06d}",
                        tick,
                        value,
                        None,
                        None,
                        float(self.points[station, 0]),
                        float(self.points[station, 1]),
                    )
                    for station, value in zip(self.stations.tolist(), values.tolist())
                )
            tick += SPEED_STEP
        return out

    def live(self, now: datetime, seconds: float = 60.0) -> Batch:
        """What a minute of the live city sends at ``now``: the events of the last
        ``seconds`` (open, as just reported) and the speeds of the links whose
        report falls in them."""
        rng = np.random.default_rng([self.seed, 20, int(now.timestamp() * 1000)])
        events: list[Event] = []
        for name, per_hour in self.per_hour.items():
            stream = self.streams[name]
            n = int(rng.poisson(per_hour * seconds / 3600))
            names = list(stream.categories)
            weights = np.array(list(stream.categories.values()))
            for i in range(n):
                category = names[rng.choice(len(names), p=weights / weights.sum())]
                place = self.points[rng.integers(0, len(self.points))]
                occurred = now - timedelta(seconds=float(rng.uniform(0, seconds)))
                events.append(
                    Event(
                        source_id=f"live-{name}-{now.timestamp():.3f}-{i}",
                        domain=stream.domain,
                        category=category,
                        occurred_at=occurred,
                        title=english_title(category),
                        status="active" if name == "alerts" else stream.first_status,
                        severity="Moderate" if name == "alerts" else None,
                        lon=float(place[0]),
                        lat=float(place[1]),
                        expires_at=now + timedelta(hours=2)
                        if name == "alerts"
                        else None,
                        attrs=_attrs(category),
                    )
                )
        # each link reports once every SPEED_STEP, as in the year, at its own phase:
        # the links whose report falls in this minute (a link a minute would make
        # the present fifteen times denser than the history it continues)
        step = SPEED_STEP.total_seconds()
        t = now.timestamp()
        phase = np.arange(len(self.links)) * (step / len(self.links))
        reported = t - np.mod(t - phase, step)
        due = np.flatnonzero(reported > t - seconds)
        speeds = np.round(self.free_flow * rng.uniform(0.5, 1.1, len(self.links)), 1)
        where = self.points[self.links]
        readings = [
            Measurement(
                "road_speed",
                f"L{self.links[i]:06d}",
                datetime.fromtimestamp(float(reported[i]), UTC),
                float(speeds[i]),
                self.link_class[i],
                None,
                float(where[i, 0]),
                float(where[i, 1]),
            )
            for i in due.tolist()
        ]
        return Batch(events=events, measurements=readings)

    # -- fixed furniture ---------------------------------------------------------------
    def _points_inside(self, n: int) -> np.ndarray:
        """``n`` places inside the city, where events happen and sensors stand."""
        rng = np.random.default_rng([self.seed, 1])
        city = shapely.union_all([d.geometry for d in self.profile.districts])
        shapely.prepare(city)
        minx, miny, maxx, maxy = city.bounds
        found = np.empty((0, 2))
        while len(found) < n:
            xs = rng.uniform(minx, maxx, n)
            ys = rng.uniform(miny, maxy, n)
            inside = shapely.contains_xy(city, xs, ys)
            found = np.vstack([found, np.column_stack([xs[inside], ys[inside]])])
        return np.round(found[:n], 6)

    def _rng(self, t: datetime, stream: int) -> np.random.Generator:
        # keyed by the time since the start: a year ending another day holds the
        # same draws, shifted
        step = int((t - self.start).total_seconds())
        return np.random.default_rng([self.seed, stream, step])


_ATTRS: dict[str, dict[str, Any]] = {}


def _attrs(category: str) -> dict[str, Any]:
    """The same small attribute dict for every event of a category (shared, never
    mutated): what a feed's extra fields cost in the store, without the garbage."""
    if category not in _ATTRS:
        agency = AGENCIES.get(category)
        said = {"agency": agency} if agency else {"channel": "120"}
        _ATTRS[category] = said | {TITLE_KEY: category}  # as the simulator's
    return _ATTRS[category]
