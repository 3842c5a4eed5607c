"""Writes: upserts keyed by (source, source id) and (series, place, time, source), the
quarantine, source bookkeeping and the data version. Each takes an open connection so
the ingest can put a whole batch in one transaction."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

import numpy as np
import shapely
from sqlalchemy import (
    Connection,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from city.records import (
    RETRACTED_STATUSES,
    Camera,
    Event,
    Measurement,
    Rejected,
    StatusChange,
    events_feed,
    series_feed,
)
from store import rollups
from store.schema import (
    cameras,
    districts,
    event_areas,
    events,
    measurements,
    quarantine,
    source_feeds,
    source_runs,
    source_state,
)
from store.types import UTCDateTime
from store.upsert import upsert, upsert_values
from store.versions import facet_groups, note_newest


def _row(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A record's fields as a dict, shallow: ``asdict`` deep-copies and is 10× slower."""
    return {name: getattr(record, name) for name in names}


EVENT_FIELDS = tuple(f.name for f in fields(Event) if f.name != "areas")
FACT_KEYS = rollups.EventFacts._fields
REJECTED_FIELDS = tuple(f.name for f in fields(Rejected))
CAMERA_FIELDS = tuple(f.name for f in fields(Camera))


EVENT_COLUMNS = (
    "source_id",
    "domain",
    "category",
    "occurred_at",
    "title",
    "status",
    "severity",
    "district_code",
    "lon",
    "lat",
    "updated_at",
    "closed_at",
    "expires_at",
    "attrs",
    "source",
    "ingested_at",
)
if set(EVENT_COLUMNS) != set(EVENT_FIELDS) | {"source", "ingested_at"}:
    raise RuntimeError("store.writes.EVENT_COLUMNS must name every field of Event")
_FACTS_OF_EVENT = itemgetter(*(EVENT_COLUMNS.index(k) for k in FACT_KEYS))
_UPDATED_AT = itemgetter(EVENT_COLUMNS.index("updated_at"))


def upsert_events(
    conn: Connection,
    source: str,
    batch: Iterable[Event],
    now: datetime,
    districts: Sequence[str | None] | None = None,
) -> int:
    """Events, replaced in place by (source, source id); ``districts`` (one per
    event) overrides the events' own. Returns how many distinct events."""
    batch = list(batch)
    codes = districts if districts is not None else [e.district_code for e in batch]
    rows: dict[str, tuple] = {}  # one per key, the last one winning
    areas = {}
    for e, code in zip(batch, codes, strict=True):
        rows[e.source_id] = (
            e.source_id,
            e.domain,
            e.category,
            e.occurred_at,
            e.title,
            e.status,
            e.severity,
            code,
            e.lon,
            e.lat,
            e.updated_at or e.occurred_at,
            e.closed_at,
            e.expires_at,
            e.attrs,
            source,
            now,
        )
        if e.areas:
            areas[e.source_id] = e.areas

    # a retracted event stays retracted when its original is sent again
    def keep_final(excluded: Any) -> dict[str, Any]:
        return {
            "status": case(
                # literal values: an expanding IN cannot run in executemany
                (
                    events.c.status.in_([literal(s) for s in RETRACTED_STATUSES]),
                    events.c.status,
                ),
                else_=excluded.status,
            )
        }

    groups = facet_groups(conn)
    values = list(rows.values())
    after = [rollups.EventFacts(*_FACTS_OF_EVENT(v)) for v in values]
    if groups:
        stored = rollups.stored_facts_by_id(
            conn, source, list(rows), rollups.reads_attrs(groups)
        )
        before = list(stored.values())
        after = _kept_final(after, values, stored)
    else:
        before = rollups.stored_facts(conn, source, list(rows))
    upsert_values(
        conn, events, EVENT_COLUMNS, values, ["source", "source_id"], keep_final
    )
    rollups.apply_event_changes(conn, before, after, groups)
    if areas:
        _replace_areas(conn, source, areas)
    note_newest(conn, map(_UPDATED_AT, values))
    return len(values)


def _kept_final(
    after: list[rollups.EventFacts],
    values: list[tuple],
    stored: dict[str, rollups.EventFacts],
) -> list[rollups.EventFacts]:
    """The facts as the upsert leaves them: a retracted event keeps its status."""
    found = []
    for facts, row in zip(after, values, strict=True):
        was = stored.get(row[0])  # the row's first column: its source id
        if was is not None and was.status in RETRACTED_STATUSES:
            facts = facts._replace(status=was.status)
        found.append(facts)
    return found


