"""The overview's compact tiles kept as Dash sends them, from one refresh to the
next (``pages._tiles._KeptTiles``): what goes out is what a fresh tile would be,
and a tile is made again exactly when something it shows has changed."""

from __future__ import annotations

from dataclasses import replace

from components.tile import compact_tile
from kpis.values import KpiValue
from pages._changed import as_sent, encoded
from pages._tiles import _KeptTiles
from tests.standard import KPIS_BY_ID, SEOUL

KPI = KPIS_BY_ID["road_avg_speed"]
VALUE = KpiValue(KPI.id, 18.25, 24.0, "alert", 25.0)


def test_a_kept_tile_goes_out_as_the_tile_itself_would():
    kept = _KeptTiles()
    sent = kept(SEOUL, (KPI.id, VALUE, "ko", "/traffic?lang=ko"))
    fresh = compact_tile(KPI, VALUE, "ko", href="/traffic?lang=ko")
    assert encoded(sent) == encoded(fresh)
    assert encoded(as_sent([fresh, "text", 3])) == encoded([fresh, "text", 3])


def test_a_tile_is_made_again_when_what_it_shows_changes():
    kept = _KeptTiles()
    key = (KPI.id, VALUE, "en", "/traffic")
    first = kept(SEOUL, key)
    assert kept(SEOUL, (KPI.id, VALUE, "en", "/traffic")) is first
    for changed in (
        (KPI.id, replace(VALUE, value=18.3), "en", "/traffic"),
        (KPI.id, replace(VALUE, stale=True), "en", "/traffic"),
        (KPI.id, VALUE, "ko", "/traffic"),
        (KPI.id, VALUE, "en", "/traffic?district=11110"),
    ):
        again = kept(SEOUL, changed)
        assert again is not first and encoded(again) != encoded(first)
    # another profile (a city reloaded): its own labels, nothing kept of before
    other = replace(SEOUL)
    assert kept(other, key) is not first and kept.tiles.keys() == {key}
