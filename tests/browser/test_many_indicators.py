"""Many indicators on one wall: Seoul with 60 declared indicators in 6 domains
(bench/many_indicators.py), as its office showed 61 under 5 policies. The overview
groups them by domain and turns from one page of groups to the next; measured in
chromium on a real `citywall serve`: at 1920×1080 and 3840×2160 every page of
groups keeps to the screen with no text out of its box, the turn reaches every
domain's group in the time it should, a kiosk step and an address hold one group,
and the score's explanation lists all 60 in a panel that scrolls.

Screenshots: docs/screenshots/many-indicators-<W>x<H>.png.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bench.many_indicators import profile_with_many_indicators
from store import engine as store_engine
from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import free_port, own_store, screen
from tests.browser.test_disaster import _flood_warning, _store
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_sign_in, demo_admin

INDICATORS = 60
DOMAINS = {"traffic", "safety", "disaster", "complaints", "air", "mobility"}
GROUP_SECONDS = 2
# the kiosk: the overview holding the air group, then turning through them all
ROTATION = """group_seconds = 2
rotation = [
  { page = "/", seconds = 6, query = { group = "air" } },
  { page = "/", seconds = 600 },
]
"""

# What the test asserts of the groups in view, read in one go.
MEASURE = r"""
const rect = (e) => { const b = e.getBoundingClientRect();
  return {left: b.left, top: b.top, right: b.right, bottom: b.bottom}; };
const shown = (e) => { const s = getComputedStyle(e);
  return s.display !== 'none' && s.visibility !== 'hidden' && e.getClientRects().length > 0; };
const root = document.documentElement;
const spills = [];
const boxes = '.kpi-tile-compact .card-body, .tile-label, .tile-main, .tile-status,' +
  ' .group-heading, .group-name, .group-score, .group-tab, .score-card, .feed-item,' +
  ' .kiosk-strip, .stage-banner';
for (const e of document.querySelectorAll(boxes)) {
  if (!shown(e)) continue;
  if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1) {
    spills.push(`${e.className}: ${e.scrollWidth}x${e.scrollHeight} in ` +
                `${e.clientWidth}x${e.clientHeight}: ${e.textContent.slice(0, 40)}`);
  }
}
const groups = [...document.querySelectorAll('.tile-group')].filter(
  g => g.classList.contains('tile-group-shown'));
