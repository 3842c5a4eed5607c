"""The city intranet: the wall behind a real reverse proxy under a path prefix, its
tiles and pages in iframes of another origin, and only the allowed origins.

Three servers on 127.0.0.1, as in a city hall: `citywall serve` (gunicorn), a
reverse proxy (werkzeug's HTTP proxy) that publishes it under /intranet/citywall/,
and the intranet's own pages on other ports, one allowed to frame the wall and one
not.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from selenium.common.exceptions import TimeoutException
from werkzeug.middleware.http_proxy import ProxyMiddleware
from werkzeug.wrappers import Response

from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import free_port, own_store, serve_wsgi
from tests.citywall.test_cli import citywall, serving
from tests.conftest import seoul_profile_copy
from tests.signin import demo_admin, signed_in_session
from tests.web.test_access import _router_body

PREFIX = "/intranet/citywall/"


def _not_here(environ, start_response):
    return Response("not on this server", status=404)(environ, start_response)


def embed_address(env: dict, wall: str, target: str, district: str | None) -> str:
    """An embed's address with its token, as an admin makes it."""
    base = wall.removesuffix(PREFIX)
    extra = ["--district", district] if district else []
    made = citywall("embed-token", target, *extra, "--base-url", base, env=env)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def _intranet_page(frames: list[str]):
    body = "".join(
        f'<iframe src="{src}" width="600" height="420" title="CityWall"></iframe>'
        for src in frames
    )
    html = f"<!doctype html><html><body><h1>Intranet</h1>{body}</body></html>"

    def app(environ, start_response):
        return Response(html, mimetype="text/html")(environ, start_response)

    return app


@pytest.fixture(scope="module", params=["proxy keeps the prefix", "proxy strips it"])
def intranet(request, tmp_path_factory):
    """(proxy URL of the wall, allowed intranet origin port, other origin port)."""
    strips = request.param == "proxy strips it"
    folder = tmp_path_factory.mktemp("intranet")
    allowed_port, other_port, proxy_port = free_port(), free_port(), free_port()
    env = own_store(
        seoul_profile_copy(folder, 1, refresh_seconds=2),
        folder,
        CITYWALL_URL_PREFIX=PREFIX,
        CITYWALL_PROXY_STRIPS_PREFIX="true" if strips else "false",
        CITYWALL_FRAME_ANCESTORS=f"http://127.0.0.1:{allowed_port}",
    )
    with serving(env) as (wall_url, _output):
        proxy = ProxyMiddleware(
            _not_here,
            {PREFIX: {"target": wall_url + "/", "remove_prefix": strips}},
        )
        # the intranet reaches the wall by another host name: another origin
        wall = f"http://localhost:{proxy_port}{PREFIX}"
        with serve_wsgi(proxy, proxy_port):
            yield wall, allowed_port, other_port, env


def test_the_wall_answers_under_the_prefix_only(intranet):
    wall, _, _, env = intranet
    # signed out, a page sends the browser to the login page under the prefix
    refused = requests.get(wall + "traffic?lang=es", timeout=30, allow_redirects=False)
    assert refused.status_code == 302
    assert (
        refused.headers["Location"] == f"{PREFIX}login?next={PREFIX}traffic%3Flang%3Des"
    )
    session = signed_in_session(
        wall.removesuffix("/"), *demo_admin(env["CITYWALL_DATA_DIR"])
    )
    page = session.get(wall, timeout=30)
    assert page.status_code == 200
    config = json.loads(
        re.search(r'id="_dash-config"[^>]*>(.*?)</script>', page.text, re.S).group(1)
    )
    assert config["requests_pathname_prefix"] == PREFIX
    # every script and stylesheet the page names comes through the proxy
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
    assert assets and all(a.startswith(PREFIX) for a in assets), assets
    origin = wall.removesuffix(PREFIX)
    for asset in assets:
        assert requests.get(origin + asset, timeout=30).status_code == 200, asset
    for path in ("_dash-layout", "_dash-dependencies"):
        assert session.get(wall + path, timeout=30).status_code == 200
    csv = session.get(wall + "csv/tile/complaints_open?district=11680", timeout=30)
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("kpi,")
    root = wall.removesuffix(PREFIX) + "/"
    assert requests.get(root, timeout=30).status_code == 404  # nothing outside it


