"""The KPI layer at a past moment: the wall as it was then, from what the store
knows now (issue 25, "the wall at any past moment").

A past moment is the live layer with its clock stopped at that moment: every
answer of ``KpiService`` is already a function of its clock (windows,
comparisons, alerts in force, records open, the unusual), so the same SQL gives
the past. What the clock alone cannot give is read otherwise here: the stage
(the stage log's, what the wall showed then), the newest data then, and the
store's first record (a moment before it has nothing to show).

Its cache keys carry the moment (``Moments``' tag): a past moment's answers and
renders never meet the live wall's, nor another moment's. Records are counted
by their lifecycle times (a record closed after the moment is open then); a
record that came late is counted from when it occurred. The records' table and
a record in full show each as it was then where the store knows it
(``kpis.then``), and say what it does not know.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Table, func, select

from kpis import records
from kpis.definitions import Window
from kpis.records import RecordFilter
from kpis.service import KpiService
from kpis.stages import StageState, stage_at
from kpis.then import record_then, records_then
from store.schema import events, measurements


class ReadOnlyPast(RuntimeError):
    """The past is read, never written: a stage is logged or set live only."""


def moment_tag(at: datetime) -> str:
    """What a past moment's cache keys carry (to the second, in UTC)."""
    return f":at:{at.astimezone(UTC).replace(microsecond=0).isoformat()}"


class PastKpiService(KpiService):
    """``live``'s indicators, store and cache, with its clock stopped at ``at``."""

    def __init__(self, live: KpiService, at: datetime) -> None:
        at = at.astimezone(UTC).replace(microsecond=0)
        super().__init__(
            live.engine,
            live.profile,
            cache=live.cache,
            clock=lambda: at,
            bucket_seconds=live.bucket_seconds,
            speed_window=live.speed_window,
            moment_tag=moment_tag(at),
        )
        self.at = at

    def stage(self) -> StageState:
        """The stage the log held at the moment (``kpis.stages.stage_at``)."""
        return self._cached(
            "stage",
            None,
            lambda conn, w, _: stage_at(conn, self.profile.ladder, w.now),
        )

    def newest_data(self) -> datetime | None:
        """The newest record or reading at or before the moment."""
        return self._cached(
            "newest", None, lambda conn, w, _: self._edge(conn, w, newest=True)
        )

    def first_data(self) -> datetime | None:
        """The store's first record or reading (None: an empty store)."""
        return self._cached(
            "first", None, lambda conn, w, _: self._edge(conn, w, newest=False)
        )

    def _edge(self, conn: Connection, w: Window, newest: bool) -> datetime | None:
        """The newest (up to the moment) or the first time held, domain by domain
        and series by series: each one index range, not a scan of every row."""
        found: list[datetime] = []
        for domain in self.profile.domains:
            if domain.events:
                found.append(_edge_of(conn, events, domain.id, w.now, newest))
            if domain.series:
                found.append(_edge_of(conn, measurements, domain.series, w.now, newest))
        held = [f for f in found if f is not None]
        if not held:
            return None
        return max(held) if newest else min(held)

    def records(self, f: RecordFilter, limit: int | None = 1000) -> list[dict]:
        """The filter's records up to the moment, each as it was then."""
        return self._cached(
            "records_then",
            (f, limit),
            lambda conn, w, _: records_then(
                records.latest(conn, f, w.now, limit, history=True), self.at
            ),
        )

    def record(self, event_id: int) -> dict | None:
        """One record in full as it was then; None also for one that had not
        occurred yet (its page of then did not list it)."""
        found = super().record(event_id)
        if found is None or found["occurred_at"] > self.at:
            return None
        return record_then(found, self.at)

    def log_stage(self) -> StageState:
        raise ReadOnlyPast("the stage is logged live only")

    def set_stage(self, *_args, **_kwargs):
        raise ReadOnlyPast("a past stage cannot be set")

    def hand_back_stage(self):
        raise ReadOnlyPast("a past stage cannot be set")


def _edge_of(
    conn: Connection, table: Table, key: str, now: datetime, newest: bool
) -> datetime | None:
    """One domain's events or one series' readings: the newest time up to
    ``now``, or the first of all."""
    if table is events:
        column, where = table.c.occurred_at, table.c.domain == key
    else:
        column, where = table.c.observed_at, table.c.series == key
    if newest:
        return conn.execute(
            select(func.max(column)).where(where, column <= now)
        ).scalar()
    return conn.execute(select(func.min(column)).where(where)).scalar()
