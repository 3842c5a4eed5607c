"""The KPI layer pages and components ask: values, statuses, map data, alerts.

Results are cached under a key made of the store's data version and a time bucket,
so a new batch reaches the wall at its next refresh and nothing stale survives it,
while every screen refreshing in between shares one computation.
"""

from __future__ import annotations

import contextvars
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from itertools import zip_longest
from typing import Any, TypeVar

from flask_caching.backends.base import BaseCache
from flask_caching.backends.nullcache import NullCache
from sqlalchemy import Connection, Engine, case, func, select

from city.profile import CityProfile
from kpis import alerts as alert_briefs
from kpis import cameras as camera_rows
from kpis import definitions, records
from kpis import queries as q
from kpis.definitions import Kpi, KpiContext, Window
from kpis.records import RecordFilter
from kpis.rollup_queries import Memo, no_memo
from kpis.stages import (
    DisasterView,
    StageState,
    checked_override,
    disaster_view,
    evaluate,
)
from store import stages as stage_store
from store import versions
from store.schema import (
    events,
    quarantine,
    source_feeds,
    source_runs,
    source_state,
)

GOOD, WATCH, ALERT, NO_DATA = "good", "watch", "alert", "nodata"
T = TypeVar("T")
log = logging.getLogger(__name__)
# (service, its moment) while a render is made: see KpiService._moment
_PINNED: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "citywall_render_moment", default=None
)


class _SharedConnection:
    """The one connection every part of a render reads through, opened on first
    use. A connection per part cost PostgreSQL three round trips each (the pool's
    ping, BEGIN, ROLLBACK), a third of a cold render's."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def get(self) -> Connection:
        if self.conn is None:
            self.conn = self.engine.connect()
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


_SHARED: contextvars.ContextVar[_SharedConnection | None] = contextvars.ContextVar(
    "citywall_render_connection", default=None
)
PAST_TIMEOUT = 2 * 86400  # seconds a memoised past sum may stay unused
PREVIOUS_SECONDS = 120  # a comparison value is kept past its minute for this long
STALE_BUCKETS = 2  # a render of the same data answers for at most two buckets more
MAKING_SECONDS = 30  # a render's maker that died frees its moment after this
LAST_SECONDS = 3600  # a page's last render, kept (it serves only its own data)
MAKERS = 2  # threads per process making renders aside
SEVERITY_STATUS = {"Extreme": ALERT, "Severe": ALERT, "Moderate": WATCH}


@dataclass(frozen=True)
class KpiValue:
    kpi_id: str
    value: float | None
    previous: float | None
    status: str
    target: float | None
    detail: str | None = None  # e.g. the highest active alert severity
    # every source that feeds this KPI is stale: the value is as of this time
    # (None with stale=True: the feeding sources never delivered)
    stale: bool = False
    stale_since: datetime | None = None

    @property
    def change(self) -> float | None:
        """Relative change against the comparison period."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class AlertRow:
    id: int
    source_id: str
    category: str
    title: str
    severity: str | None
    district_code: str | None
    occurred_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class SourceHealth:
    name: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    stale: bool  # no success within three of its intervals
    connector: str = ""
    interval_seconds: float = 0.0
    feeds: tuple[str, ...] = ()  # "events:safety", "series:road_speed", ...
    last_run_at: datetime | None = None
    last_run_fetched: int | None = None
    last_run_stored: int | None = None
    last_run_rejected: int | None = None
    quarantined_24h: int = 0

    @property
    def failing(self) -> bool:
        """The last attempt failed (an error newer than the last success)."""
        return self.last_error_at is not None and (
            self.last_success_at is None or self.last_error_at > self.last_success_at
        )


@dataclass(frozen=True)
class EventRow:
    id: int
    domain: str
    title: str
    status: str
    district_code: str | None
    occurred_at: datetime


def _in_district(found: dict, code: str, counts: bool) -> Any:
    """A district's value in a per-district answer (see ``kpis.queries.run``)."""
    return found.get(code, found.get(q.ALL_DISTRICTS, 0 if counts else None))


