"""USGS earthquake GeoJSON: the summary feeds (``…/summary/all_day.geojson``) or an
FDSN event query (``…/fdsnws/event/1/query?format=geojson``).

Only quakes whose epicentre lies within ``radius_km`` of the city count; the rest
are read and ignored (not rejected). A quake stays on the wall as an active
disaster event for ``active_hours``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import shapely
from pyproj import Geod

from city.privacy import scrub_text, scrub_value
from city.profile import CityProfile
from city.records import SEVERITIES, Batch, Event, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import (
    FEED_OPTIONS,
    FeedConnector,
    dump_cursor,
    load_cursor,
    load_json,
)
from connectors.http import Validators
from connectors.options import Option, declare
from connectors.values import identifier, optional_number, parse_time, position, slug

GEOD = Geod(ellps="WGS84")
# PAGER alert levels (estimated losses) as CAP severities
PAGER_SEVERITY = {
    "red": "Extreme",
    "orange": "Severe",
    "yellow": "Moderate",
    "green": "Minor",
}
SEVERITY_RANK = SEVERITIES


def magnitude_severity(magnitude: float | None) -> str:
    """The severity a magnitude alone gives (M7 Extreme, M6 Severe, M5 Moderate)."""
    if magnitude is None:
        return "Unknown"
    if magnitude >= 7:
        return "Extreme"
    if magnitude >= 6:
        return "Severe"
    if magnitude >= 5:
        return "Moderate"
    return "Minor"


def severity_of(magnitude: float | None, alert: str | None) -> tuple[str, str]:
    """A quake's severity and why: the higher of its magnitude's and PAGER's.

    PAGER (estimated losses) may raise a quake above its magnitude — a shallow M5.8
    under a city, orange — but never lowers it: a green M6.9 is still Severe, so a
    stronger quake never ranks below a weaker one unless PAGER's assessment of the
    weaker is the reason, and the reason is kept (``"pager"`` or ``"magnitude"``).
    """
    by_magnitude = magnitude_severity(magnitude)
    by_pager = PAGER_SEVERITY.get(alert or "", "Unknown")
    if SEVERITY_RANK.index(by_pager) > SEVERITY_RANK.index(by_magnitude):
        return by_pager, "pager"
    return by_magnitude, "magnitude"


class UsgsConnector(FeedConnector):
    protocol = "usgs"
    OPTIONS = declare(
        (
            Option(
                "url",
                str,
                required=True,
                help="a summary feed (…/summary/all_day.geojson) or an FDSN event query",
            ),
            Option("radius_km", float, 500.0, "quakes this close to the city's centre"),
            Option("min_magnitude", float, 0.0, "smaller quakes are ignored"),
            Option(
                "active_hours",
                float,
                24.0,
                "how long a quake counts as an active event",
            ),
            Option(
                "query",
                bool,
                None,
                "ask the server to filter (FDSN parameters); default: when the URL "
                "has `fdsnws`",
            ),
            Option("lookback_days", float, 7.0, "how far back an FDSN query asks"),
        ),
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "url": "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/2.5_day.geojson"
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.url = o.url
        self.radius_km = o.radius_km
        self.min_magnitude = o.min_magnitude
        self.active = timedelta(hours=o.active_hours)
        self.query = "fdsnws" in self.url if o.query is None else o.query
        self.lookback = timedelta(days=o.lookback_days)
        centre = shapely.union_all([d.geometry for d in profile.districts]).centroid
        self.lon, self.lat = centre.x, centre.y

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        state = load_cursor(cursor)
        params = None
        if self.query:  # let the server filter; the radius check below still holds
            params = {
                "format": "geojson",
                "starttime": (now - self.lookback).strftime("%Y-%m-%dT%H:%M:%S"),
                "latitude": round(self.lat, 4),
                "longitude": round(self.lon, 4),
                "maxradiuskm": self.radius_km,
                "minmagnitude": self.min_magnitude,
                "orderby": "time",
            }
        response = self.http.get(
            self.url,
            params=params,
            validators=Validators.from_json(state.get("http")),
        )
        if response.not_modified:
            return Batch(next_cursor=cursor)
        collection = load_json(response.body, "the USGS feed")
        if not isinstance(collection, Mapping) or not isinstance(
            collection.get("features"), list
        ):
            raise PayloadRejected("not a GeoJSON FeatureCollection of earthquakes")

        batch = Batch(next_cursor=dump_cursor({"http": response.validators.to_json()}))
        for feature in collection["features"]:
            try:
                event = self._event(feature)
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(feature)))
                continue
            if event is None:
                batch.ignored += 1
            else:
                batch.events.append(event)
        return batch

    def _event(self, feature: Any) -> Event | None:
        """The quake as an event; None when it is too far or too small to count."""
        if not isinstance(feature, Mapping):
            raise ValueError(f"a feature must be an object, not {_kind(feature)}")
        props = _object(feature.get("properties"), "properties")
        geometry = _object(feature.get("geometry"), "geometry")
        coordinates = geometry.get("coordinates") or []
        if not isinstance(coordinates, list) or len(coordinates) < 2:
            raise ValueError("the quake has no epicentre")
        lon, lat = position(coordinates[0], coordinates[1])
        if lon is None:
            raise ValueError("the quake has no epicentre")
        depth = optional_number(
            coordinates[2] if len(coordinates) > 2 else None, "depth"
        )
        magnitude = optional_number(props.get("mag"), "mag")
        _, _, metres = GEOD.inv(self.lon, self.lat, lon, lat)
        distance_km = metres / 1000
        if distance_km > self.radius_km or (magnitude or 0) < self.min_magnitude:
            return None
        occurred = parse_time(props.get("time"), self.zone, "time")
        alert = props.get("alert")
        if alert is not None and not isinstance(alert, str):
            raise ValueError(f"alert {alert!r} is not a PAGER level")
        place = _text(props.get("place"))
        severity, severity_by = severity_of(magnitude, alert)
        attrs = {
            "magnitude": magnitude,
            "magnitude_type": props.get("magType"),
            "depth_km": depth,
            "place": place,
            "distance_km": round(distance_km, 1),
            "felt": props.get("felt"),
            "cdi": props.get("cdi"),
            "mmi": props.get("mmi"),
            "pager_alert": alert,
            "severity_by": severity_by,
            "tsunami": bool(props.get("tsunami")),
            "significance": props.get("sig"),
            "review_status": props.get("status"),
            "url": props.get("url"),
        }
        return Event(
            source_id=identifier(feature.get("id") or props.get("code"), "id"),
            domain="disaster",
            category=slug(str(props.get("type") or "earthquake")),
            occurred_at=occurred,
            title=(_text(props.get("title")) or f"M {magnitude} - {place}")[:300],
            status="open",
            severity=severity,
            lon=lon,
            lat=lat,
            updated_at=parse_time(props["updated"], self.zone, "updated")
            if props.get("updated") is not None
            else None,
            expires_at=occurred + self.active,
            attrs=scrub_value({k: v for k, v in attrs.items() if v is not None}),
        )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _object(value: Any, name: str) -> Mapping[str, Any]:
    """A GeoJSON member that must be an object; null reads as empty."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be an object, not {_kind(value)}")
    return value


def _text(value: Any) -> str | None:
    """A label from the feed, scrubbed (a "place" is free text)."""
    return None if value in (None, "") else scrub_text(str(value))