def _replace_areas(
    conn: Connection, source: str, areas: dict[str, tuple[str, ...]]
) -> None:
    ids = dict(
        conn.execute(
            select(events.c.source_id, events.c.id).where(
                events.c.source == source, events.c.source_id.in_(list(areas))
            )
        ).all()
    )
    conn.execute(delete(event_areas).where(event_areas.c.event_id.in_(ids.values())))
    conn.execute(
        event_areas.insert(),
        [
            {"event_id": ids[sid], "district_code": code}
            for sid, codes in areas.items()
            for code in dict.fromkeys(codes)
        ],
    )


def apply_status_changes(
    conn: Connection, source: str, changes: Iterable[StatusChange]
) -> None:
    """Retract events this source sent before; unknown ones are left alone."""
    rows = [
        {"s": source, "sid": c.source_id, "st": c.status, "at": c.at} for c in changes
    ]
    if rows:
        ids = [r["sid"] for r in rows]
        groups = facet_groups(conn)
        with_attrs = rollups.reads_attrs(groups)
        before = rollups.stored_facts(conn, source, ids, with_attrs)
        conn.execute(
            update(events)
            .where(
                events.c.source == bindparam("s"),
                events.c.source_id == bindparam("sid"),
            )
            .values(
                status=bindparam("st"),
                updated_at=bindparam("at", type_=UTCDateTime()),
                closed_at=func.coalesce(
                    events.c.closed_at, bindparam("at", type_=UTCDateTime())
                ),
            ),
            rows,
        )
        after = rollups.stored_facts(conn, source, ids, with_attrs)
        rollups.apply_event_changes(conn, before, after, groups)


def upsert_measurements(
    conn: Connection,
    source: str,
    batch: Sequence[Measurement],
    districts: Sequence[str | None] | None = None,
) -> int:
    """Readings, replaced in place by (series, time, place) within ``source`` —
    another source's reading at the same point is another reading, kept beside
    it; ``districts`` (one per reading) overrides the readings' own. Tens of millions of readings: each
    becomes a tuple straight away, and each distinct time is floored to its hour
    once."""
    if not batch:
        return 0
    codes = districts if districts is not None else [m.district_code for m in batch]
    rows = {  # one per key (the source is the batch's), the last one winning
        (m.series, m.observed_at, m.place): (
            source,
            m.series,
            m.place,
            m.category,
            code,
            m.lon,
            m.lat,
            m.observed_at,
            m.value,
        )
        for m, code in zip(batch, codes, strict=True)
    }
    upsert_values(
        conn,
        measurements,
        MEASUREMENT_COLUMNS,
        list(rows.values()),
        list(KEY_OF_READING),
    )
    hours = {t: rollups.hour_of(t) for t in {key[1] for key in rows}}
    rollups.refresh_measurement_hours(
        conn, {(series, hours[t]) for series, t, _ in rows}
    )
    note_newest(conn, hours)
    return len(batch)


MEASUREMENT_COLUMNS = (
    "source",
    "series",
    "place",
    "category",
    "district_code",
    "lon",
    "lat",
    "observed_at",
    "value",
)
KEY_OF_READING = ("series", "observed_at", "place", "source")  # the primary key


