"""A wall of Seoul for the browser tests: a fresh store filled through the real
ingest path, and the app served by dash[testing] in headless chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dash.testing import wait
from dash.testing.application_runners import ThreadedRunner
from werkzeug.serving import make_server

from access import accounts
from access.roles import Role
from tests.browser.servers import free_port, screen
from tests.conftest import build_wall, seoul_profile_copy
from tests.signin import TEST_ADMIN, browser_sign_in

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
BACKFILL_DAYS = 15  # enough for every KPI's comparison period
NEVER_DISASTER_LAYOUT = 6  # above the ladder: the shared wall keeps its layout
# the test cameras answer on the loopback address, which a profile must allow
LOCAL_CAMERAS = '\n[network]\nallow_hosts = ["127.0.0.1"]\n'


def _require_browser() -> None:
    missing = [b for b in ("chromium", "chromedriver") if shutil.which(b) is None]
    if missing:
        reason = f"browser tests need {missing}: run `make test`, which installs them"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="package")
def wall_app(tmp_path_factory):
    """The Dash app on a 15-day demo store, built once for the browser tests. Its
    feeds stop when they end: a feed left running logs into the tests after them
    (a CLI test that reads its one line of stderr found it)."""
    _require_browser()
    folder = tmp_path_factory.mktemp("wall")
    # The demo's own alerts come and go with the clock: the shared wall stays in its
    # normal layout (test_disaster.py raises the stage on a wall of its own).
    # a dozen simulated alerts a day: the disaster page's last 24 hours are never
    # empty (at four a day, one run in fifty found no alert to list)
    profile_path = seoul_profile_copy(
        folder,
        BACKFILL_DAYS,
        refresh_seconds=2,
        alerts_per_day=12,
        extra=LOCAL_CAMERAS,
        layout_from=NEVER_DISASTER_LAYOUT,
    )
    # the kiosk's rotation ten times faster: a test sees several pages go by
    profile_path.write_text(
        re.sub(
            r"(\{ page = \"[^\"]+\", seconds = )(\d+)",
            lambda m: f"{m.group(1)}{int(m.group(2)) // 10}",
            profile_path.read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    os.environ["CITYWALL_PROFILE"] = str(profile_path)
    os.environ["CITYWALL_DATA_DIR"] = str(folder / "data")
    os.environ.pop("CITYWALL_DATABASE_URL", None)

    from citywall.cli import ingest_command, watch_stage
    from web import runtime

    runtime.reset()
    assert ingest_command(None) == 0
    accounts.add_account(runtime.engine(), *TEST_ADMIN, Role.ADMIN, datetime.now(UTC))
    # keep the feeds live and the stage logged while the browser looks, as
    # `make run`'s ingest does (walls only read the stage's log)
    from ingest.runner import run_forever, runners_for

    stop = threading.Event()
    feeder = threading.Thread(
        target=run_forever,
        args=(runners_for(runtime.engine(), runtime.profile()), stop),
        daemon=True,
    )
    # this wall's store, whatever the environment of the tests that run while
    # it lives (the runtime's handles follow the environment)
    service = runtime.kpi_service()
    watcher = threading.Thread(
        target=watch_stage, args=(stop,), kwargs={"kpis": lambda: service}, daemon=True
    )
    feeder.start()
    watcher.start()
    yield build_wall()
    stop.set()
    feeder.join(timeout=30)
    watcher.join(timeout=30)


def gpu_note(entry: dict) -> bool:
    """A performance note of this machine's software GL driver ("GPU stall due to
    ReadPixels" under MapLibre), not a message of the page: a wall's GPU has its
    own driver. Every other line, at every level, is the page's."""
    return entry.get("source") == "rendering" and "GL Driver Message" in entry.get(
        "message", ""
    )


class StoppableRunner(ThreadedRunner):
    """dash[testing]'s threaded runner, stopped by werkzeug's own shutdown. Its
    stop raises SystemExit in every thread started during the test (the wall's
    render and ingest threads too), and one interrupted inside a logging call
    keeps the handler's lock: a later test's log line then waits forever (a
    two-process run hung on it)."""

    def start(self, app, start_timeout=3, port=None, **kwargs):
        app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
        self._app = app
        self.port = port or free_port()
        self._server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self.thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.thread.start()
        wait.until(lambda: self.accessible(self.url), timeout=start_timeout)
        self.started = True

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self.thread.join(timeout=self.stop_timeout)
        self._app = None
        self.started = False


@pytest.fixture
def dash_thread_server():
    with StoppableRunner() as runner:
        yield runner


@pytest.fixture
def dash_duo(dash_duo):
    """dash[testing]'s browser, its console read at every level (see
    ``pytest_setup_options``) without the GL driver's notes."""
    every_line = dash_duo.get_logs
    dash_duo.get_logs = lambda: [e for e in every_line() if not gpu_note(e)]
    return dash_duo


@pytest.fixture
def wall(dash_duo, wall_app):
    screen(dash_duo.driver, 1920, 1080)
    dash_duo.start_server(wall_app, navigate=False, port=free_port())
    # staff and admins sign in first (test_access.py covers the other roles)
    browser_sign_in(dash_duo.driver, dash_duo.server.url, *TEST_ADMIN)
    dash_duo.server_url = dash_duo.server.url
    return dash_duo


def pytest_setup_options():
    """Chromium flags for a machine with no internet: no background calls home;
    and the browser's console kept at every level (see ``EveryConsoleLevel``)."""
    from selenium.webdriver.chrome.options import Options

    class EveryConsoleLevel(Options):
        """dash[testing] asks chromedriver for SEVERE console entries only; a wall
        must not warn either (a Permissions-Policy feature the browser does not
        know, a grid's deprecation), so ``get_logs()`` returns every level."""

        def set_capability(self, name, value):
            if name == "goog:loggingPrefs":
                value = {**value, "browser": "ALL"}
            super().set_capability(name, value)

    options = EveryConsoleLevel()
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1920,1080",
        # no GPU here: MapLibre's WebGL runs on SwiftShader, which chromium only
        # allows silently when asked (a wall screen's GPU needs no such fallback)
        "--enable-unsafe-swiftshader",
    ):
        options.add_argument(flag)
    return options
