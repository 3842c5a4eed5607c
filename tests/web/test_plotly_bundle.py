"""The partial plotly.js bundle (web/plotly_bundle.py): answered at the address
dcc.Graph loads plotly.js from, open and cached as Dash's own scripts, built from
the plotly.js the Python package bundles, with every trace type the pages draw."""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import pytest

from tests.conftest import PROXY_SIGN_IN, build_wall, wall_environment
from web.plotly_bundle import BUNDLE
from web.settings import PROJECT_ROOT

PLOTLY_JS = "_dash-component-suites/plotly/package_data/plotly.min.js"
FINGERPRINTED = (
    "_dash-component-suites/plotly/package_data/plotly.v7_1_0m1796088096.min.js"
)
PREFIX = "/intranet/citywall/"


def _header(path: Path) -> str:
    with path.open(encoding="utf-8") as f:
        return "".join(f.readline() for _ in range(12))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with wall_environment(tmp_path_factory.mktemp("plotly"), **PROXY_SIGN_IN):
        yield


def _client(**overrides: str):

    return build_wall(**overrides).server.test_client()


@pytest.fixture(scope="module")
def client(env):
    return _client()


def test_the_plotly_address_answers_the_partial_bundle_to_anyone(client):
    response = client.get(f"/{PLOTLY_JS}")  # no sign-in: open like Dash's scripts
    assert response.status_code == 200
    assert response.data == BUNDLE.read_bytes()
    assert response.mimetype == "text/javascript"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # as Dash serves a name without fingerprint: revalidated by its ETag
    etag = response.headers["ETag"]
    assert "max-age" not in response.headers.get("Cache-Control", "")
    again = client.get(f"/{PLOTLY_JS}?v=2", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_fingerprinted_name_is_kept_a_year(client):
    response = client.get(f"/{FINGERPRINTED}")
    assert response.status_code == 200
    assert response.data == BUNDLE.read_bytes()
    assert response.cache_control.max_age == 31536000


def test_other_files_are_left_to_dash(client):
    assert (
        client.get("/_dash-component-suites/plotly/package_data/x.js").status_code
        == 404
    )
    dcc = client.get("/_dash-component-suites/dash/dcc/async-graph.js")
    assert dcc.status_code == 200 and dcc.data != BUNDLE.read_bytes()


def test_under_a_path_prefix(env):
    client = _client(url_prefix=PREFIX)
    response = client.get(f"{PREFIX}{PLOTLY_JS}")
    assert response.status_code == 200
    assert response.data == BUNDLE.read_bytes()


def test_the_bundle_is_the_plotly_js_the_python_package_bundles():
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    version = re.search(r"plotly\.js v([\d.]+)", _header(full)).group(1)
    assert f"plotly.js (citywall - minified) v{version}\n" in _header(BUNDLE), (
        "plotly was upgraded: run tools/build-plotly.sh"
    )


def test_the_bundle_holds_every_trace_type_the_pages_draw():
    drawn = {
        name.lower()
        for folder in ("components", "pages")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        for name in re.findall(r"\bgo\.([A-Z]\w*)", path.read_text(encoding="utf-8"))
        if name != "Figure"
    }
    held = set(re.search(r"\* Traces: (.*);", _header(BUNDLE)).group(1).split())
    assert drawn and drawn <= held, (
        f"{sorted(drawn - held)} are not in the bundle: add them to "
        "tools/build-plotly.sh and run it"
    )
