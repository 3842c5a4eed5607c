"""Running a source: pull, validate, place, commit with the cursor, record the run.

The batch, its quarantined rejects, the source's new cursor, the run record and the
data version all go in one transaction: either the batch landed and the cursor moved,
or neither happened and the next run pulls the same span again (upserts make that
harmless). A failing source records its error and never touches the others.
Pulled under a lease (``ingest.leases``: one process at a time per source), the
same transaction renews it, last: a batch of a process that lost it rolls back
whole, so only the lease's holder ever moves the cursor.

Every error and quarantine reason is worded for storing here, whoever raised it
(``connectors.errors``): no key, token or header value of the source, no URL query,
no more than a short excerpt of what a server said.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import Engine

import connectors
from city.geo import DistrictLocator
from city.profile import CityProfile, SourceConfig
from city.records import Batch, Rejected
from connectors.base import Connector, excerpt
from connectors.errors import redacted, secret_values, stored_error
from ingest.collector import collector_paused
from ingest.leases import Lease, LeaseLost, check_seconds, source_lease
from ingest.validate import camera_problem, event_problem, measurement_problem
from store import errors as store_errors
from store import facets, migrations, rollups, versions, writes

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class UnknownSource(LookupError):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC)


class Placement(NamedTuple):
    """The district of each event and each measurement of a batch, in order."""

    events: list[str | None]
    measurements: list[str | None]


@dataclass
class RunSummary:
    source: str
    fetched: int = 0
    stored: int = 0
    rejected: int = 0
    ignored: int = 0
    seconds: float = 0.0
    error: str | None = None
    more: bool = False
    # why records were ignored, and how many each time (a CAP alert outside the city)
    ignored_reasons: Counter[str] = dataclasses.field(default_factory=Counter)

    def log_fields(self) -> dict:
        """The counts as fields of a structured log line (the error's text stays
        in the message: only whether there was one is a field)."""
        return {
            "source": self.source,
            "fetched": self.fetched,
            "stored": self.stored,
            "rejected": self.rejected,
            "ignored": self.ignored,
            "seconds": round(self.seconds, 3),
            "failed": self.error is not None,
        }

    def line(self) -> str:
        status = f"error: {self.error}" if self.error else "ok"
        why = "; ".join(f"{n} {r}" for r, n in sorted(self.ignored_reasons.items()))
        return (
            f"{self.source}: fetched {self.fetched}, stored {self.stored}, "
            f"rejected {self.rejected}, ignored {self.ignored}"
            f"{f' ({why})' if why else ''}, {self.seconds:.1f} s, {status}"
        )


class SourceRunner:
    """One source of a profile, with its connector, ready to run again and again."""

    def __init__(
        self,
        engine: Engine,
        profile: CityProfile,
        source: SourceConfig,
        connector: Connector | None = None,
        locator: DistrictLocator | None = None,
        clock: Clock = utcnow,
        retention: writes.Retention = writes.DEFAULT_RETENTION,
    ) -> None:
        self.engine = engine
        self.retention = retention
        self.source = source
        self.connector = connector or connectors.build(source, profile)
        self.secrets = secret_values(
            source.options, getattr(self.connector, "secret_options", ())
        )
        self.locator = locator or DistrictLocator(profile)
        # where each sensor stands, once looked up: (lon, lat) -> district code
        self._fixed_places: dict[tuple[float, float], str | None] = {}
        self._written = self._analyzed_at = 0  # rows, for _keep_statistics
        self.districts = {d.code for d in profile.districts}
        # a reading at a hotspot with no place of its own is in the hotspot's district
        self.hotspot_districts = {h.code: h.district for h in profile.hotspots}
        self.domains = tuple(profile.domains_by_id)
        self.clock = clock

    def run(self, lease: Lease | None = None) -> RunSummary:
        """One pull, committed with its cursor; with a ``lease``, only while this
        process holds it (renewed in the batch's transaction, else ``LeaseLost``
        and nothing written)."""
        with collector_paused():
            return self._run(lease)

    def _run(self, lease: Lease | None) -> RunSummary:
        started = self.clock()
        t0 = time.perf_counter()
        summary = RunSummary(self.source.name)
        with self.engine.connect() as conn:
            cursor = writes.read_cursor(conn, self.source.name)
        try:
            batch = self.connector.pull(cursor, started)
        except Exception as exc:  # a source failing must not stop the others
            summary.error = stored_error(f"{type(exc).__name__}: {exc}", self.secrets)
            summary.seconds = time.perf_counter() - t0
            log.warning("source %s failed: %s", self.source.name, summary.error)
            with self.engine.begin() as conn:
                writes.record_failure(conn, self.source.name, summary.error, started)
                self._record_run(conn, summary, started)
            return summary

        batch, placed = self.prepare(batch)
        summary.fetched = batch.size + batch.ignored
        summary.ignored = batch.ignored
        summary.ignored_reasons.update(batch.ignored_reasons)
        summary.rejected = len(batch.rejected)
        summary.stored = batch.stored  # records read and kept, not aggregate rows
        summary.more = batch.more
        if batch.error:
            summary.error = stored_error(batch.error, self.secrets)
        # A batch that names no next cursor leaves the cursor where it stood.
        cursor = batch.next_cursor if batch.next_cursor is not None else cursor
        try:
            with self.engine.begin() as conn:
                writes.upsert_events(
                    conn, self.source.name, batch.events, started, placed.events
                )
                writes.apply_status_changes(
                    conn, self.source.name, batch.status_changes
                )
                writes.upsert_measurements(
                    conn, self.source.name, batch.measurements, placed.measurements
                )
                writes.upsert_cameras(conn, self.source.name, batch.cameras, started)
                writes.quarantine_records(
                    conn, self.source.name, batch.rejected, started
                )
                writes.trim_quarantine(conn, self.source.name, started, self.retention)
                if summary.error:  # the batch is kept, the source is failing
                    writes.record_failure(
                        conn, self.source.name, summary.error, started, cursor
                    )
                else:
                    writes.record_success(conn, self.source.name, cursor, started)
                writes.record_feeds(
                    conn, self.source.name, batch.events, batch.measurements
                )
                summary.seconds = time.perf_counter() - t0
                self._record_run(conn, summary, started)
                if batch.rows or batch.status_changes:
                    versions.bump_data_version(conn)
                if lease is not None:  # last: the lease row is locked until commit
                    lease.renew_in(conn)
        except LeaseLost:  # another process pulls the source now: not a failure
            raise
        except Exception as exc:
            # the batch rolled back; leave a trace for the health view, then let
            # the caller decide (the loop retries on the next interval)
            error = stored_error(
                f"store write failed: {store_errors.describe(exc)}", self.secrets
            )
            log.warning("source %s: %s", self.source.name, error)
            failed_run = RunSummary(
                self.source.name,
                fetched=summary.fetched,
                seconds=time.perf_counter() - t0,
                error=error,
            )
            # two transactions: the error state survives even if the run log fails
            for record in (
                lambda c: writes.record_failure(c, self.source.name, error, started),
                lambda c: self._record_run(c, failed_run, started),
            ):
                try:
                    with self.engine.begin() as conn:
                        record(conn)
                except Exception as down:  # the store itself is down
                    log.warning(
                        "could not record the failure of %s: %s",
                        self.source.name,
                        store_errors.describe(down),
                    )
            raise
        try:  # the batch is in; fresher statistics are a bonus, tried again later
            self._keep_statistics(batch.rows)
        except Exception as exc:
            log.warning("statistics not refreshed: %s", store_errors.describe(exc))
        return summary

    def _keep_statistics(self, stored: int) -> None:
        """On PostgreSQL, ANALYZE each time this source has written a fifth more
        (50,000 rows at least): a backfill outgrows the planner's statistics long
        before autovacuum catches up (or never, where it is off), and a plan made
        for an empty table reads every row of a big one to find a batch's
        records."""
        self._written += stored
        grown = self._written - self._analyzed_at
        if self.engine.dialect.name != "postgresql" or grown < max(
            ANALYZE_AFTER_ROWS, self._analyzed_at // 5
        ):
            return
        writes.refresh_statistics(self.engine)
        self._analyzed_at = self._written

    def prepare(self, batch: Batch) -> tuple[Batch, Placement]:
        """Validate every record and find each event's and measurement's district:
        its own, else the one its point falls in. The districts come apart (one
        per record): millions of records are not worth copying to set one field."""
        rejected = list(batch.rejected)
        events, measurements, cameras = [], [], []
        for e in batch.events:
            if problem := event_problem(e, self.districts, self.domains):
                rejected.append(Rejected(problem, excerpt(e), e.source_id or None))
            else:
                events.append(e)
        for m in batch.measurements:
            if problem := measurement_problem(m, self.districts):
                rejected.append(Rejected(problem, excerpt(m), f"{m.series}/{m.place}"))
            else:
                measurements.append(m)
        for c in batch.cameras:
            if problem := camera_problem(c, self.districts):
                rejected.append(Rejected(problem, excerpt(c), c.camera_id or None))
            else:
                cameras.append(c)
        prepared = dataclasses.replace(
            batch,
            events=events,
            measurements=measurements,
            cameras=self._placed(cameras),
            rejected=[self._worded(r) for r in rejected],
        )
        placement = Placement(
            self._districts(events), self._districts(measurements, fixed=True)
        )
        return prepared, placement

    def _worded(self, reject: Rejected) -> Rejected:
        """The reject with a reason fit to store (a fetch error a connector kept as
        a reason may quote a URL or a server)."""
        reason = redacted(reject.reason, self.secrets)
        return (
            reject
            if reason == reject.reason
            else dataclasses.replace(reject, reason=reason)
        )

    def _placed(self, records: list) -> list:
        """Records with coordinates but no district get the district they fall in."""
        codes = self._districts(records)
        return [
            r if r.district_code == code else with_district(r, code)
            for r, code in zip(records, codes)
        ]

    def _districts(self, records: list, fixed: bool = False) -> list[str | None]:
        """Each record's district: its own, else the one its point falls in. With
        ``fixed`` (sensors, which stay where they are) each place is looked up once
        and remembered."""
        codes = [r.district_code for r in records]
        todo = []
        known = self._fixed_places if fixed else {}
        for i, r in enumerate(records):
            if r.district_code is None and r.lon is not None:
                code = known.get((r.lon, r.lat), _UNKNOWN)
                if code is _UNKNOWN:
                    todo.append(i)
                else:
                    codes[i] = code
            elif r.district_code is None and fixed:
                codes[i] = self.hotspot_districts.get(r.place)
        if not todo:
            return codes
        found = self.locator.locate(
            [records[i].lon for i in todo], [records[i].lat for i in todo]
        )
        if fixed and len(known) > MAX_FIXED_PLACES:
            known.clear()
        for i, code in zip(todo, found):
            codes[i] = code
            if fixed:
                known[(records[i].lon, records[i].lat)] = code
        return codes

    def _record_run(self, conn, summary: RunSummary, started: datetime) -> None:
        writes.record_run(
            conn,
            source=self.source.name,
            started_at=started,
            finished_at=self.clock(),
            fetched=summary.fetched,
            stored=summary.stored,
            rejected=summary.rejected,
            error=summary.error,
        )


def with_district(record, code: str | None):
    """A copy of the record in the district: ``dataclasses.replace`` at a third of
    its cost, which tells at millions of records."""
    cls = type(record)
    names = _FIELD_NAMES.get(cls) or _FIELD_NAMES.setdefault(
        cls, tuple(f.name for f in dataclasses.fields(cls))
    )
    return cls(*(code if n == "district_code" else getattr(record, n) for n in names))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_UNKNOWN = object()
ANALYZE_AFTER_ROWS = 50_000
MAX_FIXED_PLACES = 200_000  # sensors a source may have before the memory starts over


def prepare_store(engine: Engine, profile: CityProfile) -> None:
    """The store ready for the ingest: its schema at this code's head (the
    migrations run, under their lock, when it is behind), its identity, the
    city it belongs to (a store stamped with another city is refused before
    anything in it changes) and the profile's districts; a store written before
    the rollups existed gets them.

    Every command that writes opens the store through here (``serve`` before its
    web workers start, ``ingest``, ``stage``, the account commands); a web worker
    never does, and never migrates."""
    with engine.connect() as conn:  # before anything in another city's store moves
        versions.check_city(conn, profile.id)
    before, after = migrations.upgrade(engine)
    if before != after:
        log.info("store schema upgraded from %s to %s", before or "none", after)
    with engine.begin() as conn:
        versions.stamp_city(conn, profile.id)
        versions.name_store(conn)
        writes.sync_districts(conn, profile)
        if rollups.missing(conn):
            log.info("building the rollups from the stored records")
            rollups.rebuild(conn)
        # the counts the declared indicators' filters read, kept from now on (and
        # made from the stored records when the profile's filters changed)
        if facets.use_facet_groups(conn, profile.facet_groups):
            log.info("facet rollups made for %s", profile.facet_groups)


def runners_for(
    engine: Engine,
    profile: CityProfile,
    names: Iterable[str] | None = None,
    retention: writes.Retention = writes.DEFAULT_RETENTION,
) -> list[SourceRunner]:
    wanted = set(names) if names else None
    unknown = (wanted or set()) - {s.name for s in profile.sources}
    if unknown:
        raise UnknownSource(f"no source named {sorted(unknown)} in the profile")
    locator = DistrictLocator(profile)
    return [
        SourceRunner(engine, profile, s, locator=locator, retention=retention)
        for s in profile.sources
        if wanted is None or s.name in wanted
    ]


def run_until_caught_up(
    runner: SourceRunner,
    on_batch: Callable[[RunSummary], None] | None = None,
    lease: Lease | None = None,
) -> RunSummary:
    """Run a source until it has nothing more ready (a backfill comes in chunks);
    with a ``lease``, each batch renews it (see ``SourceRunner.run``)."""
    total = RunSummary(runner.source.name)
    while True:
        summary = runner.run(lease)
        total.fetched += summary.fetched
        total.stored += summary.stored
        total.rejected += summary.rejected
        total.ignored += summary.ignored
        total.ignored_reasons.update(summary.ignored_reasons)
        total.seconds += summary.seconds
        total.error = summary.error
        if on_batch:
            on_batch(summary)
        if summary.error or not summary.more:
            return total


STOP_GRACE_SECONDS = 10.0  # asked to stop, the sources' threads get this long


def run_forever(
    runners: list[SourceRunner], stop: threading.Event, holder: str | None = None
) -> None:
    """Each source on its own thread and interval: a slow or failing source holds
    back no other. With a ``holder`` (this process's name, ``ingest.leases``) a
    source is pulled only while this process holds its lease, which it lets go
    when it stops; without one, every source is pulled here."""

    def loop(runner: SourceRunner) -> None:
        if holder is None:
            while not stop.is_set():
                _round(runner)
                stop.wait(runner.source.interval_seconds)
            return
        lease = source_lease(runner.engine, runner.source, holder)
        try:
            _loop_holding(runner, lease, stop)
        finally:
            lease.release()

    threads = [
        threading.Thread(
            target=loop, args=(r,), name=f"ingest-{r.source.name}", daemon=True
        )
        for r in runners
    ]
    for t in threads:
        t.start()
    try:
        stop.wait()
    finally:  # a Ctrl-C too: the sources' threads let go of their leases
        stop.set()
        _join(threads)


def _join(threads: list[threading.Thread]) -> None:
    # a batch in flight may finish; a source stuck on a connection the network
    # dropped never holds the stop (its thread is a daemon: it ends with us)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))


def _loop_holding(runner: SourceRunner, lease: Lease, stop: threading.Event) -> None:
    """A round each interval while this process holds the source's lease (taken
    over from another: a round at once), renewing it as it waits; standing by,
    asking again every ``check_seconds``."""
    interval = runner.source.interval_seconds
    due = time.monotonic()
    while not stop.is_set():
        if not lease.hold():
            due = time.monotonic()
            stop.wait(check_seconds(runner.source))
            continue
        if time.monotonic() >= due and not stop.is_set():
            _round(runner, lease)
            due = time.monotonic() + interval
        stop.wait(max(0.0, min(due - time.monotonic(), lease.wake_seconds)))


def _round(runner: SourceRunner, lease: Lease | None = None) -> None:
    """A source pulled until it is caught up, its summary logged; a failure is
    logged and left for the next round."""
    try:
        summary = run_until_caught_up(runner, lease=lease)
        log.info(summary.line(), extra=summary.log_fields())
    except LeaseLost:  # the lease said so; this process stands by
        pass
    except Exception as exc:  # the store itself failed; keep trying
        if store_errors.is_unreachable(exc) or store_errors.is_full(exc):
            # said once per round, plainly: no traceback for an outage
            log.warning(
                "ingest of %s: %s", runner.source.name, store_errors.describe(exc)
            )
        else:
            log.exception("ingest of %s failed", runner.source.name)
