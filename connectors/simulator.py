"""The demo city: live simulated feeds in all four domains, with no network and no keys.

Everything is a pure function of (seed, time): the records of an hour are drawn from
a random generator seeded with (seed, stream, hour), so a backfill and a live wall
that pull the same span in different chunks store exactly the same rows. The cursor
is simply the time the simulation has been generated up to.

Rates and shapes follow published figures for Seoul (see shared CITY_FACTS): TOPIS
congestion classes and rush hours, the Ministry of Environment PM2.5 grades, the
응답소 complaint categories (traffic about 30 %) and handling times (days), CAP 1.2
severities for disaster alerts, and the fire/ambulance lifecycles of the 2017
Digital Citizen Mayor's Office.

Any other city gets Seoul's rates per resident, scaled to its own population, its
own agencies and alert sender (options), the alerts of its climate by its own
seasons (``climate``: a preset, chosen from the latitude unless set) and titles
in its own language (the catalog's words, ``city.records.TITLE_KEY``).

With the ``anomalies`` option it also makes known anomalies at seeded hours and
districts (``connectors.anomalies``), for the anomaly benchmark to score a
detector against: their extra records come from a generator of their own, so
the city's own records stay as they were.
"""

from __future__ import annotations

import difflib
import json
import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from city import i18n
from city.profile import CityProfile
from city.records import TITLE_KEY, Batch, Camera, Event, Measurement
from connectors import anomalies
from connectors.anomalies import Anomaly
from connectors.crowds import CrowdModel
from connectors.options import Option, SourceOptionsError, declare, read_options

HOUR = timedelta(hours=1)
BACKFILL_CHUNK = timedelta(days=1)


@dataclass(frozen=True)
class Stage:
    """A lifecycle step reached a log-normal delay after the previous one."""

    name: str
    median_minutes: float
    sigma: float = 0.6


@dataclass(frozen=True)
class Stream:
    """One kind of simulated event with its rate, mix and lifecycle."""

    name: str
    domain: str
    categories: dict[str, float]
    hourly: tuple[float, ...]  # relative rate per local hour 0..23
    first_status: str
    stages: tuple[Stage, ...]
    weekend_factor: float = 1.0

    @property
    def max_age(self) -> timedelta:
        """Lifecycles are cut at a bound so a pull needs only a bounded look-back."""
        total = sum(s.median_minutes * math.exp(3 * s.sigma) for s in self.stages)
        return timedelta(minutes=min(total, 30 * 24 * 60))

    def days_open(self) -> float:
        """Mean days from arrival to the last stage (log-normal means)."""
        minutes = sum(s.median_minutes * math.exp(s.sigma**2 / 2) for s in self.stages)
        return minutes / (24 * 60)

    def week_share(self) -> float:
        """A day's mean count over the week, as a share of a weekday's."""
        return (5 + 2 * self.weekend_factor) / 7


def english_title(category: str) -> str:
    """A simulated record's title in English (its ``TITLE_KEY`` lets the wall
    show it in its own language)."""
    return title_in("en", category)


def title_in(language: str, category: str) -> str:
    """A simulated record's title as stored: the words of its kind in the city's
    language (English for a language the catalogs lack); a kind of the profile's
    own that no catalog knows (``alert_kinds``) by its name."""
    key = f"record_title.{category}"
    own = category.replace("_", " ").capitalize()
    return i18n.t_or(language, key, i18n.t_or("en", key, own))


def _profile(
    *peaks: tuple[float, float, float], floor: float = 0.2
) -> tuple[float, ...]:
    """An hour-of-day shape: a floor plus Gaussian peaks (hour, width, height)."""
    return tuple(
        floor + sum(h * math.exp(-(((hour - c) / w) ** 2) / 2) for c, w, h in peaks)
        for hour in range(24)
    )


COMPLAINTS = Stream(
    name="complaints",
    domain="complaints",
    categories={
        "traffic": 0.305,
        "illegal_parking": 0.12,
        "waste": 0.12,
        "noise": 0.09,
        "roads": 0.09,
        "environment": 0.06,
        "construction": 0.06,
        "housing": 0.05,
        "welfare": 0.04,
        "streetlights": 0.03,
        "other": 0.035,
    },
    hourly=_profile((10.5, 2.5, 1.0), (15.0, 2.5, 0.9), floor=0.08),
    first_status="received",
    # received -> assigned -> in progress -> closed; 응답소 averages 2.7 days.
    stages=(
        Stage("assigned", 90, 0.8),
        Stage("in_progress", 600, 1.0),
        Stage("closed", 2400, 1.0),
    ),
    weekend_factor=0.55,
)
SAFETY = Stream(
    name="safety",
    domain="safety",
    categories={
        "traffic_crash": 0.27,
        "ambulance": 0.36,
        "rescue": 0.22,
        "fire": 0.09,
        "road_hazard": 0.06,
    },
    hourly=_profile((8.5, 1.5, 0.6), (18.5, 2.5, 0.9), (23.0, 2.0, 0.4), floor=0.35),
    first_status="dispatched",
    # The Digital Citizen Mayor's Office lifecycle: dispatched -> arrived -> in action.
    stages=(
        Stage("arrived", 7, 0.4),
        Stage("in_action", 3, 0.5),
        Stage("closed", 70, 0.7),
    ),
)
ALERTS = Stream(
    name="alerts",
    domain="disaster",
    # Seoul's mix; another climate's replaces it (``CLIMATES``)
    categories={
        "fine_dust": 0.3,
        "cold_wave": 0.12,
        "heat_wave": 0.12,
        "heavy_rain": 0.16,
        "strong_wind": 0.08,
        "heavy_snow": 0.06,
        "fire": 0.1,
        "earthquake": 0.06,
    },
    hourly=_profile((7.0, 2.0, 0.8), (17.0, 3.0, 0.6), floor=0.3),
    first_status="active",
    stages=(Stage("expired", 360, 0.5),),
)
# TOPIS: about 53 traffic incidents a day in Seoul, 43 of them crashes.
TRAFFIC = Stream(
    name="traffic",
    domain="traffic",
    categories={
        "accident": 0.81,
        "roadwork": 0.09,
        "vehicle_breakdown": 0.06,
        "road_closure": 0.04,
    },
    hourly=_profile((8.5, 1.5, 0.8), (18.5, 2.0, 1.0), floor=0.3),
    first_status="reported",
    stages=(Stage("cleared", 50, 0.6),),
)
STREAMS = (COMPLAINTS, SAFETY, ALERTS, TRAFFIC)

