"""What a user does on the wall, in headless chromium at 1920×1080."""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.browser.conftest import SCREENSHOTS
from tests.standard import KPIS

NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def test_overview_shows_every_tile_with_a_number(wall):
    wall.wait_for_element(".kpi-tile .tile-value", timeout=20)
    wall.wait_for_element("#city-map .choroplethlocation", timeout=20)
    # one snapshot of every tile: the wall rebuilds them on its timer
    tiles = wall.driver.execute_script(
        """return [...document.querySelectorAll('.kpi-tile')].map(t => ({
            id: JSON.parse(t.id).kpi, cls: t.className,
            value: t.querySelector('.tile-value').textContent}))"""
    )
    assert [t["id"] for t in tiles] == [k.id for k in KPIS]
    for tile in tiles:
        assert NUMBER.match(tile["value"]), f"{tile['id']} shows {tile['value']!r}"
        assert "status-nodata" not in tile["cls"], tile["id"]
    assert (
        len(wall.driver.find_elements(By.CSS_SELECTOR, "#city-map .choroplethlocation"))
        == 25
    )
    labels = wall.driver.execute_script(
        "return [...document.querySelectorAll('#city-map .scattergeo text')].map(t => t.textContent)"
    )
    assert any("Gangnam" in t for t in labels), "district names show without hovering"
    freshness = wall.find_element("#freshness").text
    assert "Data as of" in freshness and "STALE" not in freshness
    assert "● demo" in freshness and "stale" not in freshness  # the feed is live
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wall.driver.save_screenshot(str(SCREENSHOTS / "overview-1920x1080.png"))
    assert wall.get_logs() == []


def test_overview_refreshes_by_itself(wall):
    """New data reaches the tiles on the wall's timer, with no reload; a refresh
    that finds nothing new leaves the page as it is."""
    from datetime import UTC, datetime

    from city.records import Event
    from store import versions, writes
    from web import runtime

    wall.wait_for_element(".kpi-tile .tile-value", timeout=20)
    time.sleep(5)  # a few refreshes with nothing new …
    wall.driver.execute_script(
        "document.querySelectorAll('.kpi-tile').forEach(t => t.dataset.old = '1')"
    )
    time.sleep(4)
    still = wall.driver.execute_script(
        "return document.querySelectorAll('.kpi-tile[data-old]').length"
    )
    # … left them alone, unless the live feed delivered meanwhile
    assert still in (0, len(KPIS))
    now = datetime.now(UTC)
    with runtime.engine().begin() as conn:
        writes.upsert_events(
            conn,
            "test",
            [Event(f"refresh-{now.timestamp()}", "complaints", "noise", now)],
            now,
        )
        versions.bump_data_version(conn)
    wall.wait_for_no_elements(".kpi-tile[data-old]", timeout=15)
    assert len(wall.driver.find_elements(By.CSS_SELECTOR, ".kpi-tile")) == len(KPIS)
    assert wall.get_logs() == []


def test_click_on_a_district_opens_its_page(wall):
    wall.wait_for_element("#city-map .choroplethlocation", timeout=20)
    # Gangnam-gu is the 23rd district of the profile (profile order = trace order)
    shapes = wall.driver.find_elements(By.CSS_SELECTOR, "#city-map .choroplethlocation")
    ActionChains(wall.driver).move_to_element(shapes[22]).click().perform()
    wall.wait_for_contains_text(".district-title", "Gangnam-gu", timeout=20)
    assert "/district/11680?" in wall.driver.current_url
    values = wall.driver.execute_script(
        "return [...document.querySelectorAll('#district-kpis .cell-value')]"
        ".map(c => c.textContent)"
    )
    assert len(values) == len(KPIS)
    assert all(NUMBER.match(v) for v in values), values
    assert wall.get_logs() == []


def test_unknown_district_gets_a_not_found_page_in_the_shell(wall):
    visited = [
        wall.server_url + path
        for path in ("/district/99999", "/district/11680/extra", "/no/such/page")
    ]
    wall.driver.get(visited[0])
    wall.wait_for_element("#not-found", timeout=20)
    assert "99999" in wall.find_element("#not-found-reason").text
    assert wall.find_element(".wall-navbar")  # the app's shell, not a bare error
    for url in visited[1:]:
        wall.driver.get(url)
        wall.wait_for_element("#not-found", timeout=20)
    assert "Traceback" not in wall.driver.page_source
    # the only console lines: the browser noting each address's 404 status
    # (the status a link checker or a proxy believes), nothing from the page
    own_status = [
        f"{url} - Failed to load resource: the server responded with a status of "
        "404 (NOT FOUND)"
        for url in visited
    ]
    assert [(e["source"], e["message"]) for e in wall.get_logs()] == [
        ("network", line) for line in own_status
    ]


def test_wall_lists_what_just_happened(wall):
    wall.wait_for_element("#event-feed .feed-item", timeout=20)
    items = wall.driver.execute_script(
        "return [...document.querySelectorAll('#event-feed .feed-item')]"
        ".map(i => i.textContent)"
    )
    assert len(items) == 8
    assert all(re.match(r"^\d\d:\d\d", item) for item in items), items
    assert wall.get_logs() == []


def test_a_source_badge_opens_the_sources_page(wall):
    badge = wall.wait_for_element("#freshness a.source-badge", timeout=20)
    badge.click()
    wall.wait_for_element(".source-table", timeout=20)
    row = wall.find_element(".source-table tbody tr")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    assert cells[0].startswith("demo") and "simulator, every 5 s" in cells[0]
    assert cells[1] == "ok"
    assert re.match(r"[A-Z][a-z]{2} \d{1,2} \d\d:\d\d$", cells[2])  # last success
    delivers = cells[6]
    for feed in ("complaints", "safety", "disaster", "traffic", "road_speed", "pm25"):
        assert feed in delivers
    assert wall.get_logs() == []


def test_the_city_score_explains_itself(wall):
    """One number for the city, each domain's, and on a click the KPIs that pull it
    down, worst first, whose mean is the number shown."""
    wall.wait_for_element("#city-score .score-value", timeout=20)
    assert re.match(r"^\d\.\d\d$", wall.find_element("#city-score .score-value").text)
    # a chip per domain with a target to judge by
    domains = {k.domain for k in KPIS if k.target is not None}
    assert len(wall.driver.find_elements(By.CSS_SELECTOR, ".score-chip")) == len(
        domains
    )
    wall.find_element("#score-card").click()
    wall.wait_for_element("#score-explanation", timeout=20)
    parts = wall.driver.execute_script(
        """return [...document.querySelectorAll('#score-explanation tbody tr')]
            .map(r => r.lastChild.textContent)"""
    )
    assert len(parts) == len(KPIS)
    scored = [float(p) for p in parts if re.match(r"^\d\.\d\d$", p)]
    assert scored == sorted(scored), "what pulls the score down comes first"
    shown = float(wall.find_element("#city-score .score-value").text)
    assert abs(sum(scored) / len(scored) - shown) <= 0.01 + 0.005 * len(scored)
    assert wall.get_logs() == []
