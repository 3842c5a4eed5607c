"""Each city's files in a folder of its own: the default store is
``data/<city id>/citywall.db``; CITYWALL_DATA_DIR and CITYWALL_DATABASE_URL still
win; a store from before (``data/citywall.db``) goes to its own city's folder and
no other's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from city.profile import load_profile
from ingest.runner import prepare_store
from store import connect
from store.versions import versions
from tests.conftest import PROJECT_ROOT, seoul_profile_copy
from web import runtime
from web.settings import Settings, city_id

GUAYAQUIL = PROJECT_ROOT / "cities" / "guayaquil.toml"


@pytest.fixture
def plain_environment(monkeypatch, tmp_path) -> Path:
    """No data folder or database set, run from ``tmp_path``."""
    for name in ("CITYWALL_DATA_DIR", "CITYWALL_DATABASE_URL", "CITYWALL_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    runtime.reset()
    yield tmp_path
    runtime.reset()


def test_each_city_gets_its_own_folder_and_store(plain_environment):
    seoul = Settings.from_env()
    guayaquil = Settings.from_env(profile=str(GUAYAQUIL))
    assert seoul.data_dir == plain_environment / "data" / "seoul"
    assert guayaquil.data_dir == plain_environment / "data" / "guayaquil"
    assert guayaquil.database_url == (
        f"sqlite:///{plain_environment}/data/guayaquil/citywall.db"
    )
    assert guayaquil.embedded_store


def test_a_set_database_url_or_data_folder_still_wins(plain_environment, monkeypatch):
    monkeypatch.setenv("CITYWALL_DATABASE_URL", "postgresql+psycopg://h/citywall")
    assert Settings.from_env().database_url == "postgresql+psycopg://h/citywall"
    assert not Settings.from_env().embedded_store
    monkeypatch.delenv("CITYWALL_DATABASE_URL")
    monkeypatch.setenv("CITYWALL_DATA_DIR", "/srv/wall")
    assert Settings.from_env().data_dir == Path("/srv/wall")  # as it is: one folder
    monkeypatch.setenv("CITYWALL_DATA_DIR", "/srv/walls/{city}")
    assert Settings.from_env(profile=str(GUAYAQUIL)).data_dir == Path(
        "/srv/walls/guayaquil"
    )


def test_the_folder_is_named_by_the_profile_id_and_never_leaves_the_data_folder(
    tmp_path,
):
    profile = tmp_path / "quito-test.toml"
    profile.write_text('[city]\nid = "quito"\n', encoding="utf-8")
    assert city_id(profile) == "quito"
    profile.write_text('[city]\nid = "../../evil"\n', encoding="utf-8")
    assert city_id(profile) == "quito-test"  # the file's name, made safe
    profile.write_text("[city\n", encoding="utf-8")  # its loader says what is wrong
    assert city_id(profile) == "quito-test"
    assert city_id(tmp_path / "Nowhere At All.toml") == "nowhere-at-all"


def _old_store(folder: Path, profile_path: Path) -> int:
    """``data/citywall.db`` and its files as a version before folders per city
    left them (no city stamped on the store); the store's identity."""
    engine = connect(f"sqlite:///{folder / 'citywall.db'}")
    prepare_store(engine, load_profile(profile_path))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM store_meta WHERE key LIKE 'city:%'"))
        identity = versions(conn).store
    engine.dispose()
    (folder / "ingest.json").write_text(json.dumps({"pid": 1}), encoding="utf-8")
    (folder / "demo-admin.txt").write_text("username: admin\n", encoding="utf-8")
    return identity


def test_a_store_from_before_moves_into_its_own_citys_folder(
    plain_environment, monkeypatch, caplog
):
    data = plain_environment / "data"
    data.mkdir()
    seoul = seoul_profile_copy(plain_environment, backfill_days=1)
    identity = _old_store(data, seoul)
    monkeypatch.setenv("CITYWALL_PROFILE", str(GUAYAQUIL))
    runtime.engine()  # another city's: left where it is, and said so
    assert (data / "citywall.db").exists()
    assert "holds other districts than guayaquil's" in caplog.text
    assert (data / "guayaquil" / "citywall.db").exists()

    monkeypatch.setenv("CITYWALL_PROFILE", str(seoul))
    runtime.reset()
    with runtime.engine().connect() as conn:
        assert versions(conn).store == identity  # the very store, moved
    moved = data / "seoul"
    assert {p.name for p in moved.iterdir()} >= {
        "citywall.db",
        "ingest.json",
        "demo-admin.txt",
    }
    assert not (data / "citywall.db").exists()
    assert not (data / "ingest.json").exists()
    assert f"moved {data / 'citywall.db'}" in caplog.text
