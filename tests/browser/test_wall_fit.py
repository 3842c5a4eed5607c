"""The wall fills exactly its screen, at every common wall size, in its normal and
its disaster layout: nothing scrolls, nothing is cut, no text spills out of its box,
the map's text grows with the screen, and the map's labels stand out from their
district and never overlap. A real `citywall serve`, measured in chromium.

Screenshots: docs/screenshots/wall-<W>x<H>.png and wall-disaster-<W>x<H>.png.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from store import engine as store_engine
from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import free_port, own_store, screen
from tests.browser.test_disaster import _flood_warning, _store
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_sign_in, demo_admin
from tests.standard import SEOUL

SIZES = ((1366, 768), (1920, 1080), (2560, 1440), (3840, 2160), (5120, 1440))
LABEL_PX_AT_16 = 14  # components/city_map.py LABEL_PX, for a 16 px root font

# Everything the test asserts, read in one go (the wall redraws on its timer).
MEASURE = r"""
const rect = (e) => { const b = e.getBoundingClientRect();
  return {left: b.left, top: b.top, right: b.right, bottom: b.bottom,
          width: b.width, height: b.height}; };
const shown = (e) => { const s = getComputedStyle(e);
  return s.display !== 'none' && s.visibility !== 'hidden' && e.getClientRects().length > 0; };
const root = document.documentElement;
const gd = document.querySelector('#city-map .js-plotly-plot');
const labels = gd ? [...gd.querySelectorAll('g.trace.scattergeo text')] : [];
const shapes = gd ? [...gd.querySelectorAll('.choroplethlocation')] : [];
const visible = labels.filter(t => t.style.display !== 'none');
// text that does not fit its box: wider (or taller) inside than its box
const spills = [];
const boxes = '.kpi-tile .card-body, .tile-label, .tile-main, .tile-change, .tile-status,' +
  ' .score-card, .feed-item, .feed-domain, .alert-card, .camera-card, .kiosk-strip,' +
  ' .stage-banner';
for (const e of document.querySelectorAll(boxes)) {
  if (!shown(e)) continue;
  if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1) {
    spills.push(`${e.className}: ${e.scrollWidth}x${e.scrollHeight} in ` +
                `${e.clientWidth}x${e.clientHeight}: ${e.textContent.slice(0, 40)}`);
  }
}
// items of a clipped list: each one either wholly in its list's box or out of sight
const cut = (list, item) => {
  const box = document.querySelector(list);
  if (!box || !shown(box)) return {shown: 0, cut: []};
  const frame = rect(box);
  let whole = 0; const partly = [];
  for (const e of box.querySelectorAll(item)) {
    const r = rect(e);
    const meets = r.left < frame.right && r.right > frame.left &&
                  r.top < frame.bottom && r.bottom > frame.top;
    if (!meets) continue;
    if (r.top >= frame.top - 1 && r.bottom <= frame.bottom + 1 &&
        r.left >= frame.left - 1 && r.right <= frame.right + 1) whole += 1;
    else partly.push(e.textContent.slice(0, 40));
  }
  return {shown: whole, cut: partly};
};
const bar = gd && gd.querySelector('.colorbar');
return {
  viewport: [window.innerWidth, window.innerHeight],
  scroll: [root.scrollWidth, root.scrollHeight, document.body.scrollWidth,
           document.body.scrollHeight],
  root: parseFloat(getComputedStyle(root).fontSize),
  disaster: !!document.querySelector('#kiosk-stage #overview.disaster-layout'),
  tiles: [...document.querySelectorAll('#kiosk-stage .kpi-tile')].map(rect),
  map: gd ? rect(document.querySelector('#city-map')) : null,
  spills: spills,
  feed: cut('#kiosk-stage .event-feed', '.feed-item'),
  alerts: cut('#kiosk-stage .alert-cards', '.alert-card'),
  cameras: cut('#kiosk-stage .disaster-panel .camera-grid', '.camera-card'),
  labels: visible.map(t => ({
    text: t.textContent, box: rect(t), size: parseFloat(getComputedStyle(t).fontSize),
    colour: getComputedStyle(t).fill,
    fill: shapes[labels.indexOf(t)] ? getComputedStyle(shapes[labels.indexOf(t)]).fill : null,
  })),
  hidden: labels.filter(t => t.style.display === 'none')
    .map(t => t.querySelector('tspan').textContent),
  note: gd && gd.querySelector('.map-unlabelled') ?
    gd.querySelector('.map-unlabelled').textContent : '',
  bar: bar ? {
    ticks: parseFloat(getComputedStyle(bar.querySelector('.cbaxis text, .tick text'))
      .fontSize),
    thickness: rect(bar.querySelector('.cbfill')).width,
  } : null,
};
"""

# the map drawn at this screen's size: its labels scaled to the root font
DRAWN = """
const gd = document.querySelector('#city-map .js-plotly-plot');
const label = gd && gd.querySelector('g.trace.scattergeo text');
const tile = document.querySelector('#kiosk-stage .kpi-tile .tile-value');
if (!label || !tile || !gd.__citywallDesign) return null;
return [parseFloat(getComputedStyle(document.documentElement).fontSize),
        parseFloat(label.style.fontSize)];
