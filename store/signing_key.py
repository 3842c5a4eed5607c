"""The key every instance on one store signs with, when the city gives none
(``CITYWALL_SECRET_KEY``): kept in ``store_meta``, made once by the first process
that needs it. Sessions, their sign-in throttle, embed tokens and their CSV
credentials then hold on whichever instance answers, with nothing to copy between
machines.

Whoever may read the store may read this key, and with it sign as anyone: a city
whose database others read (a reporting replica) sets ``CITYWALL_SECRET_KEY`` on
every instance instead, and nothing is written here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select

from store.schema import store_meta
from store.upsert import upsert

SIGNING_KEY = "signing_key"  # store_meta: the key itself in ``document``


def signing_key(conn: Connection, make: Callable[[], str]) -> str:
    """The store's signing key; made by ``make`` if it has none yet. Two processes
    making it at once both get the one written first."""
    found = _kept(conn)
    if found:
        return found
    upsert(
        conn,
        store_meta,
        [{"key": SIGNING_KEY, "value": 0, "document": make()}],
        ["key"],
        overrides=lambda excluded: {"document": store_meta.c.document},
    )
    return _kept(conn) or ""


def _kept(conn: Connection) -> str | None:
    return conn.execute(
        select(store_meta.c.document).where(store_meta.c.key == SIGNING_KEY)
    ).scalar()
