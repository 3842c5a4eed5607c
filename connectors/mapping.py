"""A column mapping from a profile: turns rows of any table-shaped feed (Socrata,
CSV, JSON) into events or measurements.

    [sources.options.record]          # constants
    kind = "event"                    # or "measurement"
    domain = "safety"
    category = "incident"             # used when the row has no category
    [sources.options.columns]         # record field = source column
    source_id = "case_number"
    occurred_at = "date"
    category = "primary_type"
    location = "location"             # a point column (GeoJSON, lat/lon object)
    [sources.options.categories]      # optional: source value = category
    THEFT = "theft"

Only mapped columns are read, so a feed's other columns (names, phone numbers)
never reach the store; ``attrs`` lists extra columns to keep. Every text kept (the
title, the extra columns) loses e-mail addresses, phone and personal id numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from city.privacy import is_personal_field, scrub_text, scrub_value
from city.profile import CityProfile
from city.records import Event, Measurement
from connectors.options import Option, SourceOptionsError
from connectors.values import (
    identifier,
    optional_time,
    parse_number,
    parse_time,
    position,
    slug,
)

EVENT_FIELDS = {
    "source_id", "occurred_at", "category", "title", "status", "severity",
    "district", "lat", "lon", "location", "updated_at", "closed_at", "expires_at",
}  # fmt: skip
MEASUREMENT_FIELDS = {
    "series", "place", "observed_at", "value", "category", "district", "lat", "lon",
    "location",
}  # fmt: skip
REQUIRED = {
    "event": ("source_id", "occurred_at"),
    "measurement": ("place", "observed_at", "value"),
}
CLOSED_STATUSES = ("closed", "completed", "resolved")

# the options of every connector that maps rows (Socrata, tables)
MAPPING_OPTIONS = (
    Option(
        "record",
        dict,
        None,
        "constants of each record: `kind` (event or measurement), an event's "
        "`domain` and default `category`, a measurement's `series`",
    ),
    Option("columns", dict, None, "record field = source column", items=str),
    Option("categories", dict, None, "source value = category", items=str),
    Option(
        "closed_statuses",
        list,
        CLOSED_STATUSES,
        "statuses that close an event",
        items=str,
    ),
    Option(
        "attrs",
        list,
        None,
        "extra columns kept with each record (never one that names a person)",
        items=str,
    ),
    Option(
        "time_format",
        str,
        None,
        "how the times are written when not ISO 8601, in strptime's terms "
        "(Seoul's Open API: %Y%m%d%H%M)",
    ),
)


@dataclass(frozen=True)
class RecordMapping:
    kind: str
    constants: Mapping[str, Any]
    columns: Mapping[str, str]
    categories: Mapping[str, str] = field(default_factory=dict)
    closed_statuses: frozenset[str] = frozenset(CLOSED_STATUSES)
    attrs: tuple[str, ...] = ()
    district_lookup: Mapping[str, str] = field(default_factory=dict)
    time_format: str | None = None

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], profile: CityProfile
    ) -> RecordMapping:
        record = dict(options.get("record") or {})
        columns = dict(options.get("columns") or {})
        kind = record.pop("kind", "event")
        problems = []
        if kind not in REQUIRED:
            problems.append(f"record.kind {kind!r} must be 'event' or 'measurement'")
        else:
            allowed = EVENT_FIELDS if kind == "event" else MEASUREMENT_FIELDS
            unknown = sorted(set(columns) - allowed)
            if unknown:
                problems.append(f"columns {unknown} are not fields of a {kind}")
            for name in REQUIRED[kind]:
                if name not in columns and name not in record:
                    problems.append(f"map `{name}` in columns (or give it in record)")
            if kind == "event":
                domains = tuple(profile.domains_by_id)
                if record.get("domain") not in domains:
                    problems.append(
                        f"record.domain must be one of the city's: {', '.join(domains)}"
                    )
            elif "series" not in record and "series" not in columns:
                problems.append("record.series names the measured series")
        attrs = tuple(options.get("attrs") or ())
        closed = options.get("closed_statuses")
        personal = sorted(a for a in attrs if is_personal_field(a))
        if personal:
            problems.append(f"attrs {personal} would store personal data")
        written = options.get("time_format")
        if written is not None and not _reads_back(written):
            problems.append(f"time_format {written!r} is not a strptime format")
        if problems:
            raise SourceOptionsError("; ".join(problems))
        return cls(
            kind=kind,
            constants=record,
            columns=columns,
            categories=dict(options.get("categories") or {}),
            closed_statuses=frozenset(
                s.lower() for s in (CLOSED_STATUSES if closed is None else closed)
            ),
            attrs=attrs,
            district_lookup=district_lookup(profile),
            time_format=options.get("time_format"),
        )

    def to_record(self, row: Mapping[str, Any], zone: tzinfo) -> Event | Measurement:
        """One row as a record; ``ValueError`` says what is wrong with it."""
        if not isinstance(row, Mapping):
            raise ValueError(f"a row must be an object, not {type(row).__name__}")
        if self.kind == "measurement":
            return self._measurement(row, zone)
        return self._event(row, zone)

    def _get(self, row: Mapping[str, Any], name: str) -> Any:
        column = self.columns.get(name)
        if column is None:
            return self.constants.get(name)
        value = row.get(column)
        if isinstance(value, str):
            value = value.strip()
        return value if value not in (None, "") else self.constants.get(name)

    def _time(
        self, row: Mapping[str, Any], name: str, zone: tzinfo, required: bool = False
    ) -> datetime | None:
        read = parse_time if required else optional_time
        return read(self._get(row, name), zone, name, self.time_format)

    def _place(
        self, row: Mapping[str, Any]
    ) -> tuple[float | None, float | None, str | None]:
        lon, lat = self._location(row)
        district = self._get(row, "district")
        code = None
        if district is not None:
            code = self.district_lookup.get(str(district).strip().casefold())
            if code is None:
                raise ValueError(
                    f"district {district!r} is not a district of this city"
                )
        return lon, lat, code

    def _location(self, row: Mapping[str, Any]) -> tuple[float | None, float | None]:
        point = self._get(row, "location")
        if isinstance(point, Mapping):
            if "coordinates" in point:  # GeoJSON Point (Socrata "point" columns)
                return _coordinates(point.get("coordinates"))
            return position(point.get("longitude"), point.get("latitude"))
        if point not in (None, ""):
            raise ValueError(f"location {point!r} is not a point")
        return position(self._get(row, "lon"), self._get(row, "lat"))

    def _category(self, row: Mapping[str, Any]) -> str:
        raw = self._get(row, "category")
        if raw is None:
            raise ValueError("category is missing (map it or give record.category)")
        raw = str(raw)
        return self.categories.get(raw) or slug(scrub_text(raw) or "")

    def _event(self, row: Mapping[str, Any], zone: tzinfo) -> Event:
        lon, lat, code = self._place(row)
        closed_at = self._time(row, "closed_at", zone)
        status_raw = self._get(row, "status")
        closed = closed_at is not None or (
            status_raw is not None and str(status_raw).lower() in self.closed_statuses
        )
        attrs = {
            name: scrub_value(row[name])
            for name in self.attrs
            if row.get(name) not in (None, "")
            and not isinstance(row[name], (dict, list))
        }
        return Event(
            source_id=identifier(self._get(row, "source_id"), "source_id"),
            domain=str(self.constants["domain"]),
            category=self._category(row),
            occurred_at=self._time(row, "occurred_at", zone, required=True),
            title=(scrub_text(str(self._get(row, "title") or "")) or "")[:300],
            status="closed" if closed else "open",
            severity=_text_or_none(self._get(row, "severity")),
            district_code=code,
            lon=lon,
            lat=lat,
            updated_at=self._time(row, "updated_at", zone),
            closed_at=closed_at,
            expires_at=self._time(row, "expires_at", zone),
            attrs=attrs,
        )

    def _measurement(self, row: Mapping[str, Any], zone: tzinfo) -> Measurement:
        lon, lat, code = self._place(row)
        category = self._get(row, "category")
        return Measurement(
            series=identifier(self._get(row, "series"), "series"),
            place=identifier(self._get(row, "place"), "place"),
            observed_at=self._time(row, "observed_at", zone, required=True),
            value=parse_number(self._get(row, "value"), "value"),
            category=self.categories.get(str(category), str(category))
            if category is not None
            else None,
            district_code=code,
            lon=lon,
            lat=lat,
        )


def _reads_back(written: str) -> bool:
    """Whether a time written so is read back, year included (a typo such as %Q
    is not)."""
    text = datetime(2026, 5, 18, 15, 30).strftime(written)
    try:
        return datetime.strptime(text, written).strftime(written) == text and (
            "2026" in text or "26" in text
        )
    except ValueError:
        return False


def _coordinates(value: Any) -> tuple[float | None, float | None]:
    """A GeoJSON position [lon, lat(, alt)]; no position when it is null."""
    if value in (None, []):
        return None, None
    if not isinstance(value, list) or len(value) < 2:
        raise ValueError(f"coordinates {value!r} are not [longitude, latitude]")
    return position(value[0], value[1])


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def district_lookup(profile: CityProfile) -> dict[str, str]:
    """District codes by code and by every name, case-folded: feeds write either."""
    lookup = {}
    for d in profile.districts:
        lookup[d.code.casefold()] = d.code
        for name in d.names.values():
            lookup[name.casefold()] = d.code
    return lookup