def _last_per_key(
    rows: list[dict[str, Any]], keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One row per key, the last one winning: a statement may not touch a row twice."""
    return list({tuple(r[k] for k in keys): r for r in rows}.values())


def upsert_cameras(
    conn: Connection, source: str, batch: Iterable[Camera], now: datetime
) -> int:
    """A source's cameras, replaced in place; ``seen_at`` says when it last listed
    each (a camera its registry no longer lists drops off the wall)."""
    rows = [_row(c, CAMERA_FIELDS) | {"source": source, "seen_at": now} for c in batch]
    keys = ("source", "camera_id")
    upsert(conn, cameras, _last_per_key(rows, keys), list(keys))
    return len(rows)


def quarantine_records(
    conn: Connection, source: str, rejects: Iterable[Rejected], now: datetime
) -> int:
    rows = [
        {"source": source, "received_at": now, **_row(r, REJECTED_FIELDS)}
        for r in rejects
    ]
    if rows:
        conn.execute(quarantine.insert(), rows)
    return len(rows)


QUARANTINE_KEEP_DAYS = 30
QUARANTINE_KEEP_ROWS = 10_000


@dataclass(frozen=True)
class Retention:
    """How much of a source's quarantine is kept: rows younger than ``days``, at
    most ``rows`` of them (the newest)."""

    days: float = QUARANTINE_KEEP_DAYS
    rows: int = QUARANTINE_KEEP_ROWS


DEFAULT_RETENTION = Retention()


def trim_quarantine(
    conn: Connection, source: str, now: datetime, keep: Retention
) -> None:
    """Drop the source's quarantined rows older than ``keep.days`` and all but its
    newest ``keep.rows``: a source that rejects the same records every poll fills
    no disk."""
    mine = quarantine.c.source == source
    conn.execute(
        delete(quarantine).where(
            mine, quarantine.c.received_at < now - timedelta(days=keep.days)
        )
    )
    # the id of the newest row past the limit (NULL when there are fewer)
    newest_dropped = (
        select(quarantine.c.id)
        .where(mine)
        .order_by(quarantine.c.id.desc())
        .offset(keep.rows)
        .limit(1)
        .scalar_subquery()
    )
    conn.execute(delete(quarantine).where(mine, quarantine.c.id <= newest_dropped))


WRITTEN_TABLES = (
    "events",
    "event_areas",
    "measurements",
    "event_hourly",
    "event_totals",
    "close_hours_histogram",
    "event_facet_hourly",
    "event_facet_totals",
    "close_hours_facet_histogram",
    "measurement_hourly",
)


def refresh_statistics(engine) -> None:
    """PostgreSQL's planner statistics brought up to date for the tables the ingest
    writes (ANALYZE samples a fixed number of rows: well under a second)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"ANALYZE {', '.join(WRITTEN_TABLES)}")


def read_cursor(conn: Connection, source: str) -> str | None:
    return conn.execute(
        select(source_state.c.cursor).where(source_state.c.source == source)
    ).scalar()


def record_success(
    conn: Connection, source: str, cursor: str | None, now: datetime
) -> None:
    upsert_state(conn, source, cursor=cursor, last_success_at=now)


def record_feeds(
    conn: Connection,
    source: str,
    events_: Iterable[Event],
    measurements_: Iterable[Measurement],
) -> None:
    """Note what kinds of records a source delivers (kept once per kind)."""
    feeds = {events_feed(e.domain) for e in events_} | {
        series_feed(m.series)[:80] for m in measurements_
    }
    if not feeds:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(source_feeds).on_conflict_do_nothing(),
        [{"source": source, "feed": f} for f in sorted(feeds)],
    )


def record_failure(
    conn: Connection,
    source: str,
    error: str,
    now: datetime,
    cursor: str | None = None,
) -> None:
    """The source's error; with a ``cursor``, a batch of a failing source was kept
    and the cursor moves on."""
    kept = {} if cursor is None else {"cursor": cursor}
    upsert_state(conn, source, last_error=error, last_error_at=now, **kept)


def upsert_state(conn: Connection, source: str, **values: Any) -> None:
    """Set some fields of a source's state, leaving the others as they are."""
    exists = conn.execute(
        select(source_state.c.source).where(source_state.c.source == source)
    ).first()
    if exists:
        conn.execute(
            update(source_state).where(source_state.c.source == source).values(**values)
        )
    else:
        conn.execute(source_state.insert().values(source=source, **values))


def record_run(conn: Connection, **run: Any) -> None:
    conn.execute(source_runs.insert().values(**run))


def sync_districts(conn: Connection, profile) -> None:
    """Make the districts table match the city profile."""
    rows = []
    for d in profile.districts:
        centroid = d.geometry.representative_point()
        rows.append(
            {
                "code": d.code,
                "name_en": d.name("en"),
                "name_local": d.name(profile.local_language),
                "population": d.population,
                "area_km2": _area_km2(d.geometry),
                "centroid_lon": centroid.x,
                "centroid_lat": centroid.y,
            }
        )
    upsert(conn, districts, rows, ["code"])


def _area_km2(geometry) -> float:
    """Area of a lon/lat polygon, by an equal-area projection at its latitude."""
    lat0 = math.radians(geometry.centroid.y)
    km_per_deg = 111.32
    scale = np.array([km_per_deg * math.cos(lat0), km_per_deg])
    return round(shapely.transform(geometry, lambda xy: xy * scale).area, 2)
