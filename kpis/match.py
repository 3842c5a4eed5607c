"""A declared indicator's filter of events (its ``where``), for the queries.

A ``Match`` is answered from the facet rollups of its group (``store.facets``)
where the store keeps them, and from the rows filtered the same way for the
partial hours at a window's ends (or for all of it where they are not kept).
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Table, func

from store.rollups import EVENT_FACETS, group_key, joined_values
from store.schema import events
from store.versions import facet_groups

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    """Events whose value of each key is one of its allowed values (AND across
    keys, OR within one): ``Match((("category", ("noise",)), ("status", ("open",
    "assigned"))))``, or ``Match.of({"category": ["noise"], ...})``. Keys are
    ``category``, ``severity``, ``status`` or an attribute kept in ``attrs``
    (compared as text; a missing one is ""). Kept sorted, so equal filters are
    equal (and share memoised hours)."""

    where: tuple[tuple[str, tuple[str, ...]], ...]

    def __post_init__(self) -> None:
        tidy = tuple(
            sorted(
                # one value given as text is that value, not its letters
                (
                    key,
                    tuple(
                        sorted({allowed} if isinstance(allowed, str) else set(allowed))
                    ),
                )
                for key, allowed in self.where
            )
        )
        if not tidy or len({key for key, _ in tidy}) != len(tidy):
            raise ValueError(f"a match names each key once, at least one: {tidy}")
        object.__setattr__(self, "where", tidy)

    @classmethod
    def of(cls, where: Mapping[str, Iterable[str]]) -> Match:
        return cls(tuple((key, tuple(allowed)) for key, allowed in where.items()))

    @property
    def group(self) -> tuple[str, ...]:
        """The facet group whose rollups answer it: its keys, sorted."""
        return tuple(key for key, _ in self.where)

    def values(self) -> tuple[str, ...]:
        """Every allowed value of the group, as the facet rollups key them."""
        return tuple(
            joined_values(combination)
            for combination in itertools.product(*(a for _, a in self.where))
        )

    def clauses(self) -> list[ColumnElement[bool]]:
        """The same filter over the events' rows (SQLite and PostgreSQL alike)."""
        return [facet_key_column(key).in_(allowed) for key, allowed in self.where]


def facet_key_column(key: str) -> ColumnElement[str]:
    """An event's value of a filter's key, as text ("" when it has none): a
    column, else an attribute."""
    column = events.c[key] if key in EVENT_FACETS else events.c.attrs[key].as_string()
    return func.coalesce(column, "")


def match_rows(match: Match | None) -> list[ColumnElement[bool]]:
    return [] if match is None else match.clauses()


def facet_rows(table: Table, match: Match | None) -> list[ColumnElement[bool]]:
    """A facet table's rows of ``match`` (none for no match)."""
    if match is None:
        return []
    return [
        table.c.facet_group == group_key(match.group),
        table.c.facet_value.in_(match.values()),
    ]


def kept(conn: Connection, match: Match | None, memo: Callable | None = None) -> bool:
    """Whether the rollups answer ``match`` (else the rows do). With the KPI
    layer's ``memo`` the groups kept are read once per past version: a change of
    them rebuilds the facet rollups, which raises it."""
    if match is None:
        return True
    if memo is None:
        groups = facet_groups(conn)
    else:
        groups = memo(("facet_groups",), lambda: facet_groups(conn))
    if match.group in groups:
        return True
    _say_not_kept(match.group)
    return False


@functools.cache  # said once per process and group, not at every refresh
def _say_not_kept(group: tuple[str, ...]) -> None:
    log.warning(
        "the store keeps no rollups of the filter on %s: read from the rows "
        "(the ingest names the groups its indicators use at start)",
        ", ".join(group),
    )