def test_the_router_under_the_prefix_draws_only_what_a_token_names(intranet):
    """The router's pathname carries the prefix: the guard takes it off as Dash's
    router does (it once judged "/intranet/citywall/admin" a page of nobody's)."""
    wall, _, _, env = intranet
    address = embed_address(env, wall, "complaints", None)
    token = parse_qs(urlsplit(address).query)["token"][0]
    bearer = {"Authorization": f"Bearer {token}"}

    def draw(path: str) -> requests.Response:
        body = _router_body(PREFIX + path)
        return requests.post(
            wall + "_dash-update-component", json=body, headers=bearer, timeout=30
        )

    own = draw("embed/complaints")
    assert own.status_code == 200 and "rows-note" in own.text
    for other in ("admin", "sources", "district/11680", "embed/admin", "traffic"):
        refused = draw(other)
        assert refused.status_code == 403 and "admin-accounts" not in refused.text


def test_a_tile_and_a_page_in_iframes_of_the_allowed_origin(dash_duo, intranet):
    wall, allowed_port, _, env = intranet
    # the intranet embeds with signed tokens, each scoped to its tile or page
    frames = [
        embed_address(env, wall, "tile/complaints_open", "11680") + "&lang=es",
        embed_address(env, wall, "complaints", "11680") + "&lang=ko",
    ]
    with serve_wsgi(_intranet_page(frames), allowed_port):
        driver = dash_duo.driver
        driver.get(f"http://127.0.0.1:{allowed_port}/")
        iframes = driver.find_elements("css selector", "iframe")
        assert len(iframes) == 2

        driver.switch_to.frame(iframes[0])
        dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
        assert dash_duo.find_element(".tile-label").text == "Reclamos pendientes"
        assert not driver.find_elements("css selector", ".wall-navbar")  # no chrome
        # it refreshes by itself inside the frame
        driver.execute_script("document.querySelector('.kpi-tile').dataset.old = 1")
        dash_duo.wait_for_no_elements(".kpi-tile[data-old]", timeout=30)
        # its label leads nowhere its token does not open; its CSV stays under the
        # prefix, with a download credential
        assert not driver.find_elements("css selector", "a.tile-link")
        link = _href(driver, ".tile-csv")
        assert link.startswith(wall + "csv/tile/complaints_open?") and (
            "credential=" in link
        )
        driver.switch_to.default_content()

        driver.switch_to.frame(iframes[1])
        dash_duo.wait_for_element("#domain-tiles .kpi-tile .tile-value", timeout=60)
        assert "민원" in dash_duo.find_element(".page-title").text
        assert not driver.find_elements("css selector", ".wall-navbar")
        # an embed shows aggregates: the totals, never the rows nor their CSV
        assert dash_duo.find_element(".rows-note").text
        assert not driver.find_elements("css selector", "#record-grid .ag-row")
        assert not driver.find_elements("css selector", "#records-csv")
        driver.switch_to.default_content()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / "intranet-embeds.png"))
        # (chromedriver does not read the console of a frame of another site: the
        # tests below open the embeds' addresses themselves to read theirs)
        assert dash_duo.get_logs() == []


def test_another_origin_may_not_frame_the_wall(dash_duo, intranet):
    wall, _, other_port, env = intranet
    frames = [embed_address(env, wall, "tile/complaints_open", None)]
    with serve_wsgi(_intranet_page(frames), other_port):
        driver = dash_duo.driver
        driver.get(f"http://127.0.0.1:{other_port}/")
        iframe = driver.find_element("css selector", "iframe")
        driver.switch_to.frame(iframe)
        # the browser refuses to draw it: no tile ever appears in the frame
        with pytest.raises(TimeoutException):
            dash_duo.wait_for_element(".kpi-tile", timeout=8)
        driver.switch_to.default_content()
        logs = dash_duo.get_logs() or []
        assert any("frame-ancestors" in entry["message"] for entry in logs), logs


