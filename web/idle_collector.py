"""A worker's full garbage collections moved to the moments it has nothing to do.

Python's cycle collector starts a full pass when enough objects have survived,
whenever that is: often in the middle of a refresh, which then waits while the
pass walks every object the worker keeps (the memo of the data version, decoded
outputs, the kept hours, SQLAlchemy's caches). At a year's volume a pass took 13
to 90 ms, about every dozen batches, and set the tail of the refreshes right after
a batch.

Here a kept thread waits until no request is being answered and no render is
being made aside, then walks everything once, and freezes what survives (Python's
``gc.freeze``); what each request or render leaves is frozen as it ends. The
passes Python still starts by itself walk only what the work in hand made, a few
milliseconds. Before each of its own passes the thread unfreezes
everything, so cycles that were frozen and have since been let go are found too:
nothing leaks. A worker that is never idle still gets a pass every
``at_most_every`` seconds, as before, only at a moment it did not choose.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.2  # idle this long after the last piece of work: a pause, not a gap
# At most one pass this often, and only after some work. A pass walks everything
# the worker keeps (300 k objects at a tenth of a year, 100-180 ms) and finds
# almost nothing: what a request lets go in cycles is found by the young
# collections inside it (21 k objects in 120 refreshes, against 114 by two full
# passes). A pass every 5 s, started a moment before a refresh came in, held
# that refresh up for as long as it lasted.
EVERY_SECONDS = 600.0
AT_MOST_EVERY_SECONDS = 1800.0  # a worker never idle gets its pass anyway


class IdleCollector:
    """Counts the work in hand (``working()``) and collects when there is none."""

    def __init__(
        self,
        quiet: float = QUIET_SECONDS,
        every: float = EVERY_SECONDS,
        at_most_every: float = AT_MOST_EVERY_SECONDS,
    ) -> None:
        self.quiet = quiet
        self.every = every
        self.at_most_every = at_most_every
        self.passes = 0  # made by this collector, for the tests and the log
        self._lock = threading.Lock()
        self._busy = 0
        self._last_work = time.monotonic()
        self._worked_since_pass = False
        self._last_pass = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the work in hand ---------------------------------------------------------

    def started(self) -> None:
        with self._lock:
            self._busy += 1
            self._worked_since_pass = True

    def finished(self) -> None:
        with self._lock:
            self._busy = max(0, self._busy - 1)
            self._last_work = time.monotonic()
        # what the work left behind is frozen at once (a constant-time splice of
        # the collector's lists): a worker that is never idle long enough for a
        # pass, under steady load or a run of batches, would otherwise have its
        # own full passes walk everything made since the last one, up to 100 ms
        # in the middle of a refresh. The cycles among it are found by the next
        # pass here, which unfreezes first.
        gc.freeze()

    @contextmanager
    def working(self) -> Iterator[None]:
        self.started()
        try:
            yield
        finally:
            self.finished()

    # -- the passes ---------------------------------------------------------------

    def due(self, now: float) -> bool:
        """Whether a pass should run at ``now``: after work, once it is over and
        has been quiet a moment; or, whatever is going on, when it is long overdue."""
        with self._lock:
            since_pass = now - self._last_pass
            if self._worked_since_pass and since_pass >= self.at_most_every:
                return True
            return (
                self._worked_since_pass
                and self._busy == 0
                and now - self._last_work >= self.quiet
                and since_pass >= self.every
            )

    def collect(self) -> None:
        """One full pass over everything, then what survives frozen."""
        with self._lock:
            self._worked_since_pass = False
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.passes += 1
        self._last_pass = time.monotonic()
        log.debug(
            "full collection while idle: %d found, %d kept, %.1f ms",
            found,
            gc.get_freeze_count(),
            (time.perf_counter() - started) * 1000,
        )

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="citywall-idle-collector", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        tick = min(self.quiet, self.every) / 2
        while not self._stop.wait(tick):
            if self.due(time.monotonic()):
                self.collect()


def collect_while_idle(collector: IdleCollector | None = None) -> IdleCollector:
    """Every request of this process's Flask apps counted as work, and the
    collector's thread started (in a gunicorn worker, once the app is loaded)."""
    collector = collector or IdleCollector()
    global _collector
    _collector = collector
    # signals of every app: a worker serves one; tearing down comes even after an
    # error, so a failed request never leaves the worker counted busy
    flask.request_started.connect(_request_started, weak=False)
    flask.request_tearing_down.connect(_request_ended, weak=False)
    collector.start()
    return collector


def stop_collecting_while_idle() -> None:
    """The signals let go and the thread stopped (a test's app is not a worker)."""
    global _collector
    flask.request_started.disconnect(_request_started)
    flask.request_tearing_down.disconnect(_request_ended)
    if _collector is not None:
        _collector.stop()
        _collector = None


_collector: IdleCollector | None = None


def _request_started(_sender: Any, **_: Any) -> None:
    if _collector is not None:
        _collector.started()


def _request_ended(_sender: Any, **_: Any) -> None:
    if _collector is not None:
        _collector.finished()


@contextmanager
def working() -> Iterator[None]:
    """Work outside a request (a render made aside) counted like a request's."""
    if _collector is None:
        yield
        return
    with _collector.working():
        yield
