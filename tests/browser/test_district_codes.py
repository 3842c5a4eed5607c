"""A click on a district whose code is the longest a code may be, or has "-" and
"_" in it, opens its page, which shows the city's own code: on Seoul with such
codes (tests/long_codes.py), served by `citywall serve` with its own store."""

from __future__ import annotations

import pytest

from tests.browser.conftest import _require_browser
from tests.browser.servers import own_store, screen
from tests.citywall.test_cli import serving
from tests.long_codes import DASHED, LONGEST, seoul_with_long_codes
from tests.signin import browser_sign_in, demo_admin

# a point well inside each district: COEX in Gangnam-gu, Gyeongbokgung in Jongno-gu
INSIDE = {LONGEST: (127.0473, 37.5172), DASHED: (126.9770, 37.5796)}


@pytest.fixture
def long_coded_wall(tmp_path):
    _require_browser()
    env = own_store(seoul_with_long_codes(tmp_path), tmp_path)
    with serving(env) as (url, _output):
        yield url, demo_admin(tmp_path / "data")


def _click_at(dash_duo, graph: str, lon: float, lat: float) -> None:
    """A real mouse click on the map at (lon, lat), where the map draws it (a
    map without tiles is a geo subplot: its projection gives the point)."""
    from selenium.webdriver.common.action_chains import ActionChains

    dash_duo.wait_for_element(f"{graph} .choroplethlocation", timeout=60)
    driver = dash_duo.driver
    x, y = driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "const [px, py] = gd._fullLayout.geo._subplot.projection("
        "  [arguments[1], arguments[2]]);"
        "const shape = gd.querySelector('.choroplethlocation');"
        "const point = shape.ownerSVGElement.createSVGPoint();"
        "point.x = px; point.y = py;"
        "const on = point.matrixTransform(shape.getScreenCTM());"
        "return [on.x, on.y];",
        graph,
        lon,
        lat,
    )
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(x), int(y))
    actions.click().perform()


def _district_page(dash_duo, code: str, name: str, official: str) -> None:
    dash_duo.wait_for_contains_text(".district-title", name, timeout=30)
    assert dash_duo.driver.current_url.split("?")[0].endswith(f"/district/{code}")
    facts = dash_duo.find_element(".district-facts").text
    assert f"Code {official}" in facts and code not in facts


def test_click_a_district_with_the_longest_code_opens_its_page(
    dash_duo, long_coded_wall
):
    url, admin = long_coded_wall
    screen(dash_duo.driver, 1920, 1080)
    browser_sign_in(dash_duo.driver, url, *admin)
    dash_duo.driver.get(url + "/?lang=en")
    _click_at(dash_duo, "#city-map", *INSIDE[LONGEST])
    _district_page(dash_duo, LONGEST, "Gangnam-gu", "11680")
    # and from its page's map, to the district with "-" and "_" in its code
    _click_at(dash_duo, "#district-map", *INSIDE[DASHED])
    _district_page(dash_duo, DASHED, "Jongno-gu", "11110")
    assert dash_duo.get_logs() == []
