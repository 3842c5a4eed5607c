"""What went wrong with the store, said so that an operator knows what to do, and
without the SQL or the values of the batch (which may be long and hold data).

Every write is one transaction, so a failed batch leaves nothing half-written: the
source's cursor did not move and the batch is pulled again on the next round.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

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


class StoreSetupError(ValueError):
    """The store cannot be opened as configured; the message says what to change."""


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


# -- set-up mistakes -----------------------------------------------------------------

MISSING_DATABASE = re.compile(r'database "([^"]+)" does not exist')
MISSING_ROLE = re.compile(r'role "([^"]+)" does not exist')
BAD_PASSWORD = ("password authentication failed", "no password supplied")


def setup_problem(exc: BaseException, url: str) -> str:
    """One line for an operator whose store did not open at start-up: what is
    wrong with the database at ``url`` and how to fix it (never its password)."""
    text = _text(exc)
    where = _Where(url)
    if (found := MISSING_DATABASE.search(text)) is not None:
        name = found.group(1)
        return (
            f'the database "{name}" does not exist on {where.server}: create it with '
            f"`createdb {where.createdb_options}{name}`, or set CITYWALL_DATABASE_URL "
            "to one that exists"
        )
    if (found := MISSING_ROLE.search(text)) is not None:
        return (
            f'PostgreSQL on {where.server} has no user "{found.group(1)}": create it '
            "(`createuser`) or put another user in CITYWALL_DATABASE_URL"
        )
    if any(words in text for words in BAD_PASSWORD):
        return (
            f"PostgreSQL on {where.server} refused the password of {where.user}: "
            "check the user and password in CITYWALL_DATABASE_URL"
        )
    if "unable to open database file" in text:
        return (
            f"SQLite cannot open {where.database}: check that its folder exists and "
            "that you may write there (CITYWALL_DATA_DIR, CITYWALL_DATABASE_URL)"
        )
    if is_unreachable(exc):
        return (
            f"no database answers at {where.server}: is PostgreSQL running there? "
            "Check the host and port in CITYWALL_DATABASE_URL"
        )
    return f"the store did not open: {describe(exc)}"


class _Where:
    """The parts of a database URL a message names."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            parsed = None
        self.host = (parsed and parsed.host) or "localhost"
        self.port = (parsed and parsed.port) or 5432
        self.user = (parsed and parsed.username) or "the user"
        self.database = (parsed and parsed.database) or "?"
        self.server = f"{self.host}:{self.port}"
        options = f"-h {self.host} -p {self.port} "
        if parsed and parsed.username:
            options += f"-U {parsed.username} "
        self.createdb_options = options
