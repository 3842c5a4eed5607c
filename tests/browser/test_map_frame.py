"""A city with a far island is framed on its main mass in the browser: Tokyo's wards
fill the map at 1920x1080 and at 3840x2160, and Ogasawara, 1,000 km south, is
off the map, drawn in an inset and named under it. A real `city init` and
`citywall serve`."""

from __future__ import annotations

import time

import pytest

from tests.browser.servers import free_port, own_store, screen
from tests.citywall.test_cli import serving
from tests.fixtures.cities.shapes import initialised, tokyo_shapes
from tests.signin import browser_sign_in, demo_admin

MEASURE = r"""
const gd = document.querySelector('#city-map .js-plotly-plot');
if (!gd || !gd.__citywallDesign || !gd.querySelector('.choroplethlocation')) return null;
const rect = (e) => { const b = e.getBoundingClientRect();
  return {left: b.left, top: b.top, right: b.right, bottom: b.bottom}; };
const codes = gd.data[0].locations;
const paths = [...gd.querySelectorAll('.choroplethlocation')];
const note = gd.querySelector('.map-unlabelled');
return {
  map: rect(gd),
  far: rect(paths[codes.indexOf('13421')]),
  wards: paths.slice(0, codes.length).filter((_, i) => codes[i] !== '13421').map(rect),
  inset: paths.length > codes.length ? rect(paths[codes.length]) : null,
  note: note ? note.textContent : '',
};
"""


@pytest.fixture(scope="module")
def tokyo_wall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tokyo")
    profile = initialised(tokyo_shapes(), folder, "tokyo")
    text = profile.read_text("utf-8").replace("backfill_days = 7", "backfill_days = 1")
    profile.write_text(text, "utf-8")
    with serving(own_store(profile, folder), free_port()) as (url, _):
        yield url, demo_admin(folder / "data")


def _settled(driver, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = driver.execute_script(MEASURE)
        if now is not None and now == last:
            return now
        last = now
        time.sleep(1.0)
    raise AssertionError(f"the map never settled: {last}")


def test_a_city_with_a_far_island_is_framed_on_its_wards(dash_duo, tokyo_wall):
    url, admin = tokyo_wall
    driver = dash_duo.driver
    browser_sign_in(driver, url, *admin)
    for width, height in ((1920, 1080), (3840, 2160)):
        screen(driver, width, height)
        driver.get(url + "/")
        seen = _settled(driver)
        frame = seen["map"]
        wards = seen["wards"]
        west = min(w["left"] for w in wards)
        east = max(w["right"] for w in wards)
        north = min(w["top"] for w in wards)
        south = max(w["bottom"] for w in wards)
        # the wards fill the map one way or the other (the other keeps its shape)
        height_share = (south - north) / (frame["bottom"] - frame["top"])
        width_share = (east - west) / (frame["right"] - frame["left"])
        assert max(height_share, width_share) > 0.8, (width, seen)
        assert north >= frame["top"] - 1 and south <= frame["bottom"] + 1, (width, seen)
        # Ogasawara is off the map (plotly clips it to nothing), and named under it
        far = seen["far"]
        clipped = (far["right"] - far["left"]) * (far["bottom"] - far["top"]) < 1
        assert clipped or far["top"] > frame["bottom"], (width, far)
        assert "小笠原村" in seen["note"], (width, seen["note"])
        # ... and drawn in the inset, in the map's corner over the bay (the
        # corner that hides the least of the wards)
        inset = seen["inset"]
        assert inset and inset["right"] - inset["left"] > 5, (width, inset)
        assert inset["bottom"] <= frame["bottom"] + 1, (width, inset)
        assert inset["top"] > (frame["top"] + frame["bottom"]) / 2, (width, inset)
        assert inset["left"] > (frame["left"] + frame["right"]) / 2, (width, inset)
    assert not dash_duo.get_logs()
