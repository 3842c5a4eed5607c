"""A wall left alone for days: the server stops and comes back, and the wall goes on
by itself; a new deploy and the wall reloads itself to run the new code."""

from __future__ import annotations

import time

import requests

from tests.browser.servers import free_port, own_store
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_sign_in, demo_admin

COUNT_REFRESHES = """
window.__refreshed = 0;
const send = window.fetch;
window.fetch = function (url, options) {
    const answer = send.apply(this, arguments);
    const body = options && typeof options.body === 'string' ? options.body : '';
    if (body.includes('n_intervals') && body.includes('"page":"overview"')) {
        answer.then(r => { if (r.ok) window.__refreshed += 1; }, () => {});
    }
    return answer;
};
"""


def _refreshes(dash_duo, timeout: float = 30) -> None:
    """Wait for the overview's next answered refresh (its timer asking the server;
    what it sends back may be nothing when nothing changed)."""
    before = dash_duo.driver.execute_script("return window.__refreshed")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dash_duo.driver.execute_script("return window.__refreshed") > before:
            return
        time.sleep(0.25)
    raise AssertionError("the overview stopped refreshing")


def test_the_wall_outlives_a_restart_and_reloads_for_a_new_deploy(dash_duo, tmp_path):
    port = free_port()
    env = own_store(
        seoul_profile_copy(tmp_path, 1, refresh_seconds=2),
        tmp_path,
        CITYWALL_BUILD="release-1",
    )
    with serving(env, port) as (url, _):
        browser_sign_in(dash_duo.driver, url, *demo_admin(tmp_path / "data"))
        dash_duo.driver.get(url + "/")
        dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
        dash_duo.driver.execute_script("window.__sameDocument = true")
        dash_duo.driver.execute_script(COUNT_REFRESHES)
        _refreshes(dash_duo)
    # the server is gone for a while: the wall keeps its last picture
    time.sleep(6)
    assert dash_duo.find_element(".kpi-tile .tile-value").text
    with serving(env, port) as (url, _):
        _refreshes(dash_duo, timeout=60)  # refreshing again, by itself
        assert dash_duo.driver.execute_script("return window.__sameDocument") is True
    env["CITYWALL_BUILD"] = "release-2"
    with serving(env, port) as (url, _):
        assert requests.get(url + "/_citywall/build", timeout=10).json() == {
            "build": "release-2"
        }
        # within a few checks the page reloads itself onto the new deploy
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if dash_duo.driver.execute_script("return window.__sameDocument") is None:
                break
            time.sleep(1)
        else:
            raise AssertionError("the wall never reloaded for the new deploy")
        dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
