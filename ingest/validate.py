"""Checks a normalised record must pass before it is stored.

A connector already refuses what it cannot parse; these checks hold every connector,
third-party ones included, to the same contract. A record that fails is quarantined
with the reason, never silently dropped or half-stored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import String, Table

from city.records import ACCESS_LEVELS, DOMAINS, Camera, Event, Measurement
from store.schema import cameras, events, measurements


def _text_limits(table: Table) -> dict[str, int]:
    return {
        c.name: c.type.length
        for c in table.columns
        if isinstance(c.type, String) and c.type.length
    }


# What the store can hold, read from the schema so the two never disagree.
EVENT_TEXT_LIMITS = _text_limits(events)
MEASUREMENT_TEXT_LIMITS = _text_limits(measurements)
CAMERA_TEXT_LIMITS = _text_limits(cameras)


def event_problem(
    e: Event, districts: set[str], domains: Collection[str] = DOMAINS
) -> str | None:
    """What is wrong with ``e`` for a city of ``districts`` and ``domains`` (the
    profile's declared ones), None when nothing is."""
    if not e.source_id or len(e.source_id) > 200:
        return "source_id must be 1-200 characters"
    if e.domain not in domains:
        return f"domain {e.domain!r} is not one of the city's: {', '.join(domains)}"
    if not e.category:
        return "category is empty"
    for name in ("occurred_at", "updated_at", "closed_at", "expires_at"):
        if problem := _time_problem(name, getattr(e, name)):
            return problem
    if e.closed_at and e.closed_at < e.occurred_at:
        return "closed_at is before occurred_at"
    if e.district_code is not None and e.district_code not in districts:
        return f"district_code {e.district_code!r} is not a district of this city"
    if not isinstance(e.areas, tuple) or not set(e.areas) <= districts:
        return f"areas {e.areas!r} must be district codes of this city"
    if problem := _text_problem(e, EVENT_TEXT_LIMITS):
        return problem
    try:
        json.dumps(e.attrs, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"attrs are not plain JSON: {exc}"
    return _position_problem(e.lon, e.lat)


def measurement_problem(m: Measurement, districts: set[str]) -> str | None:
    if not m.series or not m.place:
        return "series and place are required"
    if not isinstance(m.value, (int, float)) or not math.isfinite(m.value):
        return f"value {m.value!r} is not a finite number"
    if problem := _time_problem("observed_at", m.observed_at):
        return problem
    if m.district_code is not None and m.district_code not in districts:
        return f"district_code {m.district_code!r} is not a district of this city"
    if problem := _text_problem(m, MEASUREMENT_TEXT_LIMITS):
        return problem
    return _position_problem(m.lon, m.lat)


def camera_problem(c: Camera, districts: set[str]) -> str | None:
    if not c.camera_id or not c.name or not c.provider:
        return "camera_id, name and provider are required"
    if c.access not in ACCESS_LEVELS:
        return f"access {c.access!r} is not one of {ACCESS_LEVELS}"
    urls = [u for u in (c.snapshot_url, c.stream_url) if u]
    if not urls:
        return "a camera needs a snapshot_url or a stream_url"
    for url in urls:
        if not isinstance(url, str) or not url.startswith(
            ("http://", "https://", "demo://")
        ):
            return f"{url!r} is not an http(s) URL"
    if c.district_code is not None and c.district_code not in districts:
        return f"district_code {c.district_code!r} is not a district of this city"
    if problem := _text_problem(c, CAMERA_TEXT_LIMITS):
        return problem
    if not all(
        isinstance(v, (int, float)) and math.isfinite(v) for v in (c.lon, c.lat)
    ):
        return "a camera needs a position (lon, lat)"
    return _position_problem(c.lon, c.lat)


def _text_problem(record: object, limits: dict[str, int]) -> str | None:
    for name, limit in limits.items():
        value = getattr(record, name, None)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return f"{name} must be text of at most {limit} characters"
    return None


def _time_problem(name: str, value: datetime | None) -> str | None:
    if value is None:
        return (
            None
            if name != "occurred_at" and name != "observed_at"
            else f"{name} is missing"
        )
    if not isinstance(value, datetime) or value.tzinfo is None:
        return f"{name} must be a time with a time zone"
    return None


def _position_problem(lon: float | None, lat: float | None) -> str | None:
    if (lon is None) != (lat is None):
        return "lon and lat must come together"
    if lon is None:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"position ({lon}, {lat}) is off the globe"
    return None
