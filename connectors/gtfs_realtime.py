"""GTFS-realtime (transit): TripUpdates, VehiclePositions and Alerts, protobuf.

Each pull turns the feeds' current snapshot into measurements — mean delay and the
on-time share, per route and per district (a trip is in the district where its
vehicle is) — and service alerts into traffic events. An alert that leaves the feed
has ended and is closed. Delays come from the feed's own ``delay`` fields: a feed
that only gives predicted times (no static timetable here) yields no delay.
Vehicle labels and licence plates are never read into records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from statistics import fmean
from typing import Any, ClassVar

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as rt

from city.geo import DistrictLocator
from city.privacy import scrub_text
from city.profile import CityProfile
from city.records import Batch, Event, Measurement, Rejected, StatusChange
from connectors.base import PayloadRejected, excerpt
from connectors.feed import (
    FEED_OPTIONS,
    FeedConnector,
    SourceOptionsError,
    dump_cursor,
    load_cursor,
)
from connectors.http import Validators
from connectors.options import Option, declare
from connectors.values import EARLIEST, LATEST, position, slug

FEEDS = ("trip_updates_url", "vehicle_positions_url", "alerts_url")
SEVERITY_LEVEL = {"INFO": "Minor", "WARNING": "Moderate", "SEVERE": "Severe"}
EFFECT_SEVERITY = {"NO_SERVICE": "Severe", "SIGNIFICANT_DELAYS": "Moderate"}
DELAY, ON_TIME, VEHICLES = (
    "transit_delay_s",
    "transit_on_time_share",
    "transit_vehicles",
)


class GtfsRealtimeConnector(FeedConnector):
    protocol = "gtfs_realtime"
    OPTIONS = declare(
        (
            Option("trip_updates_url", str, None, "the TripUpdates feed (delays)"),
            Option(
                "vehicle_positions_url",
                str,
                None,
                "the VehiclePositions feed (where each trip is)",
            ),
            Option(
                "alerts_url", str, None, "the Alerts feed (one of the three at least)"
            ),
            Option("early_seconds", float, 60.0, "on time: at most this early…"),
            Option("late_seconds", float, 300.0, "…and this late"),
        ),
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "trip_updates_url": "https://transit.example/gtfs-rt/trip-updates",
        "vehicle_positions_url": "https://transit.example/gtfs-rt/vehicle-positions",
        "alerts_url": "https://transit.example/gtfs-rt/alerts",
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.urls = {name: o[name] for name in FEEDS if o[name]}
        if not self.urls:
            raise SourceOptionsError(
                f"the gtfs_realtime connector needs one of {FEEDS}"
            )
        # on time: at most this early or late (seconds); the common 1 min / 5 min rule
        self.early = o.early_seconds
        self.late = o.late_seconds
        self.languages = [profile.default_language, profile.local_language]
        self.locator = DistrictLocator(profile)

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        state = load_cursor(cursor)
        validators = state.get("http", {})
        feeds: dict[str, rt.FeedMessage] = {}
        for name, url in self.urls.items():
            response = self.http.get(
                url, validators=Validators.from_json(validators.get(name))
            )
            if response.not_modified:
                continue
            message = rt.FeedMessage()
            try:
                message.ParseFromString(response.body)
            except DecodeError as exc:
                raise PayloadRejected(
                    f"{name}: not a GTFS-realtime feed ({exc})"
                ) from exc
            feeds[name] = message
            validators[name] = response.validators.to_json()

        # the trips and vehicles read go into aggregates: those are the records
        # stored (fetched = stored + rejected + ignored counts entities)
        batch = Batch(summarised=0)
        vehicles = feeds.get("vehicle_positions_url")
        positions = _positions(vehicles, batch) if vehicles else Positions()
        if "trip_updates_url" in feeds:
            self._delays(feeds["trip_updates_url"], positions, batch, now)
        if vehicles:
            self._vehicles(vehicles, positions, batch, now)
        open_alerts = state.get("open_alerts", [])
        if "alerts_url" in feeds:
            current = self._alerts(feeds["alerts_url"], batch, now)
            batch.status_changes += [
                StatusChange(gone, "closed", now)
                for gone in sorted(set(open_alerts) - set(current))
            ]
            open_alerts = sorted(current)
        batch.next_cursor = dump_cursor(
            {"http": validators, "open_alerts": open_alerts}
        )
        return batch

    # -- delays -------------------------------------------------------------------

    def _delays(
        self,
        feed: rt.FeedMessage,
        positions: Positions,
        batch: Batch,
        now: datetime,
    ) -> None:
        observed = _snapshot_time(feed.header.timestamp, now)
        by_route: dict[str, list[float]] = defaultdict(list)
        trips: list[tuple[str, float]] = []  # (trip key, delay)
        for entity in feed.entity:
            if not entity.HasField("trip_update"):
                continue
            update = entity.trip_update
            problem = (
                "trip update names neither trip nor route"
                if not update.trip.trip_id and not update.trip.route_id
                else _route_problem(update.trip.route_id)
            )
            if problem:
                batch.rejected.append(
                    Rejected(problem, _entity_excerpt(entity), entity.id)
                )
                continue
            delay = _delay(update)
            if delay is None:
                batch.ignored += 1  # predicted times only: no delay to measure
                continue
            by_route[update.trip.route_id or "unknown"].append(delay)
            batch.summarised += 1
            trips.append((update.trip.trip_id or update.vehicle.id, delay))
        by_district: dict[str, list[float]] = defaultdict(list)
        placed = [(key, d) for key, d in trips if key in positions]
        if placed:
            codes = self.locator.locate(
                [positions[k][0] for k, _ in placed],
                [positions[k][1] for k, _ in placed],
            )
            for (_, delay), code in zip(placed, codes):
                if code:
                    by_district[code].append(delay)
        for route, delays in sorted(by_route.items()):
            batch.measurements += self._summaries(
                f"route:{route}", delays, observed, None
            )
        for code, delays in sorted(by_district.items()):
            batch.measurements += self._summaries(
                f"district:{code}", delays, observed, code
            )

    def _summaries(
        self, place: str, delays: list[float], observed: datetime, district: str | None
    ) -> list[Measurement]:
        on_time = sum(-self.early <= d <= self.late for d in delays) / len(delays)
        return [
            Measurement(DELAY, place, observed, fmean(delays), "transit", district),
            Measurement(ON_TIME, place, observed, on_time, "transit", district),
        ]

    def _vehicles(
        self,
        feed: rt.FeedMessage,
        positions: Positions,
        batch: Batch,
        now: datetime,
    ) -> None:
        observed = _snapshot_time(feed.header.timestamp, now)
        counts: dict[str, int] = defaultdict(int)
        for number, entity in enumerate(feed.entity):
            if not entity.HasField("vehicle") or number in positions.refused:
                continue
            route = entity.vehicle.trip.route_id
            if problem := _route_problem(route):
                batch.rejected.append(
                    Rejected(problem, _entity_excerpt(entity), entity.id or None)
                )
                continue
            counts[route or "unknown"] += 1
            batch.summarised += 1
        batch.measurements += [
            Measurement(VEHICLES, f"route:{route}", observed, n, "transit")
            for route, n in sorted(counts.items())
        ]

    # -- alerts --------------------------------------------------------------------

    def _alerts(self, feed: rt.FeedMessage, batch: Batch, now: datetime) -> set[str]:
        current = set()
        sent = _time(feed.header.timestamp) or now
        for entity in feed.entity:
            if not entity.HasField("alert"):
                continue
            alert = entity.alert
            if not entity.id:
                batch.rejected.append(
                    Rejected("alert entity without id", excerpt(str(entity)))
                )
                continue
            starts = [t for p in alert.active_period if (t := _time(p.start))]
            ends = [t for p in alert.active_period if (t := _time(p.end))]
            effect = rt.Alert.Effect.Name(alert.effect)
            level = (
                rt.Alert.SeverityLevel.Name(alert.severity_level)
                if alert.HasField("severity_level")
                else ""
            )
            header = self._text(alert.header_text)
            routes = sorted({e.route_id for e in alert.informed_entity if e.route_id})
            current.add(entity.id)
            batch.events.append(
                Event(
                    source_id=entity.id,
                    domain="traffic",
                    category=f"transit_{slug(effect)}",
                    occurred_at=min(starts) if starts else sent,
                    title=(header or effect.replace("_", " ").capitalize())[:300],
                    status="open",
                    severity=SEVERITY_LEVEL.get(level)
                    or EFFECT_SEVERITY.get(effect, "Minor"),
                    updated_at=sent,
                    expires_at=max(ends) if ends else None,
                    attrs={
                        k: v
                        for k, v in {
                            "cause": rt.Alert.Cause.Name(alert.cause),
                            "effect": effect,
                            "routes": routes or None,
                            "agencies": sorted(
                                {
                                    e.agency_id
                                    for e in alert.informed_entity
                                    if e.agency_id
                                }
                            )
                            or None,
                            "description": (self._text(alert.description_text) or "")[
                                :1000
                            ]
                            or None,
                            "url": self._text(alert.url),
                        }.items()
                        if v is not None
                    },
                )
            )
        return current

    def _text(self, translated: rt.TranslatedString) -> str | None:
        options = {
            (t.language or "").lower(): scrub_text(t.text.strip()) or ""
            for t in translated.translation
        }
        for wanted in self.languages:
            for language, text in options.items():
                if language.split("-")[0] == wanted and text:
                    return text
        return next((t for t in options.values() if t), None)


# a reading's place is at most 128 characters: "route:" and the route's id
MAX_ROUTE_ID = 128 - len("route:")


def _route_problem(route_id: str) -> str | None:
    """Why a route id cannot name a reading's place (the entity is rejected before
    it is aggregated, so the counts stay those of entities)."""
    if len(route_id) > MAX_ROUTE_ID:
        return f"route_id is longer than {MAX_ROUTE_ID} characters"
    return None


def _delay(update: rt.TripUpdate) -> float | None:
    """The trip's current delay: the first stop event that gives one, else the
    trip-level delay (GTFS-rt 2.0, experimental)."""
    for stop in update.stop_time_update:
        for event in (stop.arrival, stop.departure):
            if event.HasField("delay"):
                return float(event.delay)
    return float(update.delay) if update.HasField("delay") else None


class Positions(dict[str, tuple[float, float]]):
    """Vehicle positions by trip id and by vehicle id, and the entities (by their
    place in the feed) whose position is refused (off the globe: quarantined,
    neither placed nor counted)."""

    refused: set[int]

    def __init__(self) -> None:
        super().__init__()
        self.refused = set()


def _positions(feed: rt.FeedMessage, batch: Batch) -> Positions:
    found = Positions()
    for number, entity in enumerate(feed.entity):
        vehicle = entity.vehicle
        if not entity.HasField("vehicle") or not vehicle.HasField("position"):
            continue
        try:
            where = position(vehicle.position.longitude, vehicle.position.latitude)
        except ValueError as exc:
            # latitude 100 is a broken sender, not a place: the vehicle is refused
            found.refused.add(number)
            batch.rejected.append(
                Rejected(f"vehicle {exc}", _entity_excerpt(entity), entity.id or None)
            )
            continue
        if where[0] is None:
            continue  # (0, 0): no position
        for key in (vehicle.trip.trip_id, vehicle.vehicle.id):
            if key:
                found[key] = (where[0], where[1])
    return found


def _entity_excerpt(entity: rt.FeedEntity) -> str:
    """The entity without its vehicle's label and licence plate (never read into
    records), wherever it names the vehicle: a position or a trip update."""
    shown = rt.FeedEntity()
    shown.CopyFrom(entity)
    for holder in (shown.vehicle, shown.trip_update):
        if holder.HasField("vehicle"):
            holder.vehicle.ClearField("label")
            holder.vehicle.ClearField("license_plate")
    return excerpt(str(shown))


def _time(posix: int) -> datetime | None:
    """A feed's POSIX time; None when absent or beyond any time a wall can mean
    (a uint64 of garbage would overflow the datetime)."""
    if not posix or not EARLIEST.timestamp() <= posix < LATEST.timestamp():
        return None
    return datetime.fromtimestamp(posix, UTC)


def _snapshot_time(posix: int, pulled: datetime) -> datetime:
    """When a snapshot was taken: the header's timestamp, else the pull's time, to
    the second. Each snapshot is a reading of its own: the same snapshot pulled
    again (the same header timestamp) replaces its reading, and two snapshots a few
    seconds apart — a 15-second feed, or a feed without timestamps pulled twice in
    a minute — are two readings, never one overwriting the other."""
    moment = _time(posix) or pulled
    return moment.replace(microsecond=0)