def utcnow() -> datetime:
    return datetime.now(UTC)


class KpiService:
    def __init__(
        self,
        engine: Engine,
        profile: CityProfile,
        cache: BaseCache | None = None,
        clock: Callable[[], datetime] = utcnow,
        bucket_seconds: int = 5,
        speed_window: timedelta = timedelta(minutes=15),
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.cache = cache or NullCache()
        self.clock = clock
        self.bucket_seconds = bucket_seconds
        self.speed_window = speed_window
        classes = profile.road_classes
        self.context = KpiContext(
            congested_below={name: c.congested_below for name, c in classes.items()},
            default_congested_below=classes["arterial"].congested_below
            if "arterial" in classes
            else 15.0,
        )

    # -- what pages ask --------------------------------------------------------------
    def tiles(self, district: str | None = None) -> list[KpiValue]:
        """Every KPI for the city or a district, each marked stale when all the
        sources that feed it are."""
        if district in self.profile.districts_by_code:
            return self._district_tiles()[district]
        health = self.source_health()

        def build(conn: Connection, w: Window, memo: Memo) -> list[KpiValue]:
            return [
                self._with_staleness(
                    self.compute(conn, kpi, w, district, memo), kpi, health
                )
                for kpi in definitions.KPIS
            ]

        return self._cached("tiles", district, build, memoised=True)

    def _district_tiles(self) -> dict[str, list[KpiValue]]:
        """Every KPI for every district, from one grouped query per aggregate: the
        district pages of one moment share a single computation."""
        health = self.source_health()

        def build(conn: Connection, w: Window, memo: Memo) -> dict:
            codes = [d.code for d in self.profile.districts]
            tiles: dict[str, list[KpiValue]] = {code: [] for code in codes}
            for kpi in definitions.KPIS:
                current = kpi.current(w, self.context)
                now_found = q.run(conn, current, q.ALL_DISTRICTS, memo)
                before_found = self._previous(conn, kpi, w, q.ALL_DISTRICTS, memo)
                for code in codes:
                    value = self._kpi_value(
                        conn,
                        kpi,
                        w,
                        code,
                        _in_district(now_found, code, current.counts),
                        _in_district(before_found, code, current.counts),
                        current.counts,
                    )
                    tiles[code].append(self._with_staleness(value, kpi, health))
            return tiles

        return self._cached("district_tiles", None, build, memoised=True)

    @staticmethod
    def _with_staleness(
        value: KpiValue, kpi: Kpi, health: list[SourceHealth]
    ) -> KpiValue:
        feeding = [h for h in health if kpi.feed in h.feeds]
        if not feeding or not all(h.stale for h in feeding):
            return value
        known = [h.last_success_at for h in feeding if h.last_success_at]
        return replace(value, stale=True, stale_since=max(known) if known else None)

    def map_values(self, kpi_id: str) -> dict[str, float | None]:
        """One KPI for every district, for the choropleth."""
        kpi = definitions.KPIS_BY_ID[kpi_id]

        def build(conn: Connection, w: Window, memo: Memo) -> dict[str, float | None]:
            agg = kpi.current(w, self.context)
            found = q.run(conn, agg, q.ALL_DISTRICTS, memo)
            empty = found.get(q.ALL_DISTRICTS, 0 if agg.counts else None)
            return {
                d.code: _as_float(found.get(d.code, empty))
                for d in self.profile.districts
            }

        return self._cached("map", kpi_id, build, memoised=True)

    def active_alerts(
        self, district: str | None = None, limit: int = 12
    ) -> list[AlertRow]:
        def build(conn: Connection, w: Window) -> list[AlertRow]:
            where = list(q.active_alert(w.now))
            if district:
                where.append(q.event_in_district(district))
            rank = case(q.SEVERITY_RANK, value=events.c.severity, else_=0)
            rows = conn.execute(
                select(
                    events.c.id,
                    events.c.source_id,
                    events.c.category,
                    events.c.title,
                    events.c.severity,
                    events.c.district_code,
                    events.c.occurred_at,
                    events.c.expires_at,
                )
                .where(*where)
                .order_by(rank.desc(), events.c.occurred_at.desc())
                .limit(limit)
            ).all()
            return [AlertRow(*r) for r in rows]

        return self._cached("alerts", district, build)

    def latest_events(self, limit: int = 8) -> list[EventRow]:
        """The newest incidents, complaints and alerts: what just happened."""

        def build(conn: Connection, w: Window) -> list[EventRow]:
            # the newest of each domain, then the newest of those: each query reads
            # a few entries of the (domain, occurred_at) index
            rows = [
                row
                for d in definitions.DOMAINS
                for row in conn.execute(
                    select(
                        events.c.id,
                        events.c.domain,
                        events.c.title,
                        events.c.status,
                        events.c.district_code,
                        events.c.occurred_at,
                    )
                    .where(events.c.domain == d.id, events.c.occurred_at <= w.now)
                    .order_by(events.c.occurred_at.desc())
                    .limit(limit)
                )
            ]
            rows.sort(key=lambda r: (r.occurred_at, r.id), reverse=True)
            return [EventRow(*r) for r in rows[:limit]]

        return self._cached("latest", limit, build)

    def source_health(self) -> list[SourceHealth]:
        """Each source of the profile: last success, last error, and whether it is
        stale (no success within three of its intervals)."""

        def build(conn: Connection, w: Window) -> list[SourceHealth]:
            states = {r.source: r for r in conn.execute(select(source_state)).all()}
            feeds: dict[str, list[str]] = {}
            for source, feed in conn.execute(
                select(source_feeds.c.source, source_feeds.c.feed).order_by(
                    source_feeds.c.feed
                )
            ):
                feeds.setdefault(source, []).append(feed)
            quarantined = dict(
                conn.execute(
                    select(quarantine.c.source, func.count())
                    .where(quarantine.c.received_at > w.now - timedelta(days=1))
                    .group_by(quarantine.c.source)
                ).all()
            )
            health = []
            for source in self.profile.sources:
                state = states.get(source.name)
                ok_at = state.last_success_at if state else None
                late = source.stale_after
                run = conn.execute(
                    select(source_runs)
                    .where(source_runs.c.source == source.name)
                    .order_by(source_runs.c.started_at.desc())
                    .limit(1)
                ).first()
                health.append(
                    SourceHealth(
                        name=source.name,
                        last_success_at=ok_at,
                        last_error_at=state.last_error_at if state else None,
                        last_error=state.last_error if state else None,
                        stale=ok_at is None or w.now - ok_at > late,
                        connector=source.connector,
                        interval_seconds=source.interval_seconds,
                        feeds=tuple(feeds.get(source.name, ())),
                        last_run_at=run.finished_at if run else None,
                        last_run_fetched=run.fetched if run else None,
                        last_run_stored=run.stored if run else None,
                        last_run_rejected=run.rejected if run else None,
                        quarantined_24h=quarantined.get(source.name, 0),
                    )
                )
            return health

        return self._cached("health", None, build)

    def newest_data(self) -> datetime | None:
        """The time of the newest record in the store, events or measurements."""

        return self._cached("newest", None, lambda conn, w: versions.newest_data(conn))

    def history(self, district: str | None = None, hours: int = 24) -> dict:
        """Each KPI at the last ``hours`` whole hours, oldest first: the tiles'
        sparklines. It reads only hours already over, so it is computed once an hour
        and again when a batch changes one of them (the past version)."""
        now, _, v = self._moment()
        hour = now.replace(minute=0, second=0, microsecond=0)
        key = (
            f"cw:{v.store}:{self.profile.id}:history:{district}:{hours}:"
            f"{hour.isoformat()}:{v.past}"
        )
        found = self.cache.get(key)
        if found is not None:
            return found
        points = [hour - timedelta(hours=h) for h in range(hours - 1, -1, -1)]
        result: dict[str, list[float | None]] = {}
        memo = self._memo_at(v.store, v.past)
        with self._connection() as conn:
            for kpi in definitions.KPIS:
                values = []
                for at in points:
                    agg = kpi.current(self.window(at), self.context)
                    value = _as_float(q.run(conn, agg, district, memo))
                    values.append(value or 0.0 if agg.counts else value)
                result[kpi.id] = values
        self.cache.set(key, result, timeout=7200)
        return result

    # -- the records behind the KPIs (domain pages, tables, CSV) -------------------
    def records(self, f: RecordFilter, limit: int | None = 1000) -> list[dict]:
        return self._cached(
            "records",
            (f, limit),
            lambda conn, w: records.latest(conn, f, w.now, limit),
        )

    def record_total(self, f: RecordFilter) -> int:
        return self._cached("total", f, lambda conn, w: records.total(conn, f, w.now))

    def counts_over_time(self, f: RecordFilter) -> list[tuple[int, str, int]]:
        offset = self._utc_offset_seconds()
        return self._cached(
            "over_time",
            f,
            lambda conn, w: records.counts_over_time(conn, f, w.now, offset),
        )

    def series_over_time(self, series: str, f: RecordFilter) -> list[tuple[int, float]]:
        offset = self._utc_offset_seconds()
        return self._cached(
            "series_over_time",
            (series, f),
            lambda conn, w: records.series_over_time(conn, series, f, w.now, offset),
        )

    def by_category(self, f: RecordFilter) -> dict[str, int]:
        return self._cached(
            "by_category", f, lambda conn, w: records.by_category(conn, f, w.now)
        )

    def by_district(self, f: RecordFilter) -> dict[str, int]:
        return self._cached(
            "by_district", f, lambda conn, w: records.by_district(conn, f, w.now)
        )

    def categories(self, domain: str) -> list[str]:
        """The categories a domain had in the last 30 days (the filter's choices)."""
        return self._cached(
            "categories",
            domain,
            lambda conn, w: records.categories(
                conn, domain, w.now - timedelta(days=30)
            ),
        )

    def record(self, event_id: int) -> dict | None:
        return self._cached(
            "record", event_id, lambda conn, w: records.one(conn, event_id)
        )

    def _utc_offset_seconds(self) -> int:
        offset = self.clock().astimezone(self.profile.timezone).utcoffset()
        return int(offset.total_seconds()) if offset else 0

    # -- the disaster stage ----------------------------------------------------------
    def stage(self) -> StageState:
        """The city's stage now (an operator's override wins over the rules), logged
        the first time it is seen, with since when it holds."""

        def build(conn: Connection, w: Window) -> StageState:
            # the clock, not the bucket: an override set a second ago holds now
            override = stage_store.active_override(conn, self.clock())
            if override is not None:
                return StageState(override.level, manual=True, reason=override.reason)
            return evaluate(conn, self.profile.ladder, w.now)

        state = self._cached("stage", None, build)
        with self._connection() as conn:
            last = stage_store.last_logged(conn)
        if last is None or (last.level, bool(last.manual)) != (
            state.level,
            state.manual,
        ):  # a change: logged in a write transaction of its own (rare)
            with self.engine.begin() as conn:
                stage_store.log_change(
                    conn, state.level, state.manual, state.summary(), self.clock()
                )
                last = stage_store.last_logged(conn)
        return replace(state, since=last.at if last is not None else None)

    def disaster(self) -> DisasterView:
        """The stage with what the wall shows of it: its place on the ladder, the
        disaster layout or not, the active alerts in full, the districts concerned."""
        alerts = self._cached(
            "briefs", None, lambda conn, w: alert_briefs.briefs(conn, w.now)
        )
        return disaster_view(
            self.stage(),
            self.profile.ladder,
            alerts,
            [d.code for d in self.profile.districts],
        )

    # -- cameras -----------------------------------------------------------------
    def cameras(
        self, widest: str = "public", district: str | None = None
    ) -> list[camera_rows.CameraRow]:
        """The cameras this wall may show (up to access level ``widest``)."""
        found = self._cached(
            "cameras", widest, lambda conn, w: camera_rows.listed(conn, w.now, widest)
        )
        return [c for c in found if district is None or c.district_code == district]

    def nearest_cameras(
        self, lon: float, lat: float, n: int = 4, widest: str = "public"
    ) -> list[camera_rows.CameraRow]:
        return camera_rows.nearest(self.cameras(widest), lon, lat, n)

    def cameras_in(
        self, districts: tuple[str, ...], n: int = 4, widest: str = "public"
    ) -> list[camera_rows.CameraRow]:
        """Up to ``n`` cameras spread over ``districts`` (one per district first)."""
        by_district: dict[str, list] = {}
        for c in self.cameras(widest):
            if c.district_code in districts:
                by_district.setdefault(c.district_code, []).append(c)
        # round robin: the first camera of each district, then the second, …
        rounds = zip_longest(*(by_district[d] for d in sorted(by_district)))
        return [c for group in rounds for c in group if c is not None][:n]

    def camera(self, camera_id: int) -> camera_rows.CameraRow | None:
        with self._connection() as conn:
            return camera_rows.one(conn, camera_id)

    def set_stage(
        self, level: int | None, reason: str, hours: float | None = None
    ) -> DisasterView:
        """An operator's stage (``citywall stage set`` and the admin page): it wins
        over the rules until handed back, or for ``hours``. Raises StageChangeError."""
        now = self.clock()
        level, reason, until = checked_override(
            self.profile.ladder, self.profile.id, level, reason, hours, now
        )
        with self.engine.begin() as conn:
            stage_store.set_override(conn, level, reason, now, until)
        return self.disaster()  # logs the change now, not at a wall's next refresh

    def hand_back_stage(self) -> DisasterView:
        """The stage back to the ladder's rules (``citywall stage auto``)."""
        with self.engine.begin() as conn:
            stage_store.clear_overrides(conn, self.clock())
        return self.disaster()

    def stage_history(self, limit: int = 50) -> list:
        with self.engine.connect() as conn:
            return stage_store.history(conn, limit)

    def data_version(self) -> int:
        with self.engine.connect() as conn:
            return versions.data_version(conn)

    # -- computing -------------------------------------------------------------------
    def window(self, now: datetime) -> Window:
        local_today = now.astimezone(self.profile.timezone).date()
        midnight = datetime.combine(local_today, time(0), tzinfo=self.profile.timezone)
        return Window(
            now=now,
            today_start=midnight.astimezone(UTC),
            speed_window=self.speed_window,
        )

    def compute(
        self,
        conn: Connection,
        kpi: Kpi,
        w: Window,
        district: str | None = None,
        memo: Memo = no_memo,
    ) -> KpiValue:
        current = kpi.current(w, self.context)
        value = q.run(conn, current, district, memo)
        previous = self._previous(conn, kpi, w, district, memo)
        return self._kpi_value(conn, kpi, w, district, value, previous, current.counts)

    def _previous(
        self, conn: Connection, kpi: Kpi, w: Window, scope: str | None, memo: Memo
    ) -> Any:
        """The KPI's value to compare with (the same time yesterday, the week
        before...), to the minute. It is a matter of the past, so it is worked out
        once a minute, and again when a batch changes a past hour, rather than at
        every moment: about half of a refresh's queries otherwise."""
        minute = w.now.replace(second=0, microsecond=0)
        at_minute = replace(w, now=minute)
        return memo(
            ("previous", kpi.id, scope, minute),
            lambda: q.run(conn, kpi.previous(at_minute, self.context), scope, memo),
            PREVIOUS_SECONDS,
        )

    def _kpi_value(
        self,
        conn: Connection,
        kpi: Kpi,
        w: Window,
        district: str | None,
        value: Any,
        previous: Any,
        counts: bool,
    ) -> KpiValue:
        value, previous = _as_float(value), _as_float(previous)
        if counts:
            value, previous = value or 0.0, previous or 0.0
        if previous is not None:
            previous /= kpi.previous_divisor
        detail = None
        if kpi.id == "disaster_active_alerts":
            detail = q.highest_active_severity(conn, w.now, district)
        target = self._target(kpi, district)
        return KpiValue(
            kpi.id,
            value,
            previous,
            self._status(kpi, value, previous, target, detail),
            target,
            detail,
        )

    def _target(self, kpi: Kpi, district: str | None) -> float | None:
        t = self.profile.targets.get(kpi.id)
        if t is None:
            return None
        if district and kpi.scales_with_population:
            return t.target * self._district_share(district)
        return t.target

    def _district_share(self, code: str) -> float:
        """The district's share of the city: by population, else by area."""
        district = self.profile.districts_by_code[code]
        if self.profile.population > 0:
            return district.population / self.profile.population
        total = sum(d.geometry.area for d in self.profile.districts)
        return district.geometry.area / total if total else 0.0

    def _status(
        self,
        kpi: Kpi,
        value: float | None,
        previous: float | None,
        target: float | None,
        severity: str | None,
    ) -> str:
        if value is None:
            return NO_DATA
        if kpi.id == "disaster_active_alerts":
            return SEVERITY_STATUS.get(severity or "", GOOD)
        if target is None:
            return GOOD
        basis = value
        if kpi.status_on_change:
            if not previous:
                return GOOD if value == 0 else WATCH
            basis = value / previous
        watch = target * self.profile.targets[kpi.id].watch_ratio
        if kpi.higher_is_better:
            return GOOD if basis >= target else WATCH if basis >= watch else ALERT
        return GOOD if basis <= target else WATCH if basis <= watch else ALERT

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A connection to read through: inside a render the render's own, shared
        by its parts (and one snapshot on SQLite), else one of its own."""
        shared = _SHARED.get()
        if shared is None or shared.engine is not self.engine:
            with self.engine.connect() as conn:
                yield conn
            return
        conn = shared.get()
        try:
            yield conn
        except Exception:
            conn.rollback()  # a part that failed leaves the next ones a clean slate
            raise

    def _moment(self) -> tuple[datetime, str, versions.Versions]:
        """(now, the cache key of this moment, the store's versions): a moment is
        one data version in one time bucket, shared by the screens refreshing in
        it. Inside a render (``for_this_moment``) every part shares the render's
        moment: one reading of the versions, one snapshot."""
        pinned = _PINNED.get()
        if pinned is not None and pinned[0] is self:
            return pinned[1]
        now = self.clock()
        bucket = int(now.timestamp()) // self.bucket_seconds * self.bucket_seconds
        with self.engine.connect() as conn:
            v = versions.versions(conn)
        return now, f"cw:{v.store}:{self.profile.id}:{{}}:{v.data}:{bucket}", v

    def _cached(
        self,
        what: str,
        arg: Any,
        build: Callable[..., Any],
        memoised: bool = False,
    ) -> Any:
        """``build(conn, window)`` for this moment, cached; with ``memoised`` it also
        gets the memo of past hours (``build(conn, window, memo)``)."""
        now, moment, v = self._moment()
        key = moment.format(f"{what}:{arg}")
        found = self.cache.get(key)
        if found is not None:
            return found
        with self._connection() as conn:
            # the moment itself, not the bucket's start: a record stamped a second
            # ago counts as soon as its batch is in (the bucket only lets screens
            # refreshing together share one computation)
            w = self.window(now)
            if memoised:
                result = build(conn, w, self._memo_at(v.store, v.past))
            else:
                result = build(conn, w)
        self.cache.set(key, result, timeout=self._moment_timeout)
        return result

    def for_this_moment(self, name: str, build: Callable[[], T]) -> T:
        """What ``build()`` makes of the store as it is now, made once per moment
        and shared by every screen and worker: a page's whole refresh, rendered,
        so that a warm refresh costs one small query and one cache read.

        When only the clock has moved on (the same data, a new bucket), the last
        render of this data answers at once while one thread, in one worker, makes
        the new one: dozens of screens never queue behind the twenty-odd pages
        that all turn cold together at each bucket. A new batch is never answered
        from an older render: the first refresh after it makes the new one."""
        pinned = self._moment()
        now, moment, v = pinned
        key = moment.format(f"moment:{name}")
        found = self.cache.get(key)
        if found is not None:
            return found
        bucket = int(now.timestamp()) // self.bucket_seconds
        last_key = f"cw:{v.store}:{self.profile.id}:last:{name}"
        last = self.cache.get(last_key)  # (data version, bucket, render)
        fresh_enough = (
            last is not None and last[0] == v.data and bucket - last[1] <= STALE_BUCKETS
        )
        if fresh_enough:
            making = f"{key}:making"
            if self.cache.add(making, 1, timeout=MAKING_SECONDS):
                self._make_aside(key, last_key, pinned, build, making)
            return last[2]
        # a worker waiting for another's render would serve no one meanwhile:
        # each worker makes it (rare: the first refresh after a batch)
        return self._make(key, last_key, pinned, build)

    def _make(
        self, key: str, last_key: str, pinned: tuple, build: Callable[[], T]
    ) -> T:
        token = _PINNED.set((self, pinned))
        shared = _SharedConnection(self.engine)
        shared_token = _SHARED.set(shared)
        try:
            result = build()
        finally:
            _SHARED.reset(shared_token)
            _PINNED.reset(token)
            shared.close()
        now, _, v = pinned
        bucket = int(now.timestamp()) // self.bucket_seconds
        self.cache.set(key, result, timeout=self._moment_timeout)
        self.cache.set(last_key, (v.data, bucket, result), timeout=LAST_SECONDS)
        return result

    def _make_aside(self, key, last_key, pinned, build, making) -> None:
        """``_make`` on a thread of its own, in a copy of this request's context
        (the caller's role and page arguments are part of what ``build`` reads)."""
        context = contextvars.copy_context()

        def make() -> None:
            try:
                context.run(self._make, key, last_key, pinned, build)
            except Exception:  # the next refresh tries again, in the foreground
                log.exception("making %s failed", key)
            finally:
                self.cache.delete(making)

        _makers(self.engine).submit(make)

    @property
    def _moment_timeout(self) -> int:
        return max(self.bucket_seconds * 4, 60)

    def _memo_at(self, store: int, past_version: int) -> Memo:
        """What the rollups said of hours already over, kept until a batch changes
        one of them (the past version rises) or for two days at most."""
        prefix = f"cw:{store}:{self.profile.id}:past:{past_version}:"

        def memo(
            key: tuple, compute: Callable[[], Any], seconds: int = PAST_TIMEOUT
        ) -> Any:
            name = prefix + ":".join(
                v.isoformat() if isinstance(v, datetime) else str(v) for v in key
            )
            found = self.cache.get(name)
            if found is None:
                found = compute()
                self.cache.set(name, found, timeout=seconds)
            return found

        return memo


def _as_float(value: Any) -> float | None:
    return None if value is None else float(value)


class _Makers:
    """The few kept threads that make one store's renders aside, in this process.

    A few kept threads, not one new thread per render: at a bucket's turn twenty-odd
    pages go cold together, and as many threads at once would fight the requests
    for the interpreter and each take a malloc arena of its own, which the worker
    keeps for good. Daemons, one set per store's engine: a make stuck on a database
    that stopped answering holds up neither the process's exit nor the renders of
    another store."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        self.jobs.put(job)
        with self.lock:
            # a thread killed from outside (a test server's stop) is replaced
            self.threads = [t for t in self.threads if t.is_alive()]
            if len(self.threads) < MAKERS:
                thread = threading.Thread(
                    target=self._work,
                    name=f"citywall-moment-{len(self.threads)}",
                    daemon=True,
                )
                thread.start()
                self.threads.append(thread)

    def _work(self) -> None:
        while True:
            self.jobs.get()()


_makers_of: weakref.WeakKeyDictionary[Engine, _Makers] = weakref.WeakKeyDictionary()
_makers_lock = threading.Lock()


def _makers(engine: Engine) -> _Makers:
    """The makers of ``engine``'s renders in this process (a forked worker makes its
    own: threads do not survive a fork)."""
    with _makers_lock:
        makers = _makers_of.get(engine)
        if makers is None or makers.pid != os.getpid():
            makers = _makers_of[engine] = _Makers()
        return makers
