"""The kiosk at /wall: no header, the profile's rotation with each page's own time
and filters, a countdown, the operator's keys, and the same wall at 3840×2160.

The browser tests' profile runs the rotation ten times faster than Seoul's:
overview 6 s, traffic 3 s, safety 3 s (24 h), disasters 3 s (7 days),
complaints 3 s, crowds 3 s, Gangnam-gu 2 s.
"""

from __future__ import annotations

import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import screen


def _page(wall) -> str | None:
    return wall.driver.execute_script(
        "const p = document.querySelector('#kiosk-stage .kiosk-page');"
        "return p ? p.dataset.page : null"
    )


def _wait_for_page(wall, page: str, timeout: float = 15) -> float:
    """Seconds until the stage shows ``page``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if _page(wall) == page:
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"{page} never showed; the stage has {_page(wall)}")


# the browser notes the moment each step of the rotation shows (its own clock):
# read from a busy test machine, a poll would see the steps late by its own delays
NOTE_STEPS = """
window.__steps = [];
const countdown = document.getElementById('kiosk-countdown');
const note = () => window.__steps.push(
    [countdown.textContent.split('/')[0], performance.now() / 1000]);
note();
new MutationObserver(note).observe(
    countdown, {childList: true, characterData: true, subtree: true});
"""


def _step_times(wall, steps: tuple[int, ...], timeout: float = 40) -> list[float]:
    """When the rotation turned to each of ``steps``, in order (seconds on the
    browser's clock)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        noted = wall.driver.execute_script("return window.__steps")
        # the turns: each note whose step differs from the one before it (the
        # first note is the step showing when the observer began, not a turn)
        turns = [
            (step, at)
            for (before, _), (step, at) in zip(noted, noted[1:])
            if step != before
        ]
        times: list[float] = []
        for step, at in turns:
            if len(times) < len(steps) and step == str(steps[len(times)]):
                times.append(at)
        if len(times) == len(steps):
            return times
        time.sleep(0.2)
    raise AssertionError(f"steps {steps} never all came: {turns[-6:]}")


def _press(wall, key) -> None:
    ActionChains(wall.driver).send_keys(key).perform()


def test_the_kiosk_turns_pages_each_for_its_own_time(wall):
    wall.driver.get(wall.server_url + "/wall")
    wall.wait_for_element("#kiosk-stage .kpi-tile .tile-value", timeout=30)
    assert not wall.driver.find_elements("css selector", ".wall-navbar")
    assert _page(wall) == "/"
    assert wall.find_element("#kiosk-countdown").text.startswith("1/7 · Overview")
    assert "Data as of" in wall.find_element("#kiosk-freshness").text
    # each page for its own time, as the countdown turns (the browser's clock,
    # not the server's speed): traffic 3 s, then Gangnam-gu 2 s, the overview 6 s
    wall.driver.execute_script(NOTE_STEPS)
    to_traffic, to_safety, to_district, to_overview, to_traffic_again = _step_times(
        wall, (2, 3, 7, 1, 2)
    )
    assert 2.0 < to_safety - to_traffic < 4.5
    assert 1.0 < to_overview - to_district < 3.5
    assert 5.0 < to_traffic_again - to_overview < 7.5
    _wait_for_page(wall, "/traffic")
    wall.wait_for_element("#kiosk-stage #record-grid .ag-row", timeout=20)
    # each page with its own filters: the disasters page over 7 days
    _wait_for_page(wall, "/disasters")
    wall.wait_for_element("#kiosk-stage .period-switch input:checked", timeout=20)
    checked = wall.driver.execute_script(
        "return document.querySelector('#kiosk-stage .period-switch input:checked').value"
    )
    assert checked == "7d"
    _wait_for_page(wall, "/district/11680", timeout=20)
    wall.wait_for_element("#kiosk-stage .district-title", timeout=20)
    _wait_for_page(wall, "/", timeout=20)  # and round again
    assert wall.get_logs() == []


def test_the_operator_steps_and_pauses_with_the_keyboard(wall):
    wall.driver.get(wall.server_url + "/wall")
    wall.wait_for_element("#kiosk-stage .kpi-tile", timeout=30)
    # paused first, so that the rotation's own clock cannot move a page meanwhile
    _press(wall, Keys.SPACE)
    wall.wait_for_contains_text("#kiosk-countdown", "paused", timeout=5)
    _press(wall, Keys.ARROW_RIGHT)
    wall.wait_for_contains_text("#kiosk-countdown", "2/7", timeout=2)  # at once
    _wait_for_page(wall, "/traffic", timeout=10)
    _press(wall, Keys.ARROW_LEFT)
    _wait_for_page(wall, "/", timeout=10)
    time.sleep(8)  # longer than the overview's 6 s: paused, it stays
    assert _page(wall) == "/"
    assert "paused" in wall.find_element("#kiosk-countdown").text
    _press(wall, Keys.SPACE)  # resumed: the overview's 6 s run out, then traffic
    _wait_for_page(wall, "/traffic", timeout=15)
    assert wall.get_logs() == []


def test_the_wall_scales_from_1920_to_3840(wall):
    sizes = {}
    for width, height in ((1920, 1080), (3840, 2160)):
        screen(wall.driver, width, height)
        wall.driver.get(wall.server_url + "/wall")
        wall.wait_for_element("#kiosk-stage #city-map .scattergeo text", timeout=30)
        sizes[width] = wall.driver.execute_script(
            """const px = (s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
            return {value: px('.tile-value'), label: px('.tile-label'),
                    clock: px('#kiosk-clock'), page: document.documentElement.scrollWidth}"""
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        wall.driver.save_screenshot(str(SCREENSHOTS / f"wall-{width}x{height}.png"))
    small, big = sizes[1920], sizes[3840]
    # the same wall, twice as large: nothing re-flows or spills sideways
    for key in ("value", "label", "clock"):
        assert 1.9 < big[key] / small[key] < 2.1, (key, small, big)
    assert small["page"] <= 1920 and big["page"] <= 3840
    # legible from five metres at 1920×1080: values ≥ 40 px, labels ≥ 18 px
    assert small["value"] >= 40 and small["label"] >= 18
    assert wall.get_logs() == []
