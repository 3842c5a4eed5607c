"""One puller per source across processes, on SQLite and PostgreSQL: two ingest
loops on one store (threads here, each with its own holder name) pull each source
from one of them at a time, the cursor only moving forward; a holder that dies
hands its sources over within two intervals, one that stops cleanly at once; a
batch of a process that lost its lease is not committed."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from city.profile import SourceConfig
from city.records import Batch
from ingest.leases import Lease, LeaseLost, new_holder, source_lease
from ingest.runner import SourceRunner, run_forever
from store import leases, writes
from store.schema import source_runs
from tests.ingest.test_runner import Scripted

INTERVAL = 2.0  # seconds: a source's lease lasts 3 s, standbys ask every 0.5 s
SOURCES = ("north", "south")
WAIT = 60.0  # the most any condition is waited for (a loaded machine)
SCHEDULING = 1.0  # seconds a loaded machine may add to a hand-over


@dataclass(frozen=True)
class Pull:
    instance: str
    source: str
    cursor: str | None
    started: float  # time.monotonic()
    ended: float


class Counting:
    """A connector that notes every pull (who, from which cursor, when) and moves
    the cursor on by one."""

    protocol = "test"

    def __init__(self, instance: str, source: str, pulls: list[Pull]) -> None:
        self.instance, self.source, self.pulls = instance, source, pulls

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        started = time.monotonic()
        time.sleep(0.05)  # a pull takes a moment: overlaps would show
        self.pulls.append(
            Pull(self.instance, self.source, cursor, started, time.monotonic())
        )
        return Batch(next_cursor=str(int(cursor or 0) + 1))


class Instance:
    """An ingest loop as one process runs it: its holder name, its stop."""

    def __init__(self, name: str, engine, seoul, pulls: list[Pull]) -> None:
        self.name, self.holder = name, f"{name}-{new_holder()}"
        self.stop = threading.Event()
        runners = [
            SourceRunner(
                engine,
                seoul,
                SourceConfig(source, "test", INTERVAL, {}),
                connector=Counting(name, source, pulls),
            )
            for source in SOURCES
        ]
        self.thread = threading.Thread(
            target=run_forever,
            args=(runners, self.stop),
            kwargs={"holder": self.holder},
            name=f"instance-{name}",
            daemon=True,
        )

    def start(self) -> Instance:
        self.thread.start()
        return self

    def end(self) -> float:
        """Stop (its leases let go unless release is made to fail); when."""
        self.stop.set()
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive()
        return time.monotonic()


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT:.0f} s for {what}"
        time.sleep(0.05)


def of(pulls: list[Pull], source: str) -> list[Pull]:
    return sorted(
        (p for p in list(pulls) if p.source == source), key=lambda p: p.started
    )


def assert_one_at_a_time(pulls: list[Pull]) -> None:
    """Every pull of a source started from the cursor the one before left (no
    span pulled twice, no cursor raced), and none overlapped another."""
    for source in SOURCES:
        mine = of(pulls, source)
        assert [p.cursor for p in mine] == [None] + [
            str(i) for i in range(1, len(mine))
        ], f"{source}: cursors {[(p.instance, p.cursor) for p in mine]}"
        for before, after in zip(mine, mine[1:]):
            assert after.started >= before.ended, f"{source}: two pulls at once"


@pytest.fixture
def two_instances(engine, seoul):
    pulls: list[Pull] = []
    a = Instance("a", engine, seoul, pulls).start()
    b = Instance("b", engine, seoul, pulls).start()
    try:
        yield a, b, pulls, engine
    finally:
        for instance in (a, b):
            instance.stop.set()
        for instance in (a, b):
            instance.thread.join(timeout=WAIT)


def test_each_source_is_pulled_by_one_instance_once_an_interval(two_instances):
    a, b, pulls, _ = two_instances
    wait_for(
        lambda: all(len(of(pulls, s)) >= 4 for s in SOURCES), "four pulls a source"
    )
    stopping = time.monotonic()
    a.end(), b.end()  # b may take a's sources once a lets go: a clean hand-over
    assert_one_at_a_time(pulls)
    for source in SOURCES:
        mine = [p for p in of(pulls, source) if p.started < stopping]
        assert len({p.instance for p in mine}) == 1, f"{source} changed hands"
        gaps = [after.started - before.started for before, after in zip(mine, mine[1:])]
        assert min(gaps) >= INTERVAL * 0.9, f"{source} pulled early: {gaps}"


def lease_holder(engine, source: str) -> str | None:
    """Who holds the source's lease now, as the store says."""
    with engine.connect() as conn:
        held = {r.name: r.holder for r in leases.holders(conn, datetime.now(UTC))}
    return held.get(f"source:{source}")