# Relative weight by month (Jan..Dec) for alerts that belong to a season in Seoul.
ALL_YEAR = (1.0,) * 12
SEASONAL = {
    "heat_wave": (0, 0, 0, 0, 0.3, 1, 1.5, 1.5, 0.5, 0, 0, 0),
    "heavy_rain": (0.1, 0.1, 0.2, 0.3, 0.5, 1, 1.8, 1.8, 0.8, 0.2, 0.2, 0.1),
    "cold_wave": (1.5, 1.2, 0.3, 0, 0, 0, 0, 0, 0, 0.1, 0.8, 1.5),
    "heavy_snow": (1.2, 1, 0.3, 0, 0, 0, 0, 0, 0, 0, 0.4, 1.2),
    "fine_dust": (1.5, 1.5, 1.8, 1.2, 0.8, 0.4, 0.2, 0.2, 0.3, 0.6, 1.0, 1.4),
}


@dataclass(frozen=True)
class Climate:
    """The alerts a climate brings: kinds with their shares, and the months (of
    the northern hemisphere's year) of those that have a season."""

    kinds: dict[str, float]
    seasons: dict[str, tuple[float, ...]]


# Wet season with the sun (June to October north of the equator, December to
# April south of it), forest fires in the dry season; no cold waves, snow or
# East Asian fine dust.
SOAKED = (0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.8, 2, 1.8, 1.2, 0.4, 0.2)  # late in the rains
TROPICAL = Climate(
    kinds={
        "heavy_rain": 0.26,
        "flood": 0.16,
        "landslide": 0.1,
        "strong_wind": 0.08,
        "heat_wave": 0.12,
        "fire": 0.18,
        "earthquake": 0.1,
    },
    seasons={
        "heavy_rain": (0.2, 0.2, 0.3, 0.5, 1, 1.6, 1.8, 1.8, 1.6, 1.2, 0.5, 0.3),
        "flood": SOAKED,
        "landslide": SOAKED,
        "heat_wave": (0.6, 1, 1.5, 1.5, 1, 0.5, 0.3, 0.3, 0.3, 0.4, 0.5, 0.5),
        "fire": (1.6, 1.6, 1.2, 0.6, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.2, 1.5),
    },
)
# Heat in summer, sand and dust storms in spring, rare rain as flash floods.
ARID = Climate(
    kinds={
        "heat_wave": 0.3,
        "sand_storm": 0.22,
        "flash_flood": 0.1,
        "strong_wind": 0.12,
        "fire": 0.1,
        "cold_wave": 0.06,
        "earthquake": 0.1,
    },
    seasons={
        "heat_wave": (0, 0, 0.2, 0.6, 1.2, 1.8, 2, 2, 1.4, 0.6, 0.1, 0),
        "sand_storm": (0.6, 1, 1.6, 1.8, 1.6, 1.2, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5),
        "flash_flood": (1.5, 1.5, 1.4, 0.8, 0.3, 0.1, 0.4, 0.4, 0.2, 0.6, 1.2, 1.5),
        "cold_wave": (2, 1.5, 0.3, 0, 0, 0, 0, 0, 0, 0, 0.6, 1.6),
    },
)
TEMPERATE = Climate(kinds=dict(ALERTS.categories), seasons=SEASONAL)
CLIMATES = {
    f"{name}-{half}": climate
    for name, climate in (
        ("temperate", TEMPERATE),
        ("tropical", TROPICAL),
        ("arid", ARID),
    )
    for half in ("north", "south")
}
# every kind of alert a preset can make (each has its words in the catalogs)
ALERT_KINDS = tuple(dict.fromkeys(k for c in CLIMATES.values() for k in c.kinds))
TROPICS = 23.44  # latitude of the tropics of Cancer and Capricorn


