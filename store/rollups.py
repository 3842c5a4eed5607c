"""The rollups, kept in step with the rows in each batch's own transaction.

Events change the rollups by difference: what a batch's records contributed before
it (read from the store) is taken away and what they contribute now is added, so a
re-sent or corrected record moves its counts instead of counting twice. Measurement
hours are recomputed from the rows, since a replaced reading stays in its own hour.
``rebuild`` makes every rollup again from the rows (an older store, a repair).

The facet rollups (``event_facet_*``, ``close_hours_facet_histogram``) count the
same events again under each *facet group* in use: the keys a declared
indicator's filter names, and the event's values of them (``facet_value``). With
no group in use (the default) they cost the ingest nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    delete,
    func,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from store.schema import (
    FacetKey,
    close_hours_facet_histogram,
    close_hours_histogram,
    event_facet_hourly,
    event_facet_totals,
    event_hourly,
    event_totals,
    events,
    measurement_hourly,
    measurements,
)
from store.upsert import upsert_values
from store.versions import (
    SETTLING_MARGIN,
    FacetGroup,
    bump_past_version,
    facet_groups,
    note_newest,
    settled_before,
)

NO_DISTRICT = ""  # the rollups' key for records with no district
NO_CATEGORY = ""  # the readings' rollup's key for readings with no category
WHOLE_CITY = "*"  # the histogram's key for the whole city
HOUR = timedelta(hours=1)
BUCKET_RATIO = 1.01  # histogram buckets 1 % wide: a median within 0.5 %
SHORTEST_HOURS = 1 / 60  # anything closed within a minute counts as a minute
_LOG_RATIO = math.log(BUCKET_RATIO)
_CHUNK = 500  # keys per lookup: well under every driver's parameter limit


class EventFacts(NamedTuple):
    """What the rollups read of an event."""

    domain: str
    category: str
    district_code: str | None
    occurred_at: datetime
    closed_at: datetime | None
    severity: str | None = None
    status: str = ""
    # its attributes, read from the store only when a facet group names one
    attrs: Mapping[str, Any] | None = None


FACT_COLUMNS = (
    events.c.domain,
    events.c.category,
    events.c.district_code,
    events.c.occurred_at,
    events.c.closed_at,
    events.c.severity,
    events.c.status,
)
# the keys of a filter that are columns of the events; any other is an attribute
EVENT_FACETS = ("category", "severity", "status")
FACET_SEPARATOR = "\x1f"  # between a group's keys, and between its values
# what the facet tables hold of a value: a long attribute is cut, never refused
FACET_WIDTH = event_facet_hourly.c.facet_value.type.length


def hour_of(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def close_bucket(hours: float) -> int:
    return round(math.log(max(hours, SHORTEST_HOURS)) / _LOG_RATIO)


def bucket_hours(bucket: int) -> float:
    return BUCKET_RATIO**bucket


# -- events ---------------------------------------------------------------------------
def reads_attrs(groups: Iterable[FacetGroup]) -> bool:
    """Whether the groups name an attribute (so the facts need the events' attrs)."""
    return any(key not in EVENT_FACETS for group in groups for key in group)


def fact_columns(with_attrs: bool) -> tuple:
    return (*FACT_COLUMNS, events.c.attrs if with_attrs else null())


def stored_facts(
    conn: Connection, source: str, source_ids: Sequence[str], with_attrs: bool = False
) -> list[EventFacts]:
    """The stored facts of those of ``source_ids`` already in the store (their
    attributes too ``with_attrs``)."""
    rows = _stored(conn, source, source_ids, fact_columns(with_attrs))
    return [EventFacts(*r) for r in rows]


def stored_facts_by_id(
    conn: Connection, source: str, source_ids: Sequence[str], with_attrs: bool
) -> dict[str, EventFacts]:
    """The same by source id."""
    columns = (events.c.source_id, *fact_columns(with_attrs))
    return {
        r[0]: EventFacts(*r[1:]) for r in _stored(conn, source, source_ids, columns)
    }


def _stored(conn: Connection, source: str, source_ids: Sequence[str], columns):
    for i in range(0, len(source_ids), _CHUNK):
        chunk = source_ids[i : i + _CHUNK]
        yield from conn.execute(
            select(*columns).where(
                events.c.source == source, events.c.source_id.in_(chunk)
            )
        )


def group_key(group: FacetGroup) -> str:
    """How the facet tables name a group."""
    return FACET_SEPARATOR.join(group)[:FACET_WIDTH]


def joined_values(values: Iterable[str]) -> str:
    """A group's values as the facet tables key them."""
    return FACET_SEPARATOR.join(values)[:FACET_WIDTH]


def facet_value(group: FacetGroup, facts: EventFacts) -> str:
    """The event's values of the group's keys, as the facet tables key them: an
    attribute that is missing (or not text) is ""."""
    attrs = facts.attrs or {}
    values = []
    for key in group:
        if key in EVENT_FACETS:
            value = getattr(facts, key)
        else:
            value = attrs.get(key)
        values.append(value if isinstance(value, str) else "")
    return joined_values(values)


def apply_event_changes(
    conn: Connection,
    before: Iterable[EventFacts],
    after: Iterable[EventFacts],
    groups: Sequence[FacetGroup] = (),
) -> None:
    """Move the rollups from what ``before`` contributed to what ``after`` does,
    the facet rollups of ``groups`` with them.

    Hours are counted as epoch hours and made times once each at the end: a time
    zone-aware datetime per record, hashed into a dict key, was most of the
    ingest's Python time for events."""
    if groups:  # read twice: once for the plain rollups, once for the facets
        before, after = list(before), list(after)
    hourly: dict[tuple, list[int]] = {}  # key -> [opened, closed]
    totals: dict[tuple, list[int]] = {}
    histogram: dict[tuple, int] = defaultdict(int)
    for sign, facts in ((-1, before), (1, after)):
        for domain, category, district, occurred_at, closed_at, _, _, _ in facts:
            district = district or NO_DISTRICT
            opened_at = occurred_at.timestamp()
            key = (domain, opened_at // 3600, district, category)
            if (cell := hourly.get(key)) is None:
                hourly[key] = [sign, 0]
            else:
                cell[0] += sign
            if (total := totals.get((domain, district))) is None:
                total = totals[(domain, district)] = [0, 0]
            total[0] += sign
            if closed_at is not None:
                closed = closed_at.timestamp()
                closed_hour = closed // 3600
                key = (domain, closed_hour, district, category)
                if (cell := hourly.get(key)) is None:
                    hourly[key] = [0, sign]
                else:
                    cell[1] += sign
                total[1] += sign
                bucket = close_bucket((closed - opened_at) / 3600)
                histogram[(domain, closed_hour, district, bucket)] += sign
                histogram[(domain, closed_hour, WHOLE_CITY, bucket)] += sign
    hourly = {k: v for k, v in hourly.items() if v[0] or v[1]}
    histogram = {k: n for k, n in histogram.items() if n}
    hour = _HourMaker()
    hour.note_past(conn, (k[1] for k in hourly), (k[1] for k in histogram))
    _add(
        conn,
        event_hourly,
        ("domain", "hour", "district_code", "category", "opened", "closed"),
        [(k[0], hour(k[1]), k[2], k[3], o, c) for k, (o, c) in hourly.items()],
    )
    _add(
        conn,
        event_totals,
        ("domain", "district_code", "opened", "closed"),
        [(*k, o, c) for k, (o, c) in totals.items() if o or c],
    )
    _add(
        conn,
        close_hours_histogram,
        ("domain", "hour", "district_code", "bucket", "n"),
        [(k[0], hour(k[1]), k[2], k[3], n) for k, n in histogram.items()],
    )
    if groups:
        apply_facet_changes(conn, groups, before, after)


class _HourMaker:
    """Epoch hours made times, once each."""

    def __init__(self, now: datetime | None = None) -> None:
        self.made: dict[float, datetime] = {}
        now = now or datetime.now(UTC)
        self.now = now.timestamp() // 3600
        self.settled = settled_before(now, SETTLING_MARGIN).timestamp() // 3600

    def __call__(self, epoch_hour: float) -> datetime:
        if (at := self.made.get(epoch_hour)) is None:
            at = self.made[epoch_hour] = datetime.fromtimestamp(epoch_hour * 3600, UTC)
        return at

    def note_past(self, conn: Connection, *epoch_hours: Iterable[float]) -> None:
        """The past version raised if any of the hours is over, the settled one
        too if any is settled."""
        earliest = min(
            (min(hours, default=math.inf) for hours in epoch_hours), default=math.inf
        )
        if earliest < self.now:
            bump_past_version(conn, settled=earliest < self.settled)


def apply_facet_changes(
    conn: Connection,
    groups: Sequence[FacetGroup],
    before: Iterable[EventFacts],
    after: Iterable[EventFacts],
) -> None:
    """The facet rollups of ``groups`` moved from ``before`` to ``after``: each
    event counts once in every group, under its value of the group's keys (a
    changed status or category moves it from one value to the other)."""
    keyed = [(group_key(g), g) for g in groups]
    hourly: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    histogram: dict[tuple, int] = defaultdict(int)
    for sign, facts in ((-1, before), (1, after)):
        for f in facts:
            district = f.district_code or NO_DISTRICT
            opened_at = f.occurred_at.timestamp()
            opened_hour = opened_at // 3600
            if f.closed_at is not None:  # the same for every group
                closed = f.closed_at.timestamp()
                closed_hour = closed // 3600
                bucket = close_bucket((closed - opened_at) / 3600)
            for name, group in keyed:
                facet = (f.domain, name, facet_value(group, f))
                hourly[(*facet, opened_hour, district)][0] += sign
                total = totals[(*facet, district)]
                total[0] += sign
                if f.closed_at is None:
                    continue
                hourly[(*facet, closed_hour, district)][1] += sign
                total[1] += sign
                histogram[(*facet, closed_hour, district, bucket)] += sign
                histogram[(*facet, closed_hour, WHOLE_CITY, bucket)] += sign
    hourly = {k: v for k, v in hourly.items() if v[0] or v[1]}
    histogram = {k: n for k, n in histogram.items() if n}
    hour = _HourMaker()
    hour.note_past(conn, (k[3] for k in hourly), (k[3] for k in histogram))
    facet = ("domain", "facet_group", "facet_value")
    _add(
        conn,
        event_facet_hourly,
        (*facet, "hour", "district_code", "opened", "closed"),
        [(*k[:3], hour(k[3]), k[4], o, c) for k, (o, c) in hourly.items()],
    )
    _add(
        conn,
        event_facet_totals,
        (*facet, "district_code", "opened", "closed"),
        [(*k, o, c) for k, (o, c) in totals.items() if o or c],
    )
    _add(
        conn,
        close_hours_facet_histogram,
        (*facet, "hour", "district_code", "bucket", "n"),
        [(*k[:3], hour(k[3]), *k[4:], n) for k, n in histogram.items()],
    )


def _add(conn: Connection, table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Add each row's counters (the columns of ``names`` outside the key) to the
    stored ones (a new key starts from zero)."""
    keys = [c.name for c in table.primary_key]
    upsert_values(
        conn,
        table,
        names,
        rows,
        keys,
        overrides=lambda excluded: {
            name: table.c[name] + excluded[name] for name in names if name not in keys
        },
    )


# -- measurements -------------------------------------------------------------------
class hour_floor(FunctionElement):
    """The UTC hour a stored time falls in, as the store writes times."""

    type = DateTime()
    inherit_cache = True


@compiles(hour_floor, "sqlite")
def _hour_floor_sqlite(element, compiler, **kw):
    (at,) = list(element.clauses)
    # the same text as the store's own times (UTCDateTime on SQLite), cut from
    # them: strftime parses each time and took most of a facet rebuild's time
    return f"(substr({compiler.process(at, **kw)}, 1, 13) || ':00:00.000000')"


@compiles(hour_floor, "postgresql")
def _hour_floor_postgresql(element, compiler, **kw):
    (at,) = list(element.clauses)
    return f"date_trunc('hour', {compiler.process(at, **kw)})"


def refresh_measurement_hours(
    conn: Connection, cells: Iterable[tuple[str, datetime]]
) -> None:
    """Recompute the (series, hour) cells a batch wrote into, from the rows."""
    by_series: dict[str, set[datetime]] = defaultdict(set)
    for series, hour in cells:
        by_series[series].add(hour)
    now = datetime.now(UTC)
    earliest = min((min(hours) for hours in by_series.values()), default=None)
    if earliest is not None and earliest < hour_of(now):
        bump_past_version(conn, settled=earliest < settled_before(now, SETTLING_MARGIN))
    for series, hours in by_series.items():
        ordered = sorted(hours)
        for start, end in _runs(ordered):
            conn.execute(
                delete(measurement_hourly).where(
                    measurement_hourly.c.series == series,
                    measurement_hourly.c.hour >= start,
                    measurement_hourly.c.hour < end,
                )
            )
            _insert_measurement_hours(
                conn,
                and_(
                    measurements.c.series == series,
                    measurements.c.observed_at >= start,
                    measurements.c.observed_at < end,
                ),
            )


def _runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted hours as spans of consecutive hours: [start, end)."""
    runs: list[tuple[datetime, datetime]] = []
    for h in hours:
        if runs and runs[-1][1] == h:
            runs[-1] = (runs[-1][0], h + HOUR)
        else:
            runs.append((h, h + HOUR))
    return runs


def _insert_measurement_hours(conn: Connection, where) -> None:
    hour = hour_floor(measurements.c.observed_at)
    district = func.coalesce(measurements.c.district_code, NO_DISTRICT)
    category = func.coalesce(measurements.c.category, NO_CATEGORY)
    value = measurements.c.value
    conn.execute(
        measurement_hourly.insert().from_select(
            [
                "series",
                "hour",
                "district_code",
                "category",
                "n",
                "total",
                "low",
                "high",
            ],
            select(
                measurements.c.series,
                hour,
                district,
                category,
                func.count(),
                func.sum(value),
                func.min(value),
                func.max(value),
            )
            .where(where)
            .group_by(measurements.c.series, hour, district, category),
        )
    )


# -- rebuilding ---------------------------------------------------------------------
def rebuild(conn: Connection, chunk: int = 50_000) -> None:
    """Every rollup made again from the rows."""
    bump_past_version(conn)
    for table in (
        event_hourly,
        event_totals,
        close_hours_histogram,
        measurement_hourly,
    ):
        conn.execute(delete(table))
    for facts in _every_event(conn, chunk):
        apply_event_changes(conn, (), facts)
    rebuild_facets(conn, facet_groups(conn))
    _insert_measurement_hours(conn, measurements.c.series.is_not(None))
    newest = (
        conn.execute(select(func.max(events.c.updated_at))).scalar(),
        conn.execute(select(func.max(measurements.c.observed_at))).scalar(),
    )
    note_newest(conn, (t for t in newest if t is not None))


FACET_TABLES = (event_facet_hourly, event_facet_totals, close_hours_facet_histogram)


def rebuild_facets(conn: Connection, groups: Sequence[FacetGroup]) -> None:
    """The facet rollups made again from the rows, for ``groups``: per group one
    grouped ``INSERT ... SELECT`` per table, counting what ``apply_facet_changes``
    counts. The tables hold about as many rows as there are events, so sorting
    and writing those rows is most of the time (200 k events: 1.1-1.4x faster than the walk in
    Python on SQLite, 1.6-2.3x on PostgreSQL)."""
    bump_past_version(conn)
    for table in FACET_TABLES:
        conn.execute(delete(table))
    if not groups:
        return
    bucket = _close_bucket_sql(conn, _close_hours_sql())
    for group in groups:
        _insert_facets(conn, group, bucket)
    for table in FACET_TABLES:  # so the plans see the new rows
        conn.execute(text(f"ANALYZE {table.name}"))


def _insert_facets(conn: Connection, group: FacetGroup, bucket) -> None:
    """One group's rows of the three facet tables, each from one grouped query."""
    facet = ("domain", "facet_group", "facet_value")
    # the domain as an expression: a plain column made SQLite walk the events
    # through its (domain, time) index, a lookup per row, to group them in order
    domain = (events.c.domain + "").label("domain")
    rows = select(
        domain,
        _facet_value_sql(group).label("facet_value"),
        func.coalesce(events.c.district_code, NO_DISTRICT).label("district_code"),
        hour_floor(events.c.occurred_at).label("opened_hour"),
        hour_floor(events.c.closed_at).label("closed_hour"),
        events.c.closed_at,
    ).subquery("facts")
    name = literal(group_key(group), FacetKey).label("facet_group")
    keyed = (rows.c.domain, name, rows.c.facet_value)
    grouped = (rows.c.domain, rows.c.facet_value, rows.c.district_code)
    conn.execute(
        event_facet_totals.insert().from_select(
            [*facet, "district_code", "opened", "closed"],
            select(
                *keyed,
                rows.c.district_code,
                func.count(),
                func.count(rows.c.closed_at),
            ).group_by(*grouped),
        )
    )
    _insert_facet_hours(conn, rows, keyed, grouped)
    closed = select(
        domain,
        _facet_value_sql(group).label("facet_value"),
        func.coalesce(events.c.district_code, NO_DISTRICT).label("district_code"),
        hour_floor(events.c.closed_at).label("hour"),
        bucket.label("bucket"),
    ).where(events.c.closed_at.is_not(None))
    # OFFSET 0 keeps the query apart (SQLite and PostgreSQL alike): merged into the
    # grouping, SQLite worked out each event's bucket twice
    _insert_facet_histogram(conn, closed.offset(0).subquery("closed"), name)


def _insert_facet_hours(conn: Connection, rows, keyed, grouped) -> None:
    """Events opened and closed per hour: the two counts grouped apart, then
    added up where an hour has both."""
    opened = select(
        *keyed,
        rows.c.opened_hour.label("hour"),
        rows.c.district_code,
        func.count().label("opened"),
        literal(0).label("closed"),
    ).group_by(*grouped, rows.c.opened_hour)
    closed = (
        select(
            *keyed,
            rows.c.closed_hour.label("hour"),
            rows.c.district_code,
            literal(0).label("opened"),
            func.count().label("closed"),
        )
        .where(rows.c.closed_at.is_not(None))
        .group_by(*grouped, rows.c.closed_hour)
    )
    both = union_all(opened, closed).subquery("moves")
    columns = ("domain", "facet_group", "facet_value", "hour", "district_code")
    key = [both.c[c] for c in columns]
    conn.execute(
        event_facet_hourly.insert().from_select(
            [*columns, "opened", "closed"],
            select(*key, func.sum(both.c.opened), func.sum(both.c.closed)).group_by(
                *key
            ),
        )
    )


def _insert_facet_histogram(conn: Connection, closed, name) -> None:
    """Closed events per closing hour, district and bucket; then the whole city's,
    added up from those rows (cheaper than reading the events again)."""
    columns = ["domain", "facet_group", "facet_value", "hour", "district_code"]
    key = (closed.c.domain, closed.c.facet_value, closed.c.hour, closed.c.district_code)
    conn.execute(
        close_hours_facet_histogram.insert().from_select(
            [*columns, "bucket", "n"],
            select(
                closed.c.domain, name, *key[1:], closed.c.bucket, func.count()
            ).group_by(*key, closed.c.bucket),  # in the order of the table's key
        )
    )
    h = close_hours_facet_histogram.c
    by_city = (h.domain, h.facet_value, h.hour, h.bucket)
    conn.execute(
        close_hours_facet_histogram.insert().from_select(
            [*columns, "bucket", "n"],
            select(
                h.domain,
                h.facet_group,
                h.facet_value,
                h.hour,
                literal(WHOLE_CITY, String()),
                h.bucket,
                func.sum(h.n),
            )
            .where(h.facet_group == name.element)
            .group_by(h.facet_group, *by_city),
        )
    )


def _facet_value_sql(group: FacetGroup):
    """``facet_value`` in SQL: the keys' text values ("" for none), joined and cut."""
    values = [
        func.coalesce(events.c[key], "") if key in EVENT_FACETS else text_attr(key)
        for key in group
    ]
    joined = values[0]
    for value in values[1:]:
        joined = joined + FACET_SEPARATOR + value
    return func.substr(joined, 1, FACET_WIDTH)


class _text_attr(FunctionElement):
    """An event attribute when it is a JSON string, else "" (a number, a boolean,
    null, a list or an object reads as missing, as in ``facet_value``)."""

    type = String()
    inherit_cache = True


def text_attr(key: str) -> _text_attr:
    # SQLite addresses the key by a path (written as SQLAlchemy writes it),
    # PostgreSQL by the key itself
    return _text_attr(events.c.attrs, literal(key), literal(f'$."{key}"'))


# the test of a JSON string and the read of its text, in each database's terms
_TEXT_ATTR = {
    "sqlite": "CASE WHEN json_type({attrs}, {path}) = 'text' "
    "THEN json_extract({attrs}, {path}) ELSE '' END",
    "postgresql": "CASE WHEN json_typeof({attrs} -> {key}) = 'string' "
    "THEN {attrs} ->> {key} ELSE '' END",
}


@compiles(_text_attr)
def _text_attr_sql(element, compiler, **kw):
    attrs, key, path = (compiler.process(c, **kw) for c in element.clauses)
    return _TEXT_ATTR[compiler.dialect.name].format(attrs=attrs, key=key, path=path)


class _epoch_seconds(FunctionElement):
    """A stored time as Python's ``datetime.timestamp()`` gives it, to the bit:
    its whole microseconds since 1970 divided by a million, in double precision."""

    type = Float()
    inherit_cache = True


@compiles(_epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    (at,) = (compiler.process(c, **kw) for c in element.clauses)
    # the seconds of the text without its fraction (strftime rounds it to the
    # millisecond), then its six digits of microseconds
    return (
        f"((CAST(strftime('%s', substr({at}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({at}, 21, 6) AS INTEGER)) / 1000000.0)"
    )


@compiles(_epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element, compiler, **kw):
    (at,) = (compiler.process(c, **kw) for c in element.clauses)
    # EXTRACT gives the exact decimal; its cast rounds it as Python's division does
    return f"CAST(EXTRACT(EPOCH FROM {at}) AS DOUBLE PRECISION)"


def _close_hours_sql():
    """The hours an event took to close, computed as ``apply_facet_changes`` does."""
    return (
        _epoch_seconds(events.c.closed_at) - _epoch_seconds(events.c.occurred_at)
    ) / literal(3600.0, Float())


def _close_bucket_sql(conn: Connection, hours):
    """``close_bucket(hours)`` in SQL, exactly: on SQLite the function itself,
    lent to the connection; on PostgreSQL the count of the lowest hours of each
    bucket that ``hours`` reaches (``width_bucket``, a binary search), found here
    with Python's own logarithm so no server's ``ln`` can round differently."""
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.create_function(
            "citywall_close_bucket", 1, close_bucket, deterministic=True
        )
        return func.citywall_close_bucket(hours, type_=Integer())
    longest = conn.execute(
        select(func.max(hours)).where(events.c.closed_at.is_not(None))
    ).scalar()
    lowest = close_bucket(0)
    highest = close_bucket(longest or 0)
    starts = [_bucket_start(b) for b in range(lowest + 1, highest + 1)]
    return lowest + func.width_bucket(
        hours, literal(starts, ARRAY(DOUBLE_PRECISION)), type_=Integer()
    )


def _bucket_start(bucket: int) -> float:
    """The fewest hours ``close_bucket`` puts in ``bucket`` or above (it never
    falls as the hours grow): from the estimate, stepped float by float."""
    hours = math.exp((bucket - 0.5) * _LOG_RATIO)
    while close_bucket(hours) >= bucket:
        hours = math.nextafter(hours, 0)
    while close_bucket(hours) < bucket:
        hours = math.nextafter(hours, math.inf)
    return hours


def _every_event(conn: Connection, chunk: int) -> Iterable[list[EventFacts]]:
    """The facts of every stored event (without attributes), ``chunk`` at a time."""
    columns = fact_columns(False)
    last_id = 0
    while True:
        rows = conn.execute(
            select(events.c.id, *columns)
            .where(events.c.id > last_id)
            .order_by(events.c.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        yield [EventFacts(*r[1:]) for r in rows]
        last_id = rows[-1][0]


def missing(conn: Connection) -> bool:
    """The store has rows but no rollups: written before the rollups existed."""
    has_events = conn.execute(select(events.c.id).limit(1)).first() is not None
    has_totals = conn.execute(select(event_totals.c.domain).limit(1)).first()
    has_readings = conn.execute(select(measurements.c.series).limit(1)).first()
    has_hours = conn.execute(select(measurement_hourly.c.series).limit(1)).first()
    return (has_events and has_totals is None) or (
        has_readings is not None and has_hours is None
    )