# -- inside an embed -----------------------------------------------------------------


def _open(dash_duo, intranet, target: str, district: str | None, lang: str):
    """An embed's address made as an admin makes it, opened as its iframe opens
    it, the page drawn: (the wall, the address, its token)."""
    wall, _, _, env = intranet
    embed = embed_address(env, wall, target, district) + f"&lang={lang}"
    dash_duo.driver.get(embed)
    dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
    return wall, embed, parse_qs(urlsplit(embed).query)["token"][0]


def _in_embed(driver, embed: str, token: str) -> None:
    """The address is still the embed's, with its token."""
    here = urlsplit(driver.current_url)
    assert here.path == urlsplit(embed).path, driver.current_url
    assert parse_qs(here.query)["token"] == [token], driver.current_url


def _links_stay_inside(driver, wall: str, embed: str, token: str) -> None:
    """Every link on the page keeps the embed's address and token, or is a CSV
    link with a download credential; any other is not shown."""
    links = driver.execute_script(
        "return [...document.querySelectorAll('a[href]')].map(a => a.href)"
    )
    for link in links:
        address = urlsplit(link)
        query = parse_qs(address.query)
        if address.path.startswith(urlsplit(wall).path + "csv/"):
            assert query.get("credential"), link
        else:
            assert address.path == urlsplit(embed).path, link
            assert query.get("token") == [token], link


def _href(driver, selector: str) -> str:
    """A link's address, read in one step: tiles are redrawn on the wall's timer."""
    return driver.execute_script(
        "return document.querySelector(arguments[0]).href", selector
    )


