"""Small real servers on 127.0.0.1 for the browser tests: a free port, any WSGI
app (a proxy, an intranet page, a tile server) served in a thread, the environment
of a wall served with its own store, and the browser's screen size."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server


def free_port() -> int:
    """A port nobody listens on: dash[testing] counts up from one fixed port, so two
    test runs on one machine (or a wall already served there) would collide."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_wsgi(app, port: int) -> Iterator[None]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=10)


def own_store(profile: Path, folder: Path, **more: str) -> dict[str, str]:
    """The environment of a `citywall serve` on ``profile`` with its own SQLite
    store in ``folder``/data, whatever database the test run itself was given."""
    env = os.environ | {
        "CITYWALL_PROFILE": str(profile),
        "CITYWALL_DATA_DIR": str(folder / "data"),
        **more,
    }
    env.pop("CITYWALL_DATABASE_URL", None)
    return env


def screen(driver, width: int, height: int) -> None:
    """The page itself gets ``width``×``height``, as on a wall screen (a window
    would lose some of it to the browser's frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


@contextmanager
def signed_in_wall(driver, profile: Path, folder: Path) -> Iterator[tuple[str, Any]]:
    """A `citywall serve` of ``profile`` with its own store in ``folder``, the
    browser signed in as its demo admin at 1920×1080: (its URL, an engine on the
    store it serves, for the test to write as a source would)."""
    from store import engine as store_engine
    from tests.citywall.test_cli import serving
    from tests.signin import browser_sign_in, demo_admin

    env = own_store(profile, folder)
    screen(driver, 1920, 1080)
    with serving(env, free_port()) as (url, _):
        engine = store_engine.connect(f"sqlite:///{folder / 'data' / 'citywall.db'}")
        browser_sign_in(driver, url, *demo_admin(folder / "data"))
        yield url, engine
