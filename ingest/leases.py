"""One puller per source across processes: the leases this process takes, keeps
and lets go of, and the one line it logs each time a job changes hands.

Every process running the ingest (``citywall ingest --loop``, ``serve``'s child,
on one host or several, on one store) asks for each source's lease before a
round; the one that has it pulls, the others stand by. Timing, in the source's
intervals (I):

- the lease lasts 1.5 I from its last renewal; its holder renews it every half
  interval while it waits, and in each batch's own transaction while it pulls;
- a process standing by asks again every quarter interval (at most every 30 s),
  so a holder that dies (killed, no clean release) has its source taken over
  within 1.75 I, and one that stops cleanly lets go, so the source moves at the
  next ask.

A batch commits only if its transaction can renew the lease (``renew_in``): a
holder that lost its lease while a batch was in flight (a pull slower than the
lease) rolls the batch back, and the cursor is only ever moved by the holder.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from city.profile import SourceConfig
from store import errors as store_errors
from store import leases

log = logging.getLogger(__name__)

LEASE_INTERVALS = 1.5  # a source's lease lasts this many intervals past a renewal
CHECK_INTERVALS = 0.25  # a process standing by asks again this often
CHECK_SECONDS_MOST = 30.0  # and at least this often (an hourly source)
# a holder writes its renewal once this share of the lease has passed (no write
# for a watcher's every poll), and wakes to renew after this share
RENEW_AFTER_SHARE = 1 / 4
WAKE_SHARE = 1 / 3

# The holder name ``serve``'s supervisor gives every ingest it starts: an ingest
# restarted after a crash takes its sources back at once, not when they expire.
HOLDER_ENV = "CITYWALL_INGEST_HOLDER"


class LeaseLost(RuntimeError):
    """Another process holds the lease now: this process's batch is rolled back."""


def new_holder() -> str:
    """A name for this process as a lease holder: its host, its pid and a random
    part (a pid comes again after a restart, in a container always)."""
    return f"{socket.gethostname()[:200]}:{os.getpid()}:{secrets.token_hex(3)}"


def process_holder() -> str:
    """The holder name of this ingest: the one its supervisor gave, else new."""
    return os.environ.get(HOLDER_ENV) or new_holder()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Lease:
    """A lease this process asks for, keeps and lets go of, by ``name``
    ("source:311"), for ``seconds`` past each renewal. ``what`` names the job in
    the log ("source 311")."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        holder: str,
        seconds: float,
        what: str | None = None,
        verb: str = "done",
        clock: Callable[[], datetime] = _utcnow,
        say: bool = True,
    ) -> None:
        self.engine, self.name, self.holder = engine, name, holder
        self.seconds, self.what, self.clock = seconds, what or name, clock
        self.verb = verb  # what the holder does to it: "pulled" for a source
        self.say = say  # log its changes of hands (a loop's; a one-off says its own)
        self.held = False
        self.seen: str | None = None  # who held it at the last ask
        self._renewed = float("-inf")  # monotonic time of the last renewal
        self._down = False

    @property
    def wake_seconds(self) -> float:
        """How long a holder may wait before it renews again."""
        return self.seconds * WAKE_SHARE

    def hold(self) -> bool:
        """Take the lease, or keep it: True while this process holds it. For a
        loop: a store that does not answer counts as not held (said once per
        outage), and the next call asks again."""
        fresh = time.monotonic() - self._renewed < self.seconds * RENEW_AFTER_SHARE
        if self.held and fresh:  # renewed a moment ago: no write
            return True
        try:
            self.ask()
        except Exception as exc:
            self._unanswered(exc)
            self.held = False
            return False
        self._down = False
        return self.held

    def ask(self) -> bool:
        """Take the lease, or renew it, now: True when this process holds it.
        The store's errors are the caller's (a one-off command's)."""
        asked = time.monotonic()
        with self.engine.begin() as conn:
            holder = leases.take(
                conn, self.name, self.holder, self.clock(), self.seconds
            )
        if holder == self.holder:
            self._renewed = asked
        self._note(holder)
        return self.held

    def renew_in(self, conn: Connection) -> None:
        """Renew the lease in ``conn``'s transaction (a batch's, just before its
        commit); raises ``LeaseLost`` when another process holds it."""
        holder = leases.take(conn, self.name, self.holder, self.clock(), self.seconds)
        if holder != self.holder:
            self._note(holder)
            raise LeaseLost(f"{self.elsewhere()} now")

    def elsewhere(self) -> str:
        """Who does the job, as the last ask found: "source 311 is pulled by …"."""
        return f"{self.what} is {self.verb} by {self.seen or 'another process'}"

    def release(self) -> None:
        """Let go (a clean stop), so another process takes the job at once."""
        self.held = False
        try:
            with self.engine.begin() as conn:
                released = leases.release(conn, self.name, self.holder)
        except Exception as exc:
            log.warning(
                "%s: not released (%s); another process takes it when it expires",
                self.what,
                store_errors.describe(exc),
            )
            return
        if released and self.say:
            log.info("%s released", self.what, extra=self._fields(None))

    def _note(self, holder: str) -> None:
        """Who holds the lease, as the last ask found."""
        if self.say:
            self._say(holder)
        self.held = holder == self.holder
        self.seen = None if self.held else holder

    def _say(self, holder: str) -> None:
        """One line when the lease changes hands as this process sees it."""
        ours = holder == self.holder
        if ours and not self.held:
            since = f" over from {self.seen}" if self.seen else ""
            log.info(
                "%s taken%s: %s by this process (%s) now",
                self.what,
                since,
                self.verb,
                self.holder,
                extra=self._fields(holder),
            )
        elif not ours and self.held:
            log.warning(
                "%s lost to %s (this process's lease ran out); standing by",
                self.what,
                holder,
                extra=self._fields(holder),
            )
        elif not ours and holder != self.seen:
            log.info(
                "%s is %s by %s; this process stands by",
                self.what,
                self.verb,
                holder,
                extra=self._fields(holder),
            )

    def _unanswered(self, exc: Exception) -> None:
        if not (store_errors.is_unreachable(exc) or store_errors.is_full(exc)):
            log.exception("%s: the lease could not be asked for", self.what)
        elif not self._down:  # said once per outage, plainly: no traceback
            log.warning(
                "%s: the store did not answer for its lease: %s",
                self.what,
                store_errors.describe(exc),
            )
        self._down = True

    def _fields(self, holder: str | None) -> dict:
        return {"lease": self.name, "holder": holder or ""}


def source_lease(
    engine: Engine, source: SourceConfig, holder: str, say: bool = True
) -> Lease:
    """The lease of a source's pull (``say``: log its changes of hands)."""
    return Lease(
        engine,
        f"source:{source.name}",
        holder,
        LEASE_INTERVALS * source.interval_seconds,
        what=f"source {source.name}",
        verb="pulled",
        say=say,
    )


def check_seconds(source: SourceConfig) -> float:
    """How often a process standing by asks for a source's lease."""
    return min(CHECK_INTERVALS * source.interval_seconds, CHECK_SECONDS_MOST)


@contextmanager
def holding(lease: Lease) -> Iterator[bool]:
    """Whether this process got the lease (a one-off job); let go after."""
    held = lease.ask()
    try:
        yield held
    finally:
        if held:
            lease.release()
