"""The wall is honest about its sources: stale past three intervals (and two minutes
at least), and since when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from city.profile import SourceConfig
from city.records import Batch
from components.freshness import freshness_strip
from ingest.runner import SourceRunner
from kpis.service import KpiService

T0 = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)


class Flaky:
    protocol = "test"

    def __init__(self):
        self.fail = False

    def pull(self, cursor, now):
        if self.fail:
            raise ConnectionError("feed unreachable")
        return Batch(next_cursor="c")


def test_a_quiet_source_turns_stale_with_its_last_success_and_error(engine, seoul):
    now = [T0]
    demo = seoul.sources[0]  # interval 5 s: stale after 2 min without success
    assert demo.interval_seconds == 5
    connector = Flaky()
    feed = SourceRunner(
        engine,
        seoul,
        SourceConfig(demo.name, "test", 5, {}),
        connector=connector,
        clock=lambda: now[0],
    )
    feed.run()
    service = KpiService(engine, seoul, clock=lambda: now[0])

    now[0] = T0 + timedelta(seconds=110)  # 22 intervals: one slow answer is not stale
    (fresh,) = service.source_health()
    assert (fresh.name, fresh.stale, fresh.last_success_at) == ("demo", False, T0)

    connector.fail = True
    feed.run()
    now[0] = T0 + timedelta(seconds=130)
    (quiet,) = service.source_health()
    assert quiet.stale and quiet.last_success_at == T0
    assert quiet.last_error == "ConnectionError: feed unreachable"

    strip = freshness_strip(T0, [quiet], seoul, now[0], "en")
    badge = strip[-1]
    assert badge.children == "◆ demo stale since 11:00"  # 02:00 UTC is 11:00 in Seoul
    # the wall's viewers learn that it is stale and since when, not what failed
    assert badge.title == "demo stale since 11:00"
    assert "unreachable" not in str(strip)
    # the page says when its caller is an admin: then the error is on hover
    admins = freshness_strip(T0, [quiet], seoul, now[0], "en", show_errors=True)
    assert admins[-1].title == "last error: ConnectionError: feed unreachable"


def test_a_source_never_loaded_says_so(engine, seoul):
    service = KpiService(engine, seoul, clock=lambda: T0)
    (never,) = service.source_health()
    assert never.stale and never.last_success_at is None
    assert (
        freshness_strip(None, [never], seoul, T0, "en")[-1].children
        == "◆ demo never loaded"
    )


class Scripted:
    """Delivers the given batch, or fails once told to."""

    protocol = "test"

    def __init__(self, batch_for):
        self.batch_for, self.fail = batch_for, False

    def pull(self, cursor, now):
        if self.fail:
            raise TimeoutError("no answer")
        return self.batch_for(now)


def test_a_tile_whose_sources_are_all_stale_says_since_when(engine, seoul):
    from dataclasses import replace

    from city.records import Event, Measurement, Rejected
    from components.tile import kpi_tile
    from tests.standard import KPIS_BY_ID

    incidents = SourceConfig("incidents", "test", 60, {})
    speeds = SourceConfig("speeds", "test", 60, {})
    city = replace(seoul, sources=(incidents, speeds))
    now = [T0]

    def incident_batch(at):
        return Batch(
            events=[
                Event(f"i{at.timestamp()}", "safety", "fire", at, district_code="11680")
            ],
            rejected=[Rejected("bad time", "{}")],
            next_cursor="c",
        )

    def speed_batch(at):
        return Batch(
            measurements=[
                Measurement("road_speed", "L1", at, 30.0, "arterial", "11680")
            ],
            next_cursor="c",
        )

    feeds = {
        name: (Scripted(batch), SourceConfig(name, "test", 60, {}))
        for name, batch in (("incidents", incident_batch), ("speeds", speed_batch))
    }
    runners = {
        name: SourceRunner(engine, city, cfg, connector=c, clock=lambda: now[0])
        for name, (c, cfg) in feeds.items()
    }
    for runner in runners.values():
        runner.run()
    service = KpiService(engine, city, clock=lambda: now[0])
    assert not any(t.stale for t in service.tiles())

    feeds["incidents"][0].fail = True
    now[0] = T0 + timedelta(minutes=4)  # past three intervals of 60 s
    for runner in runners.values():
        runner.run()
    tiles = {t.kpi_id: t for t in service.tiles()}
    assert tiles["safety_incidents_24h"].stale
    assert tiles["safety_incidents_24h"].stale_since == T0
    assert not tiles["road_avg_speed"].stale  # its source is fresh
    assert not tiles["complaints_today"].stale  # no source feeds it: nothing to say
    assert tiles["safety_incidents_24h"].value == 1  # the value is kept, marked old

    rendered = str(
        kpi_tile(
            KPIS_BY_ID["safety_incidents_24h"],
            tiles["safety_incidents_24h"],
            "en",
            seoul.timezone,
        )
    )
    assert "STALE since Mar 18 11:00" in rendered

    health = {h.name: h for h in service.source_health()}
    assert health["incidents"].feeds == ("events:safety",)
    assert health["speeds"].feeds == ("series:road_speed",)
    assert health["incidents"].failing and not health["speeds"].failing
    assert health["incidents"].last_error == "TimeoutError: no answer"
    assert health["speeds"].last_run_stored == 1
    assert health["incidents"].quarantined_24h == 1


def test_one_rule_of_staleness_for_sources_and_the_wall():
    from city.profile import stale_after

    assert stale_after(5) == timedelta(minutes=2)  # a fast feed: the floor
    assert stale_after(600) == timedelta(minutes=30)  # a slow one: three intervals


def test_a_sources_quarantine_size_counts_every_row_it_keeps(engine, seoul):
    """The last day's rejects, and all the quarantine keeps (its retention decides)."""
    from store.schema import quarantine

    ages = (timedelta(hours=1), timedelta(hours=20), timedelta(days=2), timedelta(29))
    with engine.begin() as conn:
        conn.execute(
            quarantine.insert(),
            [
                {"source": s, "reason": "bad", "excerpt": "", "received_at": T0 - age}
                for s in ("demo", "elsewhere")
                for age in ages
            ],
        )
    service = KpiService(engine, seoul, clock=lambda: T0)
    (demo,) = service.source_health()
    assert (demo.quarantined_24h, demo.quarantine_size) == (2, 4)
