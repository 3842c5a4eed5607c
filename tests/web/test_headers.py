"""Security headers on every response of the real app (signed in or not, pages,
callbacks, downloads, assets, errors) and error pages without tracebacks."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from types import SimpleNamespace

import pytest
from dash import Input, Output

from tests.conftest import PROXY_SIGN_IN, build_wall, wall_environment
from web import headers

INTRANET = "https://intranet.city.example"
ADMIN = {"X-Remote-User": "tester", "X-Remote-Role": "admin"}
# a route of each kind, asked for without signing in: whatever the answer (the page,
# a redirect to the sign-in, a 401, a 404), the headers are on it
ROUTES = (
    "/",
    "/complaints?district=11680",
    "/district/11680",
    "/embed/tile/complaints_open",
    "/login",
    "/_dash-layout",
    "/_dash-dependencies",
    "/csv/records/complaints",
    "/csv/tile/complaints_open",
    "/_citywall/build",
    "/_citywall/camera/1.jpg",
    "/assets/10-wall.css",
    "/_favicon.ico",
    "/no/such/thing",
)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headers")
    with wall_environment(folder, CITYWALL_FRAME_ANCESTORS=INTRANET, **PROXY_SIGN_IN):
        yield


def _app(**overrides: str):

    return build_wall(**overrides)


@pytest.fixture(scope="module")
def app(env):
    return _app()


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.mark.parametrize("route", ROUTES)
def test_every_response_carries_the_headers_signed_in_or_not(client, route):
    for asked in ({}, ADMIN):
        response = client.get(route, headers=asked)
        csp = _directives(response)
        assert csp["frame-ancestors"] == ["'self'", INTRANET]
        assert csp["default-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["form-action"] == ["'self'"]
        assert csp["connect-src"] == ["'self'"]
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-eval'" not in csp["script-src"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]


def test_a_callback_answer_carries_the_headers(client):
    response = client.post("/_dash-update-component", json={}, headers=ADMIN)
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _sha256(script: str) -> str:
    return (
        "'sha256-"
        + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        + "'"
    )


def test_every_inline_script_of_the_page_is_allowed_by_its_hash_and_no_other(client):
    page = client.get("/", headers=ADMIN)
    assert page.status_code == 200
    # Dash's warning for Internet Explorer sits in a comment: no browser runs it
    html = re.sub(r"<!--.*?-->", "", page.text, flags=re.S)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    code = [body for attrs, body in inline if "application/json" not in attrs]
    assert code, "Dash's renderer is an inline script"
    allowed = _directives(page)["script-src"]
    assert sorted(allowed) == sorted(["'self'", *{_sha256(b) for b in code}])


def test_the_tile_and_glyph_servers_may_be_fetched():
    tiles = SimpleNamespace(
        url="https://tiles.city.example:8443/{z}/{x}/{y}.png",
        glyphs_url="https://fonts.city.example/{fontstack}/{range}.pbf",
    )
    origins = headers.map_origins(SimpleNamespace(tiles=tiles))
    assert origins == ("https://fonts.city.example", "https://tiles.city.example:8443")
    policy = headers.content_security_policy(["'sha256-x'"], "'self'", origins)
    assert "connect-src 'self' https://fonts.city.example https://tiles" in policy
    assert headers.map_origins(SimpleNamespace(tiles=None)) == ()


def test_a_bad_frame_ancestor_stops_the_start(env):
    with pytest.raises(ValueError, match="CITYWALL_FRAME_ANCESTORS"):
        _app(frame_ancestors="intranet.city.example/*")


def test_debug_is_off(app, client):
    assert app.server.debug is False
    page = client.get("/", headers=ADMIN).text
    config = json.loads(
        re.search(r'id="_dash-config"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert config["ui"] is False and config["props_check"] is False


def test_a_callback_that_raises_answers_a_plain_500_and_logs_why(env, caplog):
    app = _app()

    @app.callback(Output("boom", "children"), Input("boom-in", "value"))
    def boom(_value):
        raise RuntimeError("secret detail /srv/citywall/db.py")

    body = {
        "output": "boom.children",
        "outputs": {"id": "boom", "property": "children"},
        "inputs": [{"id": "boom-in", "property": "value", "value": 1}],
        "changedPropIds": ["boom-in.value"],
        "state": [],
    }
    with caplog.at_level(logging.ERROR):
        response = app.server.test_client().post(
            "/_dash-update-component", json=body, headers=ADMIN
        )
    if response.status_code == 403:  # the access layer closes unknown callbacks
        pytest.skip("the access layer refuses callbacks it does not know")
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "secret detail" in caplog.text  # the traceback is in the server's log


def test_a_route_that_raises_answers_a_plain_500(env, caplog):
    app = _app()

    @app.server.route("/_citywall/boom")
    def boom():
        raise KeyError("secret detail")

    with caplog.at_level(logging.ERROR):
        response = app.server.test_client().get("/_citywall/boom", headers=ADMIN)
    assert response.status_code in (403, 500)  # the access layer may close it first
    assert response.mimetype == "text/plain" or response.status_code == 403
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]


def test_not_found_and_bad_requests_are_plain_text(client):
    for url, status in (
        ("/csv/tile/nope", 404),
        ("/csv/records/complaints?period=<b>year</b>", 400),
        ("/_dash-component-suites/<script>/x.js", 404),
        ("/?lang=" + "x" * 5000, 400),
        ("/?lang=%00", 400),
    ):
        response = client.get(url, headers=ADMIN)
        assert response.status_code == status, url
        assert response.mimetype == "text/plain", url
        assert "<" not in response.text.replace("<b>year</b>", ""), url
