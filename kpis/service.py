"""The KPI layer pages and components ask: values, statuses, map data, alerts,
the records behind them, the sources' health, the disaster stage and cameras.

Each answer is made once per moment (``kpis.moment``) and shared through the
cache; the maths is in ``kpis.judging``, the health in ``kpis.health``, the SQL in
``kpis.queries``, ``kpis.records``, ``kpis.alerts`` and ``kpis.stages``. Reads
never write: the stage's log is kept by ``log_stage``, which the ingest's stage
watcher and the operators' commands call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from itertools import zip_longest
from typing import Any, TypeVar

from flask_caching.backends.base import BaseCache
from flask_caching.backends.nullcache import NullCache
from sqlalchemy import Connection, Engine

from city.indicators import HotspotView, Indicator
from city.profile import CityProfile
from kpis import alerts as alert_briefs
from kpis import cameras as camera_rows
from kpis import compile, hotspots, records
from kpis import queries as q
from kpis.definitions import KpiContext, Window
from kpis.health import source_health, with_staleness
from kpis.hotspots import HotspotNow
from kpis.judging import Judge, as_float
from kpis.moment import Moment, Moments
from kpis.pace import hourly_shape, share_of_day
from kpis.periods import PeriodValue, period_values
from kpis.records import RecordFilter
from kpis.rollup_queries import Memo, no_memo
from kpis.stages import (
    DisasterView,
    StageState,
    checked_override,
    disaster_view,
    evaluate,
)
from kpis.unusual import Scope, Unusual, unusual_now
from kpis.values import AlertRow, EventRow, KpiValue, SourceHealth
from store import stages as stage_store
from store import versions
from store.versions import settled_before

T = TypeVar("T")
PREVIOUS_SECONDS = 120  # a comparison value is kept past its minute for this long
HISTORY_SECONDS = 7200  # the sparklines of an hour, kept past it


def _in_district(found: dict, code: str, counts: bool) -> Any:
    """A district's value in a per-district answer (see ``kpis.queries.run``)."""
    return found.get(code, found.get(q.ALL_DISTRICTS, 0 if counts else None))


def utcnow() -> datetime:
    return datetime.now(UTC)


def _kept_by_the_hour(kpi: Indicator) -> bool:
    """Whether ``kpi``'s value at a past hour follows from the rollups' hours alone
    (which raise the past and settled versions when they change). The alerts in
    force read the records' expiry, which a later update may move without
    touching any hour."""
    return not kpi.period and kpi.measure != "in_force"