"""


def _luminance(colour: str) -> float:
    parts = colour[colour.index("(") + 1 : colour.index(")")].replace(",", " ").split()
    channels = []
    for value in (float(p) / 255 for p in parts[:3]):
        channels.append(
            value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
        )
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def _inside(box: dict, width: int, height: int) -> bool:
    return (
        box["left"] >= -0.5
        and box["top"] >= -0.5
        and box["right"] <= width + 0.5
        and box["bottom"] <= height + 0.5
    )


def _settled(driver, timeout: float = 60) -> dict:
    """The wall once its map is drawn at this size and two readings agree."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        drawn = driver.execute_script(DRAWN)
        if drawn and abs(drawn[1] - drawn[0] * LABEL_PX_AT_16 / 16) < 0.05:
            time.sleep(1.0)  # the graph's own resize after its first draw
            now = driver.execute_script(MEASURE)
            if last is not None and now["labels"] == last["labels"]:
                return now
            last = now
        time.sleep(0.5)
    raise AssertionError(f"the map never settled at this size: {last}")


def _check(seen: dict, width: int, height: int, disaster: bool) -> None:
    where = f"{width}x{height}{' disaster' if disaster else ''}"
    assert seen["viewport"] == [width, height], where
    assert seen["disaster"] is disaster, where
    # no document scroll, either way
    assert seen["scroll"][0] <= width and seen["scroll"][2] <= width, (where, seen)
    assert seen["scroll"][1] <= height and seen["scroll"][3] <= height, (where, seen)
    # every tile and the map wholly on the screen
    assert len(seen["tiles"]) == len(SEOUL.indicators), where
    for tile in seen["tiles"]:
        assert _inside(tile, width, height), (where, tile)
    assert seen["map"] and _inside(seen["map"], width, height), (where, seen["map"])
    assert seen["map"]["height"] > 0.25 * height, (where, seen["map"])
    assert seen["spills"] == [], where
    # whole rows only: what just happened, or in a disaster the alerts
    listed = seen["alerts"] if disaster else seen["feed"]
    assert listed["cut"] == [], (where, listed)
    assert listed["shown"] >= 1, (where, listed)
    assert seen["cameras"]["cut"] == [], (where, seen["cameras"])
    if disaster:
        assert seen["cameras"]["shown"] >= 1, (where, seen["cameras"])
    # the labels: on their district's fill, apart from each other, and any left out
    # named under the map
    for label in seen["labels"]:
        if label["fill"]:
            ratio = _contrast(label["colour"], label["fill"])
            assert ratio >= 4.5, (where, label["text"], label["colour"], label["fill"])
    boxes = seen["labels"]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a["box"], b["box"]), (where, a["text"], b["text"])
    for name in seen["hidden"]:
        assert name in seen["note"], (where, name, seen["note"])
    assert len(seen["labels"]) >= 18, (where, seen["hidden"])


@pytest.fixture(scope="module")
def fit_wall(tmp_path_factory):
    """A served wall of its own (the test raises its stage): its URL, its admin and
    its store."""
    folder = tmp_path_factory.mktemp("fit")
    # no simulated alerts: only the test's own alert moves the stage
    profile = seoul_profile_copy(folder, 3, refresh_seconds=5, alerts_per_day=0)
    env = own_store(profile, folder)
    with serving(env, free_port()) as (url, _):
        engine = store_engine.connect(f"sqlite:///{folder / 'data' / 'citywall.db'}")
        yield url, demo_admin(folder / "data"), engine


