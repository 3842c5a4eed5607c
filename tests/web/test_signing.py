"""Every instance serving one wall signs alike, so a wall signed in on one is not
refused by the next that answers: instances on one configured store share the
store's key with nothing set, a key in the environment wins and is never written
to the store, a single server's older key file becomes the store's, and the
demo's embedded store keeps its key in its data folder as before."""

from __future__ import annotations

from sqlalchemy import select

from store.schema import store_meta
from store.signing_key import SIGNING_KEY
from tests.conftest import store_at_head
from web.settings import KEY_FILE, Settings
from web.signing import shared_key


def instance(folder, store_url: str, **more: str) -> Settings:
    """The settings of an instance with a data folder of its own (its own host)."""
    return Settings.from_env(
        data_dir=str(folder / "data"), database_url=store_url, **more
    )


def kept_key(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(store_meta.c.document).where(store_meta.c.key == SIGNING_KEY)
        ).scalar()


def test_instances_on_one_store_sign_with_the_stores_key(store_url, tmp_path):
    engine = store_at_head(store_url)
    try:
        first = instance(tmp_path / "a", store_url)
        second = instance(tmp_path / "b", store_url)
        key = shared_key(first, engine)
        assert len(key) > 40
        assert shared_key(second, engine) == key == kept_key(engine)
        # nothing kept on the machines: a new instance needs nothing copied to it
        assert not (first.data_dir / KEY_FILE).exists()
        assert not (second.data_dir / KEY_FILE).exists()
    finally:
        engine.dispose()


def test_a_key_in_the_environment_wins_and_stays_out_of_the_store(store_url, tmp_path):
    engine = store_at_head(store_url)
    try:
        given = "k" * 48
        settings = instance(tmp_path, store_url, secret_key=given)
        assert shared_key(settings, engine) == given
        assert kept_key(engine) is None
    finally:
        engine.dispose()


def test_a_single_servers_key_file_becomes_the_stores(store_url, tmp_path):
    """An instance that signed with its data folder's key before (one server on
    PostgreSQL) keeps signing with it: its sessions and embeds hold on."""
    engine = store_at_head(store_url)
    try:
        before = instance(tmp_path / "a", store_url)
        old = before.signing_key()  # the key file, as the single server made it
        assert shared_key(before, engine) == old
        assert shared_key(instance(tmp_path / "b", store_url), engine) == old
    finally:
        engine.dispose()


def test_the_demos_embedded_store_keeps_its_key_in_the_data_folder(tmp_path):
    settings = Settings.from_env(data_dir=str(tmp_path / "data"))
    assert settings.embedded_store
    engine = store_at_head(settings.database_url)
    try:
        key = shared_key(settings, engine)
        assert (settings.data_dir / KEY_FILE).read_text().strip() == key
        assert kept_key(engine) is None
    finally:
        engine.dispose()
