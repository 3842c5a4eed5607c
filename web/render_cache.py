"""A page's whole refresh, rendered once per moment and shared by every screen.

The KPI layer caches data; this caches what a page makes of it (the JSON Dash
sends), under the KPI layer's moment (``kpis.moment``: one data version in one
time bucket), so a warm refresh costs one small query and one cache read (none
once this process has the render: it keeps its moment's renders, see
``Moments.kept``).

When only the clock has moved on (the same data, a new bucket), the last render
of this data answers at once while one of this process's few kept threads makes
the new one: dozens of screens never queue behind the twenty-odd pages that all
turn cold together at each bucket. A new batch is never answered from an older
render: the first refresh after it makes the new one.
"""

from __future__ import annotations

import contextvars
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

from kpis.moment import Moment, Superseded
from kpis.service import KpiService
from web.idle_collector import working

T = TypeVar("T")
log = logging.getLogger(__name__)
STALE_BUCKETS = 2  # a render of the same data answers for at most two buckets more
MAKING_SECONDS = 30  # a render's maker that died frees its moment after this
LAST_SECONDS = 3600  # a page's last render, kept (it serves only its own data)
MAKERS = 2  # threads per process making renders aside


class RenderCache:
    """Renders of one KPI layer's moments, in the KPI layer's cache."""

    def __init__(self, kpis: KpiService) -> None:
        self.kpis = kpis
        self.cache = kpis.cache

    def rendered(self, name: str, build: Callable[[], T]) -> T:
        """What ``build()`` makes of the store as it is now, made once per moment
        for every screen that shows ``name`` (which must say everything the render
        depends on but the store and the time: the page, its language, filters)."""
        moment = self.kpis.moment()
        key = moment.key(f"moment:{name}")
        kept = self.kpis.moments.kept(moment)  # this process's copy, if it has one
        found = kept.get(key)
        if found is None:
            found = self.cache.get(key)
        if found is not None:
            kept[key] = found
            return found
        last_key = f"{moment.prefix}:last:{name}"
        last = self.cache.get(last_key)  # (data version, bucket, render)
        fresh_enough = (
            last is not None
            and last[0] == moment.versions.data
            and moment.bucket - last[1] <= STALE_BUCKETS
        )
        if fresh_enough:
            making = f"{key}:making"
            if self.cache.add(making, 1, timeout=MAKING_SECONDS):
                self._make_aside(key, last_key, moment, build, making)
            return last[2]
        # a worker waiting for another's render would serve no one meanwhile:
        # each worker makes it (rare: the first refresh after a batch)
        return self._make(key, last_key, moment, build)

    def _make(
        self,
        key: str,
        last_key: str,
        moment: Moment,
        build: Callable[[], T],
        aside: bool = False,
    ) -> T:
        with self.kpis.reading_at(moment, aside):
            result = build()
        self.cache.set(key, result, timeout=self.kpis.moments.timeout)
        self.kpis.moments.kept(moment)[key] = result
        last = (moment.versions.data, moment.bucket, result)
        self.cache.set(last_key, last, timeout=LAST_SECONDS)
        return result

    def _make_aside(self, key, last_key, moment, build, making) -> None:
        """``_make`` on a kept thread, in a copy of this request's context (the
        caller's role and page arguments are part of what ``build`` reads)."""
        context = contextvars.copy_context()

        def make() -> None:
            try:
                with working():  # no full collection while a render is made
                    context.run(self._make, key, last_key, moment, build, True)
            except Superseded:  # a newer batch is in: nobody would see this one
                log.debug("%s superseded by a newer batch", key)
            except Exception:  # the next refresh tries again, in the foreground
                log.exception("making %s failed", key)
            finally:
                self.cache.delete(making)

        _makers(self.kpis.engine).submit(make)


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
