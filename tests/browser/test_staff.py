"""What city staff do on their desks, in headless chromium at 1920×1080: every page,
every drill-down path, bookmarked filters, the language switch and the CSV."""

from __future__ import annotations

import csv
import io
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from city import i18n
from tests.browser.conftest import SCREENSHOTS
from tests.browser.contrast import CONTRAST_FAILURES
from tests.signin import browser_session
from tests.standard import DOMAINS, KPIS_BY_ID, SEOUL

PAGES = {
    "overview": "/",
    **{d.id: d.path for d in DOMAINS},
    "district": "/district/11680",
    "sources": "/sources",
    "cameras": "/cameras",
}
READY = {  # what each page shows once it is drawn
    "overview": "#city-map .choroplethlocation",
    "district": "#district-kpis .cell-value",
    "sources": ".source-table tbody tr",
    "cameras": ".camera-grid .camera-card",
}


def _js(wall, selector: str, prop: str = "textContent") -> str:
    """A property read in one step: tiles are rebuilt on the page's timer, so an
    element found a moment ago may be gone when asked for its text."""
    return wall.driver.execute_script(
        "return document.querySelector(arguments[0])[arguments[1]]", selector, prop
    )


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def _grid_rows(wall) -> list[dict]:
    """The rows the grid displays (the current page), as text per column."""
    return wall.driver.execute_script(
        """return [...document.querySelectorAll('#record-grid .ag-center-cols-container .ag-row')]
            .map(r => Object.fromEntries([...r.querySelectorAll('.ag-cell')]
            .map(c => [c.getAttribute('col-id'), c.textContent])))"""
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_draws_without_console_errors(wall, name):
    wall.driver.get(wall.server_url + PAGES[name])
    ready = READY.get(name, "#domain-map .choroplethlocation")
    wall.wait_for_element(ready, timeout=30)
    if name not in READY:  # a domain page: tiles, map, charts and the table of records
        domain = next(d for d in DOMAINS if d.id == name)
        if domain.events:
            wall.wait_for_element("#record-grid .ag-row", timeout=30)
            wall.wait_for_element(
                "#domain-timeline .bars, #domain-timeline .annotation"
            )
        else:  # a domain of series: its chart over the period
            wall.wait_for_element("#domain-series .scatterlayer", timeout=30)
        if domain.hotspots:  # every hotspot on the map, the busiest listed
            wall.wait_for_element("#domain-hotspots .hotspot-item", timeout=30)
        assert len(wall.find_elements("#domain-map .choroplethlocation")) == 25
        tiles = wall.find_elements(".kpi-tile")
        assert len(tiles) == len(SEOUL.indicators_of(domain.id))
        assert wall.find_element(".breadcrumb").text.startswith("Overview")
    if name != "district":  # the page's own entry in the header is marked
        expected = "Overview" if name == "overview" else i18n.t("en", f"nav.{name}")
        # waited for, not read once: the header may be drawn again meanwhile
        wall.wait_for_text_to_equal(
            ".wall-navbar .nav-link.active",
            expected
            if name in ("overview", "sources", "cameras")
            else i18n.t("en", f"domain.{name}"),
        )
    # every piece of text readable: WCAG 2.1 AA contrast
    assert wall.driver.execute_script(CONTRAST_FAILURES) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wall.driver.save_screenshot(str(SCREENSHOTS / f"{name}-1920x1080.png"))
    assert wall.get_logs() == []


def test_a_tile_opens_its_domain_page_for_its_district(wall):
    wall.driver.get(wall.server_url + "/district/11680")
    wall.wait_for_element("#district-kpis .cell-value", timeout=30)
    wall.find_element("#district-kpis a[href*='/complaints']").click()
    wall.wait_for_element("#record-grid .ag-row", timeout=30)
    assert _query(wall.driver.current_url)["district"] == "11680"
    assert "Gangnam-gu" in wall.find_element("#filter-district").text
    places = {row["place"] for row in _grid_rows(wall)}
    assert places == {"Gangnam-gu"}, places
    # the tiles on that page are the district's, and lead on with the district
    assert "district=11680" in _js(wall, ".kpi-tile a.tile-link", "href")
    # overview tile -> the city's domain page
    wall.driver.get(wall.server_url + "/")
    wall.wait_for_element(".kpi-tile a.tile-link", timeout=30)
    wall.find_element("[id*='road_avg_speed'].kpi-tile a.tile-link").click()
    wall.wait_for_element("#domain-series .scatterlayer", timeout=30)
    assert urlparse(wall.driver.current_url).path == "/traffic"
    assert wall.get_logs() == []


def _click_a_point_until(wall, opened: str, tries: int = 8) -> bool:
    """Click the map's points one after another until ``opened`` shows."""
    wall.wait_for_element("#domain-map .scattergeo .point", timeout=20)
    for i in range(tries):
        points = wall.find_elements("#domain-map .scattergeo .point")
        if not points:
            return False
        point = points[(i * 7) % len(points)]  # spread over the map
        try:
            wall.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})",
                point,
            )
            ActionChains(wall.driver).move_to_element(point).click().perform()
        except StaleElementReferenceException:
            continue
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if wall.find_elements(opened):
                return True
            time.sleep(0.2)
    return False


