"""A record as it was at a past moment (``kpis.then``): what the store's lifecycle
times and a feed's reported steps tell of then, and what they do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kpis.then import record_then, steps_until

AT = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def row(**changes) -> dict:
    base = {
        "id": 1,
        "occurred_at": AT - 2 * HOUR,
        "updated_at": AT - HOUR,
        "closed_at": None,
        "status": "received",
    }
    return {**base, **changes}


def test_a_record_unchanged_since_is_exactly_as_now():
    then = record_then(row(closed_at=AT - HOUR, status="closed"), AT)
    assert then["status"] == "closed" and then["status_known"] is True
    assert then["open_then"] is False and then["closed_at"] == AT - HOUR
    assert then["changed_since"] is False


def test_a_record_closed_later_was_open_then_and_its_status_then_is_not_known():
    later = AT + HOUR
    then = record_then(row(updated_at=later, closed_at=later, status="closed"), AT)
    assert then["open_then"] is True and then["closed_at"] is None
    assert then["status"] is None and then["status_known"] is False
    assert then["status_now"] == "closed" and then["changed_since"] is True


def test_a_retraction_after_the_moment_leaves_it_in_force_then():
    # a retraction sets updated_at and closed_at to its time (store.writes)
    later = AT + 3 * HOUR
    then = record_then(row(updated_at=later, closed_at=later, status="cancelled"), AT)
    assert then["open_then"] is True and then["status_known"] is False


def test_the_reported_steps_give_the_status_then_and_hide_the_later_ones():
    steps = [
        ["received", (AT - 2 * HOUR).isoformat()],
        ["dispatched", (AT - 30 * timedelta(minutes=1)).isoformat()],
        ["closed", (AT + HOUR).isoformat()],
    ]
    record = row(
        updated_at=AT + HOUR,
        closed_at=AT + HOUR,
        status="closed",
        attrs={"lifecycle": steps, "agency": "fire"},
    )
    then = record_then(record, AT)
    assert then["status"] == "dispatched" and then["status_known"] is True
    assert then["updated_at"] == AT - timedelta(minutes=30)
    assert then["open_then"] is True
    assert [s[0] for s in then["attrs"]["lifecycle"]] == ["received", "dispatched"]
    assert then["attrs"]["agency"] == "fire"
    # the table's row carries the steps alone, and leaves them out of what it shows
    table_row = record_then({**row(updated_at=AT + HOUR), "lifecycle": steps}, AT)
    assert table_row["status"] == "dispatched" and "lifecycle" not in table_row


def test_unreadable_or_later_steps_tell_nothing():
    assert steps_until([["received", "not a time"]], AT) is None
    assert steps_until([["received", "2026-12-05T01:00"]], AT) is None  # no zone
    assert steps_until("received", AT) is None
    assert steps_until([["received", (AT + HOUR).isoformat()]], AT) == []
    later = row(updated_at=AT + HOUR, attrs={"lifecycle": [["x", "bad"]]})
    then = record_then(later, AT)
    assert then["status_known"] is False and then["attrs"]["lifecycle"] == []


def test_a_row_without_its_update_time_is_not_claimed_unchanged():
    record = row()
    del record["updated_at"]
    assert record_then(record, AT)["status_known"] is False
