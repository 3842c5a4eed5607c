"""The memo the KPI aggregates keep what they read in.

``memo(key, compute)`` answers the stored value for ``key`` or computes and
stores it. The KPI layer's memo (``kpis.moment``) is keyed by the store's *past
version*, which the ingest raises only when a batch changes an hour already
over, so a live batch (today's records) leaves every past sum in place and a
refresh reads only the current hour again. ``memo(key, compute, settled=True)``
keys it by the *settled* version instead, for what reads only hours before the
hour just over (``store.versions.settled_before``): the late records of the hour
just over, which every feed sends at the top of the hour, leave it in place.
``memo(key, compute, seconds)`` keeps
it that long at most (two days by default); ``seconds=THIS_MOMENT`` keeps it for
the moment only (one data version, in this process): what every indicator of a
refresh reads alike, read once for all of them. ``seconds=EVERY_MOMENT``
(with ``settled=True``) keeps a sum of whole settled hours for every moment, a
past moment's as the live wall's. ``memo(key, peek, ...)`` only looks: what is
kept under ``key``, else ``NOT_KEPT``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

Memo = Callable[..., Any]
THIS_MOMENT = -1  # seconds: for this moment only
THIS_VERSION = -2  # seconds: for this data version, in every time bucket
# seconds: under the past version in this process only, two hours at most: an
# hour's rows, too big for the shared cache, asked while windows' ends pass it
IN_PROCESS = -3
IN_PROCESS_SECONDS = 2 * 3600
# seconds: a settled sum the same at every moment, a past one's too (a block of
# whole settled days): under the settled version, without a past moment's tag
EVERY_MOMENT = -4


def peek() -> Any:
    """Passed as ``compute``: the memo answers what it keeps under the key, or
    ``NOT_KEPT``, and computes and stores nothing."""
    raise AssertionError("a memo never calls peek")


NOT_KEPT = object()  # what a peek finds when nothing is kept


def no_memo(
    key: tuple,
    compute: Callable[[], Any],
    seconds: int | None = None,
    settled: bool = False,
) -> Any:
    return NOT_KEPT if compute is peek else compute()


def kept_in(
    kept: dict,
    name: Callable[[tuple, int | None, bool], Hashable] = lambda key, *_: key,
) -> Memo:
    """A memo over a plain dict that keeps everything (a bench's, a test's), each
    value under ``name(key, seconds, settled)``."""

    def memo(
        key: tuple,
        compute: Callable[[], Any],
        seconds: int | None = None,
        settled: bool = False,
    ) -> Any:
        named = name(key, seconds, settled)
        if compute is peek:
            return kept.get(named, NOT_KEPT)
        if named not in kept:
            kept[named] = compute()
        return kept[named]

    return memo
