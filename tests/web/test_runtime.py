"""The runtime's profile is held to the KPIs the wall has: a misspelt target stops
the wall (serve, ingest) with its one line, not a tile that silently has none."""

from __future__ import annotations

import pytest

from city.profile import ProfileError
from tests.conftest import seoul_profile_copy
from web import runtime


def test_a_chart_of_no_indicator_stops_the_wall(tmp_path, monkeypatch):
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('chart = "pm25_avg"', 'chart = "pm25_avrg"'), encoding="utf-8"
    )
    monkeypatch.setenv("CITYWALL_PROFILE", str(path))
    runtime.reset()
    try:
        with pytest.raises(ProfileError) as raised:
            runtime.profile()
    finally:
        runtime.reset()
    assert raised.value.problems == [
        "[[domains]] (disaster) chart 'pm25_avrg' is not an indicator of this "
        "domain (did you mean 'pm25_avg'?)"
    ]
