"""Following an alert index's links within bounds.

An index (Atom, RSS) may list hundreds of documents, and their host may be down
while the index is up. One pull fetches at most ``max_links`` of them, each once,
and none once its deadline has passed; a link that failed is remembered in the
source's cursor and not asked for again before ``retry_after`` is over, so a dead
host costs one attempt per link per window, not three per link per poll, and its
rejects are quarantined once. An entry read from its own ``cap:`` fields in the
meantime (a stand-in) is remembered too, and retracted once its link is read: the
wall never shows one warning twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from connectors.http import FetchError, HttpClient, Validators

MIN_FETCH_SECONDS = 0.2  # less time left than this: the crawl stops
MAX_REMEMBERED = 1000  # failed links kept in a cursor, the latest to be retried kept


class LinkCrawl:
    """One pull's crawl of an index's links. The cursor's part of it comes in as
    ``state`` and goes out through ``state_after``."""

    def __init__(
        self,
        http: HttpClient,
        state: Mapping[str, Any],
        now: datetime,
        *,
        max_links: int,
        deadline_seconds: float,
        retry_after: timedelta,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.now = now
        self.max_links = max_links
        self.retry_after = retry_after
        self.clock = clock
        self.deadline = clock() + deadline_seconds
        remembered = state.get("failed")
        if not isinstance(remembered, dict):
            remembered = {}
        self.failed: dict[str, str] = {
            url: until for url, until in remembered.items() if _after(until, now)
        }
        # a remembered failure is due again: the index is read whole, not skipped
        due = len(self.failed) < len(remembered)
        self.index_validators = (
            Validators() if due else Validators.from_json(state.get("http"))
        )
        self.was_failing: str | None = state.get("failing")
        stand_ins = state.get("stand_ins")
        # link -> the key of the event its entry's own fields stand in for it with
        self.stand_ins: dict[str, str] = (
            dict(stand_ins) if isinstance(stand_ins, dict) else {}
        )
        self.replaced: list[str] = []  # stand-ins whose link was read this pull
        self.asked = 0  # links fetched this pull
        self.read = 0  # ... and read
        self.failures: list[str] = []  # ... and failed, why
        self.skipped = 0  # remembered failures not asked for
        self.unreached = 0  # links the deadline left for a later pull

    def fetch(self, url: str) -> bytes | FetchError | None:
        """The document at ``url``, the error it failed with, or None when it is
        not asked for this pull (a remembered failure, the cap, the deadline)."""
        if url in self.failed:
            self.skipped += 1
            return None
        if self.asked >= self.max_links:
            return None  # a declared cap: entries past it wait for a smaller index
        left = self.deadline - self.clock()
        if left < MIN_FETCH_SECONDS:
            self.unreached += 1
            return None
        self.asked += 1
        settings = self.http.settings
        # once, and within the time left (a whole fetch may take four time-outs)
        self.http.settings = replace(
            settings, retries=0, timeout_seconds=min(settings.timeout_seconds, left / 4)
        )
        try:
            body = self.http.get(url).body
        except FetchError as exc:
            self._remember(url, str(exc))
            return exc
        finally:
            self.http.settings = settings
        self.read += 1
        return body

    def unreadable(self, url: str, why: str) -> None:
        """The document fetched from ``url`` is no CAP alert: a failed link too."""
        self.read -= 1
        self._remember(url, why)

    def readable(self, url: str) -> None:
        """The document fetched from ``url`` is a CAP document: the stand-in for it,
        if any, is to be retracted."""
        if (key := self.stand_ins.pop(url, None)) is not None:
            self.replaced.append(key)

    def stood_in(self, url: str, key: str) -> None:
        """The entry linking ``url`` was read from its own fields as event ``key``."""
        self.stand_ins[url] = key

    def _remember(self, url: str, why: str) -> None:
        self.failures.append(why)
        self.failed[url] = (self.now + self.retry_after).isoformat()

    def failing(self, anything_read: bool) -> str | None:
        """Why the source is failing: every link it tried (now or in a remembered
        earlier pull) failed and nothing else was read; else None."""
        if anything_read or self.read or not (self.failures or self.skipped):
            return None
        if self.failures:
            return (
                f"none of the {len(self.failures)} linked alerts could be read "
                f"({self.skipped} more failed before); first: {self.failures[0]}"
            )
        return (
            f"every linked alert failed in an earlier pull ({self.skipped}); "
            "they are asked for again after the retry time"
        )

    def state_after(self, validators: Validators, failing: str | None) -> dict:
        """The cursor's part: the index's validators (none while links the deadline
        left wait), the failed links and until when, and whether it is failing."""
        kept = sorted(self.failed.items(), key=lambda kv: kv[1])[-MAX_REMEMBERED:]
        state: dict[str, Any] = {"http": {} if self.unreached else validators.to_json()}
        if kept:
            state["failed"] = dict(kept)
        if failing:
            state["failing"] = failing
        if self.stand_ins:
            state["stand_ins"] = dict(list(self.stand_ins.items())[-MAX_REMEMBERED:])
        return state


def _after(until: Any, now: datetime) -> bool:
    try:
        return datetime.fromisoformat(until) > now
    except (TypeError, ValueError):
        return False
