"""The wall's graphs on the partial plotly.js bundle (web/plotly_bundle.py), in
headless chromium: the browser fetches it in place of plotly's full bundle, the
overview's map and a domain page's map and charts draw with it, and nothing is
refused (CSP) or fails on the way. The tile map's traces: test_tile_map.py."""

from __future__ import annotations

from urllib.parse import urlparse

from plotly.offline import get_plotlyjs_version

PLOTLY_JS = "/_dash-component-suites/plotly/package_data/plotly.min.js"
HELD = {"bar", "choropleth", "choroplethmap", "scatter", "scattergeo", "scattermap"}
FETCHED = """return performance.getEntriesByType('resource')
    .filter(e => e.name.includes('/_dash-component-suites/plotly/'))
    .map(e => [e.name, e.encodedBodySize])"""
DRAWN = """return [...document.querySelectorAll('.js-plotly-plot')]
    .flatMap(g => g._fullData.map(t => t.type))"""


def test_the_overview_map_draws_with_the_partial_bundle(wall):
    wall.driver.get(wall.server_url + "/")
    wall.wait_for_element("#city-map .choroplethlocation", timeout=30)
    assert len(wall.find_elements("#city-map .choroplethlocation")) == 25
    fetched = wall.driver.execute_script(FETCHED)
    # loaded once (started with the page, assets/05-plotly-early.js; the size may
    # read 0 when the browser had it cached), and it is the partial bundle: the
    # full one would hold every trace type
    assert [urlparse(name).path for name, _ in fetched] == [PLOTLY_JS]
    held = wall.driver.execute_script(
        "return Object.keys(window.Plotly.PlotSchema.get().traces)"
    )
    assert set(held) == HELD
    assert set(wall.driver.execute_script(DRAWN)) == {"choropleth", "scattergeo"}
    assert wall.get_logs() == []


def test_a_domain_pages_map_and_charts_draw(wall):
    # traffic: the map, the records over time and by category, and a series
    wall.driver.get(wall.server_url + "/traffic")
    wall.wait_for_element("#domain-map .choroplethlocation", timeout=30)
    wall.wait_for_element("#domain-timeline .bars .point path", timeout=30)
    wall.wait_for_element("#domain-breakdown .bars .point path", timeout=30)
    wall.wait_for_element("#domain-series .scatterlayer .js-line", timeout=30)
    assert set(wall.driver.execute_script(DRAWN)) == {
        "choropleth",
        "scattergeo",
        "bar",
        "scatter",
    }
    version = wall.driver.execute_script("return window.Plotly.version")
    assert version == get_plotlyjs_version()  # the one plotly.py writes figures for
    assert wall.get_logs() == []
