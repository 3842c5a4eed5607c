"""Crowds on the demo wall: the crowd domain's page with its hotspots on the map in
the colours of their levels; a hotspot turning to the highest level (a second
feed's readings, written to the store as the ingest writes them) turns red and
named on the map, heads the busiest list and, held for half an hour, raises the
stage by the profile's rule; its page shows its day and the forecast, in English
and Korean. A real `citywall serve` with its own store, at 1920×1080 and
3840×2160. The test gives each hotspot an area (a circle of 400 m: the demo ships
none, a city brings its own): each is filled in its level's colour under its dot,
and a click on one opens its hotspot's page."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon, mapping

from city.hotspots import CROWD_LEVEL
from city.records import Measurement
from components.hotspot_map import FOUR_LEVELS
from store import engine as store_engine
from store import versions, writes
from tests.browser.conftest import SCREENSHOTS
from tests.browser.contrast import CONTRAST_FAILURES
from tests.browser.servers import free_port, own_store, screen
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_sign_in, demo_admin
from tests.standard import SEOUL

STEP = timedelta(minutes=10)  # the demo's crowds: a reading every ten minutes
HOTSPOTS_JS = """
const g = document.querySelector('#domain-map .js-plotly-plot');
const t = g && g.data && g.data.find(d => d.name === 'hotspots');
if (!t) return null;
return {codes: t.customdata, colours: t.marker.color, text: t.text};
"""
AREAS_JS = """
const g = document.querySelector('#domain-map .js-plotly-plot');
const t = g && g.data && g.data.find(d => d.name === 'hotspot areas');
if (!t) return null;
return {codes: t.locations, levels: t.z,
        drawn: g.querySelectorAll('.choroplethlocation').length};
"""
# a click on an area as plotly reports one (the trace, the point's customdata)
CLICK_AREA_JS = """
const g = document.querySelector('#domain-map .js-plotly-plot');
const at = g.data.findIndex(d => d.name === 'hotspot areas');
const i = g.data[at].locations.indexOf(arguments[0]);
g.emit('plotly_click', {points: [{curveNumber: at, pointNumber: i,
  customdata: arguments[0], location: arguments[0]}]});
