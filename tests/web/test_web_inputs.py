"""Odd addresses reach the real app's routes (Flask's test client, the pages drawn
by Dash's own router callback as the browser asks for them): each gives the
not-found view, a default view or a plain 4xx, never an exception."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROXY_SIGN_IN, build_wall, router_body, wall_environment
from tests.standard import DOMAINS

ODD = (
    "x" * 5000,
    "../../etc/passwd",
    "..%2F..%2Fetc",
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror=alert(1)>',
    "강남구🙂\u202e",
    "\x00",
    "%00",
    "1/extra",
    "²",
    "１２３",
    "' OR 1=1 --",
)
PAGES = (
    "/",
    *(d.path for d in DOMAINS),
    "/district/11680",
    "/cameras",
    "/sources",
    "/wall",
    "/embed/complaints",
    "/embed/tile/complaints_open",
)
ARGS = ("lang", "district", "category", "period", "record", "metric")
# an admin through the trusted proxy's headers: every page is open to it
ADMIN = {"X-Remote-User": "tester", "X-Remote-Role": "admin"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):

    with wall_environment(tmp_path_factory.mktemp("inputs"), **PROXY_SIGN_IN):
        yield build_wall().server.test_client()


def _route(client, pathname: str, search: str = ""):
    """What Dash's router callback answers for an address."""
    body = router_body(pathname, search)
    return client.post("/_dash-update-component", json=body, headers=ADMIN)


def _content(response) -> str:
    assert response.status_code == 200, response.text[:500]
    return json.dumps(response.get_json()["response"]["_pages_content"])


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_district_code_gets_the_not_found_view(client, odd):
    assert '"not-found"' in _content(_route(client, f"/district/{odd}"))
    assert '"not-found"' in _content(_route(client, f"/embed/district/{odd}"))


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_embed_target_gets_the_not_found_view(client, odd):
    assert '"not-found"' in _content(_route(client, f"/embed/{odd}"))
    assert '"not-found"' in _content(_route(client, f"/embed/tile/{odd}"))


@pytest.mark.parametrize("page", PAGES)
def test_odd_query_arguments_fall_back_to_the_default_view(client, page):
    for odd in ODD:
        for arg in ARGS:
            search = "?" + "&".join(f"{arg}={v}" for v in (odd, odd + "2"))
            # repeated on purpose: Dash passes a repeated argument as a list
            response = _route(client, page, search)
            assert response.status_code == 200, (page, arg, odd, response.text[:300])


def _refused_or_the_shell(response, odd: str) -> bool:
    """A plain 4xx, or a 404 with the app's shell (Dash answers every other path
    with it and draws the not-found view in the browser), the address never echoed
    as markup."""
    if response.mimetype == "text/plain":
        return response.status_code in (400, 404)
    return (
        response.status_code == 404
        and 'id="react-entry-point"' in response.text
        and not ("<" in odd and odd in response.text)
    )


@pytest.mark.parametrize("odd", ODD)
def test_odd_downloads_are_refused(client, odd):
    for url in (
        f"/csv/tile/{odd}",
        f"/csv/records/{odd}",
        f"/csv/records/complaints?period={odd}",
        f"/csv/records/complaints?district={odd}",
        f"/csv/tile/complaints_open?district={odd}",
    ):
        response = client.get(url, headers=ADMIN)
        assert _refused_or_the_shell(response, odd), (url, response.status_code)


def test_an_odd_category_in_a_download_gives_an_empty_table(client):
    response = client.get(
        "/csv/records/complaints?category=<script>alert(1)</script>", headers=ADMIN
    )
    assert response.status_code == 200
    assert response.text.lstrip("\ufeff").count("\n") == 1  # the header row only


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_camera_or_asset_path_is_refused(client, odd):
    for url in (
        f"/_citywall/camera/{odd}.jpg",
        f"/_dash-component-suites/{odd}/x.js",
        f"/_dash-component-suites/dash/{odd}",
        f"/assets/{odd}",
    ):
        response = client.get(url, headers=ADMIN)
        assert _refused_or_the_shell(response, odd), (url, response.status_code)
