"""The scale bench end to end, small: two instances behind the shipped nginx on
one PostgreSQL store, wall screens enrolled and staff signed in through nginx,
instance A killed halfway; every answer before and after the kill is counted."""

from __future__ import annotations

import pytest

from access.accounts import list_devices
from bench.scale import BENCH_PREFIX, run_scale
from store import connect
from tests.bench.conftest import fill_with_demo
from tests.conftest import seoul_profile_copy, store_on

WALLS, STAFF = 8, 8


@pytest.mark.postgres
def test_a_lost_instance_costs_the_walls_no_answer(redis_url, tmp_path):
    profile_path = seoul_profile_copy(tmp_path, backfill_days=1)
    with store_on("postgresql", tmp_path) as url:
        fill_with_demo(url, profile_path)
        engine = connect(url)
        try:
            result = run_scale(
                url,
                str(profile_path),
                redis_url,
                walls=WALLS,
                staff=STAFF,
                every=1,
                seconds=10,
                workers=1,
            )
            screens = [
                d for d in list_devices(engine) if d.label.startswith(BENCH_PREFIX)
            ]
        finally:
            engine.dispose()
    assert result.errors == result.after_errors == 0, result.error_samples
    assert result.recovered_s == 0
    # both instances answered before the kill (each client keeps to one: the odds
    # that sixteen all landed on one are 1 in 32,768), the survivor after it
    assert 0 < result.share_a < 1
    assert 4 <= result.killed_after_s <= 6
    assert result.requests >= WALLS + STAFF
    assert result.after_requests >= WALLS + STAFF
    # every wall was a screen, enrolled through nginx
    assert len(screens) == WALLS
    assert all(s.enrolled_at is not None for s in screens)
