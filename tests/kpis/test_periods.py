"""Plan against achieved per month and ISO week, from a department's spreadsheets
ingested through the tabular connector, on SQLite and PostgreSQL: every value
checked against pandas over the spreadsheets' own rows."""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from city.indicators import plan_table_problems
from components.plan_chart import plan_figure, plan_summary
from kpis.memo import kept_in
from kpis.periods import (
    MEASURES,
    PeriodValue,
    local_midnight,
    period_key,
    period_values,
    recent_periods,
)
from tests.connectors.harness import IngestCli, quarantine_reasons, summary_numbers

FIXTURES = Path(__file__).parents[1] / "fixtures" / "periodic"
SEOUL = ZoneInfo("Asia/Seoul")
KOLKATA = ZoneInfo("Asia/Kolkata")  # half an hour off UTC: boundaries cut hours
# each series' spreadsheet: (file, time column, place column, value column)
SHEETS = {
    "budget_executed": ("budget_executed.csv", "기준월", "부서", "집행액(원)"),
    "budget_plan": ("budget_plan.csv", "기준월", "부서", "계획액(원)"),
    "permits_on_time": ("permits_on_time.csv", "접수일시", "자치구", "기한내 처리건수"),
}
GANGNAM = "11680"
PERMIT_KINDS = {"건축허가": "building", "영업신고": "business"}  # as sources.toml maps


@pytest.fixture
def store(monkeypatch, capsys, tmp_path, store_url):
    """The fixture's three spreadsheets ingested by `citywall ingest`, as the
    profile snippet declares them."""
    for sheet in FIXTURES.glob("*.csv"):
        shutil.copy(sheet, tmp_path / sheet.name)
    ingest = IngestCli(monkeypatch, capsys, tmp_path, db_url=store_url)
    ingest.use((FIXTURES / "sources.toml").read_text(encoding="utf-8"))
    done = ingest()
    assert done.exit_code == 0, done.err
    ran = {line.split(":")[0]: summary_numbers(line) for line in done.out.splitlines()}
    assert {name: (n["stored"], n["rejected"]) for name, n in ran.items()} == {
        "budget_executed": (23, 1),  # the restated March row stored over the first
        "budget_plan": (24, 0),
        "permits_on_time": (33, 0),
    }
    engine = ingest.engine()
    # the empty cell of a month not yet reported: refused, said why
    assert quarantine_reasons(engine, "budget_executed") == [
        "row 22: value None is not a number"
    ]
    yield engine
    engine.dispose()


# -- the independent computation ---------------------------------------------------------
def sheet_rows(series: str) -> pd.DataFrame:
    """The spreadsheet's rows as the city means them: amounts without separators,
    empty cells dropped, times in Seoul, a row restated later replacing the first."""
    name, when, place, value = SHEETS[series]
    df = pd.read_csv(FIXTURES / name, encoding="utf-8-sig", dtype=str)
    df = pd.DataFrame(
        {
            "at": pd.to_datetime(df[when], format="ISO8601").dt.tz_localize(SEOUL),
            "place": df[place],
            "kind": df.get("구분"),  # the permits' kind, where the sheet has one
            "value": pd.to_numeric(
                df[value].str.strip().str.replace(",", ""), errors="coerce"
            ),
        }
    ).dropna(subset=["value"])
    return df.drop_duplicates(subset=["at", "place"], keep="last")


def pandas_periods(
    df: pd.DataFrame, measure: str, period: str, zone: ZoneInfo, now: datetime, n: int
) -> dict[str, float | None]:
    """Each of the last ``n`` periods' key and the measure of its rows, by pandas."""
    freq = "M" if period == "month" else "W-SUN"
    local = df["at"].dt.tz_convert(zone).dt.tz_localize(None)
    df = df.assign(period=local.dt.to_period(freq))
    current = pd.Timestamp(now.astimezone(zone).replace(tzinfo=None)).to_period(freq)
    found: dict[str, float | None] = {}
    for back in range(n - 1, -1, -1):
        p = current - back
        rows = df[df["period"] == p].sort_values("at", kind="stable")
        key = period_key(p.start_time.date(), period)
        if rows.empty:
            found[key] = 0 if measure == "count_readings" else None
        elif measure == "count_readings":
            found[key] = len(rows)
        elif measure == "latest":
            found[key] = rows.groupby("place")["value"].last().mean()
        else:
            found[key] = float(getattr(rows["value"], measure)())
    return found