def test_a_row_and_a_point_open_the_record_and_breadcrumbs_lead_back(wall):
    wall.driver.get(wall.server_url + "/safety?district=11680&period=7d")
    wall.wait_for_element("#record-grid .ag-row", timeout=30)
    first = wall.find_element("#record-grid .ag-center-cols-container .ag-row")
    row_id = first.get_attribute("row-id")
    cell = first.find_element(By.CSS_SELECTOR, "[col-id='title']")
    title = cell.text
    wall.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", cell
    )
    cell.click()
    panel = wall.wait_for_element("#record-detail", timeout=20)
    assert panel.get_attribute("data-record") == row_id
    wall.wait_for_text_to_equal(".record-title", title, timeout=10)
    assert "Lifecycle" in panel.text  # dispatched -> arrived -> ... with times
    wall.find_element(".offcanvas .btn-close").click()
    wall.wait_for_no_elements(".offcanvas.show, .offcanvas-backdrop", timeout=10)

    # a point on the map: the panel opens on that record. Which points the day's
    # records put where changes: one under the district's label takes no click,
    # so the points are tried in turn (a refresh may also redraw the map between
    # finding a point and clicking it: then the redrawn one is tried)
    assert _click_a_point_until(wall, ".offcanvas.show #record-detail"), (
        "no point opened a record"
    )
    panel = wall.find_element("#record-detail")
    assert panel.get_attribute("data-record").isdigit()
    wall.find_element(".offcanvas .btn-close").click()
    wall.wait_for_no_elements(".offcanvas.show, .offcanvas-backdrop", timeout=10)

    # breadcrumbs: Overview › Gangnam-gu › Safety
    wall.driver.execute_script("window.scrollTo(0, 0)")
    crumbs = wall.find_elements(".breadcrumb-item")
    assert [c.get_attribute("textContent") for c in crumbs] == [
        "Overview",
        "Gangnam-gu",
        "Safety",
    ]
    crumbs[1].find_element(By.TAG_NAME, "a").click()
    wall.wait_for_contains_text(".district-title", "Gangnam-gu", timeout=20)
    wall.find_element(".breadcrumb-item a").click()
    wall.wait_for_element("#city-map .choroplethlocation", timeout=20)
    assert wall.get_logs() == []


def test_a_district_on_a_domain_map_opens_its_page(wall):
    # a category with no records: no points lie over the district to click
    wall.driver.get(wall.server_url + "/complaints?category=none_such")
    wall.wait_for_element("#domain-map .choroplethlocation", timeout=30)
    shapes = wall.find_elements("#domain-map .choroplethlocation")
    ActionChains(wall.driver).move_to_element(shapes[22]).click().perform()
    wall.wait_for_contains_text(".district-title", "Gangnam-gu", timeout=20)
    assert wall.get_logs() == []


def test_what_just_happened_opens_the_record(wall):
    wall.wait_for_element("#event-feed .feed-link", timeout=30)
    # read and click in one step: the feed is rebuilt on the wall's timer
    href = wall.driver.execute_script(
        "const a = document.querySelector('#event-feed .feed-link'); a.click();"
        "return a.href"
    )
    panel = wall.wait_for_element("#record-detail", timeout=30)
    assert panel.get_attribute("data-record") == _query(href)["record"]
    assert wall.get_logs() == []


