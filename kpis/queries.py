"""SQL aggregates the KPIs are made of, portable between SQLite and PostgreSQL.

Each builder returns an ``Aggregate``: an expression over one table and the rows it
covers. ``run`` evaluates it for the city, for one district, or for every district
at once (for the map), so a KPI's SQL is written once for all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Table,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union,
    union_all,
)

from city.indicators import DOMAIN_ID
from city.records import RETRACTED_STATUSES, SEVERITIES, TITLE_KEY
from kpis.rollup_queries import (
    ALL_DISTRICTS,  # scope: one value per district
    EventCount,
    MedianHoursToClose,
    Memo,
    OpenAt,
    no_memo,
)
from store.schema import event_areas, events, measurements


@dataclass(frozen=True)
class Aggregate:
    """``expr`` over the rows of ``table`` that satisfy ``where``.

    ``citywide_rows`` marks event rows that may cover more than their own district:
    with no district they apply to every district (a city-wide alert), and
    ``event_areas`` lists the further districts of the others (a warning area).
    """

    table: Table
    expr: ColumnElement[Any]
    where: tuple[ColumnElement[bool], ...] = field(default_factory=tuple)
    citywide_rows: bool = False
    counts: bool = False  # a count: no rows means 0, not "no data"


def run(conn: Connection, agg: Any, scope: str | None, memo: Memo = no_memo) -> Any:
    """The aggregate for the city (scope None), one district, or ALL_DISTRICTS.

    For ALL_DISTRICTS the answer maps district codes to values; with city-wide rows
    the key ALL_DISTRICTS holds the value of a district with no rows of its own.
    Aggregates read from the rollups (``kpis.rollup_queries``) answer themselves.
    """
    if not isinstance(agg, Aggregate):
        return agg.run(conn, scope, memo)
    district = agg.table.c.district_code
    if scope is None:
        return _scalar(conn, agg, agg.where)
    if scope != ALL_DISTRICTS:
        in_scope = event_in_district(scope) if agg.citywide_rows else district == scope
        return _scalar(conn, agg, (*agg.where, in_scope))
    if agg.citywide_rows:
        covered = _event_coverage(agg.where)
        query = (
            select(covered.c.d, agg.expr)
            .select_from(events.join(covered, covered.c.event_id == events.c.id))
            .where(*agg.where)
            .group_by(covered.c.d)
        )
    else:
        query = (
            select(district, agg.expr)
            .where(*agg.where, district.is_not(None))
            .group_by(district)
        )
    grouped = dict(conn.execute(query).all())
    if agg.citywide_rows:
        shared = _scalar(conn, agg, (*agg.where, district.is_(None))) or 0
        return {code: (value or 0) + shared for code, value in grouped.items()} | {
            ALL_DISTRICTS: shared
        }
    return grouped


# the catalog key of a title the source made from a kind the wall knows (None for a
# feed's own title): read with the title wherever a title is shown
TITLE_KEY_COLUMN = events.c.attrs[TITLE_KEY].as_string().label("title_key")


def event_in_district(code: str) -> ColumnElement[bool]:
    """Events that concern a district: in it, city-wide, or covering it."""
    return or_(
        events.c.district_code == code,
        events.c.district_code.is_(None),
        events.c.id.in_(
            select(event_areas.c.event_id).where(event_areas.c.district_code == code)
        ),
    )


def _event_coverage(where):
    """(event_id, district) for every district the events matching ``where`` cover,
    their own included."""
    own = select(
        events.c.id.label("event_id"), events.c.district_code.label("d")
    ).where(*where, events.c.district_code.is_not(None))
    further = (
        select(event_areas.c.event_id, event_areas.c.district_code.label("d"))
        .select_from(event_areas.join(events, events.c.id == event_areas.c.event_id))
        .where(*where)
    )
    return union(own, further).subquery()


def _scalar(conn: Connection, agg: Aggregate, where) -> Any:
    return conn.execute(select(agg.expr).where(*where)).scalar()


# -- the building blocks of the declared KPIs ---------------------------------------
def events_created(domain: str, start: datetime, end: datetime) -> EventCount:
    return EventCount(domain, start, end)


def events_open_at(domain: str, at: datetime) -> OpenAt:
    """Events that had started and not yet closed at ``at`` (the backlog then)."""
    return OpenAt(domain, at)


def median_hours_to_close(
    domain: str, start: datetime, end: datetime
) -> MedianHoursToClose:
    return MedianHoursToClose(domain, start, end)


def in_force_at(
    domain: str, at: datetime, where: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> Aggregate:
    """Records in force at ``at`` (alerts): issued, not expired, not cancelled,
    with the declared filters (a column, else an attribute)."""
    return Aggregate(
        events,
        func.count(),
        (*active_alert(at, domain), *(_matches(k, v) for k, v in where)),
        citywide_rows=True,
        counts=True,
    )


def _matches(key: str, allowed: tuple[str, ...]) -> ColumnElement[bool]:
    column = (
        events.c[key]
        if key in ("category", "severity", "status")
        else events.c.attrs[key].as_string()
    )
    return column.in_(allowed)


def active_alert(
    at: datetime, domain: str = "disaster"
) -> tuple[ColumnElement[bool], ...]:
    # "no expiry or not expired yet" as two index ranges, not an OR: with the OR
    # both databases walk every alert ever issued (40 ms at a year of a big city,
    # half a millisecond this way). The domain is named inside only: with it
    # outside too, SQLite walks every alert issued before ``at`` by its
    # (domain, occurred) index and checks each against the list (3.7 ms at a year)
    # instead of fetching the few in force by id (0.03 ms)
    # The domain is written as a literal: the expiry index holds alerts only, and
    # a database uses such a partial index only where the query names its very
    # condition, which a bound parameter does not.
    # (a declared domain's id is letters, digits and _: city.indicators)
    assert DOMAIN_ID.fullmatch(domain)
    alerts = events.c.domain == literal_column(f"'{domain}'")
    in_force = union_all(
        select(events.c.id).where(alerts, events.c.expires_at.is_(None)),
        select(events.c.id).where(alerts, events.c.expires_at > at),
    )
    return (
        events.c.id.in_(in_force),
        events.c.occurred_at <= at,
        events.c.status.not_in(RETRACTED_STATUSES),
    )


SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def highest_active_severity(
    conn: Connection, at: datetime, district: str | None, domain: str = "disaster"
) -> str | None:
    rank = case(SEVERITY_RANK, value=events.c.severity, else_=0)
    where = list(active_alert(at, domain))
    if district is not None:
        where.append(event_in_district(district))
    best = conn.execute(select(func.max(rank)).where(*where)).scalar()
    if best is None:
        return None
    return {v: k for k, v in SEVERITY_RANK.items()}[int(best)]


def series_mean(series: str, start: datetime, end: datetime) -> Aggregate:
    """Mean of a series' values observed in (start, end]."""
    return Aggregate(
        measurements,
        func.avg(measurements.c.value),
        (
            measurements.c.series == series,
            measurements.c.observed_at > start,
            measurements.c.observed_at <= end,
        ),
    )


def share_below(
    series: str,
    start: datetime,
    end: datetime,
    thresholds: dict[str, float],
    default: float,
    categories: tuple[str, ...] | None = None,
) -> Aggregate:
    """Share of readings under their category's threshold (congested links), of
    ``categories`` only when given."""
    limit = (
        case(
            *(
                (measurements.c.category == name, literal(v))
                for name, v in thresholds.items()
            ),
            else_=literal(default),
        )
        if thresholds
        else literal(default)  # one threshold for every reading
    )
    below = case((measurements.c.value < limit, 1.0), else_=0.0)
    only = () if categories is None else (measurements.c.category.in_(categories),)
    return Aggregate(
        measurements,
        func.avg(cast(below, Float)),
        (
            measurements.c.series == series,
            measurements.c.observed_at > start,
            measurements.c.observed_at <= end,
            *only,
        ),
    )
