"""A record as it was at a past moment, from what the store keeps of its history.

The store keeps a record's lifecycle times (occurred, updated, closed) and, for
feeds that report them, its steps with their times (``attrs.lifecycle``); it
keeps no copy of a record's earlier versions. So at a moment ``at``:

- a record not updated since ``at`` is exactly as it is now;
- one closed (or retracted: a retraction sets ``closed_at`` to its time unless
  the record was closed before) after ``at`` was open then;
- its status then is the last step reported at or before ``at``, when the feed
  reported its steps; otherwise the store does not know it, and says so
  (``status_known``), along with whatever else may have changed since.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any


def record_then(record: dict[str, Any], at: datetime) -> dict[str, Any]:
    """``record`` (a row of ``kpis.records``) as it was at ``at``: its status and
    closing of then where the store knows them, and what it does not know."""
    closed = record.get("closed_at")
    open_then = closed is None or closed > at
    updated = record.get("updated_at")
    # a row read without its update time is taken as changed: never claim more
    changed = updated is None or updated > at
    then = {
        **{k: v for k, v in record.items() if k != "lifecycle"},
        "open_then": open_then,
        "changed_since": changed,
        "closed_at": None if open_then else closed,
        "status_now": record["status"],
    }
    if not changed:
        return {**then, "status_known": True}
    steps = steps_until(lifecycle_of(record), at)
    attrs = record.get("attrs")
    if isinstance(attrs, dict) and "lifecycle" in attrs:  # a record in full
        kept = [[status, when.isoformat()] for when, status in steps or []]
        then["attrs"] = {**attrs, "lifecycle": kept}
    if not steps:
        # not kept: the page says "open then" or "closed then", and a CSV leaves
        # the cell empty rather than guess
        return {**then, "status_known": False, "status": None}
    when, status = steps[-1]
    return {**then, "status_known": True, "status": status, "updated_at": when}


def lifecycle_of(record: dict[str, Any]) -> Any:
    """The steps the feed reported (``[[status, iso time], ...]``), if any: a
    table's row carries them alone, a record in full in its attributes."""
    if "lifecycle" in record:
        return record["lifecycle"]
    attrs = record.get("attrs")
    return attrs.get("lifecycle") if isinstance(attrs, dict) else None


def steps_until(steps: Any, at: datetime) -> list[tuple[datetime, str]] | None:
    """The reported steps at or before ``at``, oldest first; None when there are
    none to read or one is unreadable (then the others may not tell it all)."""
    if not isinstance(steps, list):
        return None
    found = []
    for step in steps:
        try:
            status, when = step[0], datetime.fromisoformat(step[1])
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        if not isinstance(status, str) or when.tzinfo is None:
            return None
        if when <= at:
            found.append((when, status))
    return sorted(found, key=lambda step: step[0])


def records_then(rows: Iterable[dict[str, Any]], at: datetime) -> list[dict]:
    return [record_then(r, at) for r in rows]