def test_a_bookmarked_view_comes_back_as_it_was(wall):
    url = "/complaints?district=11680&category=noise&period=7d&lang=ko"
    wall.driver.get(wall.server_url + url)
    wall.wait_for_element("#record-grid .ag-row", timeout=30)
    assert "강남구" in wall.find_element("#filter-district").text
    assert "소음" in wall.find_element("#filter-category").text
    checked = wall.driver.execute_script(
        "return document.querySelector('#filter-period input:checked').value"
    )
    assert checked == "7d"
    rows = _grid_rows(wall)
    assert rows and {r["category"] for r in rows} == {"소음"}
    assert {r["place"] for r in rows} == {"강남구"}
    assert wall.find_element(".nav-link.active").text == "민원"

    # a new choice goes into the address, and a reload keeps it
    wall.driver.execute_script(
        "document.querySelector(\"#filter-period input[value='30d']\").click()"
    )
    _wait_for_query(wall, "period", "30d")
    wall.driver.refresh()
    wall.wait_for_element("#record-grid .ag-row", timeout=30)
    query = _query(wall.driver.current_url)
    assert query == {
        "district": "11680",
        "category": "noise",
        "period": "30d",
        "lang": "ko",
    }
    assert "최근 30일" in wall.find_element("#domain-page").text
    assert wall.get_logs() == []


def _wait_for_query(wall, key: str, value: str) -> None:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _query(wall.driver.current_url).get(key) == value:
            return
        time.sleep(0.2)
    raise AssertionError(f"{key}={value} never reached {wall.driver.current_url}")


@pytest.mark.parametrize(
    ("lang", "overview", "label", "number"),
    [
        ("ko", "개요", "미처리 민원", re.compile(r"^[\d,]+$")),
        ("es", "Resumen", "Reclamos pendientes", re.compile(r"^[\d.]+$")),
    ],
)
def test_the_language_switch(wall, lang, overview, label, number):
    wall.driver.get(wall.server_url + "/complaints?district=11680&period=7d")
    wall.wait_for_element("#record-grid .ag-row", timeout=30)
    wall.find_element(f".lang-link[href*='lang={lang}']").click()
    wall.wait_for_contains_text(".wall-navbar", overview, timeout=20)
    query = _query(wall.driver.current_url)
    assert query["lang"] == lang and query["district"] == "11680"  # view kept
    # the page is drawn again in the new language (the header may come first)
    wall.wait_for_text_to_equal(
        "[id*='complaints_open'].kpi-tile .tile-label", label, timeout=20
    )
    value, grid = wall.driver.execute_script(
        """return [document.querySelector("[id*='complaints_open'].kpi-tile .tile-value")
                   .textContent, document.querySelector('#record-grid').innerText]"""
    )
    assert number.match(value), value
    assert i18n.t(lang, "grid.page") in grid  # the grid's own words too
    assert wall.get_logs() == []


def test_the_csv_of_a_tile_holds_the_tile(wall):
    wall.driver.get(wall.server_url + "/district/11680?lang=es")
    wall.wait_for_element("#district-kpis", timeout=30)
    wall.driver.get(wall.server_url + "/?lang=es")
    selector = "[id*='road_avg_speed'].kpi-tile"
    wall.wait_for_element(f"{selector} .tile-value", timeout=30)
    href = _js(wall, f"{selector} .tile-csv", "href")
    # the feed is live: compare a tile and a CSV taken within the same moment (the
    # same data version and 5-second bucket), trying over a few refreshes
    for attempt in range(20):
        time.sleep(0.7 if attempt else 0)
        before = _js(wall, f"{selector} .tile-value")
        body = browser_session(wall.driver).get(href, timeout=20)
        after = _js(wall, f"{selector} .tile-value")
        (row,) = csv.DictReader(io.StringIO(body.content.decode("utf-8-sig")))
        shown = i18n.number(float(row["value"]), "es", KPIS_BY_ID[row["kpi"]].decimals)
        if before == after == shown:
            break
    else:
        pytest.fail(f"tile {before!r}/{after!r}, CSV {row['value']} ({shown!r})")
    assert body.headers["Content-Type"].startswith("text/csv")
    assert row["label"] == "Velocidad media en vías" and row["unit"] == "km/h"
    assert row["status"] in ("good", "watch", "alert")


def test_the_csv_of_a_table_holds_its_filter(wall):
    # a week: the demo's day in one district may hold no incident at all
    wall.driver.get(wall.server_url + "/safety?district=11680&period=7d")
    wall.wait_for_element("#record-grid .ag-row", timeout=30)
    href = wall.find_element("#records-csv").get_attribute("href")
    rows = list(
        csv.DictReader(
            io.StringIO(
                browser_session(wall.driver).get(href, timeout=20).text.lstrip("\ufeff")
            )
        )
    )
    assert rows and {r["district_code"] for r in rows} == {"11680"}
    shown = wall.find_element("#record-count").text
    total = int(re.search(r"of ([\d,]+)", shown).group(1).replace(",", ""))
    assert abs(len(rows) - total) <= 3  # the feed is live between the two reads


