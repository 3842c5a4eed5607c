"""Every page as a person sees it at 1920×1080, and every panel, menu and pop-up
opened on it: all text in WCAG AA contrast (tests/browser/contrast.py), and not a
line in the browser's console, at any level (the browser tests' driver keeps every
level: tests/browser/conftest.py).

Staff pages are seen as the admin; the public page signed out, and embeds with
their own token, as an intranet shows them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.browser.conftest import SCREENSHOTS, gpu_note
from tests.browser.contrast import CONTRAST_FAILURES
from tests.signin import browser_signed_out

DISTRICT = "11680"  # Gangnam-gu
PUBLIC_KPI = "complaints_today"
GRID_ROW = "#record-grid .ag-center-cols-container .ag-row"
# A page's address and what shows once it is drawn; every registered page has one
# (test_every_registered_page_is_here).
NOT_FOUND = "/no-such-page"
PAGES = {
    "/": "#city-map .choroplethlocation",
    "/traffic": GRID_ROW,
    "/safety?period=7d": GRID_ROW,
    "/complaints": GRID_ROW,
    "/disasters": GRID_ROW,
    "/crowd": "#domain-hotspots .hotspot-item",
    "/hotspot/POI014": "#hotspot-level",
    f"/district/{DISTRICT}": "#district-kpis .cell-value",
    "/sources": ".source-table tbody tr",
    "/cameras": ".camera-grid .camera-card",
    "/admin": "#admin-health-body .health-line",
    "/wall": ".kiosk-strip .kiosk-clock",
    "/embed/overview": "#city-map .choroplethlocation",
    f"/embed/tile/{PUBLIC_KPI}?district={DISTRICT}": ".kpi-tile .tile-value",
    NOT_FOUND: "#not-found-reason",
}
SIGNED_OUT = {  # seen without signing in: the open page and the sign-in form
    "/public": "#public-tiles .kpi-tile",
    "/login": "#sign-in",
}
TOKEN_EMBEDS = {  # an intranet's iframe: the address and its token, no session
    "complaints": "#domain-map .choroplethlocation",  # rows are for staff only
    f"tile/{PUBLIC_KPI}": ".kpi-tile .tile-value",
}
SETTLE_SECONDS = 3  # a refresh or two (2 s in the test profile) after drawing


def _page_of(path: str) -> str:
    """The module of the registered page an address opens."""
    import dash
    from dash import _pages

    found = _pages._path_to_page(path.split("?")[0].strip("/"))[0]
    if found:
        return found["module"]
    return next(
        p["module"] for p in dash.page_registry.values() if "404" in p["module"]
    )


def test_every_registered_page_is_here(wall_app):
    import dash

    registered = {page["module"] for page in dash.page_registry.values()}
    walked = {_page_of(path) for path in (*PAGES, *SIGNED_OUT)}
    assert registered - walked == set()


def _console(wall) -> list[dict]:
    """What the page logged since the last look, every level."""
    return [
        {"level": e["level"], "message": e["message"][:300]}
        for e in wall.driver.get_log("browser")
        if not gpu_note(e)
    ]


def _contrast(wall) -> list[dict]:
    return wall.driver.execute_script(CONTRAST_FAILURES)


def _settled(wall, ready: str) -> None:
    wall.wait_for_element(ready, timeout=30)
    time.sleep(SETTLE_SECONDS)


def _seen(wall, path: str, ready: str) -> tuple[list, list]:
    wall.driver.get(wall.server_url + path)
    _settled(wall, ready)
    return _contrast(wall), _console(wall)


def _own_404(wall, path: str) -> list[dict]:
    """The one line chromium itself logs for an address that answers 404, as a
    not-found page must: the document's status, not the page's doing."""
    url = wall.server_url + path
    return [
        {
            "level": "SEVERE",
            "message": f"{url} - Failed to load resource: the server responded "
            "with a status of 404 (NOT FOUND)",
        }
    ]


@pytest.mark.parametrize("path", list(PAGES))
def test_a_page_reads_in_aa_contrast_with_a_quiet_console(wall, path):
    _console(wall)  # the sign-in page's lines are not this page's
    expected = _own_404(wall, path) if path == NOT_FOUND else []
    assert _seen(wall, path, PAGES[path]) == ([], expected)


@pytest.fixture
def signed_out(wall, monkeypatch):
    """The same wall for someone who has not signed in, with one KPI opened to
    the public."""
    from web import runtime

    monkeypatch.setenv("CITYWALL_PUBLIC_KPIS", PUBLIC_KPI)
    runtime.settings.cache_clear()
    browser_signed_out(wall.driver, wall.server_url)
    yield wall
    runtime.settings.cache_clear()


@pytest.mark.parametrize("path", list(SIGNED_OUT))
def test_a_page_for_everyone_reads_in_aa_contrast_with_a_quiet_console(
    signed_out, path
):
    assert _seen(signed_out, path, SIGNED_OUT[path]) == ([], [])


def _token_embed(wall, app, target: str) -> tuple[list, list]:
    """An embed seen as an intranet page shows it: its address with a token."""
    from access import embed_tokens
    from web import runtime
    from web.signing import signing_key

    district = DISTRICT if target.startswith("tile/") else None
    token = embed_tokens.issue(
        runtime.engine(),
        signing_key(app.server),
        target,
        district,
        timedelta(hours=1),
        datetime.now(UTC),
    )
    path = f"/embed/{target}?" + (f"district={district}&" if district else "")
    return _seen(wall, f"{path}token={token}", TOKEN_EMBEDS[target])


@pytest.mark.parametrize("target", list(TOKEN_EMBEDS))
def test_a_token_embed_reads_in_aa_contrast(signed_out, wall_app, target):
    contrast, _console_lines = _token_embed(signed_out, wall_app, target)
    assert contrast == []


@pytest.mark.parametrize("target", list(TOKEN_EMBEDS))
def test_a_token_embed_keeps_a_quiet_console(signed_out, wall_app, target):
    _contrast_failures, console = _token_embed(signed_out, wall_app, target)
    assert console == []


# -- panels, menus and pop-ups ---------------------------------------------------


def _click(wall, selector: str) -> None:
    """A click as a person makes it, on an element scrolled into view."""
    element = wall.wait_for_element(selector, timeout=30)
    wall.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    ActionChains(wall.driver).move_to_element(element).click().perform()


def _opened(wall, path: str, ready: str) -> None:
    wall.driver.get(wall.server_url + path)
    _settled(wall, ready)
    assert _console(wall) == []


def test_the_record_panel_and_its_cameras_read_in_aa_contrast(wall):
    _opened(wall, "/complaints?period=7d", GRID_ROW)
    _click(wall, f"{GRID_ROW} [col-id='title']")
    wall.wait_for_element(".offcanvas.show #record-detail", timeout=20)
    # the nearest cameras' names under their pictures
    wall.wait_for_element(".offcanvas.show .camera-card .camera-name", timeout=20)
    time.sleep(1)  # the panel slides in
    panel = wall.find_element(".offcanvas.show")
    assert panel.value_of_css_property("background-color") != "rgba(255, 255, 255, 1)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wall.driver.save_screenshot(str(SCREENSHOTS / "record-panel-1920x1080.png"))
    assert _contrast(wall) == []
    assert _console(wall) == []


def test_the_score_explanation_reads_in_aa_contrast(wall):
    _opened(wall, "/", "#score-card")
    _click(wall, "#score-card")
    wall.wait_for_element("#score-panel.show", timeout=20)
    time.sleep(1)
    wall.driver.save_screenshot(str(SCREENSHOTS / "score-panel-1920x1080.png"))
    assert _contrast(wall) == []
    assert _console(wall) == []


@pytest.mark.parametrize(
    "path, dropdown",
    [
        ("/complaints", "#filter-district"),
        ("/complaints", "#filter-category"),
        ("/", "#map-metric"),
        ("/cameras", "#cameras-district"),
    ],
)
def test_an_open_dropdown_menu_reads_in_aa_contrast(wall, path, dropdown):
    _opened(wall, path, dropdown)
    _click(wall, dropdown)
    wall.wait_for_element("[role='listbox'] [role='option']", timeout=10)
    # one option under the pointer: its highlight must read too
    options = wall.driver.find_elements(By.CSS_SELECTOR, "[role='option']")
    ActionChains(wall.driver).move_to_element(
        options[min(1, len(options) - 1)]
    ).perform()
    assert _contrast(wall) == []
    assert _console(wall) == []


def test_the_grid_menus_read_in_aa_contrast(wall):
    """The records grid's column filter and its page size list."""
    _opened(wall, "/complaints", GRID_ROW)
    _click(
        wall,
        "#record-grid .ag-header-cell[col-id='title'] .ag-header-cell-filter-button, "
        "#record-grid .ag-header-cell[col-id='title'] .ag-header-cell-menu-button",
    )
    wall.wait_for_element("#record-grid .ag-filter input", timeout=10)
    wall.find_element("#record-grid .ag-filter input").send_keys("x")
    assert _contrast(wall) == []
    wall.driver.find_element(By.TAG_NAME, "body").click()
    _click(wall, "#record-grid .ag-paging-page-size .ag-picker-field-wrapper")
    wall.wait_for_element(".ag-select-list .ag-list-item", timeout=10)
    assert _contrast(wall) == []
    assert _console(wall) == []


def test_a_map_hover_label_reads_in_aa_contrast(wall):
    _opened(wall, "/", "#city-map .choroplethlocation")
    district = wall.find_elements("#city-map .choroplethlocation")[3]
    ActionChains(wall.driver).move_to_element(district).perform()
    wall.wait_for_element("#city-map .hoverlayer text", timeout=10)
    assert _contrast(wall) == []
    assert _console(wall) == []
