"""The database goes away under an open wall: the wall keeps its last good view,
says DATA DELAYED and since when, and goes on by itself when the database is back.

`citywall serve` on a PostgreSQL store reached through a TCP forwarder that the
test cuts and restores (tests/faultproxy.py); the database itself stays up.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from access import accounts
from access.roles import Role
from ingest.runner import prepare_store, runners_for
from store import connect
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_restart import COUNT_REFRESHES, _refreshes
from tests.citywall.test_cli import serving
from tests.conftest import POSTGRES_ENV, seoul_profile_copy, service_url, store_on
from tests.faultproxy import fault_proxy
from tests.signin import browser_sign_in
from tests.web.test_faults import _host_port, _through

PASSWORD = "a-long-enough-password"


def _text(dash_duo, selector: str) -> str:
    return dash_duo.driver.execute_script(
        f"const e = document.querySelector({selector!r}); return e ? e.innerText : ''"
    )


def test_the_wall_outlives_its_database_going_away(dash_duo, tmp_path, seoul):
    base = service_url(POSTGRES_ENV, "PostgreSQL")
    with store_on("postgresql", tmp_path) as direct_url:
        engine = connect(direct_url)
        prepare_store(engine, seoul)
        for runner in runners_for(engine, seoul):
            runner.run()
        accounts.add_account(engine, "sam", PASSWORD, Role.STAFF, datetime.now(UTC))
        engine.dispose()
        with fault_proxy(*_host_port(base)) as proxy:
            env = os.environ | {
                "CITYWALL_PROFILE": str(
                    seoul_profile_copy(tmp_path, 1, refresh_seconds=2)
                ),
                "CITYWALL_DATA_DIR": str(tmp_path / "data"),
                "CITYWALL_DATABASE_URL": _through(direct_url, proxy.port),
            }
            with serving(env) as (url, output):
                _watch_through_an_outage(dash_duo, url, proxy)
        # the outage, said plainly by the feeder: no traceback
        assert "the database is not answering" in output[0]
        assert "Traceback" not in output[0]


def _watch_through_an_outage(dash_duo, url: str, proxy) -> None:
    driver = dash_duo.driver
    browser_sign_in(driver, url, "sam", PASSWORD)
    driver.get(url + "/")
    dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
    driver.execute_script(COUNT_REFRESHES)
    _refreshes(dash_duo)
    assert _text(dash_duo, "#delay-banner") == ""
    assert dash_duo.get_logs() == []

    proxy.cut()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "DATA DELAYED" not in _text(
        dash_duo, "#delay-banner"
    ):
        time.sleep(0.5)
    assert "DATA DELAYED since" in _text(dash_duo, "#delay-banner")
    shown = _text(dash_duo, "#tiles")
    assert shown
    time.sleep(5)  # several failed refreshes later, the last good view is intact
    assert _text(dash_duo, "#tiles") == shown
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / "data-delayed.png"))

    proxy.restore()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _text(dash_duo, "#delay-banner"):
        time.sleep(0.5)
    assert _text(dash_duo, "#delay-banner") == ""
    # the browser logged the refused refreshes of the outage (503); from here on
    # nothing more goes wrong
    dash_duo.get_logs()
    _refreshes(dash_duo, timeout=60)  # refreshing again, by itself
    _refreshes(dash_duo, timeout=60)
    assert dash_duo.get_logs() == []
