"""Maps over the city's own tile server: a profile with `[map] tile_url` draws the
district map on MapLibre with tiles fetched from that server (here one on
127.0.0.1 serving PNG tiles), and a click on a district still opens its page."""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from werkzeug.wrappers import Request, Response

from tests.browser.servers import free_port, own_store, serve_wsgi
from tests.citywall.test_cli import serving
from tests.conftest import seoul_profile_copy
from tests.signin import browser_sign_in, demo_admin


def _png(size: int = 256, rgb: tuple[int, int, int] = (28, 40, 64)) -> bytes:
    """One plain tile, written by hand: a PNG is a header and three chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class TileServer:
    """Serves /tiles/{z}/{x}/{y}.png and remembers what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.tile = _png()

    def __call__(self, environ, start_response):
        path = Request(environ).path
        self.asked.append(path)
        response = Response(self.tile, mimetype="image/png")
        response.headers["Access-Control-Allow-Origin"] = "*"  # WebGL textures
        return response(environ, start_response)


@pytest.fixture(scope="module")
def tiled_wall(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiles")
    tiles, port = TileServer(), free_port()
    profile = seoul_profile_copy(folder, 1)
    profile.write_text(
        profile.read_text(encoding="utf-8")
        + f'\n[map]\ntile_url = "http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png"\n'
        + 'attribution = "City GIS"\n',
        encoding="utf-8",
    )
    env = own_store(profile, folder)
    with serve_wsgi(tiles, port), serving(env) as (url, _output):
        yield url, tiles, demo_admin(folder / "data")


def test_the_map_draws_over_the_citys_tiles(dash_duo, tiled_wall):
    url, tiles, admin = tiled_wall
    browser_sign_in(dash_duo.driver, url, *admin)
    dash_duo.driver.get(url + "/")
    dash_duo.wait_for_element("#city-map .maplibregl-canvas", timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not tiles.asked:
        time.sleep(0.5)
    assert tiles.asked and all(
        p.startswith("/tiles/") and p.endswith(".png") for p in tiles.asked
    )
    zooms = {int(p.split("/")[2]) for p in tiles.asked}
    assert all(9 <= z <= 13 for z in zooms), zooms  # framed on the city, not the world
    kinds = dash_duo.driver.execute_script(
        "return document.querySelector('#city-map .js-plotly-plot')"
        "._fullData.map(t => t.type)"
    )
    assert kinds[:2] == ["choroplethmap", "scattermap"]
    assert "City GIS" in dash_duo.find_element("#city-map").text  # attribution
    assert dash_duo.get_logs() == []


def test_a_domain_page_puts_its_records_on_the_tiles(dash_duo, tiled_wall):
    url, _, admin = tiled_wall
    browser_sign_in(dash_duo.driver, url, *admin)
    dash_duo.driver.get(url + "/traffic")
    dash_duo.wait_for_element("#domain-map .maplibregl-canvas", timeout=60)
    dash_duo.wait_for_element("#record-grid .ag-row", timeout=30)
    kinds = dash_duo.driver.execute_script(
        "return document.querySelector('#domain-map .js-plotly-plot')"
        "._fullData.map(t => t.type)"
    )
    assert kinds == ["choroplethmap", "scattermap", "scattermap"]
    assert dash_duo.get_logs() == []
