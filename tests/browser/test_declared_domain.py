"""A city adds a fifth domain, "Air", and twelve indicators in its profile, with no
code: among them a monthly one with a plan. A real `citywall serve` on that
profile shows the domain in the header, its page with its tiles, the
plan-against-achieved chart and its CSV, and a step of the kiosk's rotation, in
Korean and in English."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.servers import free_port, own_store, screen
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_session, browser_sign_in, demo_admin


def _months_back(n: int) -> list[str]:
    """The keys of this month and the ``n`` before it ("2026-12", "2026-11", ...)."""
    first = date.today().replace(day=1)
    keys = []
    for _ in range(n + 1):
        keys.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return keys


def air_declarations() -> str:
    plan = ", ".join(f'"{k}" = 24' for k in _months_back(3))
    air = [
        ("pm25_3h", "mean", '"3h"', '"7d_average"', "초미세먼지 최근 3시간", "PM2.5, last 3 h"),
        ("pm25_peak", "max", '"24h"', '"yesterday"', "초미세먼지 최고", "PM2.5 peak, 24 h"),
        ("pm25_low", "min", '"24h"', '"yesterday"', "초미세먼지 최저", "PM2.5 low, 24 h"),
        ("pm25_now", "latest", '"latest"', '"yesterday"', "초미세먼지 현재", "PM2.5 now"),
        ("pm25_readings", "count_readings", '"1h"', '"none"', "측정 건수", "Readings, last hour"),
    ]  # fmt: skip
    text = """
[[domains]]
id = "air"
label = { ko = "대기", en = "Air", es = "Aire" }
series = "pm25"
chart = "pm25_3h"
events = false
colour = "#5fb3b3"
"""
    for id_, measure, window, compare, ko, en in air:
        text += f"""
[[indicators]]
id = "{id_}"
domain = "air"
label = {{ ko = "{ko}", en = "{en}", es = "{en}" }}
unit = {{ en = "µg/m³" }}
measure = "{measure}"
series = "pm25"
window = {window}
compare = {compare}
decimals = 1
"""
    text += f"""
[[indicators]]
id = "pm25_bad_share"
domain = "air"
label = {{ ko = "나쁨 이상 비율", en = "Readings 'bad' or worse", es = "Lecturas malas" }}
measure = "share_below"
series = "pm25"
below = 36
window = "24h"
direction = "higher"
target = 0.9

[[indicators]]
id = "pm25_month"
domain = "air"
label = {{ ko = "초미세먼지 월평균", en = "PM2.5, monthly mean", es = "PM2.5, media mensual" }}
unit = {{ en = "µg/m³" }}
measure = "mean"
series = "pm25"
period = "month"
plan = {{ {plan} }}
periods_shown = 4
decimals = 1
"""
    others = [
        ("noise_today", "complaints", 'where = { category = ["noise"] }\nwindow = "today"', "소음 민원 오늘", "Noise complaints today"),
        ("waste_open", "complaints", 'where = { category = ["waste"] }\nwindow = "open_now"', "미처리 쓰레기 민원", "Open waste complaints"),
        ("ambulance_24h", "safety", 'where = { category = ["ambulance"] }\nwindow = "24h"\ncompare = "7d_average"', "구급 출동 24시간", "Ambulance calls, 24 h"),
        ("accidents_week", "traffic", 'where = { category = ["accident"] }\nwindow = "this_week"\ncompare = "previous"', "이번 주 교통사고", "Road accidents this week"),
        ("complaints_share_roads", "complaints", 'measure = "share"\nwhere = { category = ["roads"] }\nwindow = "7d"', "도로 민원 비율", "Road complaints, share"),
    ]  # fmt: skip
    for id_, domain, body, ko, en in others:
        text += f"""
[[indicators]]
id = "{id_}"
domain = "{domain}"
label = {{ ko = "{ko}", en = "{en}", es = "{en}" }}
{body}
"""
    return text


AIR_INDICATORS = 7  # of the twelve, on the Air page


@pytest.fixture(scope="module")
def air_wall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("air")
    profile = seoul_profile_copy(folder, 8, extra=air_declarations())
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
    assert [r["period"] for r in rows] == sorted(_months_back(3))
    assert {r["planned"] for r in rows} == {"24.0"}
    assert rows[-1]["complete"] == "False" and rows[-2]["complete"] == "True"
    assert float(rows[-2]["achieved"]) > 0  # last month's readings, backfilled

    # the kiosk turns to the Air page: a step of the profile's rotation
    driver.get(f"{url}/wall?lang=ko")
    dash_duo.wait_for_element("#kiosk-stage .kpi-tile", timeout=30)
    ActionChains(driver).send_keys(Keys.SPACE).perform()  # paused: no turn meanwhile
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    dash_duo.wait_for_contains_text("#kiosk-countdown", "2/2 · 대기", timeout=10)
    dash_duo.wait_for_element("#kiosk-stage .plan-block", timeout=30)
    assert dash_duo.get_logs() == []
