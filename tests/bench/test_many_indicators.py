"""The profile of many declared indicators the benchmark times, and the synthetic
year it reads: every indicator declares something the year holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.many_indicators import profile_with_many_indicators
from bench.synthetic import SyntheticCity, Volume
from city.indicators import MEASURES
from city.profile import load_profile

SEOUL = Path(__file__).resolve().parents[2] / "cities" / "seoul.toml"
END = datetime(2026, 11, 2, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    return load_profile(profile_with_many_indicators(SEOUL, folder, n=60))


def test_sixty_indicators_use_every_measure_window_comparison_and_filter(many):
    indicators = many.indicators
    assert len(indicators) == 60
    assert {k.measure for k in indicators} == set(MEASURES)
    assert {k.window.kind for k in indicators} >= {
        "duration", "today", "this_week", "this_month", "open_now", "now", "latest",
    }  # fmt: skip
    assert {k.compare.kind for k in indicators} == {
        "yesterday", "previous", "average", "last_year", "none",
    }  # fmt: skip
    keys = {key for k in indicators for group in k.facet_groups for key in group}
    assert {"category", "severity", "status"} < keys
    assert keys - {"category", "severity", "status"}  # an attribute kept in attrs
    assert {d.id for d in many.domains} == {
        "traffic", "safety", "disaster", "complaints", "air", "mobility",
    }  # fmt: skip


def _matches(event, where) -> bool:
    fields = {"category": event.category, "severity": event.severity}
    fields["status"] = event.status
    return all(
        str(fields[key] if key in fields else event.attrs.get(key)) in values
        for key, values in where
    )


def test_every_filter_finds_records_in_the_synthetic_year(many):
    """Two days of a small year hold records of each indicator's filter, so no
    indicator times an empty answer."""
    volume = Volume(events=400_000, measurements=5_000_000, days=365)
    city = SyntheticCity(many, END, volume)
    start = END - timedelta(days=2)
    found = city.events(start, END, as_of=END) + city.live(END).events
    readings = city.measurements(END - timedelta(hours=1), END)
    for k in many.indicators:
        if k.series:
            of_series = [m for m in readings if m.series == k.series]
            categories = dict(k.where).get("category")
            assert [
                m for m in of_series if categories is None or m.category in categories
            ], k.id
        else:
            of_domain = [e for e in found if e.domain == k.domain]
            assert [e for e in of_domain if _matches(e, k.where)], k.id
            assert [e for e in of_domain if _matches(e, k.share_of)], k.id


def test_fewer_indicators_are_the_first_of_the_sixty(tmp_path, many):
    few = load_profile(profile_with_many_indicators(SEOUL, tmp_path, n=12))
    assert [k.id for k in few.indicators] == [k.id for k in many.indicators][:12]


def test_the_store_keeps_the_rollups_of_the_measured_filters(tmp_path, many):
    """Timed as its ingest would run it: the filtered counts come from rollups
    built for its filters, and say what the rows say."""
    from sqlalchemy import func, select

    from bench.dataset import load_year
    from bench.indicator_refresh import keep_facets
    from kpis import compile
    from kpis import queries as q
    from kpis.match import Match, kept
    from kpis.rollup_queries import EventCount
    from kpis.service import KpiService
    from store.facets import normalised
    from store.schema import events
    from store.versions import facet_groups

    url = f"sqlite:///{tmp_path / 'small.db'}"
    engine, _ = load_year(url, many, Volume(20_000, 20_000, 7), END)
    try:
        keep_facets(url, many)
        counted = {}
        with engine.connect() as conn:
            assert facet_groups(conn) == normalised(many.facet_groups)
            service = KpiService(engine, many, clock=lambda: END)
            w = service.window(END)
            for k in many.indicators:
                if k.measure != "count" or k.window.kind != "duration" or not k.where:
                    continue
                start, end = compile.span(k, w)
                rows = select(func.count()).where(
                    events.c.domain == k.domain,
                    events.c.occurred_at >= start,
                    events.c.occurred_at < end,
                    *Match(k.where).clauses(),
                )
                match = Match(k.where)
                assert kept(conn, match), k.id  # the rollups answer, not the rows
                found = EventCount(k.domain, start, end, match=match)
                counted[k.id] = q.run(conn, found, None)
                assert counted[k.id] == conn.execute(rows).scalar(), k.id
        assert len(counted) > 10 and sum(n > 0 for n in counted.values()) > 10
    finally:
        engine.dispose()
