"""The wall is honest about its sources: stale past three intervals, and since when."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from citywall.profile import SourceConfig
from components.freshness import freshness_strip
from connectors.base import Batch
from ingest.runner import SourceRunner
from kpis.service import KpiService

T0 = datetime(2026, 3, 18, 2, 0, tzinfo=timezone.utc)


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
    demo = seoul.sources[0]  # interval 5 s: stale after 15 s without success
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

    now[0] = T0 + timedelta(seconds=10)
    (fresh,) = service.source_health()
    assert (fresh.name, fresh.stale, fresh.last_success_at) == ("demo", False, T0)

    connector.fail = True
    feed.run()
    now[0] = T0 + timedelta(seconds=20)
    (quiet,) = service.source_health()
    assert quiet.stale and quiet.last_success_at == T0
    assert quiet.last_error == "ConnectionError: feed unreachable"

    strip = freshness_strip(T0, [quiet], seoul, now[0])
    badge = strip[-1]
    assert badge.children == "◆ demo stale since 11:00"  # 02:00 UTC is 11:00 in Seoul
    assert "feed unreachable" in badge.title


def test_a_source_never_loaded_says_so(engine, seoul):
    service = KpiService(engine, seoul, clock=lambda: T0)
    (never,) = service.source_health()
    assert never.stale and never.last_success_at is None
    assert (
        freshness_strip(None, [never], seoul, T0)[-1].children == "◆ demo never loaded"
    )
