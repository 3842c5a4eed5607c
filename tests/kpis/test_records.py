"""The records behind the KPIs (domain pages, tables, CSV) equal a plain pandas
reading of the same rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from city import i18n
from connectors.simulator import SimulatorConnector
from ingest.runner import SourceRunner, prepare_store, run_until_caught_up
from kpis import records
from kpis.records import BUCKET_SECONDS, PERIODS, RecordFilter
from kpis.service import KpiService
from store import connect
from tests.conftest import BACKENDS, store_on
from web.csv_export import records_csv, tile_csv

NOW = datetime(2026, 3, 18, 2, 37, 11, tzinfo=UTC)  # 11:37 in Seoul
SEOUL_OFFSET = 9 * 3600
GANGNAM = "11680"


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, seoul, tmp_path_factory):
    """Nine days of the demo city up to NOW, with the raw rows read back."""
    with store_on(request.param, tmp_path_factory.mktemp("records")) as url:
        engine = connect(url)
        prepare_store(engine, seoul)
        source = seoul.sources[0]
        runner = SourceRunner(
            engine,
            seoul,
            source,
            connector=SimulatorConnector(seoul, source.options | {"backfill_days": 9}),
            clock=lambda: NOW,
        )
        run_until_caught_up(runner)
        with engine.connect() as conn:
            ev = pd.read_sql(text("SELECT * FROM events"), conn)
            areas = pd.read_sql(text("SELECT * FROM event_areas"), conn)
            ms = pd.read_sql(text("SELECT * FROM measurements"), conn)
        ev["occurred_at"] = pd.to_datetime(ev["occurred_at"], utc=True)
        ms["observed_at"] = pd.to_datetime(ms["observed_at"], utc=True)
        yield KpiService(engine, seoul, clock=lambda: NOW), ev, areas, ms
        engine.dispose()


def _rows(ev: pd.DataFrame, f: RecordFilter, areas: pd.DataFrame) -> pd.DataFrame:
    now = pd.Timestamp(NOW)
    rows = ev[
        (ev["domain"] == f.domain)
        & (ev["occurred_at"] > now - PERIODS[f.period])
        & (ev["occurred_at"] <= now)
    ]
    if f.district:
        covering = set(areas.loc[areas["district_code"] == f.district, "event_id"])
        rows = rows[
            (rows["district_code"] == f.district)
            | rows["district_code"].isna()
            | rows["id"].isin(covering)
        ]
    if f.category:
        rows = rows[rows["category"] == f.category]
    return rows


FILTERS = [
    RecordFilter("complaints", GANGNAM, "traffic", "7d"),
    RecordFilter("complaints", None, None, "24h"),
    RecordFilter("safety", "11110", None, "30d"),
    RecordFilter("disaster", GANGNAM, None, "30d"),
    RecordFilter("traffic", None, "accident", "7d"),
    RecordFilter("safety", None, None, "30d"),  # whole days from the hourly rollup
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f"{f.domain}-{f.period}")
def test_the_latest_records_are_the_filters_rows_newest_first(store, f):
    service, ev, areas, _ = store
    expected = _rows(ev, f, areas).sort_values(["occurred_at", "id"], ascending=False)
    found = service.records(f, limit=None)
    assert len(found) > 0, "the filter has records to compare"
    assert [r["id"] for r in found] == list(expected["id"])
    assert service.record_total(f) == len(expected)
    assert [r["id"] for r in service.records(f, limit=5)] == list(expected["id"][:5])


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f"{f.domain}-{f.period}")
def test_counts_over_time_by_category_in_local_buckets(store, f):
    service, ev, areas, _ = store
    rows = _rows(ev, f, areas)
    size = BUCKET_SECONDS[f.period]
    epoch = rows["occurred_at"].map(lambda t: int(t.timestamp() // 1))
    bucket = (epoch + SEOUL_OFFSET) // size * size - SEOUL_OFFSET
    expected = (
        rows.assign(bucket=bucket).groupby(["bucket", "category"]).size().to_dict()
    )
    found = {(b, c): n for b, c, n in service.counts_over_time(f)}
    assert found == {(int(b), c): int(n) for (b, c), n in expected.items()}
    # a day's bar starts at local midnight, an hour's at a whole local hour
    assert all((b + SEOUL_OFFSET) % size == 0 for b, _ in found)
    # the period's buckets: every one from the period's start to now, the empty
    # ones too, in the same alignment, and every bucket counted among them
    period = service.period(f)
    start = int((NOW - PERIODS[f.period]).timestamp())
    assert period.seconds == size
    assert period.starts[0] <= start < period.starts[0] + size
    assert period.starts[-1] <= NOW.timestamp() < period.starts[-1] + size
    assert all(b - a == size for a, b in zip(period.starts, period.starts[1:]))
    assert len(period.starts) == PERIODS[f.period].total_seconds() // size + 1
    assert {b for b, _ in found} <= set(period.starts)
    assert service.by_category(f) == rows["category"].value_counts().to_dict()


def test_by_district_counts_an_area_in_every_district_it_covers(store):
    service, ev, areas, _ = store
    f = RecordFilter("disaster", period="30d")
    rows = _rows(ev, f, areas)
    own = rows.dropna(subset=["district_code"])[["id", "district_code"]]
    further = areas[areas["event_id"].isin(rows["id"])].rename(
        columns={"event_id": "id"}
    )
    covered = pd.concat([own, further]).drop_duplicates()
    expected = covered.groupby("district_code").size().to_dict()
    assert service.by_district(f) == expected


def test_series_over_time_is_the_mean_per_bucket(store):
    service, _, _, ms = store
    f = RecordFilter("traffic", GANGNAM, None, "24h")
    now = pd.Timestamp(NOW)
    rows = ms[
        (ms["series"] == "road_speed")
        & (ms["district_code"] == GANGNAM)
        & (ms["observed_at"] > now - timedelta(hours=24))
        & (ms["observed_at"] <= now)
    ]
    epoch = rows["observed_at"].map(lambda t: int(t.timestamp()))
    bucket = (epoch + SEOUL_OFFSET) // 3600 * 3600 - SEOUL_OFFSET
    expected = rows.assign(bucket=bucket).groupby("bucket")["value"].mean()
    found = dict(service.series_over_time("road_speed", f))
    assert found.keys() == set(expected.index)
    for b, mean in expected.items():
        assert found[b] == pytest.approx(mean)


def test_one_record_in_full_with_its_areas(store):
    service, ev, _, _ = store
    alert = ev[ev["domain"] == "disaster"].iloc[0]
    event_id = int(alert["id"])
    # a warning area over two further districts, as the CAP connector stores it
    with service.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO event_areas (event_id, district_code) VALUES (:e, :d)"),
            [{"e": event_id, "d": "11740"}, {"e": event_id, "d": "11110"}],
        )
    try:
        record = service.record(event_id)
    finally:
        with service.engine.begin() as conn:
            conn.execute(
                text("DELETE FROM event_areas WHERE event_id = :e"), {"e": event_id}
            )
    assert record["id"] == event_id and record["domain"] == "disaster"
    assert record["title"] == alert["title"] and record["attrs"]  # in full
    assert record["areas"] == ["11110", "11740"]
    assert service.record(10**12) is None


def test_the_csv_holds_the_view_and_the_tile(store, seoul):
    service, ev, areas, _ = store
    f = RecordFilter("complaints", GANGNAM, None, "7d")
    rows = list(csv.DictReader(io.StringIO(records_csv(service, seoul, f, "ko"))))
    assert [int(r["id"]) for r in rows] == [r["id"] for r in service.records(f, None)]
    assert {r["district_name"] for r in rows} == {"강남구"}
    assert all(r["closed_at"] == "" or "T" in r["closed_at"] for r in rows)

    (tile,) = csv.DictReader(
        io.StringIO(tile_csv(service, seoul, "road_congested_share", GANGNAM, "es"))
    )
    value = next(
        v for v in service.tiles(GANGNAM) if v.kpi_id == "road_congested_share"
    )
    assert float(tile["value"]) == pytest.approx(value.value * 100)  # as on the tile
    assert tile["unit"] == "%" and tile["label"] == "Tramos congestionados"
    assert tile["status"] == value.status


def test_a_simulated_title_comes_with_its_key_wherever_it_is_shown(store):
    """The demo's titles are made from their category: the table's rows, the feed
    of what just happened and the ticker's alerts carry the key the wall renders
    them by, in its language."""
    service = store[0]
    rows = service.records(RecordFilter("complaints", None, None, "24h"), 50)
    assert rows and all(r["title_key"] == r["category"] for r in rows)
    latest = service.latest_events()
    assert latest and all(e.title_key for e in latest)
    for alert in service.active_alerts(None, 20):
        assert alert.title_key == alert.category
    shown = {i18n.record_title("ko", r["title"], r["title_key"]) for r in rows}
    assert shown <= {
        i18n.t("ko", f"record_title.{r['category']}") for r in rows
    } and not shown & {r["title"] for r in rows}


@pytest.mark.parametrize("back", [timedelta(0), timedelta(days=3, minutes=17)])
def test_a_domain_s_categories_are_those_of_its_records_in_the_30_days_to_then(
    store, back
):
    """The filter's choices, live and at a past moment: from the hourly rollup
    between the hours at the ends, read from the rows."""
    service, ev, _, _ = store
    until = NOW - back
    since = until - timedelta(days=30)
    with service.engine.connect() as conn:
        for domain in ("complaints", "safety", "traffic"):
            rows = ev[
                (ev["domain"] == domain)
                & (ev["occurred_at"] > pd.Timestamp(since))
                & (ev["occurred_at"] <= pd.Timestamp(until))
            ]
            assert rows["category"].nunique() > 1
            found = records.categories(conn, domain, since, until)
            assert found == sorted(rows["category"].unique())
