"""The second shipped city: Guayaquil, in Spanish, runs on the wall from its
profile alone."""

from __future__ import annotations

import json
import os

import requests

from city.profile import load_profile
from components.city_map import city_map_figure
from components.format import district_facts
from kpis.service import KpiService
from store import connect
from tests.citywall.test_cli import serving
from tests.conftest import PROJECT_ROOT, files_in_place
from tests.signin import demo_admin, signed_in_session
from tests.standard import KPIS_BY_ID

PROFILE = PROJECT_ROOT / "cities" / "guayaquil.toml"


def test_the_profile_is_a_spanish_city_of_sixteen_parishes():
    city = load_profile(PROFILE)
    assert city.name() == "Guayaquil" and city.default_language == "es"
    assert city.timezone.key == "America/Guayaquil"
    assert len(city.districts) == 16
    assert city.districts_by_code["tarqui"].name("es") == "Tarqui"
    assert city.districts_by_code["nueve-de-octubre"].name() == "Nueve de Octubre"
    # the outlines sit on the west bank of the Guayas river
    bounds = [d.geometry.bounds for d in city.districts]
    minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
    maxx, maxy = max(b[2] for b in bounds), max(b[3] for b in bounds)
    assert -80.0 < minx < maxx < -79.8 and -2.3 < miny < maxy < -2.0


def test_guayaquil_runs_on_the_wall(tmp_path):
    text = PROFILE.read_text(encoding="utf-8")
    text = files_in_place(text, "guayaquil").replace(
        "backfill_days = 15", "backfill_days = 1"
    )
    profile = tmp_path / "guayaquil.toml"
    profile.write_text(text, encoding="utf-8")
    env = os.environ | {
        "CITYWALL_PROFILE": str(profile),
        "CITYWALL_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("CITYWALL_DATABASE_URL", None)
    with serving(env) as (url, output):
        session = signed_in_session(url, *demo_admin(tmp_path / "data"))
        shell = json.dumps(_header(session, url))
        assert '"Guayaquil"' in shell and '"America/Guayaquil"' in shell
        assert '"guayaquil"' not in shell  # the name, never the bare id
        assert '"Resumen"' in shell  # in the profile's language, Spanish
    assert "demo: fetched" in output[0] and "Traceback" not in output[0]

    # what the wall then shows, from the store the server filled
    city = load_profile(profile)
    wall = KpiService(connect(f"sqlite:///{tmp_path / 'data' / 'citywall.db'}"), city)
    tiles = {t.kpi_id: t.value for t in wall.tiles()}
    assert all(tiles[k] is not None for k in ("complaints_today", "road_avg_speed"))
    per_parish = wall.map_values("complaints_open")
    assert len(per_parish) == 16 and sum(v or 0 for v in per_parish.values()) > 0
    figure = city_map_figure(city, KPIS_BY_ID["complaints_open"], per_parish, "es")
    assert "Tarqui" in json.dumps(figure.to_plotly_json())  # parishes are labelled
    tarqui = city.districts_by_code["tarqui"]
    assert (
        district_facts(city, tarqui, "es")
        == "Código tarqui · población no indicada en el perfil"
    )


def _header(session: requests.Session, url: str) -> dict:
    """The shell's header as the server draws it for the browser at /."""
    response = session.post(
        f"{url}/_dash-update-component",
        json={
            "output": "..shell-header.children...wall-root.className..",
            "outputs": [
                {"id": "shell-header", "property": "children"},
                {"id": "wall-root", "property": "className"},
            ],
            "inputs": [
                {"id": "nav", "property": "pathname", "value": "/"},
                {"id": "nav", "property": "search", "value": ""},
            ],
            "changedPropIds": ["nav.pathname"],
            "state": [],
        },
        timeout=20,
    )
    response.raise_for_status()
    return response.json()
