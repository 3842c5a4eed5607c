"""The city intranet: the wall behind a real reverse proxy under a path prefix, its
tiles and pages in iframes of another origin, and only the allowed origins.

Three servers on 127.0.0.1, as in a city hall: `citywall serve` (gunicorn), a
reverse proxy (werkzeug's HTTP proxy) that publishes it under /intranet/citywall/,
and the intranet's own pages on other ports, one allowed to frame the wall and one
not.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from selenium.common.exceptions import TimeoutException
from werkzeug.middleware.http_proxy import ProxyMiddleware
from werkzeug.wrappers import Response

from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import free_port, serve_wsgi
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
    env = os.environ | {
        "CITYWALL_PROFILE": str(seoul_profile_copy(folder, 1, refresh_seconds=2)),
        "CITYWALL_DATA_DIR": str(folder / "data"),
        "CITYWALL_URL_PREFIX": PREFIX,
        "CITYWALL_PROXY_STRIPS_PREFIX": "true" if strips else "false",
        "CITYWALL_FRAME_ANCESTORS": f"http://127.0.0.1:{allowed_port}",
    }
    env.pop("CITYWALL_DATABASE_URL", None)
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
        # its links stay under the prefix
        link = dash_duo.find_element(".tile-link").get_attribute("href")
        assert link.startswith(wall + "complaints?")
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
        # each frame's first request goes without its token and is answered 401;
        # Dash's renderer then sends the token with every request (see web.guard)
        assert [
            e for e in dash_duo.get_logs() or [] if " 401 " not in e["message"]
        ] == []


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
