"""The records every floor above speaks of: what a connector makes, the ingest
places and stores, and the KPI layer counts.

Two kinds of record (events and measurements), cameras of a registry, rejects that
carry their reason, status changes that retract an event, and the batch one pull
produces. No personal data: a reject's quotes are scrubbed as it is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from city.privacy import scrub_text

DOMAINS = ("traffic", "safety", "disaster", "complaints")

# An event's attribute naming its title in the catalogs (``record_title.<key>``),
# for a source that makes its titles from a kind the wall knows (the simulator): the
# title is then shown in the viewer's language; ``title`` keeps the English words
# for everything that reads the row as it is. A feed's own title has no key and is
# shown as it came.
TITLE_KEY = "title_key"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happens at a place: a complaint, an incident, an alert."""

    source_id: str
    domain: str
    category: str
    occurred_at: datetime
    title: str = ""
    status: str = "open"
    severity: str | None = None
    district_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    expires_at: datetime | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    # further districts the event covers (a warning area over several districts)
    areas: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Measurement:
    """One value of a series at one place and time: a link speed, a PM2.5 reading."""

    series: str
    place: str
    observed_at: datetime
    value: float
    category: str | None = None
    district_code: str | None = None
    lon: float | None = None
    lat: float | None = None


ACCESS_LEVELS = ("public", "staff", "restricted")  # who may see a camera, widest first


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera of the city's registry: where it is and where its pictures are.

    ``snapshot_url`` answers one JPEG per request; ``stream_url`` is an MJPEG
    stream (multipart/x-mixed-replace) of which the wall takes one frame at a time.
    """

    camera_id: str
    name: str
    lon: float
    lat: float
    provider: str
    snapshot_url: str | None = None
    stream_url: str | None = None
    access: str = "public"
    district_code: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record the connector could not normalise, kept with the reason.

    Reason and excerpt quote the source, so both lose personal numbers and
    addresses here, whoever built the reject.
    """

    reason: str
    excerpt: str
    source_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", scrub_text(str(self.reason)) or "")
        object.__setattr__(self, "excerpt", scrub_text(str(self.excerpt)) or "")


# An event's final statuses once a later message retracts it (a CAP Cancel, Update
# or all-clear): it stays stored, is never in force (alerts, the stage), and a
# re-sent original keeps it; a declared count of what occurred still counts it
# unless its `where` on status leaves it out. An all-clear is itself stored as
# "all_clear": on file, never active.
RETRACTED_STATUSES = ("cancelled", "superseded", "all_clear")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A later message retracting an event this source sent before (a CAP Cancel or
    Update); the event keeps its fields and only changes status."""

    source_id: str
    status: str  # one of RETRACTED_STATUSES
    at: datetime


@dataclass(slots=True)
class Batch:
    """What one pull produced.

    ``next_cursor`` is where the following pull starts once this batch is committed;
    ``more`` says the source has more ready now (a backfill in chunks). ``ignored``
    counts records that were read but are not for this wall (a quake far away, a
    CAP test message): records in = stored + rejected + ignored. ``ignore`` counts
    one with its reason (``ignored_reasons``: how many per reason). ``error`` is the
    pull's own verdict that the source is failing although it answered (an index
    whose every linked document failed): the batch and its cursor are kept, the
    run is recorded as failed.

    A connector whose measurements are aggregates of the records it read (a transit
    feed's trips, summed into each route's mean delay) says how many records went
    into them in ``summarised``; those, not the aggregate rows, are then the
    records stored, so a run's counts speak of what the feed sent.
    """

    events: list[Event] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    cameras: list[Camera] = field(default_factory=list)
    next_cursor: str | None = None
    more: bool = False
    ignored: int = 0
    error: str | None = None
    ignored_reasons: dict[str, int] = field(default_factory=dict)
    summarised: int | None = None

    def ignore(self, reason: str) -> None:
        self.ignored += 1
        self.ignored_reasons[reason] = self.ignored_reasons.get(reason, 0) + 1

    @property
    def stored(self) -> int:
        """The records read that are stored: as rows, or folded into aggregates."""
        measured = (
            len(self.measurements) if self.summarised is None else self.summarised
        )
        return len(self.events) + measured + len(self.cameras)

    @property
    def rows(self) -> int:
        """The rows the batch writes."""
        return len(self.events) + len(self.measurements) + len(self.cameras)

    @property
    def size(self) -> int:
        return self.stored + len(self.rejected)


# CAP 1.2's severities, least to most severe: every event's severity is one of them
SEVERITIES = ("Unknown", "Minor", "Moderate", "Severe", "Extreme")


def events_feed(domain: str) -> str:
    """What a source delivering events of ``domain`` feeds ("events:safety"); the
    wall's KPIs are stale when the feeds they read are."""
    return f"events:{domain}"


def series_feed(series: str) -> str:
    """What a source delivering measurements of ``series`` feeds ("series:pm25")."""
    return f"series:{series}"
