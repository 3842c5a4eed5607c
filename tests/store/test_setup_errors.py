"""The store's set-up mistakes in one line each, with the fix and never the
password: the database URL's forms, and what the server says when it refuses."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from store import connect
from store.engine import with_driver
from store.errors import StoreSetupError, setup_problem

URL = "postgresql+psycopg://wall:secret-pw@db.city.example:6543/citywall"


def refused(message: str) -> OperationalError:
    """An error as SQLAlchemy wraps the driver's, with the server's words."""
    return OperationalError("connect", {}, Exception(message))


@pytest.mark.parametrize(
    ("given", "opened"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///data/citywall.db", "sqlite:///data/citywall.db"),
    ],
)
def test_the_plain_postgres_forms_get_the_installed_driver(given, opened):
    assert with_driver(given) == opened


def test_a_url_that_is_not_one_says_the_form_to_write():
    with pytest.raises(StoreSetupError, match="is not one SQLAlchemy reads: write "):
        connect("citywall on db.city.example")


def test_a_driver_that_is_not_installed_is_named_without_the_password():
    with pytest.raises(StoreSetupError) as raised:
        connect("postgresql+psycopg2://wall:secret-pw@db/citywall")
    assert "not installed (postgresql+psycopg2)" in str(raised.value)
    assert "secret-pw" not in str(raised.value)


@pytest.mark.parametrize(
    ("server_says", "line"),
    [
        (
            'FATAL:  database "citywall" does not exist',
            'the database "citywall" does not exist on db.city.example:6543: create '
            "it with `createdb -h db.city.example -p 6543 -U wall citywall`, or set "
            "CITYWALL_DATABASE_URL to one that exists",
        ),
        (
            'FATAL:  role "wall" does not exist',
            'PostgreSQL on db.city.example:6543 has no user "wall": create it '
            "(`createuser`) or put another user in CITYWALL_DATABASE_URL",
        ),
        (
            'FATAL:  password authentication failed for user "wall"',
            "PostgreSQL on db.city.example:6543 refused the password of wall: check "
            "the user and password in CITYWALL_DATABASE_URL",
        ),
        (
            "connection failed: Connection refused",
            "no database answers at db.city.example:6543: is PostgreSQL running "
            "there? Check the host and port in CITYWALL_DATABASE_URL",
        ),
    ],
)
def test_what_the_server_refused_is_said_with_its_fix(server_says, line):
    said = setup_problem(refused(server_says), URL)
    assert said == line and "secret-pw" not in said
