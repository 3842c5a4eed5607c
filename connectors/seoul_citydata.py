"""Seoul's real-time city data per hotspot: the Open API's ``citydata`` (OA-21285),
one call per place (``…/citydata/1/5/{AREA_CD}``), for the ~120 hotspots the
profile lists (``city.hotspots``).

What lands, per hotspot and poll:
- series ``crowd_level`` (1 relaxed … 4 crowded, the four official levels, the
  level's key as category), ``crowd_min`` and ``crowd_max`` (the live population
  band), at the population's own time; ``crowd_forecast_level`` and
  ``crowd_forecast_max`` at each forecast hour ahead (the next poll's forecast
  replaces them); ``hotspot_road_speed`` (the average around it);
- accident and traffic-control notices as traffic events, the disaster text
  messages as disaster events, both keyed by what they say (a notice near three
  hotspots is one event); cultural events as events of ``event_domain`` when the
  profile names one.

Sections come as a list or as one object, numbers as numbers or text, empty text
for nothing: all read alike. A hotspot the API answers for another place (the
sample key answers Gwanghwamun whatever is asked), or not within the poll's
deadline, is quarantined with the reason; the others still land. Every hotspot
failing is a failed run.

    [[sources]]
    name = "citydata"
    connector = "seoul_citydata"
    interval_seconds = 300
    [sources.options]
    api_key = "…"   # the hotspots: the profile's [city] hotspots
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any, ClassVar

from city.geo import DistrictLocator
from city.hotspots import (
    CROWD_FORECAST_LEVEL,
    CROWD_FORECAST_MAX,
    CROWD_LEVEL,
    CROWD_MAX,
    CROWD_MIN,
    LEVEL_KEYS,
    Hotspot,
    hotspots_from,
    read_hotspots,
)
from city.privacy import scrub_text
from city.profile import CityProfile
from city.records import Batch, Event, Measurement, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import FEED_OPTIONS, FeedConnector
from connectors.http import FetchError
from connectors.options import Option, SourceOptionsError, declare
from connectors.seoul_api import API_OPTIONS, SeoulOpenApi, as_list
from connectors.values import optional_number, optional_time, position

SERVICE = "citydata"
# the four official congestion levels: (value, key)
LEVELS = {
    name: (value, key)
    for value, (name, key) in enumerate(
        zip(("여유", "보통", "약간붐빔", "붐빔"), LEVEL_KEYS), start=1
    )
}
# a notice's kind (ACDNT_TYPE) as the wall's traffic categories
NOTICE_KINDS = {
    "사고": "accident",
    "공사": "roadwork",
    "고장": "vehicle_breakdown",
    "통제": "road_closure",
    "집회": "road_closure",
    "행사": "road_closure",
}
# a disaster message's kind (DST_SE_NM) as the wall's disaster categories
MESSAGE_KINDS = {
    "호우": "heavy_rain",
    "홍수": "flood",
    "폭염": "heat_wave",
    "한파": "cold_wave",
    "대설": "heavy_snow",
    "강풍": "strong_wind",
    "태풍": "strong_wind",
    "지진": "earthquake",
    "미세먼지": "fine_dust",
    "황사": "sand_storm",
    "산사태": "landslide",
}
# a message's step (EMRG_STEP_NM) as CAP severities
MESSAGE_STEPS = {"위급재난": "Extreme", "긴급재난": "Severe", "안전안내": "Minor"}


class SeoulCitydataConnector(FeedConnector):
    protocol = "seoul_citydata"
    OPTIONS = declare(
        (
            Option(
                "hotspots_file",
                str,
                None,
                "CSV of the hotspots, relative to the profile: "
                "code,name_ko,name_en,district,lon,lat (city.hotspots; "
                "default: the profile's [city] hotspots)",
            ),
            Option(
                "hotspots",
                list,
                None,
                "the hotspots in the profile instead, each { code, name_ko, "
                "district, lon, lat }",
                items=dict,
            ),
            Option("concurrency", int, 4, "calls in flight at once"),
            Option(
                "deadline_seconds",
                float,
                60.0,
                "a poll's time at most: a hotspot not answered by then is "
                "quarantined for this poll",
            ),
            Option(
                "message_hours",
                float,
                12.0,
                "how long a disaster text message counts as in force (the messages "
                "carry no end)",
            ),
            Option(
                "event_domain",
                str,
                None,
                "the domain cultural events (EVENT_STTS) go to; none: not kept",
            ),
        ),
        API_OPTIONS,
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "api_key": "your-key",
        "hotspots": [
            {
                "code": "POI009",
                "name_ko": "광화문·덕수궁",
                "name_en": "Gwanghwamun · Deoksugung",
                "district": "11110",
                "lon": 126.9769,
                "lat": 37.5714,
            }
        ],
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.api = SeoulOpenApi(self)
        self.hotspots = _hotspots(profile, o)
        self.concurrency = max(1, min(int(o.concurrency), 16))
        self.deadline = float(o.deadline_seconds)
        self.message_life = timedelta(hours=float(o.message_hours))
        self.event_domain = o.event_domain
        if self.event_domain and self.event_domain not in profile.domains_by_id:
            raise SourceOptionsError(
                f"the seoul_citydata connector: event_domain {self.event_domain!r} "
                f"is not one of the city's: {', '.join(profile.domains_by_id)}"
            )
        self.locator = DistrictLocator(profile)

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        batch = Batch(next_cursor=cursor)
        answers, failures = self._ask_all()
        events: dict[tuple[str, str], Event] = {}  # one event however many hotspots
        for spot in self.hotspots:
            if spot.code in failures:
                batch.rejected.append(
                    Rejected(failures[spot.code], spot.code, spot.code)
                )
                continue
            city = answers[spot.code]
            if city is None:
                batch.ignored += 1  # no data for this place now (INFO-200)
                continue
            try:
                batch.measurements += self._crowd(spot, city)
            except ValueError as exc:
                batch.rejected.append(
                    Rejected(f"{spot.code}: {exc}", excerpt(city), spot.code)
                )
            for event in self._events(spot, city, batch):
                events.setdefault((event.domain, event.source_id), event)
        batch.events += events.values()
        if self.hotspots and len(failures) == len(self.hotspots):
            raise PayloadRejected(next(iter(failures.values())))  # the service is down
        return batch

    # -- the calls
    def _ask_all(self) -> tuple[dict[str, Mapping[str, Any] | None], dict[str, str]]:
        """Each hotspot's CITYDATA (None: no data now), and the reason of each that
        failed, calls ``concurrency`` at a time within the poll's deadline."""
        answers: dict[str, Mapping[str, Any] | None] = {}
        failures: dict[str, str] = {}
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="citydata")
        try:
            asked: dict[Future, Hotspot] = {
                pool.submit(self._ask, spot): spot for spot in self.hotspots
            }
            done, late = wait(asked, timeout=self.deadline)
            for future in done:
                spot = asked[future]
                try:
                    answers[spot.code] = future.result()
                except (FetchError, ValueError) as exc:
                    failures[spot.code] = str(exc)
            for future in late:
                failures[asked[future].code] = (
                    f"no answer within the poll's {self.deadline:g} s"
                )
        finally:
            # the late ones end by their own fetch deadline; nobody waits for them
            pool.shutdown(wait=False, cancel_futures=True)
        return answers, failures

    def _ask(self, spot: Hotspot) -> Mapping[str, Any] | None:
        answer = self.api.call(SERVICE, 1, 5, [spot.code])
        city = answer.payload.get("CITYDATA")
        if city is None or city == "":
            return None
        if not isinstance(city, Mapping):
            raise PayloadRejected(f"{spot.code}: CITYDATA is not an object")
        answered = str(city.get("AREA_CD") or "").strip()
        if answered and answered != spot.code:
            raise PayloadRejected(
                f"asked for {spot.code}, the API answered for {answered} "
                f"({city.get('AREA_NM')}): a sample key?"
            )
        return city

    # -- what lands
    def _crowd(self, spot: Hotspot, city: Mapping[str, Any]) -> list[Measurement]:
        found: list[Measurement] = []
        for live in _objects(city.get("LIVE_PPLTN_STTS"))[:1]:
            at = optional_time(live.get("PPLTN_TIME"), self.zone, "PPLTN_TIME")
            if at is None:
                raise ValueError("the live population has no time (PPLTN_TIME)")
            level = _level(live.get("AREA_CONGEST_LVL"), "AREA_CONGEST_LVL")
            if level is not None:
                found.append(self._reading(spot, CROWD_LEVEL, at, level[0], level[1]))
            for series, field in (
                (CROWD_MIN, "AREA_PPLTN_MIN"),
                (CROWD_MAX, "AREA_PPLTN_MAX"),
            ):
                value = optional_number(live.get(field), field)
                if value is not None:
                    found.append(self._reading(spot, series, at, value))
            for ahead in _objects(live.get("FCST_PPLTN")):
                when = optional_time(ahead.get("FCST_TIME"), self.zone, "FCST_TIME")
                if when is None:
                    continue
                level = _level(ahead.get("FCST_CONGEST_LVL"), "FCST_CONGEST_LVL")
                if level is not None:
                    found.append(
                        self._reading(
                            spot, CROWD_FORECAST_LEVEL, when, level[0], level[1]
                        )
                    )
                most = optional_number(ahead.get("FCST_PPLTN_MAX"), "FCST_PPLTN_MAX")
                if most is not None:
                    found.append(self._reading(spot, CROWD_FORECAST_MAX, when, most))
        roads = city.get("ROAD_TRAFFIC_STTS")
        for average in _objects(
            roads.get("AVG_ROAD_DATA") if isinstance(roads, Mapping) else None
        )[:1]:
            speed = optional_number(average.get("ROAD_TRAFFIC_SPD"), "ROAD_TRAFFIC_SPD")
            at = optional_time(
                average.get("ROAD_TRAFFIC_TIME"), self.zone, "ROAD_TRAFFIC_TIME"
            )
            if speed is not None and at is not None and speed >= 0:
                found.append(self._reading(spot, "hotspot_road_speed", at, speed))
        return found

    def _reading(
        self,
        spot: Hotspot,
        series: str,
        at: datetime,
        value: float,
        category: str | None = None,
    ) -> Measurement:
        return Measurement(
            series=series,
            place=spot.code,
            observed_at=at,
            value=value,
            category=category,
            district_code=spot.district,
            lon=spot.lon,
            lat=spot.lat,
        )

    def _events(
        self, spot: Hotspot, city: Mapping[str, Any], batch: Batch
    ) -> list[Event]:
        """The hotspot's notices, messages and events; each one that cannot be read
        is quarantined, the others kept."""
        found: list[Event] = []
        sections = (
            ("ACDNT_CNTRL_STTS", self._notice),
            ("LIVE_DST_MESSAGE", self._message),
            ("EVENT_STTS", self._cultural if self.event_domain else None),
        )
        for name, read in sections:
            if read is None:
                continue
            for item in _objects(city.get(name)):
                try:
                    found.append(read(spot, item))
                except ValueError as exc:
                    batch.rejected.append(
                        Rejected(f"{spot.code} {name}: {exc}", excerpt(item), spot.code)
                    )
        return found

    def _notice(self, spot: Hotspot, item: Mapping[str, Any]) -> Event:
        occurred = optional_time(item.get("ACDNT_OCCR_DT"), self.zone, "ACDNT_OCCR_DT")
        if occurred is None:
            raise ValueError("a notice without its time (ACDNT_OCCR_DT)")
        kind = _text(item.get("ACDNT_TYPE"))
        lon, lat = position(_blank(item.get("ACDNT_X")), _blank(item.get("ACDNT_Y")))
        return Event(
            source_id=_key("notice", item.get("ACDNT_OCCR_DT"), kind, lon, lat),
            domain="traffic",
            category=NOTICE_KINDS.get(kind.replace(" ", ""), "road_hazard"),
            occurred_at=occurred,
            title=(scrub_text(_text(item.get("ACDNT_INFO"))) or kind)[:300],
            district_code=self._district(lon, lat, spot),
            lon=lon,
            lat=lat,
            expires_at=optional_time(item.get("EXP_CLR_DT"), self.zone, "EXP_CLR_DT"),
            attrs={
                "type": kind,
                "detail": _text(item.get("ACDNT_DTYPE")),
                "hotspot": spot.code,
            },
        )

    def _message(self, spot: Hotspot, item: Mapping[str, Any]) -> Event:
        sent = optional_time(item.get("CRT_DT"), self.zone, "CRT_DT")
        text = _text(item.get("MSG_CN"))
        if sent is None or not text:
            raise ValueError("a disaster message without its time or text")
        kind = _text(item.get("DST_SE_NM"))
        step = _text(item.get("EMRG_STEP_NM"))
        return Event(
            source_id=_key("message", item.get("CRT_DT"), text),
            domain="disaster",
            category=MESSAGE_KINDS.get(kind.replace(" ", ""), "other"),
            occurred_at=sent,
            title=text[:300],
            severity=MESSAGE_STEPS.get(step.replace(" ", "")),
            district_code=None,  # sent to the city, not to a hotspot
            expires_at=sent + self.message_life,
            attrs={"type": kind, "step": step},
        )

    def _cultural(self, spot: Hotspot, item: Mapping[str, Any]) -> Event:
        name = _text(item.get("EVENT_NM"))
        period = _text(item.get("EVENT_PERIOD"))
        start, _, end = period.partition("~")
        began = optional_time(start.strip() or None, self.zone, "EVENT_PERIOD")
        if not name or began is None:
            raise ValueError("an event without its name or period (EVENT_PERIOD)")
        ends = optional_time(end.strip() or None, self.zone, "EVENT_PERIOD")
        lon, lat = position(_blank(item.get("EVENT_X")), _blank(item.get("EVENT_Y")))
        return Event(
            source_id=_key("event", name, period),
            domain=str(self.event_domain),
            category="cultural_event",
            occurred_at=began,
            title=name[:300],
            district_code=self._district(lon, lat, spot),
            lon=lon,
            lat=lat,
            expires_at=ends + timedelta(days=1) if ends else None,  # through its day
            attrs={"place": _text(item.get("EVENT_PLACE")), "hotspot": spot.code},
        )

    def _district(
        self, lon: float | None, lat: float | None, spot: Hotspot
    ) -> str | None:
        if lon is None or lat is None:
            return spot.district
        return self.locator.locate([lon], [lat])[0] or spot.district


