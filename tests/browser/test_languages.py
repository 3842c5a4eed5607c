"""The wall in Korean and Spanish as a person reads it, in headless chromium at
1920×1080: the demo's record titles, the browser tab, a chart's dates, the sign-in
page and the staff header on one line."""

from __future__ import annotations

import re
import time

import pytest

from city import i18n
from tests.browser.contrast import CONTRAST_FAILURES
from tests.signin import TEST_ADMIN, browser_signed_out

TITLES = {
    lang: {v for k, v in i18n.catalog(lang).items() if k.startswith("record_title.")}
    for lang in i18n.shipped_languages()
}
# a date tick as each language writes it: "12월 5일", "5 dic"
DAY_TICK = {
    "ko": re.compile(r"^(\d{4}년 )?\d{1,2}월 \d{1,2}일$"),
    "es": re.compile(
        r"^\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic)( \d{4})?$"
    ),
}


def _texts(wall, selector: str) -> list[str]:
    """Texts read in one step: the page's timer may redraw them meanwhile."""
    return wall.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])]"
        ".map(e => e.textContent.trim()).filter(Boolean)",
        selector,
    )


def _wait_for(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


@pytest.mark.parametrize("lang", ["ko", "es"])
def test_the_demos_records_read_in_the_walls_language(wall, lang):
    # other tests add records of their own to the shared store (titles as a feed
    # sends them, which stay as sent): the demo's are those of its kinds
    english = TITLES["en"] - TITLES[lang]
    wall.driver.get(f"{wall.server_url}/?lang={lang}")
    wall.wait_for_element("#event-feed .feed-title", timeout=30)
    feed = _texts(wall, "#event-feed .feed-title")
    assert set(feed) & TITLES[lang] and not set(feed) & english, feed
    # a record of the demo opens on its domain page, its panel titled in lang
    first = feed.index(next(t for t in feed if t in TITLES[lang]))
    wall.driver.find_elements("css selector", "#event-feed .feed-link")[first].click()
    wall.wait_for_element("#record-detail .record-title", timeout=30)
    (title,) = _texts(wall, "#record-detail .record-title")
    assert title == feed[first]
    rows = _wait_for(lambda: _texts(wall, "#record-grid .ag-cell[col-id='title']"))
    assert set(rows) & TITLES[lang] and not set(rows) & english, rows
    assert not wall.get_logs()


def test_a_language_the_city_does_not_offer_shows_its_default(wall):
    """Seoul offers ko, en and es: a shipped Japanese is not among them."""
    wall.driver.get(f"{wall.server_url}/traffic?lang=ja")
    wall.wait_for_text_to_equal(".wall-navbar .nav-link.active", "Traffic")
    switch = _texts(wall, ".wall-navbar .lang-link")
    assert switch == ["KO", "EN", "ES"]
    assert _texts(wall, ".wall-navbar .lang-link.active") == ["EN"]
    assert not wall.get_logs()


def _an_alert_in_force() -> None:
    """A minor heavy-rain alert in force, as the demo's feed sends one (its title's
    key for the catalogs; minor: no stage rule raises the shared wall's stage).
    The demo's own alerts come and go with the clock: at some hours none is in
    force, and the test was skipped."""
    from datetime import UTC, datetime, timedelta

    from city.records import TITLE_KEY, Event
    from store import versions, writes
    from web import runtime

    now = datetime.now(UTC)
    alert = Event(
        source_id="ticker-heavy-rain",
        domain="disaster",
        category="heavy_rain",
        title="Heavy rain advisory",
        occurred_at=now - timedelta(minutes=5),
        status="active",
        severity="Minor",
        expires_at=now + timedelta(hours=3),
        attrs={TITLE_KEY: "heavy_rain"},
    )
    with runtime.engine().begin() as conn:
        writes.upsert_events(conn, "test-ticker", [alert], now)
        versions.bump_data_version(conn)


@pytest.mark.parametrize("lang", ["ko", "es"])
def test_the_ticker_tells_an_alert_in_the_walls_language(wall, lang):
    _an_alert_in_force()
    wall.driver.get(f"{wall.server_url}/?lang={lang}")
    none = i18n.t(lang, "ticker.none")
    items = _wait_for(
        lambda: [i for i in _texts(wall, "#alert-ticker .ticker-item") if i != none]
    )
    assert items
    for item in items:
        assert item.split(" · ")[1] in TITLES[lang], item


@pytest.mark.parametrize(
    ("path", "lang", "title"),
    [
        ("/traffic", "ko", "교통 — 서울특별시 · CityWall"),
        ("/district/11680", "es", "Gangnam-gu — Seúl · CityWall"),
    ],
)
def test_the_browser_tab_names_the_page_and_the_city_in_its_language(
    wall, path, lang, title
):
    wall.driver.get(f"{wall.server_url}{path}?lang={lang}")
    assert _wait_for(lambda: wall.driver.title == title), wall.driver.title
    # another language from the header's switch: the tab follows
    wall.find_element(".lang-link[href*='lang=en']").click()
    english = title.split(" — ")[0] if lang == "es" else "Traffic"
    assert _wait_for(lambda: wall.driver.title == f"{english} — Seoul · CityWall")


@pytest.mark.parametrize("lang", ["ko", "es"])
def test_a_charts_dates_read_in_the_pages_language(wall, lang):
    wall.driver.get(f"{wall.server_url}/complaints?lang={lang}&period=7d")
    wall.wait_for_element("#domain-timeline .xtick text", timeout=30)
    ticks = _wait_for(lambda: _texts(wall, "#domain-timeline .xtick text"))
    days = [line for tick in ticks for line in [tick] if DAY_TICK[lang].match(line)]
    assert days, ticks
    english = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
    assert not [t for t in ticks if english.search(t)], ticks
    assert not wall.get_logs()


@pytest.mark.parametrize("lang", ["ko", "es"])
def test_the_sign_in_page_speaks_the_language_on_the_walls_dark_theme(wall, lang):
    browser_signed_out(wall.driver, wall.server_url)
    wall.driver.get(f"{wall.server_url}/login?lang={lang}")
    wall.wait_for_element("#sign-in")
    assert wall.driver.find_element("tag name", "html").get_attribute("lang") == lang
    labels = _texts(wall, "label")
    assert labels == [
        i18n.t(lang, "sign_in.username"),
        i18n.t(lang, "sign_in.password"),
    ]
    assert wall.find_element("#sign-in").text == i18n.t(lang, "sign_in.submit")
    city = {"ko": "서울특별시", "es": "Seúl"}[lang]
    heading = i18n.t(lang, "sign_in.heading")
    assert wall.driver.title == i18n.t(lang, "title.page", page=heading, city=city)
    background = wall.driver.execute_script(
        "return getComputedStyle(document.querySelector('.sign-in')).backgroundColor"
    )
    red, green, blue = map(int, re.findall(r"\d+", background)[:3])
    assert max(red, green, blue) < 60, background  # a dark panel, as the wall
    assert wall.driver.execute_script(CONTRAST_FAILURES) == []
    # the switch offers the other languages and keeps where to go after
    wall.find_element(".lang-link[href*='lang=en']").click()
    wall.wait_for_text_to_equal("#sign-in", "Sign in")
    # and signing in still works, in any language
    wall.find_element("#username").send_keys(TEST_ADMIN[0])
    wall.find_element("#password").send_keys(TEST_ADMIN[1])
    wall.find_element("#sign-in").click()
    assert _wait_for(lambda: "/login" not in wall.driver.current_url)


def test_the_spanish_header_holds_on_one_line_at_1920(wall):
    wall.driver.get(f"{wall.server_url}/?lang=es")
    wall.wait_for_element(".wall-navbar .sign-out", timeout=30)
    wall.wait_for_text_to_equal(".wall-navbar .nav-link.active", "Resumen")
    wall.wait_for_element("#clock:not(:empty)")
    assert wall.driver.execute_script("return window.innerWidth") == 1920
    items = wall.driver.execute_script(
        """const bar = document.querySelector('.wall-navbar .container-fluid');
        const lines = (e) => {  // the line boxes an item's words are set in
            const range = document.createRange();
            range.selectNodeContents(e);
            const rects = [...range.getClientRects()].filter(r => r.height > 0)
                .sort((a, b) => a.top - b.top);
            let count = 0, bottom = -Infinity;
            for (const r of rects) {  // a rect below all the others starts a line
                if (r.top >= bottom - 1) { count += 1; }
                bottom = Math.max(bottom, r.bottom);
            }
            return count;
        };
        const shown = '.navbar-brand, .nav-link, .lang-link, .clock, .clock-zone, '
            + '.sign-out';
        const boxes = '.navbar-brand, .nav-link, .lang-link, .clock-box, .sign-out';
        return {
            words: [...bar.querySelectorAll(shown)].map(e => [e.textContent, lines(e)]),
            boxes: [...bar.querySelectorAll(boxes)].map(e => {
                const r = e.getBoundingClientRect();
                return [e.textContent, r.top, r.bottom, r.right];
            }),
        };"""
    )
    # no item breaks inside its words ("Cerrar / sesión")
    assert [text for text, lines in items["words"] if lines != 1] == [], items
    # and every item stands in one row, inside the screen
    boxes = items["boxes"]
    assert max(top for _, top, _, _ in boxes) < min(b for _, _, b, _ in boxes), boxes
    assert max(right for *_, right in boxes) <= 1920, boxes
    assert not wall.get_logs()
