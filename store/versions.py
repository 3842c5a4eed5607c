"""The store's own facts, kept in ``store_meta``: which store it is, which city it
belongs to, how far its data has changed (the data version, and the past version
that rises when a batch changes an hour already over), and the time of its newest
record. Every cached answer is keyed on these; the ingest bumps them in the
batch's own transaction.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, case, inspect, select, update

from store.engine import shown_url
from store.errors import StoreSetupError
from store.schema import store_meta
from store.upsert import upsert

DATA_VERSION = "data_version"
STORE_ID = "store_id"
NEWEST_DATA = "newest_data_us"  # epoch microseconds of the newest record
PAST_VERSION = "past_version"  # store_meta: rises when a batch changes a past hour
# store_meta: rises when a batch changes a *settled* hour, one before the hour just
# over: late records (the hour just over, at the top of every hour) leave it alone
SETTLED_VERSION = "settled_version"
# store_meta holds numbers only: the city is in the key ("city:seoul", value 1),
# which needs no migration of the table
CITY_KEY = "city:"
FACET_GROUPS = "facet_groups"  # store_meta: the facet groups kept, in ``document``

# The keys one declared filter names, sorted: ("category", "severity").
FacetGroup = tuple[str, ...]


def bump_data_version(conn: Connection) -> int:
    updated = conn.execute(
        update(store_meta)
        .where(store_meta.c.key == DATA_VERSION)
        .values(value=store_meta.c.value + 1)
        .returning(store_meta.c.value)
    ).scalar()
    if updated is None:
        upsert(conn, store_meta, [{"key": DATA_VERSION, "value": 1}], ["key"])
        return 1
    return int(updated)


def note_newest(conn: Connection, times: Iterable[datetime]) -> None:
    """Keep the time of the newest record (the wall's "data as of"), so no refresh
    looks for it among millions of rows."""
    newest = max(times, default=None)
    if newest is None:
        return
    micros = int(newest.timestamp() * 1_000_000)
    upsert(
        conn,
        store_meta,
        [{"key": NEWEST_DATA, "value": micros}],
        ["key"],
        overrides=lambda excluded: {
            "value": case(
                (excluded.value > store_meta.c.value, excluded.value),
                else_=store_meta.c.value,
            )
        },
    )


def bump_past_version(conn: Connection, settled: bool = True) -> None:
    """An hour already over has changed: what was memoised of the past is void;
    with ``settled``, the change reached a settled hour too (``settled_before``)."""
    for key in (PAST_VERSION, SETTLED_VERSION) if settled else (PAST_VERSION,):
        upsert(
            conn,
            store_meta,
            [{"key": key, "value": 1}],
            ["key"],
            overrides=lambda excluded: {"value": store_meta.c.value + 1},
        )


SETTLING = timedelta(hours=1)  # the hour just over may still get late records
# A writer counts an hour as settled a few minutes early, a reader on time: a
# reader whose clock runs ahead of the writer's by less than this never takes an
# hour for settled that the writer did not.
SETTLING_MARGIN = timedelta(minutes=5)


def settled_before(now: datetime, margin: timedelta = timedelta(0)) -> datetime:
    """The start of the hour just over at ``now`` (+ ``margin``): every hour before
    it is *settled*, and a batch that changes one raises the settled version."""
    at = (now + margin).astimezone(UTC)
    return at.replace(minute=0, second=0, microsecond=0) - SETTLING


def newest_data(conn: Connection) -> datetime | None:
    micros = conn.execute(
        select(store_meta.c.value).where(store_meta.c.key == NEWEST_DATA)
    ).scalar()
    return None if micros is None else datetime.fromtimestamp(micros / 1e6, UTC)


class Versions(NamedTuple):
    """What a cached answer depends on: which store, and how far it has changed."""

    store: int  # made at random with the store: a rebuilt store is another one
    data: int
    past: int  # see ``store.rollups``
    settled: int = 0  # the past before the hour just over (``settled_before``)
    newest_us: int = 0  # the newest record's time (``note_newest``), 0: none

    @property
    def newest(self) -> datetime | None:
        """The time of the newest record, read with the versions (the wall's
        "data as of"): one statement fewer after each batch."""
        return (
            datetime.fromtimestamp(self.newest_us / 1e6, UTC)
            if self.newest_us
            else None
        )


def versions(conn: Connection) -> Versions:
    """The store's identity, its data, past and settled versions and the time of
    its newest record, at once."""
    found = dict(
        conn.execute(
            select(store_meta.c.key, store_meta.c.value).where(
                store_meta.c.key.in_(
                    (STORE_ID, DATA_VERSION, PAST_VERSION, SETTLED_VERSION, NEWEST_DATA)
                )
            )
        ).all()
    )
    return Versions(
        int(found.get(STORE_ID, 0)),
        int(found.get(DATA_VERSION, 0)),
        int(found.get(PAST_VERSION, 0)),
        int(found.get(SETTLED_VERSION, 0)),
        int(found.get(NEWEST_DATA, 0)),
    )


def name_store(conn: Connection, renew: bool = False) -> None:
    """Give the store its identity if it has none (or a new one: a copy is
    another store), so that caches shared between stores never mix them up."""
    identity = secrets.randbits(62)
    upsert(
        conn,
        store_meta,
        [{"key": STORE_ID, "value": identity}],
        ["key"],
        overrides=None if renew else lambda excluded: {"value": store_meta.c.value},
    )


def data_version(conn: Connection) -> int:
    value = conn.execute(
        select(store_meta.c.value).where(store_meta.c.key == DATA_VERSION)
    ).scalar()
    return int(value or 0)


class StoreOfAnotherCity(StoreSetupError):
    """The store holds another city's data: one store per city, never a mix."""

    def __init__(self, where: str, owners: list[str], started: str) -> None:
        held = " and ".join(f"{owner}'s" for owner in owners)
        super().__init__(
            f"the store at {where} holds {held} data; you started {started} — "
            f"use data/{started}/ (leave CITYWALL_DATA_DIR and CITYWALL_DATABASE_URL "
            f"unset) or set them to a store of {started}'s own"
        )


def cities_of(conn: Connection) -> list[str]:
    """The city ids stamped on the store: none for a new store (or one from
    before stamps), one for every store stamped since."""
    if not inspect(conn).has_table(store_meta.name):
        return []
    keys = conn.execute(
        select(store_meta.c.key).where(store_meta.c.key.startswith(CITY_KEY))
    ).scalars()
    return sorted(key.removeprefix(CITY_KEY) for key in keys)


def check_city(conn: Connection, city: str) -> None:
    """Refuse a store stamped with another city (raises ``StoreOfAnotherCity``)."""
    owners = cities_of(conn)
    if owners and owners != [_stamped(city)]:
        raise StoreOfAnotherCity(shown_url(conn.engine.url), owners, city)


def stamp_city(conn: Connection, city: str) -> None:
    """Stamp the store as ``city``'s if it has no stamp yet, then check: two cities
    stamping one new store at once both find two stamps and both refuse it."""
    if not cities_of(conn):
        upsert(
            conn, store_meta, [{"key": CITY_KEY + _stamped(city), "value": 1}], ["key"]
        )
    check_city(conn, city)


def _stamped(city: str) -> str:
    return city[: store_meta.c.key.type.length - len(CITY_KEY)]


def facet_groups(conn: Connection) -> tuple[FacetGroup, ...]:
    """The facet groups whose rollups the store keeps (``store.facets``)."""
    document = conn.execute(
        select(store_meta.c.document).where(store_meta.c.key == FACET_GROUPS)
    ).scalar()
    return tuple(tuple(group) for group in json.loads(document or "[]"))


def keep_facet_groups(conn: Connection, groups: Iterable[FacetGroup]) -> None:
    """Note the facet groups kept (their rollups are the caller's business)."""
    document = json.dumps([list(g) for g in groups])
    upsert(
        conn,
        store_meta,
        [{"key": FACET_GROUPS, "value": 0, "document": document}],
        ["key"],
    )
