"""What went wrong with the store, said so that an operator knows what to do, and
without the SQL or the values of the batch (which may be long and hold data).

Every write is one transaction, so a failed batch leaves nothing half-written: the
source's cursor did not move and the batch is pulled again on the next round.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

# SQLite's SQLITE_FULL and PostgreSQL's disk_full class (53100), by their words
FULL = ("database or disk is full", "no space left on device", "disk full")
UNREACHABLE = (
    "connection refused",
    "could not connect",
    "connection timeout",
    "timeout expired",
    "server closed the connection",
    "connection is closed",
    "unable to open database file",
    "terminating connection",
)


def is_full(exc: BaseException) -> bool:
    return any(words in _text(exc) for words in FULL)


def is_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError) and getattr(
        exc, "connection_invalidated", False
    ):
        return True
    return any(words in _text(exc) for words in UNREACHABLE)


def describe(exc: BaseException) -> str:
    """One line for the sources page and the log."""
    if is_full(exc):
        return (
            "the store is full (no space left for the database): free disk space; "
            "nothing was lost, this batch rolled back and is pulled again"
        )
    if is_unreachable(exc):
        return "the database is not answering; this batch is pulled again when it is"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return f"{type(exc.orig).__name__}: {str(exc.orig).splitlines()[0][:300]}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"


def _text(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return f"{exc} {original or ''}".lower()
