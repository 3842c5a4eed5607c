"""Each source's health (last success, last error, its last run, quarantined
rows) and the staleness of the KPIs it feeds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from city.indicators import Indicator
from city.profile import CityProfile
from kpis.values import KpiValue, SourceHealth
from store.schema import quarantine, source_feeds, source_runs, source_state


def source_health(
    conn: Connection, profile: CityProfile, now: datetime
) -> list[SourceHealth]:
    """Each source of the profile, stale when it had no success within its
    ``stale_after`` (the one rule, ``city.profile.stale_after``)."""
    states = {r.source: r for r in conn.execute(select(source_state)).all()}
    feeds: dict[str, list[str]] = {}
    for source, feed in conn.execute(
        select(source_feeds.c.source, source_feeds.c.feed).order_by(source_feeds.c.feed)
    ):
        feeds.setdefault(source, []).append(feed)
    recent = quarantine.c.received_at > now - timedelta(days=1)
    quarantined = {
        source: (day, size)
        for source, day, size in conn.execute(
            select(
                quarantine.c.source,
                func.count().filter(recent),
                func.count(),
            ).group_by(quarantine.c.source)
        )
    }
    health = []
    for source in profile.sources:
        state = states.get(source.name)
        ok_at = state.last_success_at if state else None
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
                stale=ok_at is None or now - ok_at > source.stale_after,
                connector=source.connector,
                interval_seconds=source.interval_seconds,
                feeds=tuple(feeds.get(source.name, ())),
                last_run_at=run.finished_at if run else None,
                last_run_fetched=run.fetched if run else None,
                last_run_stored=run.stored if run else None,
                last_run_rejected=run.rejected if run else None,
                quarantined_24h=quarantined.get(source.name, (0, 0))[0],
                quarantine_size=quarantined.get(source.name, (0, 0))[1],
            )
        )
    return health


def sources_off(profile: CityProfile) -> list[SourceHealth]:
    """The sources off until the environment sets a key: listed beside the
    others on the sources page, never stale (nothing is owed yet), never pulled."""
    return [
        SourceHealth(
            name=off.name,
            last_success_at=None,
            last_error_at=None,
            last_error=None,
            stale=False,
            connector=off.connector,
            off_until=off.needs,
        )
        for off in profile.disabled_sources
    ]


def with_staleness(
    value: KpiValue, kpi: Indicator, health: list[SourceHealth]
) -> KpiValue:
    """``value`` marked stale when every source that feeds its KPI is, as of the
    newest success among them."""
    feeding = [h for h in health if kpi.feed in h.feeds]
    if not feeding or not all(h.stale for h in feeding):
        return value
    known = [h.last_success_at for h in feeding if h.last_success_at]
    return replace(value, stale=True, stale_since=max(known) if known else None)