"""
OVERFLOW_JS = """
const wide = [...document.querySelectorAll('#domain-page *, #hotspot-page *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.className || e.tagName);
return {page: document.documentElement.scrollWidth <= window.innerWidth, wide: wide};
"""


@pytest.fixture(scope="module")
def crowd_wall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crowds")
    # no simulated alerts: only the crowds may move the stage; the crowd rule on
    profile = seoul_profile_copy(
        folder, 1, refresh_seconds=2, alerts_per_day=0, crowd_stage=True
    )
    _give_areas(profile, folder / "hotspot_areas.geojson")
    with serving(own_store(profile, folder), free_port()) as (url, _):
        yield url, folder


def _give_areas(profile: Path, path: Path, metres: float = 400) -> None:
    """A circle around each hotspot as its area, named in ``profile``."""
    features = []
    for spot in SEOUL.hotspots:
        across = math.cos(math.radians(spot.lat))  # a degree of longitude is shorter
        circle = Point(0, 0).buffer(metres / 111_320)
        area = [
            (spot.lon + x / across, spot.lat + y) for x, y in circle.exterior.coords
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": spot.code},
                "geometry": mapping(Polygon(area)),
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    text = profile.read_text(encoding="utf-8")
    named = f'[city]\nhotspot_areas = "{path}"\n'
    profile.write_text(text.replace("[city]\n", named, 1), encoding="utf-8")


def _wait(driver, script: str, ok, timeout: float = 60):
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        found = driver.execute_script(script)
        if found is not None and ok(found):
            return found
        time.sleep(0.25)
    raise AssertionError(f"{script[:80]!r} never came: {found!r}")


def _crowded_since(code: str, district: str, now: datetime) -> list[Measurement]:
    """A second feed's level 4 at the demo's own ten-minute marks from 40 minutes
    ago to the next one: at one time, the higher of two readings is the level."""
    mark = datetime.fromtimestamp(
        now.timestamp() // STEP.total_seconds() * STEP.total_seconds(), UTC
    )
    return [
        Measurement(CROWD_LEVEL, code, mark + k * STEP, 4.0, "crowded", district)
        for k in range(-4, 2)
    ]


def test_a_hotspot_turning_crowded_shows_on_the_map_raises_the_stage_and_has_its_page(
    dash_duo, crowd_wall
):
    url, folder = crowd_wall
    driver = dash_duo.driver
    screen(driver, 1920, 1080)
    browser_sign_in(driver, url, *demo_admin(folder / "data"))
    driver.get(f"{url}/crowd")
    first = _wait(driver, HOTSPOTS_JS, lambda f: len(f["codes"]) == 37)
    # every hotspot has a fresh level from the demo's crowds: none is grey
    assert set(first["colours"]) <= set(FOUR_LEVELS)
    quiet = [
        code
        for code, colour in zip(first["codes"], first["colours"])
        if colour != FOUR_LEVELS[3]
    ]
    code = "POI014" if "POI014" in quiet else quiet[0]
    tiles = driver.execute_script(
        "return [...document.querySelectorAll('#domain-tiles .tile-label')]"
        ".map(e => e.textContent)"
    )
    assert tiles == [
        "Hotspots crowded now",
        "Hotspots busy or crowded",
        "Largest crowd at a hotspot",
        "Largest crowd against its usual",
    ]
    assert "Crowded" in driver.find_element("css selector", ".hotspot-legend").text

    spot = SEOUL.hotspots_by_code[code]
    name = spot.name("en")
    engine = store_engine.connect(f"sqlite:///{folder / 'data' / 'citywall.db'}")
    with engine.begin() as conn:
        writes.upsert_measurements(
            conn,
            "crowd-counter",
            _crowded_since(code, spot.district, datetime.now(UTC)),
        )
        versions.bump_data_version(conn)
    _wait(driver, HOTSPOTS_JS, _red_and_named(code, name))
    areas = _wait(
        driver,
        AREAS_JS,
        lambda found: found["levels"][found["codes"].index(code)] == 4,
    )
    # each district and each area a path on the map
    assert areas["drawn"] == len(SEOUL.districts) + len(SEOUL.hotspots)
    busiest = _wait(
        driver,
        # among the crowded at the list's head (the demo may crowd another too)
        "const i = [...document.querySelectorAll('.hotspot-list .hotspot-item')]"
        f".find(e => e.textContent.includes({json.dumps(name)}));"
        "return i ? i.textContent : null",
        lambda text: name in text,
    )
    assert "Crowded" in busiest
    assert int(dash_duo.find_element("#domain-tiles .tile-value").text) >= 1
    driver.save_screenshot(str(SCREENSHOTS / "crowd-1920x1080.png"))
    assert driver.execute_script(OVERFLOW_JS) == {"page": True, "wide": []}
    assert driver.execute_script(CONTRAST_FAILURES) == []

    # held at the highest level for 40 minutes: the rule's stage, naming it
    driver.get(f"{url}/")
    banner = _wait(
        driver,
        "const b = document.querySelector('.stage-banner');"
        "return b ? [b.dataset.level, b.innerText] : null",
        lambda found: found[0] == "2",
    )
    assert f"{name} Crowded since" in banner[1]

    # its page, from a click on its area: the level, the day and the forecast
    driver.get(f"{url}/crowd")
    dash_duo.wait_for_element(f".hotspot-item a[href*='/hotspot/{code}']")
    _wait(driver, AREAS_JS, lambda found: code in found["codes"])
    driver.execute_script(CLICK_AREA_JS, code)
    dash_duo.wait_for_text_to_equal("#hotspot-level", "Crowded", timeout=30)
    assert driver.find_element("css selector", ".district-title").text.startswith(name)
    chart = _wait(
        driver,
        "const g = document.querySelector('.hotspot-chart .js-plotly-plot');"
        "if (!g || !g.data) return null;"
        "return g.data.map(d => [d.name, d.x.length, d.line.dash,"
        "  d.x.length ? d.x[d.x.length - 1] : null]);",
        lambda traces: len(traces) == 3 and all(n > 0 for _, n, _, _ in traces),
    )
    (low, low_n, _, _), (high, high_n, _, _), (ahead, _, dash, last) = chart
    assert (low, high, ahead, dash) == (
        "Fewest people",
        "Most people",
        "Forecast (most)",
        "dash",
    )
    assert low_n == high_n >= 6 * 23  # a reading every ten minutes for a day
    # the forecast runs on past now, in the city's clock
    shown_now = datetime.now(UTC).astimezone(SEOUL.timezone).replace(tzinfo=None)
    assert datetime.fromisoformat(last) > shown_now + timedelta(hours=6)
    driver.save_screenshot(str(SCREENSHOTS / "hotspot-1920x1080.png"))
    assert driver.execute_script(OVERFLOW_JS) == {"page": True, "wide": []}

    screen(driver, 3840, 2160)
    driver.get(f"{url}/hotspot/{code}?lang=ko")
    dash_duo.wait_for_text_to_equal("#hotspot-level", "붐빔", timeout=30)
    assert driver.execute_script(OVERFLOW_JS) == {"page": True, "wide": []}
    driver.save_screenshot(str(SCREENSHOTS / "hotspot-3840x2160.png"))
    driver.get(f"{url}/crowd?lang=ko")
    _wait(driver, HOTSPOTS_JS, _red_and_named(code, spot.name("ko")))
    assert driver.execute_script(OVERFLOW_JS) == {"page": True, "wide": []}
    driver.save_screenshot(str(SCREENSHOTS / "crowd-3840x2160.png"))
    assert dash_duo.get_logs() == []


def _red_and_named(code: str, name: str):
    """Whether the map shows hotspot ``code`` at the highest level, named."""

    def ok(found) -> bool:
        at = found["codes"].index(code)
        return found["colours"][at] == FOUR_LEVELS[3] and found["text"][at] == name

    return ok
