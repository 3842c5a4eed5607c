"""An overview embedded in the intranet shows the disaster layout's alerts and no
camera: a picture's request carries no embed token (an <img> sends no
Authorization header, a frame of another site may get no cookie), so it would
only ever show as broken."""

from __future__ import annotations

import json
from types import SimpleNamespace

import plotly
import pytest

from kpis.cameras import CameraRow
from tests.web.test_access import wall  # noqa: F401 - the app, its pages


def _view(layout: bool = True) -> SimpleNamespace:
    return SimpleNamespace(layout=layout, alerts=(), affected=("11680",))


def _camera() -> CameraRow:
    return CameraRow(
        id=1, camera_id="c1", name="Gangnam-daero", provider="Seoul ITS",
        lon=127.0276, lat=37.4979, district_code="11680", access="public",
        snapshot_url=None, stream_url=None,
    )  # fmt: skip


@pytest.fixture
def overview(wall):  # noqa: F811 - the pages register with the app
    from pages import overview

    return overview


@pytest.fixture
def wall_services(monkeypatch, seoul, overview):
    asked = []
    kpis = SimpleNamespace(
        cameras_in=lambda *args, **kwargs: asked.append(args) or [_camera()]
    )
    fake = SimpleNamespace(profile=lambda: seoul, kpis=lambda: kpis)
    monkeypatch.setattr(overview, "services", lambda: fake)
    monkeypatch.setattr(overview, "camera_level", lambda: "public")
    return asked


def _drawn(children) -> str:
    return json.dumps(children, cls=plotly.utils.PlotlyJSONEncoder)


def test_the_wall_s_disaster_layout_shows_the_cameras(wall_services, overview):
    drawn = _drawn(overview._panel(_view(), "en", None))
    assert "/_citywall/camera/1.jpg" in drawn and wall_services


def test_an_embed_s_disaster_layout_shows_no_camera(wall_services, overview):
    from pages._embedding import Embedding

    embedding = Embedding.from_view({"embed": {"target": "overview"}})
    assert embedding is not None
    drawn = _drawn(overview._panel(_view(), "en", embedding))
    assert "_citywall/camera" not in drawn
    assert wall_services == []  # not even looked up
