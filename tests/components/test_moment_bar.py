"""The time bar's positions and addresses (``components.moment_bar``), and the
address changes it relies on (``components.links.with_query``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from components.links import with_query
from components.moment_bar import AT_SLOT, moment_bar, slider_moments

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 7, 4, 45, 12, tzinfo=UTC)  # 13:45:12 in Seoul
HOUR = timedelta(hours=1)


def test_the_positions_are_the_past_weeks_whole_hours_live_at_the_end():
    found = slider_moments(NOW, SEOUL, None)
    assert len(found.moments) == 7 * 24 and found.value == found.live == 168
    assert found.texts[-1] == "2026-12-07T13:00"  # the latest whole hour past
    assert found.texts[0] == "2026-11-30T14:00"
    gaps = {b - a for a, b in zip(found.moments, found.moments[1:])}
    assert gaps == {HOUR} and all(m < NOW for m in found.moments)


def test_a_moment_on_the_hour_is_not_yet_past():
    on_the_hour = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    assert slider_moments(on_the_hour, SEOUL, None).texts[-1] == "2026-12-07T12:00"


def test_the_moment_shown_stands_on_its_hour_an_older_one_on_the_first():
    found = slider_moments(NOW, SEOUL, datetime(2026, 12, 5, 17, 30, tzinfo=UTC))
    assert found.texts[found.value] == "2026-12-06T02:00"
    older = slider_moments(NOW, SEOUL, NOW - timedelta(days=30))
    assert older.value == 0


def test_half_hour_zones_and_clock_changes_keep_whole_local_hours():
    kolkata = slider_moments(NOW, ZoneInfo("Asia/Kolkata"), None)
    assert all(text.endswith(":00") for text in kolkata.texts)
    # New York falls back on 1 Nov 2026: one UTC hour apart all the same
    after = datetime(2026, 11, 3, 12, 10, tzinfo=UTC)
    york = slider_moments(after, ZoneInfo("America/New_York"), None)
    gaps = {b - a for a, b in zip(york.moments, york.moments[1:])}
    assert gaps == {HOUR}
    assert york.texts.count("2026-11-01T01:00") == 2  # the hour that came twice


def test_with_query_changes_one_word_and_keeps_the_others():
    search = "?lang=ko&district=11680&at=2026-12-05T02:00"
    assert (
        with_query("/intranet/complaints", search, at="2026-12-06T03:00")
        == "/intranet/complaints?lang=ko&district=11680&at=2026-12-06T03%3A00"
    )
    assert with_query("/", search, at=None) == "/?lang=ko&district=11680"
    assert with_query("/", "", at=None) == "/"
    assert with_query(None, "?lang=en", lang="es") == "/?lang=es"


def test_the_bar_goes_to_the_same_view_at_a_moment_or_live():
    shown = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    found = slider_moments(NOW, SEOUL, shown)
    search = "?period=7d&lang=en&at=2026-12-06T02:30"
    bar = moment_bar(found, SEOUL, "en", "/complaints", search, shown)
    (store,) = [c for c in _walk(bar) if getattr(c, "id", None) == "moment-bar-data"]
    data = store.data
    template = urlsplit(data["template"])
    assert template.path == "/complaints"
    assert parse_qs(template.query) == {
        "period": ["7d"],
        "lang": ["en"],
        "at": [AT_SLOT],
    }
    assert data["live"] == "/complaints?period=7d&lang=en"
    assert data["value"] == found.value and len(data["labels"]) == len(found.texts)
    assert data["where"] == "Showing Dec 6 02:30"
    (slider,) = [c for c in _walk(bar) if getattr(c, "id", None) == "moment-slider"]
    assert slider.max == 168 and slider.value == found.value
    # a mark at each local midnight, and live at the right end
    assert slider.marks[168] == "Live"
    midnights = [found.texts[i] for i in slider.marks if i != 168]
    assert len(midnights) == 7 and all(t.endswith("T00:00") for t in midnights)
    assert "moment-bar-past" in bar.className


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)
