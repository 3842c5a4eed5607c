"""An address that shows no page answers 404 (a link checker, a proxy's cache and a
monitor believe the status, not the drawing), and the browser still gets the page
that says "not found"."""

from __future__ import annotations

import pytest

from tests.conftest import PROXY_SIGN_IN, build_wall, router_body, wall_environment

ADMIN = {"X-Remote-User": "ada", "X-Remote-Role": "admin"}
SHELL = 'id="react-entry-point"'  # Dash's page shell, drawn in the browser

FOUND = (
    "/",
    "/complaints",
    "/complaints?district=11680",
    "/district/11680",
    "/cameras",
    "/sources",
    "/wall",
    "/embed/tile/complaints_open",
    "/embed/tile/complaints_open?district=11680",
    "/embed/overview",
    "/embed/complaints",
    "/embed/district/11680",
)
NOT_FOUND = (
    "/nope",
    "/overview",  # a name only embeds know the overview by
    "/complaints/extra",
    "/district/99999",
    "/district/11680/extra",
    "/district/<script>",
    "/embed/nope",
    "/embed/tile/nope",
    "/embed/tile/complaints_open?district=99999",
    "/embed/district/99999",
    "/_citywall/camera/abc.jpg",
    "/_citywall/nothing",
)


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    with wall_environment(tmp_path_factory.mktemp("not-found"), **PROXY_SIGN_IN):
        yield build_wall()


@pytest.mark.parametrize("path", FOUND)
def test_a_page_that_exists_answers_200(wall, path):
    answer = wall.server.test_client().get(path, headers=ADMIN)
    assert answer.status_code == 200 and SHELL in answer.text


@pytest.mark.parametrize("path", NOT_FOUND)
def test_an_address_with_no_page_answers_404_with_the_page_shell(wall, path):
    answer = wall.server.test_client().get(path, headers=ADMIN)
    assert answer.status_code == 404
    assert SHELL in answer.text  # the browser draws the "not found" page


def test_a_head_request_gets_the_same_status(wall):
    client = wall.server.test_client()
    assert client.head("/district/99999", headers=ADMIN).status_code == 404
    assert client.head("/district/11680", headers=ADMIN).status_code == 200


def test_an_unknown_camera_answers_404(wall):
    answer = wall.server.test_client().get("/_citywall/camera/99999.jpg", headers=ADMIN)
    assert answer.status_code == 404


def test_the_not_found_page_still_says_why(wall):
    client = wall.server.test_client()
    drawn = client.post(
        "/_dash-update-component", json=router_body("/district/99999"), headers=ADMIN
    )
    assert drawn.status_code == 200
    assert "No district with code 99999 in Seoul." in drawn.text


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login(wall):
    answer = wall.server.test_client().get("/nope")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_under_a_url_prefix_too(tmp_path):
    prefix = "/intranet/citywall/"
    with wall_environment(tmp_path, CITYWALL_URL_PREFIX=prefix, **PROXY_SIGN_IN):
        client = build_wall().server.test_client()
        assert client.get(prefix, headers=ADMIN).status_code == 200
        assert client.get(f"{prefix}district/11680", headers=ADMIN).status_code == 200
        assert client.get(f"{prefix}district/99999", headers=ADMIN).status_code == 404
        assert client.get(f"{prefix}nope", headers=ADMIN).status_code == 404
