"""Faults a city hall's wall must live through: the store's disk full, Redis gone,
the database unreachable — each made for real (a SQLite page limit, a TCP
forwarder cut between CityWall and its services), and each recovered from."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from access import accounts
from access import identity as who
from access.roles import Role
from ingest.runner import prepare_store, runners_for
from kpis.service import KpiService
from store import connect
from store import errors as store_errors
from store.schema import events, source_state
from tests.conftest import (
    POSTGRES_ENV,
    build_wall,
    seoul_profile_copy,
    service_url,
    store_on,
)
from tests.faultproxy import fault_proxy
from web.runtime import FallbackCache, make_cache
from web.settings import Settings


def _through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the forwarder's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    user = f"{netloc[0]}@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 0


# -- the disk full ---------------------------------------------------------------------


def test_a_full_disk_gives_a_clear_error_and_loses_nothing(tmp_path, seoul):
    engine = connect(f"sqlite:///{tmp_path / 'store.db'}")
    prepare_store(engine, seoul)
    (runner,) = runners_for(engine, seoul)
    runner.run()  # the newest day

    def count() -> int:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(events)).scalar()

    def cursor() -> str | None:
        with engine.connect() as conn:
            return conn.execute(
                select(source_state.c.cursor).where(source_state.c.source == "demo")
            ).scalar()

    before, cursor_before = count(), cursor()
    with engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    # SQLite's own "disk full" (SQLITE_FULL): the file may not grow past this
    def no_room(dbapi, _record) -> None:
        dbapi.execute(f"PRAGMA max_page_count = {pages + 2}")

    event.listen(engine, "connect", no_room)
    engine.dispose()
    with pytest.raises(OperationalError) as failed:
        runner.run()  # the next chunk of the backfill does not fit
    assert store_errors.is_full(failed.value)
    said = store_errors.describe(failed.value)
    assert said.startswith("the store is full") and "SELECT" not in said
    # nothing half-written: the rows and the cursor are as they were, the file sound
    assert count() == before and cursor() == cursor_before
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"

    event.remove(engine, "connect", no_room)
    engine.dispose()
    runner.run()  # room again: the same chunk lands
    assert count() > before and cursor() != cursor_before


# -- Redis unreachable -----------------------------------------------------------------


def test_redis_gone_falls_back_to_the_workers_own_cache_and_comes_back(tmp_path, seoul):
    redis_url = service_url("CITYWALL_TEST_REDIS_URL", "Redis")
    engine = connect(f"sqlite:///{tmp_path / 'store.db'}")
    prepare_store(engine, seoul)
    for runner in runners_for(engine, seoul):
        runner.run()
    truth = {v.kpi_id: v.value for v in KpiService(engine, seoul).tiles()}
    import redis

    direct = redis.Redis.from_url(redis_url)
    with fault_proxy(*_host_port(redis_url)) as proxy:
        settings = Settings.from_env(
            cache="redis", redis_url=_through(redis_url, proxy.port)
        )
        cache = make_cache(settings)
        assert isinstance(cache, FallbackCache)
        cache.retry_seconds = 0.5
        service = KpiService(engine, seoul, cache=cache)
        assert {v.kpi_id: v.value for v in service.tiles()} == truth
        assert any(direct.scan_iter("citywall:cw:*"))  # it went to Redis
        direct.flushdb()

        proxy.cut()
        t0 = time.monotonic()
        for _ in range(3):  # no error, the same numbers, never a long wait
            # a KPI layer with nothing of its own yet (within a moment, one
            # keeps what it read and would not go to Redis at all)
            service = KpiService(engine, seoul, cache=cache)
            assert {v.kpi_id: v.value for v in service.tiles()} == truth
        assert time.monotonic() - t0 < 5
        assert not cache.shared_up and not any(direct.scan_iter("citywall:*"))

        proxy.restore()
        time.sleep(0.6)
        cache.set("after-the-outage", 1)
        assert direct.get("citywall:after-the-outage") is not None
    direct.flushdb()


# -- the database unreachable ----------------------------------------------------------

PASSWORD = "a-long-enough-password"


@pytest.fixture
def wall_on_postgres(tmp_path, monkeypatch):
    """The app on a PostgreSQL store reached through a forwarder the test cuts."""
    base = service_url(POSTGRES_ENV, "PostgreSQL")
    with store_on("postgresql", tmp_path) as direct_url:
        with fault_proxy(*_host_port(base)) as proxy:
            monkeypatch.setenv("CITYWALL_PROFILE", str(seoul_profile_copy(tmp_path, 1)))
            monkeypatch.setenv("CITYWALL_DATA_DIR", str(tmp_path / "data"))
            monkeypatch.setenv(
                "CITYWALL_DATABASE_URL", _through(direct_url, proxy.port)
            )
            from citywall.cli import ingest_command
            from web import runtime

            runtime.reset()
            who.remembered.clear()
            assert ingest_command(None) == 0
            accounts.add_account(
                runtime.engine(), "sam", PASSWORD, Role.STAFF, datetime.now(UTC)
            )
            yield build_wall(), proxy
            runtime.engine().dispose()
            runtime.reset()


def _callback(client, output: str, inputs: list, state: list | None = None):
    return client.post(
        "/_dash-update-component",
        json={
            "output": output,
            "outputs": [
                {"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]}
                for o in output.strip(".").split("...")
            ]
            if output.startswith("..")
            else {"id": output.rsplit(".", 1)[0], "property": output.rsplit(".", 1)[1]},
            "inputs": inputs,
            "state": state or [],
            "changedPropIds": [],
        },
    )


def _health(client, since=None):
    return _callback(
        client,
        "..delay-banner.children...delay-since.data..",
        [{"id": "health-tick", "property": "n_intervals", "value": 1}],
        [
            {"id": "delay-since", "property": "data", "value": since},
            {"id": "nav", "property": "search", "value": ""},
        ],
    )


def _tile_refresh(client):
    return _callback(
        client,
        "embed-tile.children",
        [
            {
                "id": {"type": "refresh", "page": "embed-tile"},
                "property": "n_intervals",
                "value": 1,
            }
        ],
        [
            {
                "id": "embed-tile-view",
                "property": "data",
                "value": {"kpi": "complaints_open", "district": None, "lang": "en"},
            }
        ],
    )


@pytest.mark.postgres
def test_the_database_gone_the_wall_says_data_delayed_and_recovers(wall_on_postgres):
    app, proxy = wall_on_postgres
    client = app.server.test_client()
    form = client.get("/login")
    token = re.search(r"name='csrf' value='([^']+)'", form.text).group(1)
    client.post("/login", data={"csrf": token, "username": "sam", "password": PASSWORD})
    assert _tile_refresh(client).status_code == 200
    healthy = _health(client).get_json()["response"]
    assert healthy["delay-banner"]["children"] is None

    proxy.cut()
    t0 = time.monotonic()
    refused = _tile_refresh(client)
    # a quick, plain "delayed": the page keeps what it shows
    assert refused.status_code == 503 and "Data delayed" in refused.text
    assert "Traceback" not in refused.text and "postgres" not in refused.text.lower()
    assert time.monotonic() - t0 < 10
    banner = _health(client).get_json()["response"]
    assert "DATA DELAYED since" in str(banner["delay-banner"]["children"])
    since = banner["delay-since"]["data"]
    # the banner keeps the time the delay began
    again = _health(client, since).get_json()["response"]
    assert again["delay-since"]["data"] == since
    # the page itself still opens: the shell needs no database
    assert client.get("/").status_code == 200

    proxy.restore()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _tile_refresh(client).status_code != 200:
        time.sleep(0.5)
    assert _tile_refresh(client).status_code == 200
    cleared = _health(client, since).get_json()["response"]
    assert cleared["delay-banner"]["children"] is None
    assert cleared["delay-since"]["data"] is None
