"""A facet rebuild (grouped SQL over the rows) makes exactly the facet rollups the
ingest kept event by event, on SQLite and PostgreSQL.

Hypothesis draws histories of events at the edges the SQL could get wrong: no
district, times to the microsecond, hours to close a microsecond either side of a
histogram bucket's edge, closed before opened or within a minute, attributes that
are numbers, booleans, null, lists, accented text or longer than a facet value
holds; records re-sent with other values, and retracted. They are written through
the store's own writes in batches, as the ingest does; the rebuild must then leave
the three facet tables as it found them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from city.records import Event, StatusChange
from store import facets, rollups, writes
from store.schema import event_facet_totals, events

T0 = datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC)
GROUPS = [
    ("category",),
    ("severity", "status"),
    ("priority",),
    ("note", "priority"),  # two attributes, one joined value past FACET_WIDTH
    ("channel", "category", "severity"),
]
LONG = "é" * 200 + "x" * 100  # longer than a facet value holds, in characters
ATTRIBUTE_VALUES = st.one_of(
    st.sampled_from(["high", "Élevé", "높음", "", LONG, "a\x1fb"]),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.just(["high"]),
    st.just({"level": "high"}),
)


def _bucket_edge(bucket: int) -> timedelta:
    """About where ``close_bucket`` moves from bucket - 1 to ``bucket``."""
    return timedelta(hours=rollups.BUCKET_RATIO ** (bucket - 0.5))


TOOK = st.one_of(
    st.none(),  # still open
    st.timedeltas(timedelta(hours=-3), timedelta(days=400)),
    st.timedeltas(timedelta(0), timedelta(minutes=2)),
    st.builds(
        lambda b, us: _bucket_edge(b) + timedelta(microseconds=us),
        st.integers(-400, 900),
        st.integers(-2, 2),
    ),
)


@st.composite
def an_event(draw, source_id: str) -> Event:
    opened = T0 + draw(
        st.timedeltas(timedelta(days=-30), timedelta(days=30))
        | st.sampled_from([timedelta(0), timedelta(microseconds=1)])
    )
    took = draw(TOOK)
    attrs = draw(
        st.dictionaries(
            st.sampled_from(["priority", "note", "channel"]), ATTRIBUTE_VALUES
        )
    )
    return Event(
        source_id,
        draw(st.sampled_from(["complaints", "safety"])),
        draw(st.sampled_from(["noise", "fire", "ñandú"])),
        opened,
        status=draw(st.sampled_from(["open", "closed", "Resuelto"])),
        severity=draw(st.sampled_from([None, "Severe", "minor", ""])),
        district_code=draw(st.sampled_from([None, "11680", "11110"])),
        closed_at=None if took is None else opened + took,
        attrs=attrs,
    )


@st.composite
def a_history(draw) -> list[tuple[list[Event], list[StatusChange]]]:
    """Batches of events; later ones re-send some earlier records changed, and
    retract some."""
    first = [draw(an_event(f"e{i}")) for i in range(draw(st.integers(1, 25)))]
    batches = [(first, [])]
    for n in range(draw(st.integers(0, 2))):
        resent = [
            replace(draw(an_event(e.source_id)), domain=e.domain)
            for e in draw(st.lists(st.sampled_from(first), max_size=8))
        ]
        new = [draw(an_event(f"b{n}-{i}")) for i in range(draw(st.integers(0, 5)))]
        retracted = [
            StatusChange(e.source_id, "cancelled", T0)
            for e in draw(st.lists(st.sampled_from(first), max_size=3))
        ]
        batches.append((resent + new, retracted))
    return batches


def facet_rows(conn) -> dict[str, set[tuple]]:
    """The three facet tables' rows that count something (the ingest leaves a
    row whose counts went back to zero)."""
    counts = {"close_hours_facet_histogram": ("n",)}
    return {
        table.name: {
            tuple(r)
            for r in conn.execute(select(table))
            if any(r._mapping[c] for c in counts.get(table.name, ("opened", "closed")))
        }
        for table in rollups.FACET_TABLES
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=a_history())
def test_a_facet_rebuild_makes_what_the_ingest_kept(engine, history):
    with engine.begin() as conn:  # each example starts from an empty store
        for table in (*rollups.FACET_TABLES, events):
            conn.execute(delete(table))
        facets.use_facet_groups(conn, GROUPS)
    for batch, retractions in history:
        with engine.begin() as conn:
            writes.upsert_events(conn, "a", batch, T0)
            writes.apply_status_changes(conn, "a", retractions)
    with engine.connect() as conn:
        kept = facet_rows(conn)
    with engine.begin() as conn:
        rollups.rebuild_facets(conn, facets.normalised(GROUPS))
        assert facet_rows(conn) == kept
    assert kept["event_facet_totals"]  # the example counted something


def test_a_rebuild_counts_a_value_past_the_width_cut_and_a_number_as_missing(
    engine,
):
    """The cases above that the rebuild must not get wrong, pinned."""
    event = Event(
        "e1",
        "complaints",
        "noise",
        T0,
        closed_at=T0 + _bucket_edge(100),
        attrs={"priority": 3, "note": LONG},
    )
    with engine.begin() as conn:
        writes.upsert_events(conn, "a", [event], T0)
        rollups.rebuild_facets(conn, [("note", "priority")])
        totals = set(conn.execute(select(event_facet_totals)))
    cut = (LONG + rollups.FACET_SEPARATOR)[: rollups.FACET_WIDTH]
    assert totals == {("complaints", "note\x1fpriority", cut, "", 1, 1)}
