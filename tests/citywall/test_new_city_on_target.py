"""A new city's wall starts on target: ``city init`` sizes the demo simulator to
the city and fits the starting targets to it, so no tile is off target from the
first minute (or through the day) until the city's own data and targets come."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from city.district_codes import slug
from city.profile import load_profile
from citywall.cli import main
from ingest.runner import SourceRunner, prepare_store, run_until_caught_up
from kpis.service import KpiService
from kpis.values import ALERT
from store import connect
from tests.conftest import PROJECT_ROOT

QUITO = PROJECT_ROOT / "tests/fixtures/cities/quito_parroquias.geojson"
NOW = datetime(2026, 3, 18, 14, 37, tzinfo=UTC)  # a Wednesday, 09:37 in Quito


def residents(value) -> int:
    """The fixture's populations as the census wrote them: "57.812", a number, an
    object with a total, or nothing."""
    if isinstance(value, dict):
        value = value.get("total")
    if isinstance(value, str):
        return int(value.replace(".", ""))
    return int(value or 0)


def quito_boundaries(folder: Path) -> Path:
    """Quito's 32 urban parishes (about 1.6 million people) with a URL-safe code
    beside each accented name and populations as numbers: the part of the file
    this test does not try (``city init``'s own tests read it raw)."""
    collection = json.loads(QUITO.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {
            "code": slug(props["PARROQUIA"]),
            "name": props["PARROQUIA"],
            "population": residents(props.get("poblacion")),
        }
    path = folder / "quito.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def quito(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quito")
    assert (
        main(
            [
                "city",
                "init",
                str(quito_boundaries(folder)),
                "--id",
                "quito",
                "--name",
                "Quito",
                "--timezone",
                "America/Guayaquil",
                "--language",
                "es",
                "--population-property",
                "population",
                "--out",
                str(folder / "cities"),
            ]
        )  # fmt: skip
        == 0
    )
    assert main(["city", "check", str(folder / "cities" / "quito.toml")]) == 0
    profile = load_profile(folder / "cities" / "quito.toml")
    engine = connect(f"sqlite:///{folder}/store.db")
    prepare_store(engine, profile)
    yield profile, engine
    engine.dispose()


def off_target(service: KpiService) -> list[str]:
    """The city's tiles off target, but the alerts tile when a Severe or Extreme
    alert is in force: that is the simulated city's news, not a target's fault."""
    severe = any(
        a.severity in ("Severe", "Extreme") for a in service.active_alerts(limit=50)
    )
    return [
        f"{v.kpi_id}={v.value} (target {v.target})"
        for v in service.tiles()
        if v.status == ALERT and not (v.kpi_id == "disaster_active_alerts" and severe)
    ]


def test_a_new_city_is_on_target_from_the_first_minute_and_through_the_day(quito):
    profile, engine = quito
    assert 1_500_000 < profile.population < 1_700_000
    options = profile.sources[0].options
    assert options["climate"] == "tropical-south"
    assert options["complaints_per_day"] < 850 / 5  # not Seoul's
    found = {}
    for hours in range(0, 25, 3):  # the first minute, then every three hours
        moment = NOW + timedelta(hours=hours)
        source = profile.sources[0]
        run_until_caught_up(
            SourceRunner(engine, profile, source, clock=lambda m=moment: m)
        )
        service = KpiService(
            engine, profile, clock=lambda m=moment: m, speed_window=profile.speed_window
        )
        tiles = {v.kpi_id: v for v in service.tiles()}
        assert all(v.value is not None for v in tiles.values()), hours
        found[moment.astimezone(profile.timezone).strftime("%a %H:%M")] = off_target(
            service
        )
    assert found == {when: [] for when in found}
