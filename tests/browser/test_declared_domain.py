"""A city adds a fifth domain, "Air", and twelve indicators in its profile, with no
code: among them a monthly one with a plan. A real `citywall serve` on that
profile shows the domain in the header, its page with its tiles, the
plan-against-achieved chart and its CSV, and a step of the kiosk's rotation, in
Korean and in English."""

from __future__ import annotations

import csv
import io
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import free_port, own_store, screen
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.declared_domains import air_declarations, months_back
from tests.signin import browser_session, browser_sign_in, demo_admin

AIR_INDICATORS = 7  # of the twelve, on the Air page


@pytest.fixture(scope="module")
def air_wall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("air")
    # no simulated alert: one raising the stage to the disaster layout holds the
    # kiosk's rotation, and whether the demo has one depends on the hour
    profile = seoul_profile_copy(folder, 8, alerts_per_day=0, extra=air_declarations())
    text = profile.read_text("utf-8")
    start = text.index("rotation = [")
    end = text.index("]\n", text.index("district/11680", start)) + 2
    text = (
        text[:start]
        + 'rotation = [\n  { page = "/", seconds = 60 },\n'
        + '  { page = "/air", seconds = 60 },\n]\n'
        + text[end:]
    )
    profile.write_text(text, "utf-8")
    with serving(own_store(profile, folder), free_port()) as (url, _):
        yield url, demo_admin(folder / "data")


AIR_PAGE = r"""
const title = document.querySelector('.page-title');
if (!title) return null;
const tiles = [...document.querySelectorAll('#domain-tiles .kpi-tile')];
const plan = document.querySelector('.plan-block');
const bars = plan ? plan.querySelectorAll('.bars .point').length : 0;
const nav = [...document.querySelectorAll('.wall-navbar .nav-link')].map(a => a.textContent);
return {
  labels: tiles.map(t => t.querySelector('.tile-label').textContent),
  values: tiles.map(t => t.querySelector('.tile-value').textContent),
  plan: plan ? plan.querySelector('h3').textContent : null,
  summary: plan ? plan.querySelector('.plan-summary').textContent : null,
  bars: bars,
  csv: plan ? (plan.querySelector('a.plan-csv') || {}).href : null,
  nav: nav,
  title: title.textContent,
};
"""


def _air_page(driver, url: str, lang: str) -> dict:
    driver.get(f"{url}/air?lang={lang}")
    found = {}
    for _ in range(60):
        found = driver.execute_script(AIR_PAGE) or {"labels": [], "bars": 0}
        if len(found["labels"]) == AIR_INDICATORS and found["bars"]:
            return found
        time.sleep(0.5)
    raise AssertionError(f"the Air page never filled in ({lang}): {found}")


def test_a_declared_domain_has_its_page_tiles_plan_csv_and_rotation(dash_duo, air_wall):
    url, admin = air_wall
    driver = dash_duo.driver
    screen(driver, 1920, 1080)
    browser_sign_in(driver, url, *admin)

    ko = _air_page(driver, url, "ko")
    assert "대기" in ko["nav"], ko["nav"]
    assert ko["title"].startswith("대기")
    assert ko["labels"][0] == "초미세먼지 최근 3시간"
    assert "초미세먼지 월평균" in ko["labels"]
    assert ko["plan"] == "초미세먼지 월평균: 계획 대비 실적"
    assert "계획" in ko["summary"]
    # the readings came in: a mean, a peak, a count (the monthly one may be "—")
    assert all(v != "—" for v in ko["values"][:5]), ko["values"]

    en = _air_page(driver, url, "en")
    assert "Air" in en["nav"] and en["labels"][0] == "PM2.5, last 3 h"
    time.sleep(2)  # the charts' first drawing done
    driver.save_screenshot(str(SCREENSHOTS / "air-domain-1920x1080.png"))
    assert en["plan"] == "PM2.5, monthly mean: planned against achieved"
    # the plan's CSV: each month, achieved against planned
    rows = list(
        csv.DictReader(
            io.StringIO(
                browser_session(driver)
                .get(en["csv"], timeout=20)
                .content.decode("utf-8-sig")
            )
        )
    )
    assert [r["period"] for r in rows] == sorted(months_back(3))
    assert {r["planned"] for r in rows} == {"24.0"}
    assert rows[-1]["complete"] == "False" and rows[-2]["complete"] == "True"
    assert float(rows[-2]["achieved"]) > 0  # last month's readings, backfilled

    # the kiosk turns to the Air page: a step of the profile's rotation
    driver.get(f"{url}/wall?lang=ko")
    dash_duo.wait_for_element("#kiosk-stage .kpi-tile", timeout=30)
    ActionChains(driver).send_keys(Keys.SPACE).perform()  # paused: no turn meanwhile
    # the pause taken before the next key (two presses at once: one may be lost)
    dash_duo.wait_for_contains_text("#kiosk-countdown", "일시 정지", timeout=5)
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    dash_duo.wait_for_contains_text("#kiosk-countdown", "2/2 · 대기", timeout=10)
    dash_duo.wait_for_element("#kiosk-stage .plan-block", timeout=30)
    assert dash_duo.get_logs() == []
