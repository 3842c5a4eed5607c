"""The domain pages' charts: the whole period asked for, whole-number count axes,
a clear empty state, and a colour of its own for every category, kept whatever
the view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from components.charts import (
    breakdown_figure,
    category_styles,
    count_dtick,
    series_figure,
    timeline_figure,
)
from components.city_map import counts_map_figure
from kpis.records import PERIODS, RecordFilter, period_buckets

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 3, 18, 2, 37, 11, tzinfo=UTC)  # 11:37 in Seoul
OFFSET = 9 * 3600
# the demo's complaint categories, as the filter lists them (alphabetically)
COMPLAINTS = sorted(
    [
        "traffic",
        "illegal_parking",
        "waste",
        "noise",
        "roads",
        "environment",
        "construction",
        "housing",
        "welfare",
        "streetlights",
        "other",
    ]
)


def period(name: str):
    return period_buckets(RecordFilter("complaints", period=name), NOW, OFFSET)


def local(at: datetime) -> datetime:
    return at.astimezone(SEOUL).replace(tzinfo=None)


@pytest.mark.parametrize("name", list(PERIODS))
def test_the_timeline_spans_every_bucket_of_the_period(name):
    p = period(name)
    # records in two buckets only: the others are drawn as zero, not left out
    counts = [(p.starts[-1], "noise", 3), (p.starts[-3], "waste", 1)]
    styles = category_styles(COMPLAINTS)
    fig = timeline_figure(counts, p, "complaints", styles, SEOUL, "en")
    assert len(p.starts) == PERIODS[name] // timedelta(seconds=p.seconds) + 1
    for bar in fig.data:
        assert len(bar.x) == len(bar.y) == len(p.starts)
    noise = next(bar for bar in fig.data if bar.name == "Noise")
    assert sum(1 for y in noise.y if y == 0) == len(p.starts) - 1
    low, high = fig.layout.xaxis.range
    assert low <= local(NOW - PERIODS[name]) and high >= local(NOW)
    assert high - low <= PERIODS[name] + 2 * timedelta(seconds=p.seconds)


def test_count_axes_have_whole_ticks():
    p = period("24h")
    fig = timeline_figure(
        [(p.starts[-1], "noise", 1)], p, "complaints", {}, SEOUL, "en"
    )
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"
    assert fig.layout.yaxis.tick0 == 0
    breakdown = breakdown_figure({"noise": 1, "waste": 1}, "complaints", {}, "en")
    assert breakdown.layout.xaxis.dtick == 1
    assert [count_dtick(n) for n in (0, 1, 4, 7, 12, 120, 4000)] == [
        1,
        1,
        1,
        2,
        5,
        50,
        1000,
    ]


def test_an_empty_view_says_so_over_its_period():
    p = period("7d")
    fig = timeline_figure([], p, "complaints", {}, SEOUL, "en")
    assert [a.text for a in fig.layout.annotations] == ["No records in this period"]
    assert fig.layout.xaxis.range[0] <= local(NOW - PERIODS["7d"])
    assert fig.layout.xaxis.type == "date"  # with no bars to make it one
    assert tuple(fig.layout.yaxis.range) == (0, 1)  # not -1 to 1 around nothing
    series = series_figure([], p, "PM2.5", SEOUL, "es")
    assert [a.text for a in series.layout.annotations] == [
        "No hay registros en este período"
    ]


def test_a_series_leaves_a_gap_where_a_bucket_has_no_reading():
    p = period("24h")
    fig = series_figure([(p.starts[0], 20.0), (p.starts[2], 22.0)], p, "x", SEOUL, "en")
    assert len(fig.data[0].x) == len(p.starts)
    assert list(fig.data[0].y[:3]) == [20.0, None, 22.0]


def test_every_category_has_a_style_of_its_own_kept_whatever_the_view():
    styles = category_styles(COMPLAINTS)
    colours = [s.colour for s in styles.values()]
    assert len(set(colours)) == len(COMPLAINTS) == 11  # a colour each, no repeats
    for a, b in (
        ("other", "waste"),
        ("housing", "illegal_parking"),
        ("streetlights", "traffic"),
    ):
        assert styles[a] != styles[b]
    # the catalog's order, not the view's: the biggest category comes first in
    # the catalog and keeps the first colour whichever categories a view shows
    assert styles["traffic"].colour == "#56B4E9" and styles["traffic"].pattern == ""
    p = period("24h")
    only_two = [(p.starts[-1], "other", 5), (p.starts[-1], "waste", 9)]
    fig = timeline_figure(only_two, p, "complaints", styles, SEOUL, "en")
    drawn = {bar.name: (bar.marker.color, bar.marker.pattern.shape) for bar in fig.data}
    assert drawn == {
        "Other": (styles["other"].colour, styles["other"].pattern),
        "Waste": (styles["waste"].colour, styles["waste"].pattern),
    }
    bars = breakdown_figure({"other": 5, "waste": 9}, "complaints", styles, "en")
    assert list(bars.data[0].marker.color) == [
        styles["other"].colour,
        styles["waste"].colour,
    ]
    # many categories: colour and hatch together still tell each apart
    many = category_styles([f"feed_{i}" for i in range(40)])
    assert len(set(many.values())) == 40


def test_an_empty_maps_colour_bar_starts_at_zero(seoul):
    fig = counts_map_figure(seoul, {}, [], "en", "records")
    choropleth = fig.data[0]
    assert (choropleth.zmin, choropleth.zmax) == (0, 1)
    assert choropleth.colorbar.dtick == 1 and choropleth.colorbar.tickformat == ",d"
    busy = counts_map_figure(seoul, {"11680": 37}, [], "en", "records")
    assert (busy.data[0].zmin, busy.data[0].zmax) == (0, 37)
    assert busy.data[0].colorbar.dtick == 10
