"""The rollups the ingest keeps, batch by batch, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from city.records import Event, StatusChange
from store import rollups, writes
from store.schema import close_hours_histogram, event_hourly, event_totals

KST = timezone(timedelta(hours=9))
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=KST)  # 00:30 UTC


def rollup_rows(engine) -> dict[str, set[tuple]]:
    """Every rollup's rows that count something."""
    with engine.connect() as conn:
        return {
            "hourly": {
                tuple(r)
                for r in conn.execute(select(event_hourly))
                if r.opened or r.closed
            },
            "totals": {
                tuple(r) for r in conn.execute(select(event_totals)) if r.opened
            },
            "histogram": {
                tuple(r) for r in conn.execute(select(close_hours_histogram)) if r.n
            },
        }


def test_an_event_counts_in_the_utc_hours_it_opened_and_closed(engine):
    closed = T0 + timedelta(hours=30, minutes=10)  # 06:40 UTC the day after
    event = Event(
        "req-1", "complaints", "noise", T0, district_code="11680", closed_at=closed
    )
    with engine.begin() as conn:
        writes.upsert_events(conn, "open311", [event], T0)
    opened_hour = datetime(2026, 11, 20, 0, tzinfo=UTC)
    closed_hour = datetime(2026, 11, 21, 6, tzinfo=UTC)
    bucket = round(math.log(30 + 10 / 60) / math.log(rollups.BUCKET_RATIO))
    assert rollup_rows(engine) == {
        "hourly": {
            ("complaints", opened_hour, "11680", "noise", 1, 0),
            ("complaints", closed_hour, "11680", "noise", 0, 1),
        },
        "totals": {("complaints", "11680", 1, 1)},
        "histogram": {
            ("complaints", closed_hour, "11680", bucket, 1),
            ("complaints", closed_hour, rollups.WHOLE_CITY, bucket, 1),
        },
    }


def test_rollups_kept_batch_by_batch_equal_those_made_from_the_rows(engine):
    """Re-sent, moved, closed, reopened and retracted records move their counts
    and never count twice: what the ingest kept is what a rebuild makes."""
    first = [
        Event(
            f"e{i}",
            ("complaints", "safety")[i % 2],
            ("noise", "parking", "fire")[i % 3],
            T0 + timedelta(minutes=17 * i),
            district_code=("11680", "11110", None)[i % 3],
            closed_at=T0 + timedelta(hours=i % 7, minutes=3 * i) if i % 4 else None,
        )
        for i in range(60)
    ]
    later = [  # the same records sent again: a third moved, closed or reopened
        dataclasses.replace(
            e,
            district_code="11740" if i % 3 == 0 else e.district_code,
            closed_at=None if i % 5 == 0 else T0 + timedelta(days=1, minutes=i),
        )
        for i, e in enumerate(first[::2])
    ]
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", first, T0)
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", later, T0 + timedelta(days=1))
        writes.apply_status_changes(
            conn, "a", [StatusChange("e7", "cancelled", T0 + timedelta(hours=3))]
        )
    kept = rollup_rows(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert rollup_rows(engine) == kept
    assert sum(row[4] for row in kept["hourly"]) == 60  # opened: each event once
