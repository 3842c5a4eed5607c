"""``citywall db``: a store's schema from the shell, as an operator upgrades it
before starting the web workers."""

from __future__ import annotations

from store import migrations
from tests.citywall.test_cli import citywall, small_city  # noqa: F401


def test_db_upgrade_brings_a_new_store_to_head_once(small_city):  # noqa: F811
    head = migrations.head()
    current = citywall("db", "current", env=small_city)
    assert current.returncode == 0, current.stderr
    assert current.stdout == "none\n"
    assert "run `citywall db upgrade`" in current.stderr
    upgraded = citywall("db", "upgrade", env=small_city)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == f"store schema upgraded from none to {head}\n"
    again = citywall("db", "upgrade", env=small_city)
    assert again.stdout == f"store schema at {head}: nothing to do\n"
    current = citywall("db", "current", env=small_city)
    assert (current.stdout, current.stderr) == (f"{head}\n", "")
    history = citywall("db", "history", env=small_city)
    assert history.returncode == 0
    assert history.stdout.splitlines()[0].startswith(f"{head}  ")
    assert history.stdout.splitlines()[0].endswith("(head)")


def test_db_upgrade_says_so_when_the_database_is_down(small_city):  # noqa: F811
    env = small_city | {
        "CITYWALL_DATABASE_URL": "postgresql+psycopg://wall@127.0.0.1:1/citywall"
    }
    done = citywall("db", "upgrade", env=env)
    assert done.returncode == 1
    assert done.stderr == (
        "citywall db: no database answers at 127.0.0.1:1: is PostgreSQL running "
        "there? Check the host and port in CITYWALL_DATABASE_URL\n"
    )
