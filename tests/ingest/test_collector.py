"""The cycle collector is held off while a batch runs, and only then."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime

import pytest

from city.profile import SourceConfig
from city.records import Batch, Event
from ingest.collector import collector_paused
from ingest.runner import SourceRunner

NOW = datetime(2026, 3, 18, 2, 37, tzinfo=UTC)


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after():
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a nested block does not turn it on early
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_even_when_the_batch_fails():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the store went away")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_host_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_two_sources_batches_overlapping_on_two_threads():
    """Source A starts, B starts, A ends: the collector stays off until B ends."""
    a_inside, b_inside, a_may_end, b_may_end = (threading.Event() for _ in range(4))
    seen: dict[str, bool] = {}

    def batch(inside: threading.Event, may_end: threading.Event) -> None:
        with collector_paused():
            inside.set()
            may_end.wait(5)

    a = threading.Thread(target=batch, args=(a_inside, a_may_end))
    b = threading.Thread(target=batch, args=(b_inside, b_may_end))
    a.start()
    a_inside.wait(5)
    b.start()
    b_inside.wait(5)
    a_may_end.set()
    a.join(5)
    seen["after A"] = gc.isenabled()
    b_may_end.set()
    b.join(5)
    seen["after B"] = gc.isenabled()
    assert seen == {"after A": False, "after B": True}


class Watching:
    """A connector that notes whether the collector ran while it was pulled."""

    protocol = "test"

    def __init__(self) -> None:
        self.collector_on_at_pull: bool | None = None

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        self.collector_on_at_pull = gc.isenabled()
        event = Event("e1", "safety", "fire", NOW, district_code="11110")
        return Batch(events=[event])


def test_a_source_runs_its_batch_with_the_collector_off(engine, seoul):
    connector = Watching()
    runner = SourceRunner(
        engine, seoul, SourceConfig("feed", "test", 60, {}), connector=connector
    )
    assert runner.run().stored == 1
    assert connector.collector_on_at_pull is False
    assert gc.isenabled()
