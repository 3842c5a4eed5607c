"""Which facet groups the store keeps rollups for.

A declared indicator's ``where`` names some of an event's category, severity,
status and attributes; the store counts events by the values of each such group of
keys (``store.rollups``), so a filtered count, backlog or time to close reads
rollups, never the rows. The ingest names the groups its profile's indicators use;
a change of them rebuilds the facet rollups from the rows, once.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection

from store import rollups
from store.versions import FacetGroup, facet_groups, keep_facet_groups


def normalised(groups: Collection[tuple[str, ...]]) -> tuple[FacetGroup, ...]:
    """Each group's keys sorted and once, the groups sorted and once; no empty one."""
    return tuple(sorted({tuple(sorted(set(g))) for g in groups if g}))


def use_facet_groups(conn: Connection, groups: Collection[tuple[str, ...]]) -> bool:
    """Keep the facet rollups of ``groups`` (and of no other); when they differ
    from those kept, rebuild the facet rollups from the rows (the past version
    rises, so memoised hours drop). Returns whether it rebuilt."""
    wanted = normalised(groups)
    if wanted == facet_groups(conn):
        return False
    keep_facet_groups(conn, wanted)
    rollups.rebuild_facets(conn, wanted)
    return True
