"""The past-moment bench on a served day of the demo: each sample is a page
drawn at its moment (the banner says so), never the live page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.dataset import StoreInfo
from bench.past_moment import MomentTimes, measure, moments, table
from bench.synthetic import Volume
from city.profile import load_profile
from ingest.runner import utcnow

DAY = timedelta(days=1)


def test_every_page_is_timed_at_a_moment_of_the_kept_day(redis_url, demo_store):
    database_url, profile_path = demo_store
    now = utcnow()
    info = StoreInfo(now - 20 * timedelta(hours=1), now, 1, Volume())
    found = measure(
        database_url,
        str(profile_path),
        load_profile(profile_path),
        redis_url,
        info,
        samples=4,
        margin=(timedelta(0), timedelta(hours=1)),
    )
    assert [len(times) for times in found.pages.values()] == [2, 1, 1]
    assert all(ms > 0 for ms in found.every)
    assert "| SQLite:" in table([found])


def test_a_moment_the_page_cannot_show_is_not_timed(redis_url, demo_store):
    """Before the store's first record the page draws live: the bench stops."""
    database_url, profile_path = demo_store
    now = utcnow()
    long_ago = StoreInfo(now - 400 * DAY, now - 300 * DAY, 1, Volume())
    with pytest.raises(RuntimeError, match="drawn live"):
        measure(
            database_url,
            str(profile_path),
            load_profile(profile_path),
            redis_url,
            long_ago,
            samples=1,
        )


def test_moments_fall_inside_the_kept_year_past_its_margins():
    now = utcnow().replace(second=0, microsecond=0)
    info = StoreInfo(now - 365 * DAY, now, 1, Volume())
    drawn = moments(info, 200)
    assert len(set(drawn)) > 190
    assert all(info.start + 8 * DAY <= t <= now - DAY for t in drawn)
    assert table([MomentTimes("SQLite", {"/": [3000.0, 10.0]}, 2)]).count("❌") == 1
