"""One store per city: the first city to prepare a store stamps it, and every
command that opens it under another city's profile is refused with one line
before anything in it changes, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from city.profile import load_profile
from ingest.runner import prepare_store
from store import connect, schema
from store.versions import StoreOfAnotherCity, cities_of
from tests.citywall.test_cli import citywall
from tests.conftest import PROJECT_ROOT, seoul_profile_copy


@pytest.fixture(scope="module")
def guayaquil():
    return load_profile(PROJECT_ROOT / "cities" / "guayaquil.toml")


def test_a_store_is_stamped_once_with_its_city(store_url, seoul):
    engine = connect(store_url)
    try:
        prepare_store(engine, seoul)
        prepare_store(engine, seoul)  # opened again by the same city: fine
        with engine.connect() as conn:
            assert cities_of(conn) == ["seoul"]
    finally:
        engine.dispose()


def test_another_citys_store_is_refused_untouched(store_url, seoul, guayaquil):
    engine = connect(store_url)
    try:
        prepare_store(engine, seoul)
        with pytest.raises(StoreOfAnotherCity) as refused:
            prepare_store(engine, guayaquil)
        line = str(refused.value)
        assert "holds seoul's data; you started guayaquil" in line
        assert "use data/guayaquil/" in line and "CITYWALL_DATABASE_URL" in line
        assert "\n" not in line
        with engine.connect() as conn:  # none of Guayaquil's districts came in
            count = conn.execute(select(func.count()).select_from(schema.districts))
            assert count.scalar() == len(seoul.districts)
            assert cities_of(conn) == ["seoul"]
    finally:
        engine.dispose()


def test_every_command_refuses_another_citys_store(tmp_path):
    """A data folder named by hand for two cities: the second is told, in one
    line and without a traceback, by each command that opens the store."""
    shared = tmp_path / "shared"
    seoul = seoul_profile_copy(tmp_path, backfill_days=1)
    env = os.environ | {"CITYWALL_DATA_DIR": str(shared)}
    env.pop("CITYWALL_DATABASE_URL", None)
    done = citywall("ingest", "--once", env=env | {"CITYWALL_PROFILE": str(seoul)})
    assert done.returncode == 0, done.stderr
    other = env | {"CITYWALL_PROFILE": str(PROJECT_ROOT / "cities/guayaquil.toml")}
    for command in (
        ("ingest", "--once"),
        ("serve", "--port", "0"),
        ("stage", "show"),
        ("account", "list"),
        ("db", "upgrade"),
    ):
        refused = citywall(*command, env=other)
        assert refused.returncode == 2, (command, refused.stderr)
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in refused.stderr, command
        assert "holds seoul's data; you started guayaquil" in lines[0], command