def _hotspots(profile: CityProfile, options: Any) -> list[Hotspot]:
    codes = [d.code for d in profile.districts]
    if options.hotspots_file is not None:
        found, problems = read_hotspots(profile.folder / options.hotspots_file, codes)
    elif options.hotspots:
        found, problems = hotspots_from(options.hotspots, codes)
    elif profile.hotspots:
        found, problems = list(profile.hotspots), []
    else:
        found, problems = (
            [],
            [
                "seoul_citydata needs its hotspots: [city] hotspots, or the "
                "option `hotspots_file` or `hotspots`"
            ],
        )
    if problems:
        raise SourceOptionsError("; ".join(problems[:10]))
    return found


def _objects(section: Any) -> list[Mapping[str, Any]]:
    """A section's items, whether it came as a list, one object or nothing."""
    return [item for item in as_list(section) if isinstance(item, Mapping)]


def _level(value: Any, field: str) -> tuple[int, str] | None:
    """A congestion level as (1–4, its key); None when not given."""
    text = unicodedata.normalize("NFC", _text(value)).replace(" ", "")
    if not text:
        return None
    if text not in LEVELS:
        raise ValueError(f"{field} {value!r} is not one of 여유, 보통, 약간 붐빔, 붐빔")
    return LEVELS[text]


def _text(value: Any) -> str:
    return (
        re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip()
        if value is not None
        else ""
    )


def _blank(value: Any) -> Any:
    """A coordinate sent as empty text is no coordinate."""
    return None if isinstance(value, str) and not value.strip() else value


def _key(*parts: Any) -> str:
    """A record's id from what it says: the same notice seen near two hotspots
    is one record."""
    text = "|".join(_text(p) for p in parts)
    return f"{parts[0]}:" + hashlib.sha256(text.encode()).hexdigest()[:24]