def _click_a_district(dash_duo, graph: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    dash_duo.wait_for_element(f"{graph} .choroplethlocation", timeout=30)
    shape = dash_duo.find_elements(f"{graph} .choroplethlocation")[22]
    ActionChains(dash_duo.driver).move_to_element(shape).click().perform()
    time.sleep(2)  # what a click would ask for has been asked by now


def _download(driver, href: str) -> tuple[int, str]:
    """A link fetched by the page itself (its cookies, no token header: a click
    downloads it the same way)."""
    return tuple(
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {headers: {}}).then(async r => done([r.status,"
            " await r.text()])).catch(e => done([0, String(e)]));",
            href,
        )
    )


def _rows(csv_text: str) -> list[str]:
    return csv_text.lstrip("\ufeff").strip().splitlines()


def test_a_page_embed_keeps_its_address_token_and_quiet_console(dash_duo, intranet):
    """Opened as the intranet's iframe opens it: filters, breadcrumb and CSV inside
    the embed, and not one console message on the way."""
    wall, embed, token = _open(dash_duo, intranet, "complaints", None, "en")
    driver = dash_duo.driver
    assert dash_duo.get_logs() == []  # no 401 nor 403 on the first load
    _links_stay_inside(driver, wall, embed, token)

    # a filter: the same embed with the new period, and the charts follow it
    driver.find_element(
        "xpath", "//*[@id='filter-period']//label[normalize-space()='7 days']"
    ).click()
    dash_duo.wait_for_contains_text(".domain-page", "Last 7 days", timeout=30)
    _in_embed(driver, embed, token)
    assert parse_qs(urlsplit(driver.current_url).query)["period"] == ["7d"]
    assert (
        driver.find_element(
            "css selector", "#filter-period input:checked"
        ).get_attribute("value")
        == "7d"
    )
    # the district filter too (the token shows any district)
    driver.get(embed.replace("?", "?district=11680&period=7d&", 1))
    dash_duo.wait_for_contains_text(".page-title", "Gangnam", timeout=60)
    _in_embed(driver, embed, token)
    _links_stay_inside(driver, wall, embed, token)

    # the breadcrumb: the way up leads outside what the token shows, so it is text
    crumbs = driver.find_elements("css selector", ".crumbs .breadcrumb-item")
    assert [c.text for c in crumbs][:2] == ["Overview", "Gangnam-gu"]
    before = driver.current_url
    for crumb in crumbs:
        crumb.click()
    assert driver.current_url == before
    dash_duo.wait_for_contains_text(".page-title", "Gangnam", timeout=5)

    # the map: a click opens nothing the token does not show, and asks for nothing
    _click_a_district(dash_duo, "#domain-map")
    assert driver.current_url == before

    # a tile's CSV: its link works without the frame's token header
    link = _href(driver, "#domain-tiles .tile-csv")
    status, text = _download(driver, link)
    assert status == 200, text
    header, *rows = _rows(text)
    assert header.startswith("kpi,") and len(rows) == 1 and ",11680," in rows[0]
    # ... and with nothing else (the credential is the link's own)
    alone = requests.get(link, timeout=30)
    assert alone.status_code == 200 and _rows(alone.text)[1:] == rows
    # scoped: another district's CSV with the same credential is refused
    other = link.replace("district=11680", "district=11110")
    assert requests.get(other, timeout=30).status_code == 403
    assert dash_duo.get_logs() == []


def test_a_tile_embed_downloads_its_csv_with_its_credential(dash_duo, intranet):
    wall, embed, token = _open(
        dash_duo, intranet, "tile/complaints_open", "11680", "es"
    )
    driver = dash_duo.driver
    assert dash_duo.get_logs() == []
    _links_stay_inside(driver, wall, embed, token)
    link = _href(driver, ".tile-csv")
    status, text = _download(driver, link)
    assert status == 200, text
    header, row = _rows(text)
    assert header.startswith("kpi,") and row.startswith("complaints_open,")
    # the tile refreshes, and its new CSV link works as well
    driver.execute_script("document.querySelector('.kpi-tile').dataset.old = 1")
    dash_duo.wait_for_no_elements(".kpi-tile[data-old]", timeout=30)
    fresh = _href(driver, ".tile-csv")
    assert _download(driver, fresh)[0] == 200
    # the credential opens that CSV only: not the embed, not another tile's
    credential = parse_qs(urlsplit(link).query)["credential"][0]
    assert (
        requests.get(
            f"{wall}embed/tile/complaints_open?district=11680&token={credential}",
            timeout=30,
        ).status_code
        == 401
    )
    assert (
        requests.get(
            f"{wall}csv/tile/road_avg_speed?district=11680&credential={credential}",
            timeout=30,
        ).status_code
        == 403
    )
    assert dash_duo.get_logs() == []


def test_a_page_embed_for_one_district_keeps_it(dash_duo, intranet):
    wall, embed, token = _open(dash_duo, intranet, "complaints", "11680", "en")
    driver = dash_duo.driver
    assert "Gangnam" in dash_duo.find_element(".page-title").text
    # the district is no choice here: its token shows that one
    assert not dash_duo.find_element("#filter-district").is_displayed()
    driver.find_element(
        "xpath", "//*[@id='filter-period']//label[normalize-space()='30 days']"
    ).click()
    dash_duo.wait_for_contains_text(".domain-page", "Last 30 days", timeout=30)
    _in_embed(driver, embed, token)
    query = parse_qs(urlsplit(driver.current_url).query)
    assert query["district"] == ["11680"] and query["period"] == ["30d"]
    _links_stay_inside(driver, wall, embed, token)
    assert dash_duo.get_logs() == []


def test_an_overview_embed_keeps_its_links_inside(dash_duo, intranet):
    wall, embed, token = _open(dash_duo, intranet, "overview", None, "en")
    driver = dash_duo.driver
    dash_duo.wait_for_element("#freshness .source-badge", timeout=30)
    assert dash_duo.get_logs() == []
    # tiles, source badges, what just happened: no link out of the embed
    _links_stay_inside(driver, wall, embed, token)
    assert not driver.find_elements("css selector", ".map-hint")
    _click_a_district(dash_duo, "#city-map")
    _in_embed(driver, embed, token)
    assert not driver.find_elements("css selector", ".district-title")
    # its tiles' CSV links work
    link = _href(driver, "#tiles .tile-csv")
    status, text = _download(driver, link)
    assert status == 200 and _rows(text)[0].startswith("kpi,"), text
    assert dash_duo.get_logs() == []
