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


def test_a_profile_made_across_a_reset_is_not_kept(tmp_path, monkeypatch):
    """A thread still making the old city's profile when the process switches
    city (a render left over from the tests before) hands it to its own caller,
    but does not keep it: the next caller gets the new city's."""
    import threading

    old_city, new_city = tmp_path / "old", tmp_path / "new"
    old_city.mkdir()
    new_city.mkdir()
    old_path = seoul_profile_copy(old_city, 1)
    new_path = seoul_profile_copy(new_city, 1)
    loading, switched = threading.Event(), threading.Event()
    plain_load = runtime.load_profile

    def slow_load(path):
        if path == old_path:  # the leftover thread, held until the switch is done
            loading.set()
            switched.wait(10)
        return plain_load(path)

    monkeypatch.setattr(runtime, "load_profile", slow_load)
    monkeypatch.setenv("CITYWALL_PROFILE", str(old_path))
    runtime.reset()
    made: list = []
    leftover = threading.Thread(target=lambda: made.append(runtime.profile()))
    leftover.start()
    try:
        assert loading.wait(10)
        monkeypatch.setenv("CITYWALL_PROFILE", str(new_path))
        runtime.reset()
        switched.set()  # the leftover finishes after the switch, before any use
        leftover.join(10)
        assert made and made[0].id == "seoul"
        assert runtime.settings().profile_path == new_path
        assert runtime.profile() is not made[0]
    finally:
        switched.set()
        runtime.reset()
