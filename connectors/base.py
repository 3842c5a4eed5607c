"""The contract every connector keeps: payload in, normalised records out.

A connector turns what a source sends into two kinds of records (events and
measurements), and cameras for a camera registry, plus rejects that carry the reason they were refused. It does no I/O
beyond its own fetch and keeps no state beyond the cursor the ingest hands it, so
the ingest alone decides what is committed and when the cursor moves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from connectors.privacy import drop_personal_fields, scrub_text

DOMAINS = ("traffic", "safety", "disaster", "complaints")


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


class PayloadRejected(ValueError):
    """A whole payload is not what the protocol sends (not JSON, not a list, not a
    CAP document): the run fails with this reason and the other sources go on.
    Single bad records never raise it; they become ``Rejected``."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A later message retracting an event this source sent before (a CAP Cancel or
    Update); the event keeps its fields and only changes status."""

    source_id: str
    status: str  # "cancelled" or "superseded": final, a re-sent original stays so
    at: datetime


@dataclass(slots=True)
class Batch:
    """What one pull produced.

    ``next_cursor`` is where the following pull starts once this batch is committed;
    ``more`` says the source has more ready now (a backfill in chunks). ``ignored``
    counts records that were read but are not for this wall (a quake far away, a
    CAP test message): records in = stored + rejected + ignored.
    """

    events: list[Event] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    cameras: list[Camera] = field(default_factory=list)
    next_cursor: str | None = None
    more: bool = False
    ignored: int = 0

    @property
    def size(self) -> int:
        return (
            len(self.events)
            + len(self.measurements)
            + len(self.cameras)
            + len(self.rejected)
        )


class Connector(Protocol):
    """A source protocol. Instances are built from a profile's source options."""

    protocol: ClassVar[str]

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        """Return the records after ``cursor`` up to ``now``."""
        ...


def excerpt(raw: object, limit: int = 500) -> str:
    """A bounded, printable excerpt of a raw record for the quarantine table:
    objects as JSON without their personal fields, text scrubbed before it is cut
    (a cut e-mail address no longer looks like one)."""
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, (Mapping, list, tuple)):
        text = json.dumps(drop_personal_fields(raw), ensure_ascii=False, default=str)
    else:
        text = repr(raw)
    text = scrub_text(text) or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