def climate_at(latitude: float) -> str:
    """The preset a city starts from: tropical between the tropics, temperate
    beyond; its hemisphere by the sign. Arid is the city's own choice."""
    half = "south" if latitude < 0 else "north"
    return f"{'tropical' if abs(latitude) < TROPICS else 'temperate'}-{half}"


def local_seasons(climate: str) -> dict[str, tuple[float, ...]]:
    """A preset's seasons in the city's own calendar: the southern hemisphere's
    year is the northern one's six months on."""
    seasons = CLIMATES[climate].seasons
    if climate.endswith("-north"):
        return dict(seasons)
    return {kind: months[6:] + months[:6] for kind, months in seasons.items()}


SEVERITIES = ("Minor", "Moderate", "Severe", "Extreme")
SEVERITY_WEIGHTS = (0.38, 0.42, 0.17, 0.03)
# who answers each kind of incident: a role, named by the ``agencies`` option
ROLES = {
    "traffic_crash": "police",
    "road_hazard": "traffic",
    "ambulance": "ambulance",
    "rescue": "fire",
    "fire": "fire",
    "accident": "police",
    "roadwork": "traffic",
    "vehicle_breakdown": "traffic",
    "road_closure": "traffic",
}
AGENCY_ROLES = ("police", "fire", "ambulance", "traffic")
# Seoul's, as its profile names them (the benchmark's synthetic year uses them)
SEOUL_AGENCIES = {
    "police": "Seoul Metropolitan Police Agency",
    "fire": "Seoul Fire & Disaster Headquarters",
    "ambulance": "Seoul Fire & Disaster Headquarters",
    "traffic": "Seoul TOPIS",
}
AGENCIES = {kind: SEOUL_AGENCIES[role] for kind, role in ROLES.items()}

# Seoul's demo rates (its profile) over its residents: the rates of any other city
# (CITY_FACTS: 응답소 about 331 cases a day in 2014, more channels since; TOPIS
# about 53 traffic incidents a day)
SEOUL_POPULATION = 9_420_000
SEOUL_PER_DAY = {
    "complaints": 850.0,
    "safety": 160.0,
    "alerts": 4.0,
    "traffic": 53.0,
}
# a city whose districts carry no population is simulated as one of this size
UNKNOWN_POPULATION = 1_000_000
ROAD_SPEED = "road_speed"
PM25 = "pm25"


