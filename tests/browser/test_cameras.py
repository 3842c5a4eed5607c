"""Cameras on the wall: the nearest live pictures in an incident's panel and the
camera wall page, fed by a camera server on 127.0.0.1 whose frames change on every
request; cameras above the wall's access level are never served. At 1920×1080 and
3840×2160, with no console errors."""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image
from sqlalchemy import delete

from city.records import Camera
from kpis.records import RecordFilter
from store import versions, writes
from store.schema import cameras
from tests.browser.conftest import SCREENSHOTS
from tests.browser.servers import free_port, screen, serve_wsgi
from tests.signin import browser_session

COLOURS = [(220, 40, 40), (40, 80, 230)]  # red, blue, red, … one per request


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(out, "JPEG")
    return out.getvalue()


FRAMES = [_jpeg(c) for c in COLOURS]


@pytest.fixture(scope="module")
def camera_server() -> Iterator[str]:
    """A snapshot camera whose picture changes colour on every request."""
    turn = itertools.count()

    def camera(environ, start_response):
        frame = FRAMES[next(turn) % len(FRAMES)]
        start_response(
            "200 OK", [("Content-Type", "image/jpeg"), ("Cache-Control", "no-store")]
        )
        return [frame]

    port = free_port()
    with serve_wsgi(camera, port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def incident(wall, camera_server) -> Iterator[dict]:
    """A safety incident with a place, and test cameras next to it (one public,
    one for staff only) in the wall's store."""
    from web import runtime

    service = runtime.kpi_service()
    record = next(
        r
        for r in service.records(RecordFilter(domain="safety", period="24h"), 200)
        if r.get("lat") is not None
    )
    with runtime.engine().begin() as conn:
        writes.upsert_cameras(
            conn,
            "test-cameras",
            [
                Camera(
                    "live-1",
                    "Test camera at the incident",
                    record["lon"],
                    record["lat"],
                    "Test ITS",
                    snapshot_url=f"{camera_server}/live-1.jpg",
                ),
                Camera(
                    "staff-1",
                    "Staff-only camera at the incident",
                    record["lon"] + 0.0001,
                    record["lat"],
                    "Test police",
                    snapshot_url=f"{camera_server}/staff-1.jpg",
                    access="staff",
                ),
            ],
            datetime.now(UTC),
        )
        versions.bump_data_version(conn)
    yield record
    # the shared wall's other tests see only the demo's cameras
    with runtime.engine().begin() as conn:
        conn.execute(delete(cameras).where(cameras.c.source == "test-cameras"))
        versions.bump_data_version(conn)


def _frame_colour(wall, selector: str) -> list[int] | None:
    """The centre pixel of a camera picture as the browser shows it."""
    return wall.driver.execute_script(
        """const img = document.querySelector(arguments[0]);
        if (!img || !img.complete || !img.naturalWidth) return null;
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        return Array.from(g.getImageData(c.width / 2, c.height / 2, 1, 1).data.slice(0, 3));""",
        selector,
    )


def _wait_for_colour(wall, selector: str, timeout: float = 15) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        colour = _frame_colour(wall, selector)
        if colour:
            return colour
        time.sleep(0.2)
    raise AssertionError(f"{selector} never showed a picture")


def test_an_incident_shows_its_nearest_cameras_live(wall, incident):
    from web import runtime

    wall.driver.get(f"{wall.server_url}/safety?record={incident['id']}")
    wall.wait_for_element("#record-detail .camera-card", timeout=30)
    cards = wall.driver.execute_script(
        "return [...document.querySelectorAll('#record-detail .camera-card')]"
        ".map(c => c.querySelector('.camera-name').textContent + ' | '"
        " + c.querySelector('.camera-facts').textContent)"
    )
    # what Seoul's wall showed: time, place, category, agency, lifecycle with times
    panel = wall.driver.execute_script(
        "return document.getElementById('record-detail').innerText"
    )
    full = runtime.kpi_service().record(incident["id"])
    assert "Responding agency" in panel and full["attrs"]["agency"] in panel
    assert "Occurred" in panel and "Place" in panel and "Category" in panel
    steps = wall.driver.execute_script(
        "return document.querySelectorAll('#record-detail .lifecycle li').length"
    )
    assert steps == len(full["attrs"]["lifecycle"]) >= 1
    # nearest first, at most four, the staff-only camera not among them
    assert len(cards) == 4
    assert cards[0].startswith("Test camera at the incident | 0 m away · Test ITS")
    assert not any("Staff-only" in c for c in cards)
    distances = [float(c.split("| ")[1].split(" m")[0].replace(",", "")) for c in cards]
    assert distances == sorted(distances)
    first = "#record-detail .camera-card:first-child img"
    colour = _wait_for_colour(wall, first)
    # the camera's next frame arrives by itself (the page renews every 5 s)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = _frame_colour(wall, first)
        if now and now != colour:
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"the picture stayed {colour}")
    assert _sent(colour) and _sent(now)
    assert wall.get_logs() == []


def _sent(colour: list[int]) -> bool:
    """One of the camera's colours (JPEG shifts them a little)."""
    return any(all(abs(a - b) <= 16 for a, b in zip(colour, c)) for c in COLOURS)


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_the_camera_wall_shows_every_camera_it_may(wall, incident, size):
    from web import runtime

    width, height = size
    screen(wall.driver, width, height)
    wall.driver.get(f"{wall.server_url}/cameras")
    wall.wait_for_element(".camera-grid .camera-card", timeout=30)
    public = runtime.kpi_service().cameras("public")
    names = wall.driver.execute_script(
        "return [...document.querySelectorAll('.camera-name')].map(n => n.textContent)"
    )
    assert sorted(names) == sorted(c.name for c in public)
    assert "Test camera at the incident" in names
    assert "Staff-only camera at the incident" not in names
    # every picture arrives (the demo's drawn cameras and the live test camera)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        missing = wall.driver.execute_script(
            "return [...document.querySelectorAll('img.camera-frame')]"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).length"
        )
        if missing == 0:
            break
        time.sleep(0.5)
    assert missing == 0
    # the grid fills the screen alike at 4K: four-plus columns, pictures twice as big
    columns = wall.driver.execute_script(
        "return getComputedStyle(document.querySelector('.camera-grid'))"
        ".gridTemplateColumns.split(' ').length"
    )
    assert columns >= 4
    wall.driver.save_screenshot(str(SCREENSHOTS / f"camera-wall-{width}x{height}.png"))
    assert wall.get_logs() == []


def test_a_camera_above_the_walls_access_level_is_never_served(wall, incident):
    from web import runtime

    with runtime.engine().connect() as conn:
        ids = dict(
            conn.exec_driver_sql(
                "SELECT camera_id, id FROM cameras WHERE source = 'test-cameras'"
            ).all()
        )
    base = f"{wall.server_url}/_citywall/camera"
    # signed in as an admin: the wall's own level still holds the staff camera back
    admin = browser_session(wall.driver)
    live = admin.get(f"{base}/{ids['live-1']}.jpg", timeout=10)
    assert live.status_code == 200 and live.headers["X-Camera-State"] == "live"
    assert live.headers["Content-Type"] == "image/jpeg"
    assert admin.get(f"{base}/{ids['staff-1']}.jpg", timeout=10).status_code == 403
    assert admin.get(f"{base}/999999.jpg", timeout=10).status_code == 404
    # and no picture at all without signing in
    assert requests.get(f"{base}/{ids['live-1']}.jpg", timeout=10).status_code == 401
