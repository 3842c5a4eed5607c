"""The kiosk stays the kiosk: a click on its map, tiles, rows or links, or Tab,
leaves nothing (as the admin, and as an enrolled wall screen, which must not land
on a staff page with 403s); it shows no hint to click and no dropdowns; the stage
shows once, and a stage set by hand shows everywhere at the same refresh. With no
alerts the ticker stands still, whole. Beside the kiosk: the district page's score
says whose it is, and the staff header keeps its words apart.

The browser tests' rotation (ten times Seoul's speed): overview 6 s, traffic 3 s,
safety 3 s, disasters 3 s, complaints 3 s, crowds 3 s, Gangnam-gu 2 s.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys

from access import accounts
from tests.browser.servers import free_port, own_store, screen
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_sign_in, demo_admin

PAGE = (
    "const p = document.querySelector('#kiosk-stage .kiosk-page');"
    "return p ? p.dataset.page : null"
)
VISIBLE = (
    "return [...document.querySelectorAll(arguments[0])]"
    ".filter((e) => e.getClientRects().length > 0).length"
)


def _wait_for(wall, script: str, expected, timeout: float = 20, *args):
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        found = wall.driver.execute_script(script, *args)
        if found == expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"{script!r} gave {found!r}, not {expected!r}")


def _click(wall, selector: str) -> int:
    """A real mouse click on the middle of every element ``selector`` finds on the
    kiosk's page (as a finger on a touch wall would), however it is drawn: at the
    places they had, for a refresh may redraw them meanwhile."""
    places = wall.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => {"
        "  const r = e.getBoundingClientRect();"
        "  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2),"
        "          r.width * r.height];"
        "}).filter(([x, y, area]) => area > 0 && x >= 0 && y >= 0"
        "  && x < innerWidth && y < innerHeight)",
        f"#kiosk-stage {selector}",
    )
    for x, y, _ in places:
        clicks = ActionBuilder(wall.driver)
        clicks.pointer_action.move_to_location(x, y).click()
        clicks.perform()
    return len(places)


def _still_on_the_wall(wall, page: str) -> None:
    time.sleep(1.5)  # a navigation, a redirect or a callback's answer would be in
    driver = wall.driver
    assert driver.execute_script("return location.pathname") == "/wall"
    assert driver.execute_script("return window.__here") == "the kiosk"  # no reload
    assert driver.execute_script(PAGE) == page
    assert not driver.find_elements("css selector", ".wall-navbar")
    # no record's panel or score's explanation opened over the rotation
    assert driver.execute_script(VISIBLE, ".offcanvas.show, .modal.show") == 0


def _step_to(wall, step: int, page: str) -> None:
    """Step with → (the operator's key) to the rotation's ``step`` (1-based)."""
    for _ in range(8):
        if wall.find_element("#kiosk-countdown").text.startswith(f"{step}/"):
            break
        ActionChains(wall.driver).send_keys(Keys.ARROW_RIGHT).perform()
        time.sleep(0.3)
    wall.wait_for_contains_text("#kiosk-countdown", f"{step}/", timeout=5)
    _wait_for(wall, PAGE, page, 20)


def _click_everything_and_stay(wall, district_step: bool) -> None:
    """On the overview, traffic and the district's step (staff's: a wall screen
    has none): click what a person would, then Tab through what the keyboard
    reaches; the kiosk stays, and says nothing in the console (a wall screen's
    refused callbacks were 403s there)."""
    driver = wall.driver
    driver.get(wall.server_url + "/wall")
    wall.wait_for_element("#kiosk-stage #city-map .choroplethlocation", timeout=40)
    driver.execute_script("window.__here = 'the kiosk'")
    # paused with the mouse (the strip's own button), before any key is pressed
    ActionChains(driver).move_to_element(
        wall.find_element("#kiosk-pause")
    ).click().perform()
    wall.wait_for_contains_text("#kiosk-countdown", "paused", timeout=5)
    assert driver.execute_script(PAGE) == "/"
    # nothing asks to be clicked or chosen: no hint, no dropdown
    assert "Click a district" not in wall.find_element("#kiosk").text
    assert (
        driver.execute_script(VISIBLE, "#kiosk .map-hint, #kiosk .dash-dropdown") == 0
    )
    assert _click(wall, "#city-map .choroplethlocation") >= 20  # every district
    _click(wall, ".kpi-tile")
    _click(wall, "#score-card")
    _click(wall, ".ticker, .event-item, a")
    _click(wall, ".source-badge")
    ActionChains(driver).move_to_element(
        wall.find_element("#kiosk-freshness")
    ).click().perform()
    _still_on_the_wall(wall, "/")

    _step_to(wall, 2, "/traffic")
    wall.wait_for_element("#kiosk-stage #domain-map", timeout=20)
    assert (
        driver.execute_script(VISIBLE, "#kiosk .map-hint, #kiosk .dash-dropdown") == 0
    )
    _click(wall, "#domain-map .nsewdrag, #domain-map .scattergeo path")
    _click(wall, ".ag-row, #domain-breakdown .bars path")
    _still_on_the_wall(wall, "/traffic")

    here = "/traffic"
    if district_step:
        here = "/district/11680"
        _step_to(wall, 7, here)
        _click(wall, "#district-map .choroplethlocation, a")
        _still_on_the_wall(wall, here)
    # the keyboard reaches only the strip's buttons: no Tab brings Enter to a link
    for _ in range(12):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        assert driver.execute_script(
            "const a = document.activeElement;"
            "return !document.getElementById('kiosk-stage').contains(a)"
        )
    _still_on_the_wall(wall, here)
    assert wall.get_logs() == []


def test_a_click_on_the_kiosk_does_not_leave_it(wall):
    _click_everything_and_stay(wall, district_step=True)


def test_a_click_on_an_enrolled_wall_screen_does_not_leave_it(wall):
    from web import runtime

    code = accounts.add_device(runtime.engine(), "kiosk-click-wall", datetime.now(UTC))
    wall.driver.get(f"{wall.server_url}/logout")  # the admin signs out
    wall.driver.get(f"{wall.server_url}/_citywall/enrol/{code}")
    _wait_for(wall, "return location.pathname", "/wall")
    # a viewer: its rotation leaves out the district's page, which is for staff
    wall.wait_for_contains_text("#kiosk-countdown", "1/6 ", timeout=30)
    _click_everything_and_stay(wall, district_step=False)


# the stage as the wall shows it: the level of each place that is visible
SHOWN_STAGE = (
    "return [...document.querySelectorAll("
    "'#kiosk-stage-badge, #kiosk-stage .stage-banner')]"
    ".filter((e) => e.getClientRects().length > 0).map((e) => e.dataset.level)"
)
REFRESH_SECONDS = 2  # the browser tests' profile


def _shown_until(wall, level: int, timeout: float) -> tuple[list, float]:
    """What the wall showed of the stage, sampled until it shows ``level`` alone,
    and how long that took."""
    start = time.monotonic()
    seen = []
    while time.monotonic() - start < timeout:
        seen.append(wall.driver.execute_script(SHOWN_STAGE))
        if seen[-1] == [str(level)]:
            return seen, time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"stage {level} never showed alone: {seen[-5:]}")


def test_the_stage_shows_once_and_a_stage_set_by_hand_everywhere_at_once(wall):
    from web import runtime

    driver = wall.driver
    driver.get(wall.server_url + "/wall")
    wall.wait_for_element("#kiosk-stage .stage-banner", timeout=40)
    ActionChains(driver).send_keys(" ").perform()  # held on the overview
    wall.wait_for_contains_text("#kiosk-countdown", "paused", timeout=5)
    service = runtime.kpi_service()
    before = service.disaster().state.level
    # the overview's band says the stage; the strip's badge stands back
    assert driver.execute_script(SHOWN_STAGE) == [str(before)]
    try:
        # by hand (the admin page's call): the wall shows it at its next refresh,
        # in one place, never the old stage beside the new one
        service.set_stage(2, "a kiosk test")
        seen, took = _shown_until(wall, 2, 15)
        assert all(len(shown) == 1 for shown in seen), seen
        assert took < 4 * REFRESH_SECONDS + 2, took  # its next refreshes
        # the strip's badge, hidden here, has it too by the same refresh's end
        both = (
            "return [document.getElementById('kiosk-stage-badge').dataset.level,"
            "document.querySelector('#kiosk-stage .stage-banner').dataset.level]"
        )
        _wait_for(wall, both, ["2", "2"], REFRESH_SECONDS + 1.5)
        # on traffic the strip's badge is the one place; handed back, it follows
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
        _wait_for(wall, PAGE, "/traffic")
        assert driver.execute_script(SHOWN_STAGE) == ["2"]
        service.hand_back_stage()
        seen, took = _shown_until(wall, before, 15)
        assert all(len(shown) == 1 for shown in seen), seen
        assert took < 4 * REFRESH_SECONDS + 2, took  # its next refreshes
    finally:
        service.hand_back_stage()
    assert wall.get_logs() == []


def test_the_district_score_is_headed_with_the_district(wall):
    wall.driver.get(wall.server_url + "/district/11680")
    wall.wait_for_text_to_equal("#district-score .score-label", "Gangnam-gu score")
    wall.driver.get(wall.server_url + "/district/11680?lang=ko")
    wall.wait_for_text_to_equal("#district-score .score-label", "강남구 점수")
    assert wall.get_logs() == []


def test_the_header_keeps_its_words_apart(wall):
    wall.driver.get(wall.server_url + "/")
    wall.wait_for_element(".wall-navbar .sign-out")
    wall.wait_for_contains_text("#clock", ":")
    gap = wall.driver.execute_script(
        "const zone = document.querySelector('.clock-zone').getBoundingClientRect();"
        "const out = document.querySelector('.sign-out').getBoundingClientRect();"
        "return out.left - zone.right"
    )
    rem = wall.driver.execute_script(
        "return parseFloat(getComputedStyle(document.documentElement).fontSize)"
    )
    assert gap >= 0.8 * rem, gap
    assert wall.get_logs() == []


def test_the_ticker_with_no_alerts_is_still_and_whole(dash_duo, tmp_path):
    # a city with no alerts at all: the ticker has nothing to scroll
    profile = seoul_profile_copy(tmp_path, 1, refresh_seconds=2, alerts_per_day=0)
    env = own_store(profile, tmp_path)
    driver = dash_duo.driver
    screen(driver, 1920, 1080)
    with serving(env, free_port()) as (url, _):
        browser_sign_in(driver, url, *demo_admin(tmp_path / "data"))
        for path in ("/wall", "/"):
            driver.get(url + path)
            item = dash_duo.wait_for_element("#alert-ticker .ticker-item", timeout=60)
            assert item.text == "No active disaster alerts"
            places = []
            for _ in range(3):  # still: in the same place each time, and whole
                places.append(
                    driver.execute_script(
                        "const t = document.getElementById('alert-ticker')"
                        ".getBoundingClientRect();"
                        "const i = document.querySelector('#alert-ticker .ticker-item')"
                        ".getBoundingClientRect();"
                        "return [i.left, i.left >= t.left && i.right <= t.right]"
                    )
                )
                time.sleep(1)
            assert places == [places[0]] * 3 and places[0][1] is True, places
        assert dash_duo.get_logs() == []
