"""The moment a KPI answer is made for, and the cache that holds it.

A moment is one data version of the store in one time bucket: every screen
refreshing in it shares one computation, and a new batch (a new data version)
reaches the wall at its next refresh with nothing stale surviving it. What the
rollups say of hours already over is memoised under the store's *past* version.

A render (``Moments.pinned``) reads every part of itself at one moment, through
one connection: one reading of the versions, one snapshot.

What is memoised of past hours is also kept in the process (``PastSums``; what
reads only settled hours, under the settled version, apart): a wall
of sixty indicators asks the memo about a hundred and fifty times a refresh, and a
round trip to a shared Redis each cost more than the rest of the refresh.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask_caching.backends.base import BaseCache
from flask_caching.backends.nullcache import NullCache
from sqlalchemy import Connection, Engine

from kpis.memo import (
    EVERY_MOMENT,
    IN_PROCESS,
    IN_PROCESS_SECONDS,
    NOT_KEPT,
    THIS_MOMENT,
    THIS_VERSION,
    Memo,
    peek,
)
from store import versions

T = TypeVar("T")
PAST_TIMEOUT = 2 * 86400  # seconds a memoised past sum may stay unused
PAST_KEPT = 5000  # memoised past sums a process keeps beside the cache
MISSING = object()  # no past sum kept under that name
KEY_TEXTS_KEPT = 20_000  # memo keys' texts a process keeps (each window's ends move)


@dataclass(frozen=True)
class Moment:
    now: datetime
    bucket: int  # the time bucket's number (seconds since the epoch // its length)
    versions: versions.Versions
    prefix: str  # "cw:<store>:<city>", and a past moment's tag (``kpis.past``)

    def key(self, what: str) -> str:
        """The cache key of ``what`` at this moment."""
        return f"{self.prefix}:{what}:{self.versions.data}:{self.bucket}"


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
            if self.engine.dialect.name == "postgresql":
                # PostgreSQL reads each statement's own snapshot inside a
                # transaction as well (READ COMMITTED): one round it would cost a
                # BEGIN and a ROLLBACK and buy nothing (SQLite's keeps the render
                # one snapshot)
                self.conn.execution_options(isolation_level="AUTOCOMMIT")
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class Superseded(Exception):
    """A render made aside for a data version a newer one has replaced: nobody
    will be shown it, and finishing it would only slow the refresh that reads
    the new batch (two threads making renders share one interpreter)."""


# (the Moments, its pinned moment, made aside?) and the shared connection while a
# render is made
_PINNED: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "citywall_render_moment", default=None
)
_SHARED: contextvars.ContextVar[_SharedConnection | None] = contextvars.ContextVar(
    "citywall_render_connection", default=None
)
# what a render made, to be written to the cache in one round trip at its end
_LATER: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "citywall_render_later", default=None
)


class PastSums:
    """The memoised past sums this process last read from the cache or made,
    kept beside the cache (the newest ``size``, each until its timeout).

    A past sum's key holds the store and its past version, so what a key
    answers never changes: a copy can never be stale, and the cache is asked
    for each key once per process instead of once per moment."""

    def __init__(self, size: int = PAST_KEPT) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()  # the render makers' threads share it
        self._past = ""

    def at(self, past: str) -> None:
        """Forget every sum of another past version than ``past`` (once a batch
        has changed a past hour, none of them will be asked for again)."""
        with self._lock:
            if past != self._past:
                self._kept.clear()
                self._past = past

    def get(self, name: str) -> Any:
        """The sum kept under ``name`` (None among them: nothing to compare with
        is an answer too), else ``MISSING``."""
        with self._lock:
            found = self._kept.get(name)
            if found is None:
                return MISSING
            until, value = found
            if until < time.monotonic():
                del self._kept[name]
                return MISSING
            self._kept.move_to_end(name)
            return value

    def put(self, name: str, value: Any, seconds: int) -> None:
        with self._lock:
            self._kept[name] = (time.monotonic() + seconds, value)
            self._kept.move_to_end(name)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


def _text_of(key: tuple) -> str:
    return ":".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in key)


def _older(moment: Moment, than: Moment | None) -> bool:
    """Whether ``moment`` came before ``than`` in the same store."""
    if than is None or moment.versions.store != than.versions.store:
        return False
    return (moment.versions.data, moment.bucket) < (than.versions.data, than.bucket)


def _older_version(moment: Moment, than: Moment | None) -> bool:
    """Whether ``moment`` read an older data version than ``than``, same store."""
    if than is None or moment.versions.store != than.versions.store:
        return False
    return moment.versions.data < than.versions.data


class Moments:
    """One store's moments for one city, and the cache their answers live in."""

    def __init__(
        self,
        engine: Engine,
        city_id: str,
        cache: BaseCache,
        clock: Callable[[], datetime],
        bucket_seconds: int,
        tag: str = "",
    ) -> None:
        self.engine = engine
        self.city_id = city_id
        # in every key of these moments: a past moment's ("kpis.past") never
        # meet the live wall's
        self.tag = tag
        self.cache = cache
        self.clock = clock
        self.bucket_seconds = bucket_seconds
        # without a cache nothing is memoised, in the process either
        self.past = None if isinstance(cache, NullCache) else PastSums()
        self.settled = None if isinstance(cache, NullCache) else PastSums()
        # the newest versions a refresh of this process has read
        self._newest: versions.Versions | None = None
        # what the parts of this moment's refresh share (``THIS_MOMENT``)
        self._shared: tuple[str, dict[str, Any]] = ("", {})
        self._shared_moment: Moment | None = None
        self._shared_lock = threading.Lock()
        self._key_texts: dict[tuple, str] = {}  # see ``_key_text``
        # what stays true for the data version (``THIS_VERSION``)
        self._version: tuple[str, dict[str, Any]] = ("", {})
        self._version_moment: Moment | None = None

    def current(self) -> Moment:
        """This moment: inside a render (``pinned``) the render's own."""
        pinned = _PINNED.get()
        if pinned is not None and pinned[0] is self:
            if pinned[2] and self._superseded(pinned[1]):
                raise Superseded(pinned[1].key("render"))
            return pinned[1]
        now = self.clock()
        # one statement: no transaction to begin and roll back around it (two
        # round trips to PostgreSQL on every refresh, the warm ones included)
        with self.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            v = versions.versions(conn)
        newest = self._newest
        if newest is None or newest.store != v.store or newest.data < v.data:
            self._newest = v
        return Moment(
            now,
            int(now.timestamp()) // self.bucket_seconds,
            v,
            f"cw:{v.store}:{self.city_id}{self.tag}",
        )

    @contextmanager
    def pinned(self, moment: Moment, aside: bool = False) -> Iterator[None]:
        """Every read inside reads ``moment``, through one connection. A render
        made ``aside`` stops (``Superseded``) at its next part once a refresh has
        read a newer data version."""
        token = _PINNED.set((self, moment, aside))
        shared = _SharedConnection(self.engine)
        shared_token = _SHARED.set(shared)
        later: dict[str, Any] = {}
        later_token = _LATER.set(later)
        try:
            yield
        finally:
            _LATER.reset(later_token)
            _SHARED.reset(shared_token)
            _PINNED.reset(token)
            shared.close()
            if later:
                self.cache.set_many(later, timeout=self.timeout)

    def _superseded(self, moment: Moment) -> bool:
        newest = self._newest
        return (
            newest is not None
            and newest.store == moment.versions.store
            and newest.data > moment.versions.data
        )

    @contextmanager
    def connection(self) -> Iterator[Connection]:
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

    def cached(self, what: str, build: Callable[[Connection, datetime, Memo], T]) -> T:
        """``build(conn, now, memo)`` once for this moment, shared through the
        cache. ``now`` is the moment itself, not its bucket's start: a record
        stamped a second ago counts as soon as its batch is in (the bucket only
        lets screens refreshing together share one computation)."""
        moment = self.current()
        key = moment.key(what)
        kept = self.kept(moment)
        found = kept.get(key)
        if found is not None:
            return found
        found = self.cache.get(key)
        if found is None:
            with self.connection() as conn:
                found = build(conn, moment.now, self.memo(moment))
            later = _LATER.get()
            if later is None:
                self.cache.set(key, found, timeout=self.timeout)
            else:  # a render's parts go to the cache together, at its end
                later[key] = found
        kept[key] = found
        return found

    def kept(self, moment: Moment) -> dict[str, Any]:
        """What this process made or read for ``moment`` (the last moment only: the
        refreshes of a new one never ask for the older one's answers). A refresh
        asks for some parts twice, and a warm one for its whole render: each a
        round trip to a shared cache, and the answer never changes in a moment.
        Without a cache nothing is kept (an empty dict each time)."""
        if self.past is None:
            return {}
        at = moment.key("")
        with self._shared_lock:
            if self._shared[0] != at:
                if _older(moment, self._shared_moment):
                    return {}  # a render made aside, finished after the turn
                self._shared = (at, {})
                self._shared_moment = moment
            return self._shared[1]

    @property
    def timeout(self) -> int:
        return max(self.bucket_seconds * 4, 60)

    def memo(self, moment: Moment) -> Memo:
        """What the rollups said of hours already over, kept until a batch changes
        one of them (the past version rises) or for two days at most."""
        prefix = f"{moment.prefix}:past:{moment.versions.past}:"
        settled_prefix = f"{moment.prefix}:settled:{moment.versions.settled}:"
        if self.past is not None and self.settled is not None:
            self.past.at(prefix)
            self.settled.at(settled_prefix)

        def memo(
            key: tuple,
            compute: Callable[[], Any],
            seconds: int = PAST_TIMEOUT,
            settled: bool = False,
        ) -> Any:
            if seconds == EVERY_MOMENT:
                return self._every_moment(moment, key, compute)
            name = (settled_prefix if settled else prefix) + self._key_text(key)
            if compute is peek:
                return self._peek(settled, seconds, name)
            if seconds == THIS_MOMENT:
                return self._this_moment(moment, name, compute)
            if seconds == THIS_VERSION:
                return self._this_version(moment, name, compute)
            kept = self.settled if settled else self.past
            if seconds == IN_PROCESS:
                return self._in_process(kept, name, compute)
            found = kept.get(name) if kept is not None else MISSING
            if found is not MISSING:
                return found
            found = self.cache.get(name)
            if found is None:
                found = compute()
                self.cache.set(name, found, timeout=seconds)
            if kept is not None:
                kept.put(name, found, seconds)
            return found

        return memo

    def _every_moment(self, moment: Moment, key: tuple, compute) -> Any:
        """A settled sum under the store's settled version alone: the same for
        the live wall and every past moment (whose other keys carry its tag)."""
        v = moment.versions
        name = f"cw:{v.store}:{self.city_id}:settled:{v.settled}:{self._key_text(key)}"
        kept = self.settled
        found = kept.get(name) if kept is not None else MISSING
        if found is not MISSING:
            return found
        if kept is None:
            return NOT_KEPT if compute is peek else compute()
        found = self.cache.get(name)
        if found is None:
            if compute is peek:
                return NOT_KEPT
            found = compute()
            self.cache.set(name, found, timeout=PAST_TIMEOUT)
        kept.put(name, found, PAST_TIMEOUT)
        return found

    def _peek(self, settled: bool, seconds: int, name: str) -> Any:
        """What is kept under ``name`` (by ``memo`` with these ``settled`` and
        ``seconds``), else ``NOT_KEPT``: a past sum from this process or the
        shared cache; only past sums are looked for."""
        kept = self.settled if settled else self.past
        if kept is None or seconds in (THIS_MOMENT, THIS_VERSION):
            return NOT_KEPT
        found = kept.get(name)
        if found is not MISSING:
            return found
        if seconds == IN_PROCESS:
            return NOT_KEPT
        found = self.cache.get(name)
        if found is None:
            return NOT_KEPT
        kept.put(name, found, seconds)
        return found

    def _key_text(self, key: tuple) -> str:
        """``key`` as its memo name's text, made once: a refresh of sixty
        indicators asks the memo four hundred times, most keys as before."""
        try:
            found = self._key_texts.get(key)
        except TypeError:  # a part that cannot be hashed: made each time
            return _text_of(key)
        if found is None:
            if len(self._key_texts) >= KEY_TEXTS_KEPT:
                self._key_texts.clear()
            found = self._key_texts[key] = _text_of(key)
        return found

    @staticmethod
    def _in_process(
        kept: PastSums | None, name: str, compute: Callable[[], Any]
    ) -> Any:
        """``compute()`` kept under its past version in this process, never in the
        shared cache: megabytes a past version, which would stay there for days
        (a worker reads its own in a few milliseconds)."""
        if kept is None:  # no cache: nothing kept
            return compute()
        found = kept.get(name)
        if found is MISSING:
            found = compute()
            kept.put(name, found, IN_PROCESS_SECONDS)
        return found

    def _this_version(
        self, moment: Moment, name: str, compute: Callable[[], Any]
    ) -> Any:
        """``compute()`` once for ``moment``'s data version in this process, across
        its time buckets (the newest version's answers only are kept)."""
        if self.past is None:  # no cache: nothing kept
            return compute()
        at = f"{moment.prefix}:{moment.versions.store}:{moment.versions.data}"
        with self._shared_lock:
            if self._version[0] != at:
                if _older_version(moment, self._version_moment):
                    return compute()  # a render made aside, finished after a batch
                self._version = (at, {})
                self._version_moment = moment
            kept = self._version[1]
        found = kept.get(name, MISSING)
        if found is MISSING:
            found = kept[name] = compute()
        return found

    def _this_moment(
        self, moment: Moment, name: str, compute: Callable[[], Any]
    ) -> Any:
        """``compute()`` once for ``moment`` in this process (the last moment's
        answers only are kept: the refreshes of a new one never ask for them)."""
        if self.past is None:  # no cache: nothing kept
            return compute()
        shared = self.kept(moment)
        found = shared.get(name, MISSING)
        if found is MISSING:
            found = shared[name] = compute()
        return found
