"""A city without Seoul's feed counts its own crowds: Guayaquil's shipped profile
lists its hotspots in a CSV and takes the counts from a table it publishes (its
`aforo` sources, off until the environment gives the table's address). Through
`citywall ingest` against the local feed server: the levels and the people land
at the hotspots, in the hotspots' parishes, a bad row is quarantined with its
reason, and the wall's crowd domain reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from city.profile import load_profile
from kpis.service import KpiService
from store import engine as store_engine
from store.schema import measurements
from tests.conftest import PROJECT_ROOT, files_in_place
from tests.connectors.harness import LOCAL_FEEDS, quarantine_reasons

# the city's export, as a spreadsheet saves it: local times without a zone, and
# one row whose level someone wrote as a word
AFORO = (
    "codigo,fecha_hora,personas,nivel\n"
    "GYE-MALECON,2026-12-06 18:30,8400,3\n"
    "GYE-MONUMENTAL,2026-12-06 18:30,52100,4\n"
    "GYE-PENAS,2026-12-06 18:30,900,1\n"
    "GYE-BAHIA,2026-12-06 18:30,3100,alto\n"
)
NOW = datetime(2026, 12, 6, 23, 40, tzinfo=UTC)  # 18:40 in Guayaquil


def guayaquil(folder):
    """The shipped profile, its files where they are, the local server allowed."""
    text = (PROJECT_ROOT / "cities" / "guayaquil.toml").read_text("utf-8")
    text = files_in_place(text, "guayaquil")
    path = folder / "guayaquil.toml"
    path.write_text(text + "\n" + LOCAL_FEEDS, "utf-8")
    return path


def test_the_aforo_sources_are_off_until_the_environment_names_the_table(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("GYE_AFORO_URL", raising=False)
    off = load_profile(guayaquil(tmp_path))
    assert [s.name for s in off.sources] == ["demo"]
    assert [(d.name, d.needs) for d in off.disabled_sources] == [
        ("aforo-nivel", ("GYE_AFORO_URL",)),
        ("aforo-personas", ("GYE_AFORO_URL",)),
    ]
    monkeypatch.setenv("GYE_AFORO_URL", "http://127.0.0.1:9/aforo.csv")
    on = load_profile(guayaquil(tmp_path))
    assert [s.name for s in on.sources] == ["demo", "aforo-nivel", "aforo-personas"]
    assert on.sources[1].options["url"] == "http://127.0.0.1:9/aforo.csv"


def test_the_citys_counts_land_at_its_hotspots(feed_server, tmp_path, monkeypatch):
    from citywall import cli
    from web import runtime

    feed_server.route("/aforo.csv", AFORO)
    monkeypatch.setenv("GYE_AFORO_URL", feed_server.url("/aforo.csv"))
    profile_path = guayaquil(tmp_path)
    monkeypatch.setenv("CITYWALL_PROFILE", str(profile_path))
    db = f"sqlite:///{tmp_path}/store.db"
    monkeypatch.setenv("CITYWALL_DATABASE_URL", db)
    runtime.reset()
    try:
        code = cli.main(
            [
                "ingest",
                "--once",
                "--source",
                "aforo-nivel",
                "--source",
                "aforo-personas",
            ]
        )
    finally:
        runtime.reset()
    assert code == 0
    engine = store_engine.connect(db)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                measurements.c.series,
                measurements.c.place,
                measurements.c.value,
                measurements.c.category,
                measurements.c.district_code,
            ).order_by(measurements.c.series, measurements.c.place)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("crowd_level", "GYE-MALECON", 3.0, "slightly_crowded", "carbo"),
        ("crowd_level", "GYE-MONUMENTAL", 4.0, "crowded", "tarqui"),
        ("crowd_level", "GYE-PENAS", 1.0, "relaxed", "tarqui"),
        ("crowd_max", "GYE-BAHIA", 3100.0, None, "olmedo"),
        ("crowd_max", "GYE-MALECON", 8400.0, None, "carbo"),
        ("crowd_max", "GYE-MONUMENTAL", 52100.0, None, "tarqui"),
        ("crowd_max", "GYE-PENAS", 900.0, None, "tarqui"),
    ]
    # the row whose level is a word: kept aside with why, the others landed
    (reason,) = quarantine_reasons(engine, "aforo-nivel")
    assert "alto" in reason
    # the wall's crowd domain: the stadium crowded, Las Peñas relaxed
    profile = load_profile(profile_path)
    wall = KpiService(engine, profile, clock=lambda: NOW)
    now = wall.hotspots_now("crowd")
    assert {c: s.level for c, s in now.items()} == {
        "GYE-MALECON": 3,
        "GYE-MONUMENTAL": 4,
        "GYE-PENAS": 1,
    }
    assert now["GYE-MONUMENTAL"].people == 52100
    crowded = {v.kpi_id: v.value for v in wall.tiles()}["crowd_hotspots_crowded"]
    assert crowded == 1
    engine.dispose()