def _tour(dash_duo, url: str, disaster: bool) -> dict[int, dict]:
    driver = dash_duo.driver
    seen: dict[int, dict] = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "wall-disaster" if disaster else "wall"
    for width, height in SIZES:
        screen(driver, width, height)
        driver.get(url + "/wall")
        seen[width] = _settled(driver)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}x{height}.png"))
        _check(seen[width], width, height, disaster)
    # the map's text is twice as large on a screen twice as large
    small, big = seen[1920], seen[3840]
    for what, at in (
        ("labels", lambda s: max(label["size"] for label in s["labels"])),
        ("colour bar ticks", lambda s: s["bar"]["ticks"]),
        ("colour bar", lambda s: s["bar"]["thickness"]),
    ):
        ratio = at(big) / at(small)
        assert 1.7 <= ratio <= 2.3, (what, at(small), at(big))
    return seen


def test_the_wall_fills_every_screen(dash_duo, fit_wall):
    url, admin, _ = fit_wall
    browser_sign_in(dash_duo.driver, url, *admin)
    seen = _tour(dash_duo, url, disaster=False)
    # a screen that changes size redraws the map at its new size, with no reload
    screen(dash_duo.driver, 1920, 1080)
    again = _settled(dash_duo.driver)
    _check(again, 1920, 1080, disaster=False)
    assert abs(again["labels"][0]["size"] - seen[1920]["labels"][0]["size"]) < 0.1
    assert dash_duo.get_logs() == []


PAGE_SHOWN = """
const p = document.querySelector('#kiosk-stage .kiosk-page');
const root = document.documentElement;
return p && [p.dataset.page, root.scrollWidth, root.scrollHeight,
             document.body.scrollWidth, document.body.scrollHeight];
"""


def test_every_page_of_the_rotation_keeps_to_the_screen(dash_duo, fit_wall):
    """The domain and district pages are taller than a wall: they are cut inside
    the kiosk's stage, and the screen never scrolls."""
    url, admin, _ = fit_wall
    driver = dash_duo.driver
    browser_sign_in(driver, url, *admin)
    for width, height in ((1366, 768), (1920, 1080)):
        screen(driver, width, height)
        driver.get(url + "/wall")
        dash_duo.wait_for_element("#kiosk-stage .kpi-tile .tile-value", timeout=60)
        driver.execute_script("document.getElementById('kiosk-pause').click()")
        seen = []
        for _ in range(6):
            page = driver.execute_script(PAGE_SHOWN)[0]
            driver.execute_script("document.getElementById('kiosk-next').click()")
            deadline = time.monotonic() + 30
            while driver.execute_script(PAGE_SHOWN)[0] == page:
                assert time.monotonic() < deadline, f"the kiosk stayed on {page}"
                time.sleep(0.2)
            time.sleep(3)  # its figures and grid drawn
            shown, *scroll = driver.execute_script(PAGE_SHOWN)
            seen.append(shown)
            assert max(scroll[0], scroll[2]) <= width, (width, shown, scroll)
            assert max(scroll[1], scroll[3]) <= height, (width, shown, scroll)
        assert len(set(seen)) == 6, seen  # the whole rotation, the overview again
    assert dash_duo.get_logs() == []


def test_the_disaster_layout_fills_every_screen(dash_duo, fit_wall):
    url, admin, engine = fit_wall
    browser_sign_in(dash_duo.driver, url, *admin)
    # a severe, immediate alert: stage 4, above the ladder's layout_from (3)
    _store(engine, _flood_warning(datetime.now(UTC)))
    dash_duo.driver.get(url + "/wall")
    deadline = time.monotonic() + 60
    while not dash_duo.driver.execute_script(
        "return !!document.querySelector('#kiosk-stage #overview.disaster-layout')"
    ):
        assert time.monotonic() < deadline, "the stage never rose"
        time.sleep(0.5)
    _tour(dash_duo, url, disaster=True)
    assert dash_duo.get_logs() == []