def achieved(values: list[PeriodValue]) -> dict[str, float | None]:
    return {v.key: v.achieved for v in values}


# -- months -------------------------------------------------------------------------------
@pytest.mark.parametrize("zone", [SEOUL, KOLKATA], ids=["Seoul", "Kolkata"])
def test_months_of_a_budget_sheet_match_pandas_for_every_measure(store, zone):
    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    with store.connect() as conn:
        for measure in MEASURES:
            got = period_values(
                conn,
                "budget_executed",
                measure,
                "month",
                zone,
                now,
                12,
                plan_series="budget_plan",
            )
            want = pandas_periods(
                sheet_rows("budget_executed"), measure, "month", zone, now, 12
            )
            assert achieved(got) == pytest.approx(want), measure
            plans = pandas_periods(
                sheet_rows("budget_plan"), measure, "month", zone, now, 12
            )
            assert {v.key: v.planned for v in got} == pytest.approx(plans), measure
            assert [v.current for v in got] == [False] * 11 + [True]


def test_a_month_is_the_citys_own_and_a_restated_month_counts_once(store):
    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    with store.connect() as conn:
        sums = period_values(conn, "budget_executed", "sum", "month", SEOUL, now, 12)
        latest = period_values(
            conn, "budget_executed", "latest", "month", SEOUL, now, 12
        )
    assert sums[0].start == date(2026, 1, 1) and sums[0].key == "2026-01"
    # "2026-01" is Seoul's 1 January 00:00, 31 December 15:00 in UTC: January's
    assert sums[0].achieved == 1_184_250_000 + 642_800_000
    # March restated later in the sheet: the newer figure, not both
    assert sums[2].achieved == 1_095_500_000 + 701_350_000
    assert latest[2].achieved == (1_095_500_000 + 701_350_000) / 2
    # November's second department never reported: the one that did
    assert sums[10].achieved == 1_244_100_000
    assert sums[-1].key == "2026-12" and sums[-1].current


def test_a_plan_table_gives_each_period_its_own_plan(store):
    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    plan = {"2026-10": 1.9e9, "2026-11": 2.0e9, "2026-12": 1.95e9}
    with store.connect() as conn:
        got = period_values(
            conn, "budget_executed", "sum", "month", SEOUL, now, 4, plan=plan
        )
    assert [(v.key, v.planned) for v in got] == [
        ("2026-09", None),  # the table leaves September out: no plan
        ("2026-10", 1.9e9),
        ("2026-11", 2.0e9),
        ("2026-12", 1.95e9),
    ]
    assert got[1].ratio == pytest.approx((1_302_000_000 + 699_990_000) / 1.9e9)


def test_the_budget_sheets_chart_says_how_last_month_went(store):
    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    with store.connect() as conn:
        got = period_values(
            conn, "budget_executed", "sum", "month", SEOUL, now, 12, "budget_plan"
        )
    # November: one department of two reported, 1,244,100,000 of 1,850,000,000
    assert plan_summary(got, "en") == (
        "November 2026: 67% of plan · 5 of the last 11 months on plan"
    )
    fig = plan_figure(got, "원", 0, "ko")
    assert fig.layout.title.text == (
        "2026년 11월: 계획 대비 67% · 최근 11개월 중 5개월 계획 달성"
    )
    assert fig.data[0].x[-1] == "12월" and fig.layout.annotations[0].text == "집계 중"