const stage = document.querySelector('#kiosk-stage');
return {
  viewport: [window.innerWidth, window.innerHeight],
  scroll: [root.scrollWidth, root.scrollHeight, document.body.scrollWidth,
           document.body.scrollHeight],
  shown: groups.map(g => g.id),
  domains: groups.map(g => g.dataset.domain),
  cells: [...document.querySelectorAll('.tile-group-shown > *')].map(
    e => ({box: rect(e), text: e.textContent.slice(0, 30)})),
  tabs: [...document.querySelectorAll('.group-tab')].filter(shown).map(
    e => ({box: rect(e), text: e.textContent})),
  picked: [...document.querySelectorAll('.group-tab-picked .group-tab-name')].map(
    e => e.textContent),
  stage: stage ? rect(stage) : null,
  spills: spills,
};
"""


@pytest.fixture(scope="module")
def many_wall(tmp_path_factory):
    """A served wall of Seoul with 60 indicators: its URL, its admin and its
    store (the last test raises its stage)."""
    folder = tmp_path_factory.mktemp("many")
    base = seoul_profile_copy(folder, 2, refresh_seconds=5, alerts_per_day=0)
    profile = profile_with_many_indicators(base, folder, n=INDICATORS)
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace("[wall]\n", "[wall]\n" + ROTATION, 1), "utf-8")
    with serving(own_store(profile, folder), free_port()) as (url, _):
        engine = store_engine.connect(f"sqlite:///{folder / 'data' / 'citywall.db'}")
        yield url, demo_admin(folder / "data"), engine


def _inside(box: dict, frame: dict) -> bool:
    return (
        box["left"] >= frame["left"] - 0.5
        and box["top"] >= frame["top"] - 0.5
        and box["right"] <= frame["right"] + 0.5
        and box["bottom"] <= frame["bottom"] + 0.5
    )


def _check(seen: dict, width: int, height: int) -> None:
    where = f"{width}x{height} {seen['shown']}"
    assert seen["viewport"] == [width, height], where
    assert max(seen["scroll"][0], seen["scroll"][2]) <= width, (where, seen["scroll"])
    assert max(seen["scroll"][1], seen["scroll"][3]) <= height, (where, seen["scroll"])
    assert seen["shown"], where
    screen_box = {"left": 0, "top": 0, "right": width, "bottom": height}
    # every heading, tile and tab of the page wholly on the screen, in the stage
    for cell in seen["cells"] + seen["tabs"]:
        assert _inside(cell["box"], seen["stage"] or screen_box), (where, cell)
    assert seen["spills"] == [], where


def _turn(driver, width: int, height: int, seconds: float) -> tuple[set, float]:
    """The groups the overview shows while it turns, each page measured: the
    domains seen and how long it took to see them all."""
    start = time.monotonic()
    seen_domains: set[str] = set()
    pages: set[tuple] = set()
    while time.monotonic() - start < seconds and seen_domains != DOMAINS:
        now = driver.execute_script(MEASURE)
        page = tuple(now["shown"])
        if page and page not in pages:
            time.sleep(0.3)  # the turn's classes all applied
            now = driver.execute_script(MEASURE)
            _check(now, width, height)
            pages.add(tuple(now["shown"]))
            seen_domains |= set(now["domains"])
        time.sleep(0.2)
    return seen_domains, time.monotonic() - start


def _wait(driver, script: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = driver.execute_script(script)
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"never true: {script}")


SHOWN_DOMAINS = """
return [...document.querySelectorAll('.tile-group-shown')].map(g => g.dataset.domain);
"""


def test_the_wall_turns_through_every_group_of_sixty_indicators(dash_duo, many_wall):
    url, admin, _ = many_wall
    driver = dash_duo.driver
    browser_sign_in(driver, url, *admin)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1920, 1080), (3840, 2160)):
        screen(driver, width, height)
        driver.get(url + "/wall")
        # the kiosk's first step holds the air group, and says so in its strip
        _wait(driver, "return !!document.querySelector('#kiosk-stage .kpi-tile')")
        time.sleep(1.5)
        assert set(driver.execute_script(SHOWN_DOMAINS)) == {"air"}
        countdown = driver.find_element("id", "kiosk-countdown").text
        assert "Overview · Air" in countdown, countdown
        held = driver.execute_script(MEASURE)
        _check(held, width, height)
        # the next step turns through every group: 4 pages, 2 s each
        driver.execute_script("document.getElementById('kiosk-next').click()")
        _wait(
            driver,
            "return document.getElementById('kiosk-countdown').textContent"
            ".startsWith('2/2')",
        )
        _wait(driver, "return !!document.querySelector('#kiosk-stage .kpi-tile')")
        seen, took = _turn(driver, width, height, 4 * GROUP_SECONDS + 8)
        assert seen == DOMAINS, (width, seen)
        assert took <= 4 * GROUP_SECONDS + 6, took
        # the page of three groups (the end of complaints, air, mobility), for the
        # picture
        _wait(
            driver,
            "return [...document.querySelectorAll('.tile-group-shown')]"
            ".some(g => g.dataset.domain === 'mobility')",
            timeout=4 * GROUP_SECONDS + 4,
        )
        time.sleep(1)
        driver.save_screenshot(
            str(SCREENSHOTS / f"many-indicators-{width}x{height}.png")
        )
    assert dash_duo.get_logs() == []


def _overview(dash_duo, many_wall, address: str):
    """The staff's overview at ``address``, signed in, at 1920x1080, its groups
    drawn: the browser."""
    url, admin, _ = many_wall
    driver = dash_duo.driver
    browser_sign_in(driver, url, *admin)
    screen(driver, 1920, 1080)
    driver.get(url + address)
    _wait(driver, "return !!document.querySelector('.tile-group-shown .kpi-tile')")
    return driver


def test_an_address_shows_one_group_and_stays(dash_duo, many_wall):
    driver = _overview(dash_duo, many_wall, "/?group=air")
    for _ in range(3):  # longer than a turn: it stays
        assert set(driver.execute_script(SHOWN_DOMAINS)) == {"air"}
        seen = driver.execute_script(MEASURE)
        assert seen["picked"] == ["Air"], seen["picked"]
        time.sleep(GROUP_SECONDS)
    # its tiles are the air indicators, compact, their text in their boxes; the
    # header of six domains' pages on the screen too
    assert len(seen["cells"]) == 1 + 5  # the heading and five tiles
    assert seen["spills"] == []
    assert max(seen["scroll"][0], seen["scroll"][2]) <= 1920, seen["scroll"]
    # the tab of another group picks it, by its address
    driver.find_element("css selector", "a.group-tab[href*='group=safety']").click()
    _wait(driver, "return location.search.includes('group=safety')")
    _wait(
        driver,
        "return [...document.querySelectorAll('.tile-group-shown')]"
        ".every(g => g.dataset.domain === 'safety')"
        " && document.querySelectorAll('.tile-group-shown').length > 0",
    )
    assert dash_duo.get_logs() == []


def test_the_score_explains_all_sixty_indicators_in_a_panel_that_scrolls(
    dash_duo, many_wall
):
    driver = _overview(dash_duo, many_wall, "/")
    driver.find_element("id", "score-card").click()
    rows = _wait(
        driver,
        "return document.querySelectorAll('#score-explanation tbody tr').length",
    )
    assert rows == INDICATORS
    panel = driver.execute_script(
        """
        const body = document.querySelector('#score-panel .offcanvas-body');
        const table = body.querySelector('table');
        body.scrollTop = body.scrollHeight;
        const head = body.querySelector('thead th').getBoundingClientRect();
        return {scrolls: body.scrollHeight > body.clientHeight,
                overflow: getComputedStyle(body).overflowY,
                wide: table.scrollWidth <= body.clientWidth,
                head: head.top - body.getBoundingClientRect().top
                      - parseFloat(getComputedStyle(body).paddingTop)};
        """
    )
    assert panel["scrolls"] and panel["overflow"] == "auto", panel
    assert panel["wide"], panel
    assert abs(panel["head"]) < 2, panel  # scrolled down, its heading stays in view
    assert dash_duo.get_logs() == []


def test_in_a_disaster_every_page_of_groups_keeps_to_the_screen(dash_duo, many_wall):
    """The disaster layout holds the kiosk on the overview: its groups go under
    the alerts and the map, and every page of them still fits."""
    url, admin, engine = many_wall
    driver = dash_duo.driver
    browser_sign_in(driver, url, *admin)
    _store(engine, _flood_warning(datetime.now(UTC)))
    screen(driver, 1920, 1080)
    driver.get(url + "/wall")
    _wait(driver, "return !!document.querySelector('#overview.disaster-layout')")
    _wait(driver, "return !!document.querySelector('#kiosk-stage .tile-group-shown')")
    seen, _ = _turn(driver, 1920, 1080, 4 * GROUP_SECONDS + 8)
    assert seen == DOMAINS
    assert dash_duo.get_logs() == []
