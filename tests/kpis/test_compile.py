"""The windows a declared indicator reads, on the city's clock (DST included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from city.indicators import Comparison, Indicator, Window
from kpis import compile
from kpis.definitions import Window as Moment

MADRID = ZoneInfo("Europe/Madrid")  # DST: 29 March 2026 02:00 → 03:00


def moment(local: str) -> Moment:
    at = datetime.fromisoformat(local).replace(tzinfo=MADRID).astimezone(UTC)
    return compile.window_at(Moment(at, at, MADRID), at)


def indicator(window: str, compare: str = "yesterday", **kw) -> Indicator:
    return Indicator(
        id="x",
        domain="complaints",
        measure=kw.pop("measure", "count"),
        window=Window.parse(window),
        compare=Comparison.parse(compare),
        **kw,
    )


def local(t: datetime) -> str:
    return t.astimezone(MADRID).isoformat(timespec="minutes")


def test_today_starts_at_local_midnight_on_the_day_clocks_go_forward():
    w = moment("2026-03-29T12:00")
    start, end = compile.span(indicator("today"), w)
    assert local(start) == "2026-03-29T00:00+01:00"
    assert end - start == timedelta(hours=11)  # 23 h day: an hour went missing
    before = compile.compared_window(indicator("today"), w)
    assert local(compile.span(indicator("today"), before)[0]) == (
        "2026-03-28T00:00+01:00"
    )


@pytest.mark.parametrize(
    ("now", "window", "start"),
    [
        ("2026-03-29T12:00", "this_week", "2026-03-23T00:00+01:00"),  # a Monday
        ("2026-11-01T00:30", "this_month", "2026-11-01T00:00+01:00"),
        ("2026-10-25T12:00", "this_month", "2026-10-01T00:00+02:00"),
    ],
)
def test_calendar_windows_start_on_the_citys_calendar(now, window, start):
    assert local(compile.span(indicator(window), moment(now))[0]) == start


def test_the_previous_month_of_the_31st_is_the_last_day_of_february():
    k = indicator("this_month", "previous")
    before = compile.compared_window(k, moment("2026-03-31T10:00"))
    assert local(before.now) == "2026-02-28T10:00+01:00"
    assert local(compile.span(k, before)[0]) == "2026-02-01T00:00+01:00"


def test_an_average_is_scaled_to_the_windows_length():
    k = indicator("24h", "7d_average")
    w = moment("2026-06-10T12:00")
    assert compile.previous_divisor(k, w) == pytest.approx(7.0)
    assert compile.previous_divisor(indicator("6h", "7d_average"), w) == 28.0
    # a mean is an average already: nothing to divide
    mean = indicator("24h", "7d_average", measure="mean", series="pm10")
    assert compile.previous_divisor(mean, w) == 1.0


def test_today_at_midnight_compares_with_none_of_the_average():
    """At the city's midnight "today" is empty: its share of a 7-day average is 0,
    not the 7 days' whole count (found by the property test, at the midnight of
    Santiago's DST end)."""
    k = indicator("today", "7d_average")
    assert compile.previous_divisor(k, moment("2026-06-10T00:00")) == float("inf")
    assert compile.previous_divisor(k, moment("2026-06-10T06:00")) == 28.0


def test_last_year_is_the_same_weekday():
    w = moment("2026-06-10T12:00")
    before = compile.compared_window(indicator("24h", "last_year"), w)
    assert before.now.weekday() == w.now.weekday()
    assert (w.now - before.now).days == 364


def test_nothing_to_compare_with_is_no_aggregate():
    assert (
        compile.previous(indicator("24h", "none"), moment("2026-06-10T12:00"), None)
        is None
    )