class SimulatorConnector:
    """Simulated feeds for the city of a profile: complaints, incidents, alerts,
    road speeds, air quality, crowds at its hotspots (``connectors.crowds``) and
    cameras (their pictures are drawn by the wall: ``demo://`` URLs)."""

    protocol: ClassVar[str] = "simulator"
    OPTIONS: ClassVar[tuple[Option, ...]] = declare(
        (
            Option("seed", int, 1, "the same seed, the same city"),
            Option("backfill_days", float, 30.0, "days of history made at the start"),
            Option(
                "links_per_district", int, 4, "road links with speeds in each district"
            ),
            Option(
                "population",
                int,
                None,
                "residents the rates scale with (default: the districts' sum, "
                f"else {UNKNOWN_POPULATION:,})",
            ),
            Option(
                "complaints_per_day",
                float,
                None,
                "complaints a day, city-wide (default: Seoul's rate per resident, "
                f"{SEOUL_PER_DAY['complaints']:.0f} a day for "
                f"{SEOUL_POPULATION / 1e6:.2f} million, × the population)",
            ),
            Option(
                "safety_incidents_per_day",
                float,
                None,
                "safety incidents a day, city-wide (default: Seoul's per resident, "
                f"{SEOUL_PER_DAY['safety']:.0f} a day)",
            ),
            Option(
                "alerts_per_day",
                float,
                None,
                f"disaster alerts a day (default: Seoul's {SEOUL_PER_DAY['alerts']:.0f}, "
                "by the square root of the population: a warning covers an area, "
                "not residents)",
            ),
            Option(
                "traffic_incidents_per_day",
                float,
                None,
                "traffic incidents a day, city-wide (default: Seoul's per resident, "
                f"{SEOUL_PER_DAY['traffic']:.0f} a day)",
            ),
            Option("speed_minutes", float, 15.0, "minutes between road speeds"),
            Option("cameras_per_district", int, 2, "cameras in each district"),
            Option(
                "crowd_minutes",
                float,
                10.0,
                "minutes between the crowds at the profile's hotspots ([city] "
                "hotspots; none: no crowds)",
            ),
            Option(
                "crowds",
                bool,
                True,
                "simulated crowds at the hotspots (false: a real feed gives them)",
            ),
            Option(
                "air",
                bool,
                True,
                "simulated PM2.5 by district (false: a real feed gives it)",
            ),
            Option(
                "climate",
                str,
                None,
                "the alerts' kinds and seasons (the southern half's seasons are six "
                "months on; default: from the city's latitude)",
                choices=tuple(CLIMATES),
            ),
            Option(
                "alert_kinds",
                dict,
                None,
                "kinds of alert and their shares, e.g. { flood = 0.5, fire = 0.5 } "
                "(default: the climate's)",
                items=float,
            ),
            Option(
                "alert_seasons",
                dict,
                None,
                "a kind's weight in each month, January first, 12 numbers "
                "(default: the climate's; a kind not named is all year)",
                items=list,
            ),
            Option(
                "agencies",
                dict,
                None,
                "who answers incidents, by role: " + ", ".join(AGENCY_ROLES) + " "
                "(default: the catalog's generic names)",
                items=str,
            ),
            Option(
                "alert_sender",
                str,
                None,
                "who issues the alerts (default: the city's emergency management)",
            ),
            Option(
                "alert_instruction",
                str,
                None,
                "what an alert tells people to do (default: the catalog's words)",
            ),
            Option(
                "language",
                str,
                None,
                "language of the records' titles, agencies and alert texts "
                "(default: the city's default language)",
            ),
            Option(
                "anomalies",
                dict,
                None,
                "known anomalies made for the anomaly benchmark at seeded hours and "
                "districts (`connectors.anomalies`; none unless given), a table: "
                + "; ".join(
                    f"`{o.name}` ({o.default_text}): {o.help}"
                    for o in anomalies.OPTIONS
                ),
            ),
        ),
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {"seed": 1, "backfill_days": 7}

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        self.profile = profile
        o = read_options(self.OPTIONS, options, self.protocol)
        self.seed = o.seed
        self.backfill = timedelta(days=o.backfill_days)
        population = o.population or profile.population or UNKNOWN_POPULATION
        given = {
            "complaints": o.complaints_per_day,
            "safety": o.safety_incidents_per_day,
            "alerts": o.alerts_per_day,
            "traffic": o.traffic_incidents_per_day,
        }
        self.per_day = {
            stream: rate if rate is not None else default_rate(stream, population)
            for stream, rate in given.items()
        }
        self.language = o.language or profile.default_language
        self.climate = o.climate or climate_at(
            middle_latitude(d.geometry for d in profile.districts)
        )
        self.streams = _streams(self.climate, o.alert_kinds)
        self.seasons = local_seasons(self.climate) | _seasons(o.alert_seasons)
        self.agencies = _agencies(o.agencies, self.language)
        self.alert_sender = o.alert_sender or i18n.t(
            self.language, "demo.alert_sender", city=profile.name(self.language)
        )
        self.alert_instruction = o.alert_instruction or i18n.t(
            self.language, "demo.alert_instruction"
        )
        self.speed_step = timedelta(minutes=o.speed_minutes)
        self.tz = profile.timezone
        self.codes = [d.code for d in profile.districts]
        # where things happen: by population, or by area for a profile without it
        weights = np.array([d.population for d in profile.districts], dtype=float)
        if weights.sum() <= 0:
            weights = np.array([d.geometry.area for d in profile.districts])
        self.district_weights = weights / weights.sum()
        self.points = self._point_pools(40)
        self.links = self._road_links(o.links_per_district)
        self.cameras_per_district = o.cameras_per_district
        self.crowds = CrowdModel(
            profile.hotspots if o.crowds else (),
            profile.timezone,
            o.seed,
            timedelta(minutes=o.crowd_minutes),
        )
        self.air = o.air
        self._hours: dict[tuple[str, datetime], tuple[list[tuple], datetime]] = {}
        self.anomalies = self._schedule(o.anomalies) if o.anomalies else ()
        self._slowed = [
            (a, np.array([self.links["id"].index(link) for link in a.links]))
            for a in self.anomalies
            if a.links
        ]

    def title(self, category: str) -> str:
        return title_in(self.language, category)

    # -- the connector contract ------------------------------------------------------
    def pull(self, cursor: str | None, now: datetime) -> Batch:
        """The newest day first, then the history backwards, then live forwards.

        A fresh wall is full after one pull (today's figures need only the last 24
        hours); the older days of the backfill follow in later pulls. The cursor is
        JSON: ``live`` is where the forward pulls stand, ``history_end`` how far back
        the backfill has come and ``as_of`` the moment whose state it reports (later
        changes arrive through the live pulls). A bare ISO time means live only.
        """
        if cursor is None:
            start = _floor(now - BACKFILL_CHUNK, HOUR)
            state = {
                "live": start.isoformat(),
                "history_start": _floor(now - self.backfill, HOUR).isoformat(),
                "history_end": start.isoformat(),
                "as_of": now.isoformat(),
            }
            return self._live(state, now, first=True)
        state = json.loads(cursor) if cursor.startswith("{") else {"live": cursor}
        if state.get("history_end", "") > state.get("history_start", ""):
            return self._history(state, now)
        return self._live(state, now)

    def _live(self, state: dict[str, str], now: datetime, first: bool = False) -> Batch:
        start = datetime.fromisoformat(state["live"])
        # the first pull goes right up to now: it is what a fresh wall shows
        end = now if first else min(now, start + BACKFILL_CHUNK)
        if end <= start:
            return Batch(next_cursor=json.dumps(state))
        events = [e for s in self.streams for e in self.events(s, start, end, first)]
        state = state | {"live": end.isoformat()}
        history_left = state.get("history_end", "") > state.get("history_start", "")
        # the camera registry with the first pull, then again every hour
        listed = first or _floor(start, HOUR) != _floor(end, HOUR)
        return Batch(
            events=events,
            measurements=self.road_speeds(start, end)
            + self.pm25(start, end)
            + self.crowds.readings(start, end, forecast=True),
            cameras=self.cameras() if listed else [],
            next_cursor=json.dumps(state),
            more=end < now or history_left,
        )

    def cameras(self) -> list[Camera]:
        """A few street cameras per district; every second one for staff only."""
        found = []
        for i, district in enumerate(self.profile.districts):
            for k in range(self.cameras_per_district):
                lon, lat = self.points[i, -1 - k]
                camera_id = f"demo-{district.code}-{k + 1}"
                found.append(
                    Camera(
                        camera_id=camera_id,
                        name=f"{district.name()} CCTV {k + 1}",
                        lon=round(float(lon), 6),
                        lat=round(float(lat), 6),
                        provider="CityWall demo",
                        snapshot_url=f"demo://camera/{camera_id}",
                        access="public" if k % 2 == 0 else "staff",
                    )
                )
        return found

    def _history(self, state: dict[str, str], now: datetime) -> Batch:
        end = datetime.fromisoformat(state["history_end"])
        start = max(
            datetime.fromisoformat(state["history_start"]), end - BACKFILL_CHUNK
        )
        as_of = datetime.fromisoformat(state["as_of"])
        events = [
            e for s in self.streams for e in self.events(s, start, end, as_of=as_of)
        ]
        state = state | {"history_end": start.isoformat()}
        return Batch(
            events=events,
            measurements=self.road_speeds(start, end)
            + self.pm25(start, end)
            + self.crowds.readings(start, end, forecast=False),
            next_cursor=json.dumps(state),
            more=True,  # the live pulls still have to catch up from as_of
        )

    # -- events ----------------------------------------------------------------------
    def events(
        self,
        stream: Stream,
        start: datetime,
        end: datetime,
        first: bool = False,
        as_of: datetime | None = None,
    ) -> list[Event]:
        """Events created in [start, end), and older ones whose lifecycle moved then.

        On the first pull, events created before ``start`` that are still under way
        come too, so the backlog is right from the start. With ``as_of`` (history)
        only the events created in the span come, in their state at ``as_of``.
        """
        out: list[Event] = []
        hour = _floor(start if as_of else start - stream.max_age, HOUR)
        while hour < end:
            rows, last_change = self._hour_of(stream, hour)
            if last_change < start and not first:
                hour += HOUR
                continue  # nothing in this hour moved during the window
            for created, stage_times, fields in rows:
                if created >= end:
                    continue
                if as_of is not None:
                    if start <= created:
                        out.append(
                            self._event(stream, created, stage_times, fields, as_of)
                        )
                    continue
                changed = start <= created or any(start <= t < end for t in stage_times)
                still_open = stage_times[-1] >= start
                if changed or (first and still_open):
                    out.append(self._event(stream, created, stage_times, fields, end))
            hour += HOUR
        return out

    def _hour_of(self, stream: Stream, hour: datetime) -> tuple[list[tuple], datetime]:
        """The events created in one hour; pure, so memoised for the look-back."""
        key = (stream.name, hour)
        if key not in self._hours:
            if len(self._hours) > 4000:  # a few look-back windows; bounded memory
                self._hours.clear()
            rows = self._draw_hour(stream, hour)
            if self.anomalies:
                rows = self._with_anomalies(stream, hour, rows)
            last_change = max((times[-1] for _, times, _ in rows), default=hour)
            self._hours[key] = (rows, last_change)
        return self._hours[key]

    def _draw_hour(self, stream: Stream, hour: datetime) -> list[tuple]:
        local = hour.astimezone(self.tz)
        rng = self._rng(stream.name, hour)
        n = rng.poisson(self._hour_rate(stream, local))
        if n == 0:
            return []
        offsets = np.sort(rng.uniform(0, 3600, n))
        shares = self._category_shares(stream, local)
        cat_idx = rng.choice(len(shares), n, p=shares)
        district_idx = rng.choice(len(self.codes), n, p=self.district_weights)
        return self._rows(stream, hour, rng, offsets, cat_idx, district_idx)

    def _hour_rate(self, stream: Stream, local: datetime) -> float:
        """The records a stream is expected to make in the hour from ``local``."""
        rate = (
            self.per_day[stream.name] * stream.hourly[local.hour] / sum(stream.hourly)
        )
        if local.weekday() >= 5:
            rate *= stream.weekend_factor
        return rate

    def _category_shares(self, stream: Stream, local: datetime) -> np.ndarray:
        """Each category's share of a stream's records in the month of ``local``."""
        weights = np.array(
            [
                share * self.seasons.get(c, ALL_YEAR)[local.month - 1]
                for c, share in stream.categories.items()
            ]
        )
        return weights / weights.sum()

    def expected_counts(self, stream: Stream, hour: datetime) -> np.ndarray:
        """The records of a stream the city expects in the hour from ``hour``, by
        category (in the stream's order) and district (in the profile's)."""
        local = hour.astimezone(self.tz)
        shares = self._category_shares(stream, local)
        return self._hour_rate(stream, local) * np.outer(shares, self.district_weights)

    def _rows(
        self,
        stream: Stream,
        hour: datetime,
        rng: np.random.Generator,
        offsets: np.ndarray,
        cat_idx: np.ndarray,
        district_idx: np.ndarray,
        first: int = 0,
        citywide_share: float = 0.4,
    ) -> list[tuple]:
        """The records of an hour, their places, lifecycles and severities drawn
        from ``rng``; numbered from ``first`` within the hour."""
        n = len(offsets)
        cats = list(stream.categories)
        point_idx = rng.integers(0, self.points.shape[1], n)
        medians = np.array([s.median_minutes for s in stream.stages])
        sigmas = np.array([s.sigma for s in stream.stages])
        delays = np.exp(
            np.log(medians) + sigmas * rng.standard_normal((n, len(medians)))
        )
        stage_minutes = np.minimum(
            np.cumsum(delays, axis=1), stream.max_age.total_seconds() / 60
        )
        severity_idx = rng.choice(len(SEVERITIES), n, p=SEVERITY_WEIGHTS)
        citywide = rng.random(n) < citywide_share
        rows = []
        for i in range(n):
            created = hour + timedelta(seconds=float(offsets[i]))
            stage_times = [
                created + timedelta(minutes=float(m)) for m in stage_minutes[i]
            ]
            lon, lat = self.points[district_idx[i], point_idx[i]]
            rows.append(
                (
                    created,
                    stage_times,
                    {
                        "id": f"{stream.name}-{int(hour.timestamp()) // 3600}-"
                        f"{first + i}",
                        "category": cats[cat_idx[i]],
                        "district": self.codes[district_idx[i]],
                        "lon": float(lon),
                        "lat": float(lat),
                        "severity": SEVERITIES[severity_idx[i]],
                        "citywide": bool(citywide[i]),
                    },
                )
            )
        return rows

    # -- known anomalies (the anomaly benchmark's) --------------------------------------
    def _schedule(self, given: dict[str, Any]) -> tuple[Anomaly, ...]:
        """The ``anomalies`` option's schedule, placed by the rates of this city."""
        plan = anomalies.read_plan(given, self.tz, self.protocol)
        hours = []
        hour = _floor(plan.start, HOUR)
        while hour < plan.end:
            hours.append(hour)
            hour += HOUR
        expected = anomalies.Expected(
            start=hours[0],
            what=tuple((s.name, c) for s in self.streams for c in s.categories),
            codes=tuple(self.codes),
            counts=np.stack(
                [
                    np.concatenate([self.expected_counts(s, h) for s in self.streams])
                    for h in hours
                ]
            ),
        )
        links: dict[str, list[str]] = {code: [] for code in self.codes}
        for link, code in zip(self.links["id"], self.links["district"]):
            links[code].append(link)
        return anomalies.schedule(plan, expected, links, self.tz, self.protocol)

    def _with_anomalies(
        self, stream: Stream, hour: datetime, rows: list[tuple]
    ) -> list[tuple]:
        """The hour as the anomalies make it: a silenced district's new records
        gone, a burst's or a surge's extra ones added. The extra ones come from a
        generator of their own, so the city's own records stay as they were."""
        end = hour + HOUR
        here = [
            a
            for a in self.anomalies
            if a.stream == stream.name and a.start < end and hour < a.end
        ]
        if not here:
            return rows
        first = len(rows)  # the extra records are numbered on from the hour's own
        silent = [a for a in here if a.factor == 0]
        kept = [
            row
            for row in rows
            if not any(
                a.district == row[2]["district"] and a.covers(row[0]) for a in silent
            )
        ]
        for anomaly in here:
            if anomaly.factor > 1:
                extra = self._extra_rows(stream, hour, anomaly, first)
                kept += extra
                first += len(extra)
        return kept

    def _extra_rows(
        self, stream: Stream, hour: datetime, anomaly: Anomaly, first: int
    ) -> list[tuple]:
        """What a burst or a surge adds in its part of the hour: (factor − 1) × the
        usual count of its category in its district, at random times within it."""
        lo, hi = max(hour, anomaly.start), min(hour + HOUR, anomaly.end)
        seconds = (hi - lo).total_seconds()
        c = list(stream.categories).index(anomaly.category)
        d = self.codes.index(anomaly.district)
        usual = self.expected_counts(stream, hour)[c, d] * seconds / 3600
        key = f"{anomaly.kind}:{anomaly.district}:{anomaly.category}"
        rng = np.random.default_rng(
            [
                self.seed,
                anomalies.SALT,
                zlib.crc32(key.encode()),
                int(anomaly.start.timestamp()),
                int(hour.timestamp()),
            ]
        )
        n = rng.poisson((anomaly.factor - 1) * usual)
        if n == 0:
            return []
        offsets = np.sort((lo - hour).total_seconds() + rng.uniform(0, seconds, n))
        return self._rows(
            stream,
            hour,
            rng,
            offsets,
            np.full(n, c),
            np.full(n, d),
            first,
            citywide_share=0.0,  # a burst is in its district, alerts too
        )

    def _speed_factors(self, tick: datetime) -> np.ndarray:
        """What the slowdowns multiply each link's speed by, for the readings of
        the cadence from ``tick`` (each link's at its own phase)."""
        factors = np.ones(len(self.links["id"]))
        for anomaly, slowed in self._slowed:
            if anomaly.start < tick + self.speed_step and tick < anomaly.end:
                for i in slowed:
                    if anomaly.covers(tick + self.links["phase"][i]):
                        factors[i] = anomaly.factor
        return factors

    def _event(
        self,
        stream: Stream,
        created: datetime,
        stage_times: list[datetime],
        f: dict[str, Any],
        as_of: datetime,
    ) -> Event:
        """The event as its source would report it at ``as_of``."""
        reached = [
            (s.name, t) for s, t in zip(stream.stages, stage_times) if t <= as_of
        ]
        lifecycle = [(stream.first_status, created), *reached]
        status, updated = lifecycle[-1]
        final_time = stage_times[-1]
        attrs: dict[str, Any] = {
            "lifecycle": [[name, at.isoformat()] for name, at in lifecycle],
            TITLE_KEY: f["category"],
        }
        common = dict(
            source_id=f["id"],
            domain=stream.domain,
            category=f["category"],
            title=self.title(f["category"]),
            status=status,
            occurred_at=created,
            updated_at=updated,
        )
        if stream.domain == "disaster":
            severity = f["severity"]
            attrs |= {
                "urgency": "Immediate"
                if severity in ("Severe", "Extreme")
                else "Expected",
                "certainty": "Observed" if f["category"] == "earthquake" else "Likely",
                "sender": self.alert_sender,
                "instruction": self.alert_instruction,
            }
            citywide = f["citywide"]
            return Event(
                **common,
                severity=severity,
                district_code=None if citywide else f["district"],
                lon=None if citywide else f["lon"],
                lat=None if citywide else f["lat"],
                expires_at=final_time,
                attrs=attrs | {"area": "citywide" if citywide else f["district"]},
            )
        if stream.domain in ("safety", "traffic"):
            attrs["agency"] = self.agencies[ROLES[f["category"]]]
        return Event(
            **common,
            district_code=f["district"],
            lon=f["lon"],
            lat=f["lat"],
            closed_at=final_time if status == "closed" else None,
            attrs=attrs,
        )

    # -- measurements ----------------------------------------------------------------
    def road_speeds(self, start: datetime, end: datetime) -> list[Measurement]:
        """Link speeds: free-flow speed cut by rush hours and noise.

        Every link reports once per cadence, each at its own phase, so some link
        reports every few seconds, as probe-vehicle feeds do.
        """
        out: list[Measurement] = []
        links = self.links
        free, sensitivity, phase = (
            links["free_flow"],
            links["sensitivity"],
            links["phase"],
        )
        tick = _floor(start, self.speed_step)
        while tick < end:
            local = tick.astimezone(self.tz)
            hour = local.hour + local.minute / 60
            weekday = local.weekday() < 5
            rush = (0.55 if weekday else 0.25) * math.exp(
                -(((hour - 8.2) / 1.1) ** 2) / 2
            )
            rush += (0.6 if weekday else 0.35) * math.exp(
                -(((hour - 18.6) / 1.6) ** 2) / 2
            )
            rush += 0.2 * math.exp(-(((hour - 13.5) / 3.0) ** 2) / 2)
            noise = self._rng(ROAD_SPEED, tick).normal(0, 0.07, len(free))
            slowdown = 1 - np.minimum(rush * sensitivity, 0.9)
            speeds = free * slowdown * (1 + noise)
            if self._slowed:  # × 1 elsewhere: the city's own speeds stay as they were
                speeds = speeds * self._speed_factors(tick)
            speeds = np.round(np.clip(speeds, 3, None), 1).tolist()
            for i, offset in enumerate(phase):
                observed = tick + offset
                if start <= observed < end:
                    out.append(
                        Measurement(
                            ROAD_SPEED,
                            links["id"][i],
                            observed,
                            speeds[i],
                            links["road_class"][i],
                            links["district"][i],
                            links["lon"][i],
                            links["lat"][i],
                        )
                    )
            tick += self.speed_step
        return out

    def pm25(self, start: datetime, end: datetime) -> list[Measurement]:
        """Hourly PM2.5 per district: multi-day episodes, a daily cycle, local offsets."""
        out: list[Measurement] = []
        if not self.air:
            return out
        rng = np.random.default_rng([self.seed, 7])
        phases = rng.uniform(0, 2 * math.pi, 3)
        offsets = rng.normal(1.0, 0.12, len(self.codes))
        t = _ceil(start, HOUR)
        while t < end:
            days = t.timestamp() / 86400
            local_hour = t.astimezone(self.tz).hour
            episode = sum(
                a * math.sin(2 * math.pi * days / p + ph)
                for a, p, ph in zip((9.0, 6.0, 4.0), (5.3, 3.1, 11.0), phases)
            )
            base = max(
                22 + episode + 4 * math.sin(2 * math.pi * (local_hour - 3) / 24), 4
            )
            noise = self._rng(PM25, t).normal(0, 2.0, len(self.codes))
            for i, code in enumerate(self.codes):
                out.append(
                    Measurement(
                        series=PM25,
                        place=code,
                        observed_at=t,
                        value=round(max(float(base * offsets[i] + noise[i]), 1.0), 1),
                        district_code=code,
                        lon=float(self.points[i, 0, 0]),
                        lat=float(self.points[i, 0, 1]),
                    )
                )
            t += HOUR
        return out

    # -- fixed city furniture, drawn once from the seed ------------------------------
    def _point_pools(self, per_district: int) -> np.ndarray:
        """Points inside each district (districts × per_district × lon/lat)."""
        rng = np.random.default_rng([self.seed, 1])
        pools = np.zeros((len(self.codes), per_district, 2))
        for i, district in enumerate(self.profile.districts):
            geom = district.geometry
            shapely.prepare(geom)
            minx, miny, maxx, maxy = geom.bounds
            found = [district.geometry.representative_point().coords[0]]
            while len(found) < per_district:
                xs = rng.uniform(minx, maxx, 64)
                ys = rng.uniform(miny, maxy, 64)
                inside = shapely.contains_xy(geom, xs, ys)
                found.extend(zip(xs[inside], ys[inside]))
            pools[i] = np.round(np.array(found[:per_district]), 6)
        return pools

    def _road_links(self, per_district: int) -> dict[str, Any]:
        """Road links with TOPIS-like ten-digit ids, a road class and a free-flow speed."""
        rng = np.random.default_rng([self.seed, 2])
        links: dict[str, list] = {
            k: [] for k in ("id", "district", "road_class", "lon", "lat")
        }
        free, sensitivity = [], []
        for i, code in enumerate(self.codes):
            for j in range(per_district):
                expressway = j == 0 and rng.random() < 0.6
                links["id"].append(f"{code}{j:05d}")
                links["district"].append(code)
                links["road_class"].append("expressway" if expressway else "arterial")
                lon, lat = self.points[i, j + 1]
                links["lon"].append(float(lon))
                links["lat"].append(float(lat))
                free.append(rng.uniform(70, 85) if expressway else rng.uniform(30, 48))
                sensitivity.append(rng.uniform(0.55, 1.05))
        n = len(links["id"])
        phase = [self.speed_step * i / n for i in range(n)]
        return links | {
            "free_flow": np.array(free),
            "sensitivity": np.array(sensitivity),
            "phase": phase,
        }

    def _rng(self, stream: str, t: datetime) -> np.random.Generator:
        key = [self.seed, zlib.crc32(stream.encode()), int(t.timestamp())]
        return np.random.default_rng(key)


def scheduled_anomalies(
    profile: CityProfile, options: Mapping[str, Any]
) -> tuple[Anomaly, ...]:
    """The anomalies the simulator of a source's ``options`` makes (its
    ``anomalies`` option), in order of start: the anomaly benchmark's ground
    truth, drawn without making a single record."""
    return SimulatorConnector(profile, options).anomalies


def default_rate(stream: str, population: int) -> float:
    """A stream's daily rate for a city of ``population``: Seoul's per resident,
    alerts by the square root (a warning covers an area, not residents)."""
    share = population / SEOUL_POPULATION
    return SEOUL_PER_DAY[stream] * (math.sqrt(share) if stream == "alerts" else share)


def middle_latitude(geometries: Iterable[BaseGeometry]) -> float:
    """The latitude of the middle of the districts' bounds."""
    _, south, _, north = shapely.total_bounds(list(geometries))
    return float(south + north) / 2


def _streams(climate: str, kinds: dict[str, float] | None) -> tuple[Stream, ...]:
    """The four streams, alerts of the climate's kinds (or those given)."""
    mix = kinds if kinds is not None else CLIMATES[climate].kinds
    bad = sorted(k for k, share in mix.items() if share < 0)
    if not mix or sum(mix.values()) <= 0 or bad:
        raise SourceOptionsError(
            "the simulator connector: option `alert_kinds` needs at least one kind "
            "with a share above 0 and none below"
        )
    alerts = replace(ALERTS, categories=dict(mix))
    return tuple(alerts if s is ALERTS else s for s in STREAMS)


def _seasons(given: dict[str, list] | None) -> dict[str, tuple[float, ...]]:
    """The ``alert_seasons`` option: twelve non-negative weights per kind."""
    seasons = {}
    for kind, months in (given or {}).items():
        try:
            weights = tuple(float(m) for m in months)
        except (TypeError, ValueError):
            weights = ()
        if len(weights) != 12 or min(weights) < 0 or not any(weights):
            raise SourceOptionsError(
                f"the simulator connector: option `alert_seasons` {kind}: give 12 "
                "weights, January to December, none below 0 and not all 0"
            )
        seasons[kind] = weights
    return seasons


def _agencies(given: dict[str, str] | None, language: str) -> dict[str, str]:
    """Who answers, by role: the profile's names, else the catalog's generic ones."""
    unknown = sorted(set(given or {}) - set(AGENCY_ROLES))
    if unknown:
        near = difflib.get_close_matches(unknown[0], AGENCY_ROLES, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise SourceOptionsError(
            f"the simulator connector: option `agencies` has no role {unknown[0]!r} "
            f"({hint}roles: {', '.join(AGENCY_ROLES)})"
        )
    generic = {role: i18n.t(language, f"demo.agency.{role}") for role in AGENCY_ROLES}
    return generic | (given or {})


def _floor(t: datetime, step: timedelta) -> datetime:
    seconds = step.total_seconds()
    return datetime.fromtimestamp(t.timestamp() // seconds * seconds, tz=UTC)


def _ceil(t: datetime, step: timedelta) -> datetime:
    floored = _floor(t, step)
    return floored if floored == t else floored + step
