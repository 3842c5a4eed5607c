"""The data folder and the secret key are the owner's only: made 0700 and 0600
whatever the umask, an older folder narrowed, a key that another user owns or may
change refused with the fix; the demo's password is kept in its file, never
printed into the logs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from store.private_files import UnsafeFile
from tests.citywall.test_cli import citywall, small_city  # noqa: F401
from web.settings import Settings


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """The usual umask (files 0644, folders 0755 unless the code says otherwise)."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_data_folder_and_key_are_the_owners_only(tmp_path):
    settings = Settings.from_env(data_dir=str(tmp_path / "new" / "data"))
    key = settings.signing_key()
    assert len(key) > 40 and key == settings.signing_key()
    assert mode(settings.data_dir) == 0o700
    assert mode(settings.data_dir / "secret.key") == 0o600


def test_an_older_data_folder_is_narrowed(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    settings = Settings.from_env(data_dir=str(data))
    settings.signing_key()
    assert mode(data) == 0o700


@pytest.mark.parametrize("loose", [0o666, 0o620, 0o604], ids=oct)
def test_a_key_others_may_change_or_read_is_refused_with_the_fix(tmp_path, loose):
    settings = Settings.from_env(data_dir=str(tmp_path / "data"))
    settings.signing_key()
    key = settings.data_dir / "secret.key"
    key.chmod(loose)
    with pytest.raises(UnsafeFile, match=f"chmod 600 {key}"):
        settings.signing_key()
    key.chmod(0o640)  # a service group may read it
    assert settings.signing_key()


def test_a_key_another_user_owns_is_refused(tmp_path, monkeypatch):
    settings = Settings.from_env(data_dir=str(tmp_path / "data"))
    settings.signing_key()
    key = settings.data_dir / "secret.key"
    if os.geteuid() == 0:
        os.chown(key, 65534, -1)  # nobody's
    else:  # the wall runs as someone else than who owns the key
        me = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: me + 1)
    with pytest.raises(UnsafeFile, match="belongs to user id"):
        settings.signing_key()


def test_the_command_says_what_is_wrong_with_the_key(small_city):  # noqa: F811
    data = small_city["CITYWALL_DATA_DIR"]
    Settings.from_env(data_dir=data).signing_key()
    os.chmod(os.path.join(data, "secret.key"), 0o666)
    done = citywall("embed-token", "complaints", env=small_city)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "chmod 600" in done.stderr


def test_the_demo_keeps_its_password_out_of_the_logs(tmp_path):
    from access import accounts
    from citywall.cli import demo_sign_in
    from tests.conftest import store_at_head

    demo = Settings.from_env(data_dir=str(tmp_path / "demo"), database_url="")
    engine = store_at_head(demo.database_url)
    said = demo_sign_in(engine, demo)
    kept = demo.data_dir / "demo-admin.txt"
    password = kept.read_text().split("password: ")[1].strip()
    assert password not in said and str(kept) in said and "username: admin" in said
    assert accounts.sign_in(engine, "admin", password, "x", datetime.now(UTC), "s")
    assert password not in demo_sign_in(engine, demo)  # nor at a later start
    assert mode(kept) == 0o600 and mode(demo.data_dir) == 0o700
    engine.dispose()
