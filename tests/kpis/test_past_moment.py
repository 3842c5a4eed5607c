"""The KPI layer at a past moment (``kpis.past``): every tile and map value at
the moment equals the plain pandas computation over the raw rows with ``now``
set to it (``tests/kpis/declared_reference.py``), on SQLite and PostgreSQL; the
live wall, asked through the same cache before and after, keeps its own values;
the stage is the log's of then; the alerts in force and the records are those of
then.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from flask_caching.backends.simplecache import SimpleCache

from bench.baseline import plain_kpis
from city.records import Event, Measurement, StatusChange
from ingest.runner import prepare_store
from kpis.past import PastKpiService, ReadOnlyPast
from kpis.records import RecordFilter
from kpis.service import KpiService
from store import connect, facets, stages, writes
from tests.conftest import BACKENDS, store_on
from tests.kpis.declared_reference import RETRACTED, City, expected, read_rows
from tests.kpis.test_declared_property import declared, same
from tests.kpis.test_kpis import NOW as SEOUL_NOW
from tests.kpis.test_kpis import _fill as fill_demo
from tests.kpis.test_kpis import tolerance as kpi_tolerance

SEOUL = ZoneInfo("Asia/Seoul")
AT = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 5 Dec 02:00 in Seoul
LIVE = datetime(2026, 12, 7, 3, 20, 17, tzinfo=UTC)
HOURS_TOLERANCE = 5e-3  # hours to close come from 1 %-wide histograms
EXACT = 1e-9

TABLES = [
    {"id": "day", "domain": "complaints", "window": "24h", "compare": "yesterday"},
    {"id": "open", "domain": "complaints", "window": "open_now"},
    {"id": "alerts", "domain": "alerts", "measure": "in_force"},
    {"id": "today", "domain": "complaints", "window": "today", "compare": "7d_average"},
    {
        "id": "noise",
        "domain": "complaints",
        "window": "6h",
        "where": {"category": ["noise"]},
        "compare": "previous",
    },
    {
        "id": "close",
        "domain": "complaints",
        "measure": "median_hours",
        "window": "2d",
        "compare": "yesterday",
    },
    {
        "id": "pm",
        "domain": "air",
        "series": "pm25",
        "measure": "mean",
        "window": "1h",
        "compare": "yesterday",
    },
    {
        "id": "slow",
        "domain": "roads",
        "series": "road_speed",
        "measure": "share_below",
        "below": "road_class",
        "window": "15m",
        "compare": "none",
    },
]
DISTRICTS = ("11680", "11110", "11740")
PLACES = (
    ("pm25", "p1", "11680", "urban"),
    ("pm25", "p2", "11110", "roadside"),
    ("road_speed", "l1", "11680", "arterial"),
    ("road_speed", "l2", "11740", "expressway"),
)


def history(seed: int = 25) -> tuple[list[Event], list[StatusChange], list]:
    """Records over the 9 days up to the live moment, around ``AT`` above all:
    some after it (not yet there at the moment), some closed or retracted after
    it (open then), some late alerts."""
    draw = random.Random(seed)
    start = AT - timedelta(days=8)
    span = (LIVE - start).total_seconds()

    def when() -> datetime:
        if draw.random() < 0.5:  # half within a day of the moment
            return AT + timedelta(seconds=draw.randint(-86400, 86400))
        return start + timedelta(seconds=draw.uniform(0, span))

    found, retracted = [], []
    for i in range(300):
        occurred = when()
        domain = draw.choice(("complaints", "complaints", "alerts"))
        closed = draw.choice((None, draw.randint(10, 4000)))
        expires = draw.choice((None, draw.randint(30, 3000)))
        found.append(
            Event(
                f"e{i}",
                domain,
                draw.choice(("noise", "parking", "flood")),
                occurred,
                status=draw.choice(("open", "in_progress", "closed")),
                severity=draw.choice((None, "Minor", "Severe")),
                district_code=draw.choice((*DISTRICTS, None)),
                closed_at=None
                if closed is None
                else occurred + timedelta(minutes=closed),
                expires_at=None
                if expires is None or domain != "alerts"
                else occurred + timedelta(minutes=expires),
            )
        )
        if draw.random() < 0.08:
            retracted.append(StatusChange(f"e{i}", "cancelled", LIVE))
    readings = []
    # every place every 10 minutes around the moment and a day before it (its
    # comparison), with gaps; then a few readings anywhere
    for minutes in range(-26 * 60, 2 * 60, 10):
        for series, place, district, category in PLACES:
            if draw.random() < 0.8:
                at = AT + timedelta(minutes=minutes, seconds=draw.randint(0, 599))
                value = draw.randint(0, 160) / 2
                readings.append(
                    Measurement(series, place, at, value, category, district)
                )
    for _ in range(200):
        series, place, district, category = draw.choice(PLACES)
        value = draw.randint(0, 160) / 2
        readings.append(Measurement(series, place, when(), value, category, district))
    return found, retracted, readings


@pytest.fixture
def filled(engine, seoul):
    """A store holding ``history()``, written as the ingest writes."""
    profile = declared(seoul, TABLES)
    found, retracted, readings = history()
    with engine.begin() as conn:
        facets.use_facet_groups(conn, profile.facet_groups)
    for part in range(3):  # three batches, as three pulls
        with engine.begin() as conn:
            writes.upsert_events(conn, "feed", found[part::3], LIVE)
            writes.upsert_measurements(conn, "stations", readings[part::3])
    with engine.begin() as conn:
        writes.apply_status_changes(conn, "feed", retracted)
    return profile


def city_of(profile) -> City:
    classes = profile.road_classes
    return City(
        SEOUL,
        {name: c.congested_below for name, c in classes.items()},
        classes["arterial"].congested_below,
    )


def tolerance(table: dict) -> float:
    return HOURS_TOLERANCE if table.get("measure") == "median_hours" else EXACT


def wrong_values(service: KpiService, engine, profile, now: datetime) -> list[str]:
    """Every tile (the city and each district with records) and map value that
    differs from the pandas reference at ``now``."""
    rows, city = read_rows(engine), city_of(profile)
    wrong = []
    for district in (None, *DISTRICTS):
        for table, tile in zip(TABLES, service.tiles(district), strict=True):
            want = expected(table, rows, city, now, district)
            got = (tile.value, tile.previous)
            if not all(same(g, w, tolerance(table)) for g, w in zip(got, want)):
                wrong.append(f"{district} {table['id']}: {got} != {want}")
    for table in TABLES:
        rel = tolerance(table)
        for code in DISTRICTS:
            got = service.map_values(table["id"])[code]
            want = expected(table, rows, city, now, code)[0]
            if not same(got, want, rel):
                wrong.append(f"map {code} {table['id']}: {got} != {want}")
    return wrong


def test_every_tile_at_a_past_moment_equals_pandas_at_that_moment(engine, filled):
    cache = SimpleCache()  # one cache for both: their keys must never meet
    live = KpiService(engine, filled, cache=cache, clock=lambda: LIVE)
    live_first = [t.value for t in live.tiles()]  # the live answers cached first
    past = PastKpiService(live, AT)
    assert wrong_values(past, engine, filled, AT) == []
    assert wrong_values(live, engine, filled, LIVE) == []
    # the moment is not the live wall: the two differ where the records do
    assert [t.value for t in past.tiles()] != live_first
    assert [t.value for t in live.tiles()] == live_first


def test_the_records_at_a_past_moment_are_those_of_its_period(engine, filled):
    live = KpiService(engine, filled, cache=SimpleCache(), clock=lambda: LIVE)
    past = PastKpiService(live, AT)
    rows = read_rows(engine).events
    f = RecordFilter("complaints", period="24h")
    then = rows[
        (rows.domain == "complaints")
        & (rows.occurred_at > pd.Timestamp(AT - timedelta(hours=24)))
        & (rows.occurred_at <= pd.Timestamp(AT))
    ]
    assert sorted(r["id"] for r in past.records(f, limit=None)) == sorted(then.id)
    assert past.record_total(f) == len(then)
    assert past.by_category(f) == then.category.value_counts().to_dict()
    assert past.newest_data() == max(
        rows[rows.occurred_at <= pd.Timestamp(AT)].occurred_at.max(),
        read_rows(engine).readings.query("observed_at <= @AT").observed_at.max(),
    )


def test_the_alerts_in_force_at_a_past_moment(engine, seoul):
    """Issued by then, not expired by then, never retracted: an alert that
    expired since is shown, one issued since is not."""
    alerts = [
        Event("gone-since", "disaster", "flood", AT - timedelta(hours=3),
              expires_at=AT + timedelta(hours=1)),
        Event("no-expiry", "disaster", "heavy_rain", AT - timedelta(days=1)),
        Event("expired-before", "disaster", "flood", AT - timedelta(hours=5),
              expires_at=AT - timedelta(minutes=1)),
        Event("issued-since", "disaster", "typhoon", AT + timedelta(minutes=1)),
        Event("retracted", "disaster", "flood", AT - timedelta(hours=2)),
    ]  # fmt: skip
    with engine.begin() as conn:
        writes.upsert_events(conn, "cap", alerts, LIVE)
        writes.apply_status_changes(
            conn, "cap", [StatusChange("retracted", "cancelled", LIVE)]
        )
    rows = read_rows(engine).events
    at = pd.Timestamp(AT)
    in_force = rows[
        (rows.domain == "disaster")
        & (rows.occurred_at <= at)
        & (rows.expires_at.isna() | (rows.expires_at > at))
        & ~rows.status.isin(RETRACTED)
    ]
    live = KpiService(engine, seoul, cache=SimpleCache(), clock=lambda: LIVE)
    past = PastKpiService(live, AT)
    assert {a.source_id for a in past.active_alerts()} == set(in_force.source_id)
    assert set(in_force.source_id) == {"gone-since", "no-expiry"}
    assert {a.source_id for a in live.active_alerts()} == {"no-expiry", "issued-since"}
    assert {a.id for a in past.disaster().alerts} == set(in_force.id)


def test_the_stage_at_a_past_moment_is_the_logs_of_then(engine, seoul):
    with engine.begin() as conn:
        stages.log_change(conn, 1, False, "no rule matches", AT - timedelta(days=1))
        stages.log_change(conn, 4, False, "Typhoon warning", AT - timedelta(hours=2))
        stages.log_change(
            conn, 5, True, "set by hand: Landfall", AT + timedelta(hours=1)
        )
        stages.log_change(conn, 1, False, "no rule matches", AT + timedelta(hours=9))
    live = KpiService(engine, seoul, cache=SimpleCache(), clock=lambda: LIVE)

    def stage_at(at: datetime):
        return PastKpiService(live, at).stage()

    at_moment = stage_at(AT)
    assert (at_moment.level, at_moment.since) == (4, AT - timedelta(hours=2))
    by_hand = stage_at(AT + timedelta(hours=2))
    assert (by_hand.level, by_hand.manual, by_hand.reason) == (5, True, "Landfall")
    # before the log's first change: the rules' stage then (no alert: the lowest)
    assert stage_at(AT - timedelta(days=2)).level == 1
    assert stage_at(AT - timedelta(days=2)).since is None
    assert PastKpiService(live, AT).disaster().stage.level == 4
    with pytest.raises(ReadOnlyPast):
        PastKpiService(live, AT).log_stage()


def test_a_past_moments_first_data_is_the_stores_first_record(engine, filled):
    live = KpiService(engine, filled, cache=SimpleCache(), clock=lambda: LIVE)
    rows = read_rows(engine)
    first = min(rows.events.occurred_at.min(), rows.readings.observed_at.min())
    assert PastKpiService(live, AT).first_data() == first


# -- the shipped Seoul wall at a past moment ------------------------------------------
# 15 days of the demo city up to test_kpis's NOW; the moment two days and a few
# hours before it, at another time of day (Monday 06:24 in Seoul)
SEOUL_AT = SEOUL_NOW - timedelta(days=2, hours=5, minutes=13)


@pytest.fixture(scope="module", params=BACKENDS)
def demo_city(request, seoul, tmp_path_factory):
    with store_on(request.param, tmp_path_factory.mktemp("past")) as url:
        engine = connect(url)
        prepare_store(engine, seoul)
        yield fill_demo(engine, seoul)
        engine.dispose()


@pytest.mark.parametrize("district", [None, "11680"], ids=["city", "gangnam"])
def test_the_seoul_walls_tiles_at_a_past_moment_equal_pandas_then(
    demo_city, seoul, district
):
    """Every shipped indicator's tile, for the city and a district (the grouped
    district tiles), equals the benchmark's plain pandas computation with now
    at the moment; the live tiles, asked through the same cache, stay live."""
    engine, ev, ms = demo_city
    cache = SimpleCache()
    live = KpiService(
        engine, seoul, cache=cache, clock=lambda: SEOUL_NOW,
        speed_window=seoul.speed_window,
    )  # fmt: skip
    past = PastKpiService(live, SEOUL_AT)
    for service, now in ((live, SEOUL_NOW), (past, SEOUL_AT), (live, SEOUL_NOW)):
        want = plain_kpis(ev, ms, seoul, now, seoul.speed_window, district)
        wrong = []
        for tile in service.tiles(district):
            value, previous = want[tile.kpi_id]
            rel = kpi_tolerance(tile.kpi_id)
            if tile.value != pytest.approx(value, rel=rel) or (
                tile.previous != pytest.approx(previous, rel=rel)
            ):
                wrong.append(
                    (tile.kpi_id, tile.value, tile.previous, want[tile.kpi_id])
                )
        assert wrong == [], f"at {now.isoformat()}"
    assert [t.value for t in past.tiles(district)] != [
        t.value for t in live.tiles(district)
    ]
