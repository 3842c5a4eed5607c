"""Warning areas and retractions (CAP Update/Cancel) on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from city.records import Event, StatusChange
from store import writes
from store.schema import event_areas, events

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def warning(source_id: str, areas: tuple[str, ...] = (), status: str = "open") -> Event:
    return Event(
        source_id=source_id,
        domain="disaster",
        category="heavy_rain",
        occurred_at=T0,
        severity="Severe",
        status=status,
        district_code="11680",
        areas=areas,
    )


def state(engine) -> dict[str, tuple[str, datetime | None, set[str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.id, events.c.source_id, events.c.status, events.c.closed_at)
        ).all()
        areas = conn.execute(select(event_areas)).all()
    found = {sid: (status, closed, set()) for _, sid, status, closed in rows}
    ids = {i: sid for i, sid, _, _ in rows}
    for event_id, code in areas:
        found[ids[event_id]][2].add(code)
    return found


def test_areas_are_stored_and_replaced(engine):
    with engine.begin() as conn:
        writes.upsert_events(conn, "kma", [warning("w1", ("11650", "11710"))], T0)
    assert state(engine)["w1"][2] == {"11650", "11710"}
    with engine.begin() as conn:
        writes.upsert_events(conn, "kma", [warning("w1", ("11740",))], T0)
    assert state(engine)["w1"][2] == {"11740"}


def test_a_retraction_is_final_even_when_the_original_comes_again(engine):
    later = T0 + timedelta(hours=1)
    with engine.begin() as conn:
        writes.upsert_events(conn, "kma", [warning("w1"), warning("w2")], T0)
        writes.apply_status_changes(
            conn,
            "kma",
            [
                StatusChange("w1", "superseded", later),
                StatusChange("never-seen", "cancelled", later),
            ],
        )
    assert state(engine)["w1"][:2] == ("superseded", later)
    assert state(engine)["w2"][0] == "open"
    assert "never-seen" not in state(engine)
    with engine.begin() as conn:  # the feed still lists the original
        writes.upsert_events(
            conn, "kma", [warning("w1"), warning("w2", status="closed")], T0
        )
    assert state(engine)["w1"][0] == "superseded"
    assert state(engine)["w2"][0] == "closed"  # an ordinary status still updates
