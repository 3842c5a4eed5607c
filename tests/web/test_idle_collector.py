"""A worker's full collections wait for a moment with no request and no render in
hand, and still find every cycle let go, frozen or not."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable, Iterator

import flask
import pytest

from web import idle_collector
from web.idle_collector import IdleCollector


class Node:
    me: Node | None = None


@pytest.fixture
def collectors() -> Iterator[Callable[..., IdleCollector]]:
    """Collectors with short waits, started; stopped and the heap thawed after."""
    made: list[IdleCollector] = []

    def make(**waits: float) -> IdleCollector:
        collector = IdleCollector(**{"quiet": 0.05, "every": 0.1, **waits})
        collector.start()
        made.append(collector)
        return collector

    yield make
    for collector in made:
        collector.stop()
    idle_collector.stop_collecting_while_idle()
    gc.unfreeze()


def _until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_pass_waits_until_the_work_in_hand_is_done(collectors):
    collector = collectors()
    with collector.working():
        time.sleep(0.6)  # six times what it would wait if it were idle
        assert collector.passes == 0
    assert _until(lambda: collector.passes == 1)
    assert gc.get_freeze_count() > 0  # what survived is kept out of later passes


def test_no_pass_without_work_since_the_last(collectors):
    collector = collectors()
    with collector.working():
        pass
    assert _until(lambda: collector.passes == 1)
    time.sleep(0.6)
    assert collector.passes == 1


def test_a_worker_never_idle_still_gets_its_pass(collectors):
    collector = collectors(at_most_every=0.3)
    with collector.working():
        assert _until(lambda: collector.passes >= 1, seconds=3)


def test_a_cycle_frozen_then_let_go_is_found_by_the_next_pass(collectors):
    collector = collectors()
    held = Node()
    held.me = held  # a cycle: only the collector frees it
    gone = weakref.ref(held)
    gc.freeze()  # as an earlier pass left it: kept out of Python's own passes
    del held
    gc.collect()
    assert gone() is not None  # frozen, Python's own pass does not see it
    with collector.working():
        pass
    assert _until(lambda: collector.passes == 1)
    assert gone() is None


def test_what_a_piece_of_work_leaves_is_frozen_as_it_ends(collectors):
    """Under steady load no pass comes for a while: Python's own full passes then
    walk only what the work in hand made, not everything since the last pass."""
    collector = collectors(quiet=60, every=60, at_most_every=60)  # no pass here
    gc.unfreeze()
    before = gc.get_freeze_count()
    with collector.working():
        kept = [Node() for _ in range(1000)]  # objects the work leaves alive
        assert gc.get_freeze_count() == before  # not while it runs
    assert gc.get_freeze_count() >= before + len(kept)
    assert collector.passes == 0
    gc.disable()  # no pass of Python's own between the lines below
    try:
        left = Node()
        left.me = left  # a cycle let go by the work, frozen with the rest
        gone = weakref.ref(left)
        with collector.working():
            del left
        assert gone() is not None
    finally:
        gc.enable()
    collector.collect()  # the next pass, idle or overdue, finds it
    assert gone() is None


def test_a_worker_s_requests_count_as_work_even_when_they_fail(collectors):
    app = flask.Flask(__name__)
    answering = threading.Event()
    release = threading.Event()

    @app.get("/slow")
    def slow() -> str:
        answering.set()
        release.wait(5)
        return "done"

    @app.get("/fails")
    def fails() -> str:
        raise RuntimeError("a page that fails")

    collector = idle_collector.collect_while_idle(IdleCollector(quiet=0.05, every=0.1))
    client = app.test_client()
    answered: list[int] = []
    request = threading.Thread(
        target=lambda: answered.append(client.get("/slow").status_code)
    )
    request.start()
    assert answering.wait(5)
    time.sleep(0.6)
    assert collector.passes == 0  # a request is being answered
    release.set()
    request.join(5)
    assert answered == [200]
    assert _until(lambda: collector.passes == 1)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/fails").status_code == 500
    assert _until(lambda: collector.passes == 2)  # not left counted busy
