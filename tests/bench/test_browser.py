"""The browser benchmark measures a real wall: `citywall serve` on a small store of
its own, new records pulled into the store between the refresh ticks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.browser import measure_browser, pull_sources
from bench.load import serving
from city.profile import load_profile
from ingest.runner import prepare_store
from store import connect
from tests.browser.conftest import NEVER_DISASTER_LAYOUT, _require_browser
from tests.conftest import seoul_profile_copy


@pytest.mark.browser
def test_the_benchmark_times_the_overview_and_counts_its_refreshes(tmp_path):
    _require_browser()
    profile_path = seoul_profile_copy(tmp_path, 1, layout_from=NEVER_DISASTER_LAYOUT)
    (tmp_path / "data").mkdir()
    store_url = f"sqlite:///{tmp_path / 'data' / 'citywall.db'}"
    engine, profile = connect(store_url), load_profile(profile_path)
    try:
        prepare_store(engine, profile)
        pull = pull_sources(engine, profile, lag=timedelta(seconds=10))
        pull(-1)  # the day of history the wall shows
        pulled: list[int] = []

        def on_tick(i: int) -> None:
            pulled.append(i)
            pull(i)

        with serving(store_url, str(profile_path), None, workers=1) as server:
            result = measure_browser(
                server.url + "/", loads=2, ticks=3, on_tick=on_tick
            )
    finally:
        engine.dispose()

    assert result.loads == 2
    for seconds in (result.draw_first_s, result.draw_median_s, result.draw_max_s):
        assert 0 < seconds < 30
    assert result.ticks == 3 and pulled == [0, 1, 2]
    # every tick's answer was seen (it holds at least the digests of its outputs)
    assert 0 < result.tick_bytes_median <= result.tick_bytes_max
    assert result.tick_request_bytes_max > 0