def holder_and_other(engine, pulls: list[Pull], a: Instance, b: Instance):
    """The instance pulling north (once it has pulled twice), and the other."""
    wait_for(lambda: len(of(pulls, "north")) >= 2, "two pulls of north")
    holder = a if lease_holder(engine, "north") == a.holder else b
    return holder, b if holder is a else a


def first_pull_by(pulls: list[Pull], instance: str, source: str, after: float):
    """When ``instance`` first pulled ``source`` after ``after``, once it has."""
    wait_for(
        lambda: any(
            p.instance == instance and p.started > after for p in of(pulls, source)
        ),
        f"{instance} to pull {source}",
    )
    return min(
        p.started
        for p in of(pulls, source)
        if p.instance == instance and p.started > after
    )


def test_a_dead_holders_source_is_taken_over_within_two_intervals(
    two_instances, monkeypatch
):
    a, b, pulls, engine = two_instances
    holder, other = holder_and_other(engine, pulls, a, b)
    # killed: it stops pulling, and nothing lets go of its leases
    monkeypatch.setattr(Lease, "release", lambda self: None)
    died = holder.end()
    monkeypatch.undo()
    wait_for(lambda: lease_holder(engine, "north") == other.holder, "a take-over")
    taken = time.monotonic() - died
    # not at once (its lease held on), and within two intervals
    assert INTERVAL * 0.75 <= taken <= 2 * INTERVAL + SCHEDULING, taken
    assert first_pull_by(pulls, other.name, "north", died) - died < taken + INTERVAL
    wait_for(lambda: len(of(pulls, "north")) >= 4, "pulls after the take-over")
    other.end()
    assert_one_at_a_time(pulls)


def test_a_clean_stop_hands_the_sources_over_at_once(two_instances):
    a, b, pulls, engine = two_instances
    holder, other = holder_and_other(engine, pulls, a, b)
    held = [s for s in SOURCES if lease_holder(engine, s) == holder.holder]
    stopped = holder.end()
    wait_for(
        lambda: all(lease_holder(engine, s) == other.holder for s in held),
        "the hand-over",
    )
    assert time.monotonic() - stopped < INTERVAL * 0.75  # a standby's ask or two
    for source in held:  # north at least: pulled at once, not an interval on
        assert first_pull_by(pulls, other.name, source, stopped) - stopped < INTERVAL
    other.end()
    assert_one_at_a_time(pulls)


def test_a_batch_of_a_process_that_lost_the_lease_rolls_back_whole(engine, seoul):
    source = SourceConfig("feed", "test", 60, {})
    feed = Scripted(Batch(next_cursor="1"), Batch(next_cursor="2"))
    runner = SourceRunner(engine, seoul, source, connector=feed)
    lease = source_lease(engine, source, "a-host:1:aaaaaa")
    assert lease.ask()
    runner.run(lease)
    # its lease ran out while the next pull was in flight, and another took it
    later = datetime.now(UTC) + timedelta(hours=1)
    with engine.begin() as conn:
        assert leases.take(conn, "source:feed", "b-host:2:bbbbbb", later, 90) == (
            "b-host:2:bbbbbb"
        )
    with pytest.raises(LeaseLost, match="source feed is pulled by b-host:2:bbbbbb"):
        runner.run(lease)
    assert not lease.held
    with engine.connect() as conn:
        assert writes.read_cursor(conn, "feed") == "1"
        runs = conn.execute(select(func.count()).select_from(source_runs)).scalar()
    assert feed.cursors == [None, "1"] and runs == 1
