"""The set-up mistakes a new operator makes, as they see them in the terminal: one
line that says what is wrong and how to fix it, no traceback, a non-zero exit."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.citywall.test_cli import citywall, small_city  # noqa: F401
from tests.conftest import POSTGRES_ENV, service_url, store_on

COMMANDS = {
    "serve": ("serve", "--port", "0", "--workers", "1"),
    "ingest": ("ingest", "--once"),
    "stage": ("stage", "show"),
}


def _one_line_refusal(done) -> str:
    """The single line a refused command wrote, checked to be just that."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    # nothing on stdout: no sign-in, no "CityWall is on", no data pulled
    assert done.stdout == ""
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_that_does_not_exist_says_how_to_create_it(
    small_city,  # noqa: F811
    command,
):
    server = make_url(service_url(POSTGRES_ENV, "PostgreSQL"))
    missing = f"citywall_missing_{uuid.uuid4().hex[:8]}"
    url = server.set(database=missing).render_as_string(hide_password=False)
    done = citywall(*COMMANDS[command], env=small_city | {"CITYWALL_DATABASE_URL": url})
    line = _one_line_refusal(done)
    where = f"{server.host}:{server.port or 5432}"
    assert line.startswith(
        f'citywall: the database "{missing}" does not exist on {where}: '
        "create it with `createdb -h "
    )
    assert line.endswith(f"{missing}`, or set CITYWALL_DATABASE_URL to one that exists")
    if server.password:
        assert server.password not in line


def test_the_postgres_url_form_opens_the_store(small_city, tmp_path):  # noqa: F811
    with store_on("postgresql", tmp_path) as url:
        plain = "postgres://" + url.split("://", 1)[1]  # as a hosting service gives it
        done = citywall(
            "stage", "show", env=small_city | {"CITYWALL_DATABASE_URL": plain}
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stage 1 of 5 (Normal)")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_postgres_url_where_nothing_answers_is_one_line(
    small_city,  # noqa: F811
    command,
    scheme,
):
    port = _closed_port()
    url = f"{scheme}://citywall:secret-pw@127.0.0.1:{port}/citywall"
    done = citywall(*COMMANDS[command], env=small_city | {"CITYWALL_DATABASE_URL": url})
    line = _one_line_refusal(done)
    assert line == (
        f"citywall: no database answers at 127.0.0.1:{port}: is PostgreSQL running "
        "there? Check the host and port in CITYWALL_DATABASE_URL"
    )
    assert "NoSuchModuleError" not in done.stderr and "secret-pw" not in line


def test_a_driver_that_is_not_installed_names_the_form_to_use(
    small_city,  # noqa: F811
):
    url = "mysql://wall:secret-pw@db.example/citywall"
    done = citywall("stage", "show", env=small_city | {"CITYWALL_DATABASE_URL": url})
    line = _one_line_refusal(done)
    assert line.startswith(
        "citywall: the database URL (CITYWALL_DATABASE_URL) mysql://wall:***@"
        "db.example/citywall names a driver that is not installed (mysql): write it "
        "as postgresql://user:password@host:5432/citywall"
    )


def test_a_second_serve_on_a_used_port_stops_at_once_and_suggests_another(
    small_city,  # noqa: F811
):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        done = citywall("serve", "--port", str(port), env=small_city)
        seconds = time.monotonic() - started
    line = _one_line_refusal(done)
    assert line.startswith(
        f"citywall serve: port {port} is in use (another CityWall?) — try --port "
    )
    suggested = int(line.rsplit(" ", 1)[1])
    assert port < suggested <= port + 20
    assert seconds < 10
    # refused before the store was opened: nothing pulled, no account made
    assert not Path(small_city["CITYWALL_DATA_DIR"], "citywall.db").exists()
