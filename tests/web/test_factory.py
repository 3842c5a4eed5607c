"""One process, several apps: each built by the factory has every page's and the
shell's callbacks (Dash's global list goes to the first app of a process only)."""

from __future__ import annotations

import pytest

from components.shell import refresh_id
from tests.conftest import PROXY_SIGN_IN, build_wall, wall_environment

TIMER = refresh_id("domain")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with wall_environment(tmp_path_factory.mktemp("factory"), **PROXY_SIGN_IN):
        yield


def _set_up(app):
    """The app as its first request leaves it (Dash copies callbacks in then)."""
    client = app.server.test_client()
    assert client.get("/_dash-layout").status_code in (200, 401, 403)
    return client


def test_a_second_app_has_every_callback_of_the_first(env):
    first, second = build_wall(), build_wall()
    _set_up(first)
    _set_up(second)
    assert set(second.callback_map) == set(first.callback_map)
    outputs = " ".join(second.callback_map)
    # the domain pages' refresh and the shell's header, among them
    assert "domain-tiles.children" in outputs
    assert "shell-header.children" in outputs
    # the clientside callbacks' scripts too: the CSP hashes them
    assert len(second._inline_scripts) == len(first._inline_scripts) > 0


def test_a_second_app_draws_a_domain_page_refresh(env):
    """The domain refresh answers on a later app (it did not before: its callback
    reached the first app only)."""
    build_wall()
    app = build_wall()
    client = _set_up(app)
    view = {"domain": "complaints", "lang": "en", "period": "24h"}
    body = {
        "output": next(k for k in app.callback_map if "domain-tiles.children" in k),
        "outputs": [
            {"id": i, "property": p}
            for i, p in (
                ("domain-tiles", "children"),
                ("domain-map", "figure"),
                ("domain-timeline", "figure"),
                ("domain-breakdown", "figure"),
                ("record-grid", "rowData"),
                ("record-count", "children"),
                ("domain-hotspots", "children"),
            )
        ],
        "inputs": [{"id": TIMER, "property": "n_intervals", "value": 1}],
        "state": [{"id": "domain-view", "property": "data", "value": view}],
        "changedPropIds": ['{"page":"domain","type":"refresh"}.n_intervals'],
    }
    answer = client.post(
        "/_dash-update-component",
        json=body,
        headers={"X-Remote-User": "sam", "X-Remote-Role": "staff"},
    )
    assert answer.status_code == 200, answer.text[:300]
    assert "domain-tiles" in answer.get_json()["response"]
