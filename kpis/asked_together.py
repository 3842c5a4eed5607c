"""Reads that a refresh's aggregates each ask for, made together in one statement.

A refresh computes its indicators one after the other, and after a batch each
of them asks the database again for the same kind of small thing (the current
hour of its domain, its filter's open total, whether its domain holds future
hours): one round trip each. ``AskedTogether`` learns what the refreshes of this
process ask for; from then on the first of them after a batch reads all of it in
one statement, and the others find their part in the memo of the data version.
What is asked only grows (a wall asks the same things refresh after refresh), so
the number of things asked names the set in the memo's key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from kpis.memo import THIS_VERSION, Memo

K = TypeVar("K", bound=Hashable)


class AskedTogether(Generic[K]):
    """What a kind of read was asked for in this process, read together."""

    def __init__(
        self, name: str, seconds: int = THIS_VERSION, settled: bool = False
    ) -> None:
        self.name = name
        self.seconds = seconds  # how long the memo keeps each answer
        self.settled = settled  # under the settled version (settled hours only)
        self._asked: dict[K, None] = {}  # in the order first asked
        self._lock = threading.Lock()

    def get(
        self,
        key: K,
        memo: Memo,
        read: Callable[[tuple[K, ...]], dict[K, Any]],
        *within: Any,
    ) -> Any:
        """``key``'s answer from ``read(every key asked so far)``, read once a data
        version (or as ``seconds`` says) for each ``within`` (what else the answers
        depend on)."""
        with self._lock:
            self._asked.setdefault(key, None)
            keys = tuple(self._asked)
        found = memo(
            (self.name, len(keys), *within),
            lambda: read(keys),
            self.seconds,
            settled=self.settled,
        )
        return found[key]