class KpiService:
    def __init__(
        self,
        engine: Engine,
        profile: CityProfile,
        cache: BaseCache | None = None,
        clock: Callable[[], datetime] = utcnow,
        bucket_seconds: int = 5,
        speed_window: timedelta = timedelta(minutes=15),
        moment_tag: str = "",
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.cache = cache or NullCache()
        self.clock = clock
        self.bucket_seconds = bucket_seconds
        self.speed_window = speed_window
        self.moments = Moments(
            engine, profile.id, self.cache, clock, bucket_seconds, moment_tag
        )
        self.judge = Judge(profile)
        classes = profile.road_classes
        self.context = KpiContext(
            congested_below={name: c.congested_below for name, c in classes.items()},
            default_congested_below=classes["arterial"].congested_below
            if "arterial" in classes
            else 15.0,
        )

    # -- the moment ------------------------------------------------------------------
    def moment(self) -> Moment:
        """This moment (one data version in one time bucket): a render made for it
        is good for every screen refreshing in it."""
        return self.moments.current()

    @contextmanager
    def reading_at(self, moment: Moment, aside: bool = False) -> Iterator[None]:
        """Every answer asked for inside reads the store at ``moment``, through one
        connection: a render's parts never straddle a batch. Made ``aside``, it
        stops once a newer batch has been read (``kpis.moment.Superseded``)."""
        with self.moments.pinned(moment, aside):
            yield

    # -- what pages ask --------------------------------------------------------------
    def tiles(self, district: str | None = None) -> list[KpiValue]:
        """Every KPI for the city or a district, each marked stale when all the
        sources that feed it are."""
        if district in self.profile.districts_by_code:
            return self._district_tiles()[district]
        health = self.source_health()

        def build(conn: Connection, w: Window, memo: Memo) -> list[KpiValue]:
            return [
                with_staleness(self.compute(conn, kpi, w, district, memo), kpi, health)
                for kpi in self.profile.indicators
            ]

        return self._cached("tiles", district, build)

    def _district_tiles(self) -> dict[str, list[KpiValue]]:
        """Every KPI for every district, from one grouped query per aggregate: the
        district pages of one moment share a single computation."""
        health = self.source_health()

        def build(conn: Connection, w: Window, memo: Memo) -> dict:
            codes = [d.code for d in self.profile.districts]
            tiles: dict[str, list[KpiValue]] = {code: [] for code in codes}
            for kpi in self.profile.indicators:
                if kpi.period:  # by district, each from its own readings
                    for code in codes:
                        value = self._periodic(conn, kpi, w, code, memo)
                        tiles[code].append(with_staleness(value, kpi, health))
                    continue
                current = compile.current(kpi, w, self.context)
                now_found = q.run(conn, current, q.ALL_DISTRICTS, memo)
                before_found = self._previous(conn, kpi, w, q.ALL_DISTRICTS, memo)
                share = self._share_of_day(conn, kpi, w, memo)
                for code in codes:
                    value = self.judge.value(
                        kpi,
                        code,
                        _in_district(now_found, code, current.counts),
                        None  # compared with nothing
                        if before_found is None
                        else _in_district(before_found, code, current.counts),
                        current.counts,
                        self._severity(conn, kpi, w, code),
                        share,
                        compile.previous_divisor(kpi, w),
                    )
                    tiles[code].append(with_staleness(value, kpi, health))
            return tiles

        return self._cached("district_tiles", None, build)

    def map_values(self, kpi_id: str) -> dict[str, float | None]:
        """One KPI for every district, for the choropleth."""
        kpi = self.profile.indicators_by_id[kpi_id]

        def build(conn: Connection, w: Window, memo: Memo) -> dict[str, float | None]:
            if kpi.period:
                return {
                    d.code: self._periodic(conn, kpi, w, d.code, memo).value
                    for d in self.profile.districts
                }
            agg = compile.current(kpi, w, self.context)
            found = q.run(conn, agg, q.ALL_DISTRICTS, memo)
            empty = found.get(q.ALL_DISTRICTS, 0 if agg.counts else None)
            return {
                d.code: as_float(found.get(d.code, empty))
                for d in self.profile.districts
            }

        return self._cached("map", kpi_id, build)

    def active_alerts(
        self, district: str | None = None, limit: int = 12
    ) -> list[AlertRow]:
        return self._cached(
            "alerts",
            (district, limit),
            lambda conn, w, _: [
                AlertRow(*row)
                for row in alert_briefs.active(conn, w.now, district, limit)
            ],
        )

    def latest_events(self, limit: int = 8) -> list[EventRow]:
        """The newest incidents, complaints and alerts: what just happened."""
        return self._cached(
            "latest",
            limit,
            lambda conn, w, _: [
                EventRow(*row)
                for row in records.newest(
                    conn, [d.id for d in self.profile.domains], w.now, limit
                )
            ],
        )

    def source_health(self) -> list[SourceHealth]:
        """Each source of the profile: last success, last error, its last run, and
        whether it is stale."""
        return self._cached(
            "health", None, lambda conn, w, _: source_health(conn, self.profile, w.now)
        )

    def newest_data(self) -> datetime | None:
        """The time of the newest record in the store, events or measurements, as
        the moment read it with the versions."""
        return self.moments.current().versions.newest

    def history(self, district: str | None = None, hours: int = 24) -> dict:
        """Each KPI at the last ``hours`` whole hours, oldest first: the tiles'
        sparklines. It reads only hours already over, so it is computed once an hour
        and again when a batch changes one of them (the past version); the points
        on settled hours are kept through both (``_settled_point``)."""
        moment = self.moments.current()
        hour = moment.now.replace(minute=0, second=0, microsecond=0)
        key = (
            f"{moment.prefix}:history:{district}:{hours}:"
            f"{hour.isoformat()}:{moment.versions.past}"
        )
        found = self.cache.get(key)
        if found is not None:
            return found
        points = [hour - timedelta(hours=h) for h in range(hours - 1, -1, -1)]
        memo = self.moments.memo(moment)
        # a point reads the hours up to its own (a reading stamped on it included)
        settled = settled_before(datetime.now(UTC)) - timedelta(hours=1)
        kept = [k for k in self.profile.indicators if _kept_by_the_hour(k)]
        result: dict[str, list[float | None]] = {}
        with self.moments.connection() as conn:

            def values_at(kpis: list[Indicator], at: datetime) -> dict:
                return {k.id: self._point(conn, k, at, district, memo) for k in kpis}

            kept_points = [
                self._settled_point(kept, district, at, memo, values_at)
                if at <= settled
                else values_at(kept, at)
                for at in points
            ]
            for kpi in self.profile.indicators:
                if kpi.period:  # its periods, not hours
                    found = self._periods(
                        conn, kpi, self.window(moment.now), district, memo
                    )
                    result[kpi.id] = [p.achieved for p in found]
                elif _kept_by_the_hour(kpi):
                    result[kpi.id] = [point[kpi.id] for point in kept_points]
                else:
                    result[kpi.id] = [
                        self._point(conn, kpi, at, district, memo) for at in points
                    ]
        self.cache.set(key, result, timeout=HISTORY_SECONDS)
        return result

    def _point(
        self,
        conn: Connection,
        kpi: Indicator,
        at: datetime,
        district: str | None,
        memo: Memo,
    ) -> float | None:
        """``kpi`` as it stood at ``at``: a sparkline's point."""
        agg = compile.current(kpi, self.window(at), self.context)
        value = as_float(q.run(conn, agg, district, memo))
        return value or 0.0 if agg.counts else value

    def _settled_point(
        self,
        kpis: list[Indicator],
        district: str | None,
        at: datetime,
        memo: Memo,
        values_at: Callable[[list[Indicator], datetime], dict],
    ) -> dict:
        """The point ``at`` of every KPI of ``kpis``, on settled hours only: kept
        from one hour to the next and through the late records of the hour just
        over (the sparklines were 87 % of the first refresh after either, when all
        24 points of all of them were read again). Keyed by what the values depend
        on besides the store: the declarations."""
        declared = hashlib.blake2b(
            repr((kpis, self.context, self.profile.timezone)).encode(),
            digest_size=8,
        ).hexdigest()
        return memo(
            ("history", district, declared, at),
            lambda: values_at(kpis, at),
            settled=True,
        )

    def unusual(self) -> Unusual:
        """What is unusual now: the counts and means far from the same time of the
        week in the past weeks (``kpis.unusual``), most surprising first."""
        scope = self.unusual_scope()
        return self._cached(
            "unusual",
            None,
            lambda conn, w, memo: unusual_now(conn, scope, w.now, w.today_start, memo),
        )

    def unusual_scope(self) -> Scope:
        domains = self.profile.domains
        people = self.profile.population or 0
        districts = self.profile.districts
        return Scope(
            domains=tuple(d.id for d in domains if d.events),
            series=tuple(dict.fromkeys(d.series for d in domains if d.series)),
            residents={
                d.code: d.population / people if people else 1 / len(districts)
                for d in districts
            },
            timezone=self.profile.timezone,
        )

    # -- the records behind the KPIs (domain pages, tables, CSV) -------------------
    def records(self, f: RecordFilter, limit: int | None = 1000) -> list[dict]:
        return self._cached(
            "records",
            (f, limit),
            lambda conn, w, _: records.latest(conn, f, w.now, limit),
        )

    def record_total(self, f: RecordFilter) -> int:
        return self._cached(
            "total", f, lambda conn, w, _: records.total(conn, f, w.now)
        )

    def counts_over_time(self, f: RecordFilter) -> list[tuple[int, str, int]]:
        offset = self._utc_offset_seconds()
        return self._cached(
            "over_time",
            f,
            lambda conn, w, _: records.counts_over_time(conn, f, w.now, offset),
        )

    def period(self, f: RecordFilter) -> records.Period:
        """Every bucket of the filter's period, now: what the charts over time span."""
        offset = self._utc_offset_seconds()
        return self._cached(
            "period", f, lambda conn, w, _: records.period_buckets(f, w.now, offset)
        )

    def series_over_time(self, series: str, f: RecordFilter) -> list[tuple[int, float]]:
        offset = self._utc_offset_seconds()
        return self._cached(
            "series_over_time",
            (series, f),
            lambda conn, w, _: records.series_over_time(conn, series, f, w.now, offset),
        )

    def by_category(self, f: RecordFilter) -> dict[str, int]:
        return self._cached(
            "by_category", f, lambda conn, w, _: records.by_category(conn, f, w.now)
        )

    def by_district(self, f: RecordFilter) -> dict[str, int]:
        return self._cached(
            "by_district", f, lambda conn, w, _: records.by_district(conn, f, w.now)
        )

    def categories(self, domain: str) -> list[str]:
        """The categories a domain had in the last 30 days (the filter's choices)."""
        return self._cached(
            "categories",
            domain,
            lambda conn, w, _: records.categories(
                conn, domain, w.now - timedelta(days=30), w.now
            ),
        )

    # -- hotspots --------------------------------------------------------------------
    def hotspots_now(self, domain: str) -> dict[str, HotspotNow]:
        """Each hotspot's level now, as the domain's map colours it (none for a
        domain that draws no hotspots)."""
        view = self._hotspot_view(domain)
        if view is None:
            return {}
        return self._cached(
            "hotspots_now",
            domain,
            lambda conn, w, _: hotspots.hotspots_now(conn, view, w.now),
        )

    def hotspot_curve(self, domain: str, code: str) -> hotspots.HotspotCurve | None:
        """A hotspot's day and forecast (None: no such hotspot, or a domain that
        draws none)."""
        view = self._hotspot_view(domain)
        if view is None or code not in self.profile.hotspots_by_code:
            return None
        return self._cached(
            "hotspot_curve",
            (domain, code),
            lambda conn, w, _: hotspots.hotspot_curve(conn, view, code, w.now),
        )

    def _hotspot_view(self, domain: str) -> HotspotView | None:
        found = self.profile.domains_by_id.get(domain)
        return found.hotspots if found is not None else None

    def record(self, event_id: int) -> dict | None:
        return self._cached(
            "record", event_id, lambda conn, w, _: records.one(conn, event_id)
        )

    def _utc_offset_seconds(self) -> int:
        offset = self.clock().astimezone(self.profile.timezone).utcoffset()
        return int(offset.total_seconds()) if offset else 0

    # -- the disaster stage ----------------------------------------------------------
    def stage(self) -> StageState:
        """The city's stage now (an operator's override wins over the rules), with
        since when it holds as logged (None until ``log_stage`` has logged it)."""

        def build(conn: Connection, w: Window, _: Memo) -> StageState:
            # the clock, not the bucket: an override set a second ago holds now
            override = stage_store.active_override(conn, self.clock())
            if override is not None:
                state = StageState(override.level, manual=True, reason=override.reason)
            else:
                state = evaluate(conn, self.profile.ladder, w.now)
            last = stage_store.last_logged(conn)
            if last is None or (last.level, bool(last.manual)) != (
                state.level,
                state.manual,
            ):
                return state
            return replace(state, since=last.at)

        return self._cached("stage", None, build)

    def log_stage(self) -> StageState:
        """The stage now, logged when it differs from the last one logged (in a
        write transaction of its own): the ingest's stage watcher calls it on a
        timer, the operators' commands after each change, so every change is
        logged when it happens, with or without a wall open."""
        now = self.clock()
        with self.engine.begin() as conn:
            override = stage_store.active_override(conn, now)
            if override is not None:
                state = StageState(override.level, manual=True, reason=override.reason)
            else:
                state = evaluate(conn, self.profile.ladder, now)
            stage_store.log_change(
                conn, state.level, state.manual, state.summary(), now
            )
            last = stage_store.last_logged(conn)
        return replace(state, since=last.at if last is not None else None)

    def disaster(self) -> DisasterView:
        """The stage with what the wall shows of it: its place on the ladder, the
        disaster layout or not, the active alerts in full, the districts concerned."""
        alerts = self._cached(
            "briefs", None, lambda conn, w, _: alert_briefs.briefs(conn, w.now)
        )
        return disaster_view(
            self.stage(),
            self.profile.ladder,
            alerts,
            [d.code for d in self.profile.districts],
        )

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
        self.log_stage()  # logged now, not at the watcher's next round
        return self.disaster()

    def hand_back_stage(self) -> DisasterView:
        """The stage back to the ladder's rules (``citywall stage auto``)."""
        with self.engine.begin() as conn:
            stage_store.clear_overrides(conn, self.clock())
        self.log_stage()
        return self.disaster()

    def stage_history(self, limit: int = 50) -> list:
        with self.moments.connection() as conn:
            return stage_store.history(conn, limit)

    # -- cameras -----------------------------------------------------------------
    def cameras(
        self, widest: str = "public", district: str | None = None
    ) -> list[camera_rows.CameraRow]:
        """The cameras this wall may show (up to access level ``widest``)."""
        found = self._cached(
            "cameras",
            widest,
            lambda conn, w, _: camera_rows.listed(conn, w.now, widest),
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
        with self.moments.connection() as conn:
            return camera_rows.one(conn, camera_id)

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
            timezone=self.profile.timezone,
        )

    def compute(
        self,
        conn: Connection,
        kpi: Indicator,
        w: Window,
        district: str | None = None,
        memo: Memo = no_memo,
    ) -> KpiValue:
        if kpi.period:
            return self._periodic(conn, kpi, w, district, memo)
        current = compile.current(kpi, w, self.context)
        value = q.run(conn, current, district, memo)
        previous = self._previous(conn, kpi, w, district, memo)
        return self.judge.value(
            kpi,
            district,
            value,
            previous,
            current.counts,
            self._severity(conn, kpi, w, district),
            self._share_of_day(conn, kpi, w, memo),
            compile.previous_divisor(kpi, w),
        )

    def _periods(
        self,
        conn: Connection,
        kpi: Indicator,
        w: Window,
        district: str | None,
        memo: Memo,
    ) -> list[PeriodValue]:
        assert kpi.series is not None and kpi.period is not None
        categories = dict(kpi.where).get("category")
        return period_values(
            conn,
            kpi.series,
            kpi.measure,
            kpi.period,
            self.profile.timezone,
            w.now,
            kpi.periods_shown,
            plan_series=kpi.plan_series,
            plan=kpi.plan or None,
            district=district,
            categories=categories,
            memo=memo,
        )

    def _periodic(
        self,
        conn: Connection,
        kpi: Indicator,
        w: Window,
        district: str | None,
        memo: Memo,
    ) -> KpiValue:
        """A periodic indicator's tile: the last period over, against its plan
        (when the declaration sets no target) and compared with the one before.
        The current period is not judged: so far, it is short of any plan."""
        over = [p for p in self._periods(conn, kpi, w, district, memo) if not p.current]
        last = over[-1] if over else None
        before = over[-2] if len(over) > 1 else None
        # a plan table is the city's: a district is judged by a plan series only
        plan_here = district is None or kpi.plan_series is not None
        return self.judge.value(
            kpi,
            district,
            last.achieved if last else None,
            before.achieved if before else None,
            kpi.counts,
            planned=last.planned if last and plan_here else None,
        )

    def periods(self, kpi_id: str, district: str | None = None) -> list[PeriodValue]:
        """A periodic indicator's last periods, oldest first, the current last:
        what was achieved against what was planned."""
        kpi = self.profile.indicators_by_id[kpi_id]
        return self._cached(
            "periods",
            (kpi_id, district),
            lambda conn, w, memo: self._periods(conn, kpi, w, district, memo),
        )

    def _share_of_day(
        self, conn: Connection, kpi: Indicator, w: Window, memo: Memo
    ) -> float | None:
        """For a count so far today: the share of a usual day's count arrived by
        now. The city's rhythm by hour of day is the past's, read once a day (and
        again when a batch changes an hour before today; after the first hour of
        the day, late records of the hour just over leave it alone)."""
        if not kpi.paced:
            return None
        shape = memo(
            ("day_shape", kpi.domain, w.today_start),
            lambda: hourly_shape(
                conn, kpi.domain, w.today_start, self.profile.timezone
            ),
            settled=w.today_start <= settled_before(datetime.now(UTC)),
        )
        return share_of_day(shape, w.now, self.profile.timezone)

    @staticmethod
    def _severity(
        conn: Connection, kpi: Indicator, w: Window, district: str | None
    ) -> str | None:
        """The most severe active alert, for a KPI judged by it."""
        if not kpi.judged_by_severity:
            return None
        return q.highest_active_severity(conn, w.now, district, kpi.domain)

    def _previous(
        self, conn: Connection, kpi: Indicator, w: Window, scope: str | None, memo: Memo
    ) -> Any:
        """The KPI's value to compare with (the same time yesterday, the week
        before...), to the minute. It is a matter of the past, so it is worked out
        once a minute, and again when a batch changes a past hour (a settled one,
        for a comparison that ends before the hour just over), rather than at
        every moment: about half of a refresh's queries otherwise."""
        if kpi.compare.kind == "none":  # compared with nothing
            return None
        at_minute = replace(w, now=w.now.replace(second=0, microsecond=0))

        def read() -> Any:  # built only when the memo has not got it
            before = compile.previous(kpi, at_minute, self.context)
            return q.run(conn, before, scope, memo)

        end = compile.previous_end(kpi, at_minute)
        settled = (
            _kept_by_the_hour(kpi)
            and end is not None
            and end < settled_before(datetime.now(UTC))
        )
        return memo(
            ("previous", kpi.id, scope, at_minute.now),
            read,
            PREVIOUS_SECONDS,
            settled=settled,
        )

    def _cached(
        self, what: str, arg: Any, build: Callable[[Connection, Window, Memo], T]
    ) -> T:
        """``build(conn, window, memo)`` once for this moment, shared."""
        return self.moments.cached(
            f"{what}:{arg}", lambda conn, now, memo: build(conn, self.window(now), memo)
        )