# -- ISO weeks across the year's end ----------------------------------------------------
def test_weeks_across_the_new_year_follow_iso_weeks_and_the_plan_table(store):
    indicator = tomllib.loads((FIXTURES / "indicators.toml").read_text("utf-8"))
    plan = indicator["indicators"][1]["plan"]
    assert plan_table_problems(plan, "week") == []
    now = datetime(2027, 1, 8, 3, 0, tzinfo=UTC)
    with store.connect() as conn:
        got = period_values(
            conn, "permits_on_time", "sum", "week", SEOUL, now, 4, plan=plan
        )
        for measure in MEASURES:
            for district, place, kinds in (
                (None, None, None),
                (GANGNAM, "강남구", None),
                (None, None, ["building"]),
                (GANGNAM, "강남구", ["building", "business"]),
            ):
                one = period_values(
                    conn,
                    "permits_on_time",
                    measure,
                    "week",
                    SEOUL,
                    now,
                    4,
                    district=district,
                    categories=kinds,
                )
                rows = sheet_rows("permits_on_time")
                if place:
                    rows = rows[rows["place"] == place]
                if kinds:
                    rows = rows[rows["kind"].map(PERMIT_KINDS).isin(kinds)]
                want = pandas_periods(rows, measure, "week", SEOUL, now, 4)
                assert achieved(one) == pytest.approx(want), (measure, place, kinds)
    assert [v.key for v in got] == ["2026-W51", "2026-W52", "2026-W53", "2027-W01"]
    assert [v.start for v in got][2] == date(2026, 12, 28)
    assert [v.planned for v in got] == [50, 55, 35, 55]
    assert got[-1].current and not got[-2].current
    rows = sheet_rows("permits_on_time")
    week_53 = rows[
        (rows["at"] >= pd.Timestamp("2026-12-28", tz=SEOUL))
        & (rows["at"] < pd.Timestamp("2027-01-04", tz=SEOUL))
    ]
    # Monday 28 December 00:00 in Seoul (Sunday in UTC) is week 53's
    assert pd.Timestamp("2026-12-28 00:00", tz=SEOUL) in set(week_53["at"])
    assert got[2].achieved == week_53["value"].sum()


# -- memo ---------------------------------------------------------------------------------
def test_periods_already_over_are_memoised_and_the_current_one_is_read(store):
    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    kept: dict[tuple, object] = {}

    memo = kept_in(kept)
    with store.connect() as conn:
        first = period_values(
            conn, "budget_executed", "sum", "month", SEOUL, now, 12, "budget_plan",
            memo=memo,
        )  # fmt: skip
        assert len(kept) == 2 * 11  # the past months of both series, not December
        kept.update({k: (0.0,) for k in kept})
        again = period_values(
            conn, "budget_executed", "sum", "month", SEOUL, now, 12, "budget_plan",
            memo=memo,
        )  # fmt: skip
    assert [v.achieved for v in again[:-1]] == [0.0] * 11
    assert again[-1] == first[-1]


# -- the profile's plan table -----------------------------------------------------------
def test_a_plan_tables_bad_keys_and_values_are_each_named_with_the_fix():
    assert plan_table_problems({"2026-01": 1.2e9, "2026-12": 3}, "month") == []
    assert plan_table_problems(
        {"2026-13": 1, "2026-3": 2, "2026-W05": 3, "2026-02": "1,300"}, "month"
    ) == [
        "plan key '2026-13' is not a month: write YYYY-MM",
        "plan key '2026-3' is not a month: write YYYY-MM",
        "plan key '2026-W05' is not a month: write YYYY-MM",
        "plan value '1,300' for '2026-02' is not a number: write it without "
        "quotes or separators, e.g. 1200000000 or 1.2e9",
    ]
    # 2026 has 53 ISO weeks, 2027 52
    assert plan_table_problems({"2026-W53": 1, "2027-W52": 1}, "week") == []
    assert plan_table_problems({"2027-W53": 1, "2026-12": 1}, "week") == [
        "plan key '2027-W53' is not an ISO week: write YYYY-Www",
        "plan key '2026-12' is not an ISO week: write YYYY-Www",
    ]


def test_periods_start_at_local_midnight_through_a_clock_change():
    new_york = ZoneInfo("America/New_York")  # clocks forward on 8 March 2026
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    weeks = recent_periods(now, new_york, "week", 3)
    assert weeks == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert [local_midnight(d, new_york).hour for d in weeks] == [5, 4, 4]
    assert recent_periods(now, new_york, "month", 2) == [
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    # the city's day, not UTC's: 1 April 00:30 in Seoul is still 31 March in UTC
    assert recent_periods(
        datetime(2026, 3, 31, 15, 30, tzinfo=UTC), SEOUL, "month", 1
    ) == [date(2026, 4, 1)]