def _timeline(wall) -> dict:
    """The timeline as drawn: its x range (ms), its bars per trace, their colours
    and hatches, and the y axis' tick labels."""
    return wall.driver.execute_script(
        """const g = document.querySelector('#domain-timeline .js-plotly-plot');
        const range = g._fullLayout.xaxis.range.map(v => new Date(v).getTime());
        return {range: range, traces: g._fullData.map(t => ({name: t.name,
                  n: t.x.length, colour: t.marker.color,
                  pattern: t.marker.pattern.shape})),
                yticks: [...g.querySelectorAll('.ytick text')].map(e => e.textContent),
                note: [...g.querySelectorAll('.annotation-text')]
                  .map(e => e.textContent)}"""
    )


def _wait_for_timeline(wall, test) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            drawn = _timeline(wall)
        except Exception:  # not drawn yet, or redrawn as read
            drawn = None
        if drawn and test(drawn):
            return drawn
        time.sleep(0.3)
    raise AssertionError(f"the timeline never came as wanted: {drawn}")


def test_the_charts_cover_the_period_chosen(wall):
    wall.driver.get(wall.server_url + "/complaints?period=24h")
    wall.wait_for_element("#domain-timeline .bars", timeout=30)
    hour = 3600 * 1000
    day = _wait_for_timeline(wall, lambda d: d["traces"])
    assert 24 * hour <= day["range"][1] - day["range"][0] <= 26 * hour
    assert {t["n"] for t in day["traces"]} == {25}  # every hour, empty ones too
    # a colour (and hatch) of its own for every category of the chart
    styles = {(t["colour"], t["pattern"]) for t in day["traces"]}
    assert len(styles) == len(day["traces"]) >= 9
    assert all(re.fullmatch(r"[\d,]+", tick) for tick in day["yticks"]), day

    wall.driver.execute_script(
        "document.querySelector(\"#filter-period input[value='7d']\").click()"
    )
    _wait_for_query(wall, "period", "7d")
    week = _wait_for_timeline(wall, lambda d: d["range"][1] - d["range"][0] > 2e8)
    assert (
        7 * 24 * hour
        <= week["range"][1] - week["range"][0]
        <= 7 * 24 * hour + 12 * hour
    )
    assert {t["n"] for t in week["traces"]} == {29}  # every 6 hours of the week
    colour_of = {t["name"]: (t["colour"], t["pattern"]) for t in day["traces"]}
    for t in week["traces"]:  # a category keeps its colour whatever the period
        if t["name"] in colour_of:
            assert (t["colour"], t["pattern"]) == colour_of[t["name"]], t["name"]
    assert all(re.fullmatch(r"[\d,]+", tick) for tick in week["yticks"]), week
    assert wall.get_logs() == []


def test_an_empty_view_says_so_and_the_tiles_say_what_they_count(wall):
    wall.driver.get(wall.server_url + "/complaints?category=none_such&period=7d")
    wall.wait_for_element("#domain-map .choroplethlocation", timeout=30)
    empty = _wait_for_timeline(wall, lambda d: d["note"])
    assert empty["note"] == ["No records in this period"]
    assert 7 * 24 * 3600e3 <= empty["range"][1] - empty["range"][0]
    ticks = wall.driver.execute_script(
        "return [...document.querySelectorAll('#domain-map .colorbar .cbaxis text')]"
        ".map(e => e.textContent)"
    )
    assert ticks and ticks[0] == "0" and not any("−" in t or "." in t for t in ticks)
    # the tiles count every category: said, not left to be misread
    assert wall.find_element("#tiles-note").text.startswith("Indicators: all")
    assert wall.driver.execute_script(CONTRAST_FAILURES) == []
    wall.driver.get(wall.server_url + "/complaints?period=7d")
    wall.wait_for_element("#domain-timeline .bars", timeout=30)
    assert wall.find_elements("#tiles-note") == []
    assert wall.get_logs() == []


def test_a_page_whose_sign_in_ended_goes_to_the_sign_in_page(wall):
    """A session gone while the page is open (expired, the account removed): the
    next refresh is refused, and the page asks for a sign-in and comes back to
    itself after it, instead of freezing with the renderer's error."""
    wall.driver.get(f"{wall.server_url}/traffic")
    wall.wait_for_element(".kpi-tile .tile-value", timeout=30)
    wall.driver.get_log("browser")
    wall.driver.delete_all_cookies()  # what an expired session leaves
    wall.wait_for_element("#sign-in", timeout=20)  # within a refresh or two
    assert _query(wall.driver.current_url) == {"next": "/traffic"}
    scripts = [e for e in wall.driver.get_log("browser") if e["source"] != "network"]
    assert scripts == []  # the refused refresh's own line is the browser's
