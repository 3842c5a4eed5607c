"""Shared test fixtures, in separate blocks so more can be appended safely.

Blocks:

1. Project paths and city profiles: ``PROJECT_ROOT``, the ``seoul`` fixture and
   ``seoul_profile_copy`` (a Seoul profile with a shorter backfill).
2. Test services: ``service_url`` gives a service's URL from the environment or,
   when unset, the local service ``.ci/run`` would use if it answers (PostgreSQL's
   database ``test`` on 127.0.0.1:5432, Redis db 15 on 127.0.0.1:6379); without
   one it skips the test locally and fails it in CI, where a skipped test is a test
   not run. The run's last line says how many tests were skipped and why.
3. A store on each backend: ``store_url`` (parametrised "sqlite" / "postgresql")
   and ``engine`` (tables made, Seoul's districts loaded). PostgreSQL needs
   CITYWALL_TEST_POSTGRES_URL, e.g.
   ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; each test gets a schema of
   its own, dropped afterwards. ``BACKENDS`` and ``store_on`` serve fixtures with a
   wider scope (see tests/kpis).

Add further blocks (browser fixtures, ...) below the last one, each with its own
header comment; tests/browser/conftest.py holds the fixtures of the browser tests.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import Engine, create_engine, text

from city.profile import CityProfile, load_profile
from ingest.runner import prepare_store
from store import connect, migrations

# ---------------------------------------------------------------------------------
# 1. Project paths and city profiles
# ---------------------------------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def seoul() -> CityProfile:
    """The reference profile, loaded once: profiles are immutable."""
    return load_profile(PROJECT_ROOT / "cities/seoul.toml")


def files_in_place(text: str, city: str) -> str:
    """A shipped profile's text (``cities/<city>.toml``) with the files it names
    beside it, its boundaries and hotspots, named where they are: the text can
    then be written anywhere."""
    for name in ("districts.geojson", "hotspots.csv"):
        where = PROJECT_ROOT / "cities" / city / name
        text = text.replace(f'"{city}/{name}"', f'"{where}"')
    return text


def seoul_profile_copy(
    folder: Path,
    backfill_days: int,
    refresh_seconds: int = 10,
    alerts_per_day: int | None = None,
    extra: str = "",
    crowd_stage: bool = False,
    layout_from: int | None = None,
    demo_interval: int | None = None,
) -> Path:
    """The Seoul profile written to ``folder`` with a shorter backfill (and refresh),
    optionally another rate of simulated alerts, another interval of the demo
    source's pulls (``demo_interval`` seconds) and more TOML at the end.

    The crowds' stage rule (a hotspot crowded for half an hour) is left out unless
    ``crowd_stage``: whether the demo's crowds raise the stage depends on the
    hour, and a test's stage must not. ``layout_from``: the stage from which the
    wall turns to its disaster layout."""
    text_ = (PROJECT_ROOT / "cities" / "seoul.toml").read_text(encoding="utf-8")
    text_ = files_in_place(text_, "seoul")
    text_ = text_.replace("backfill_days = 30", f"backfill_days = {backfill_days}")
    text_ = text_.replace(
        "refresh_seconds = 10", f"refresh_seconds = {refresh_seconds}"
    )
    if alerts_per_day is not None:
        text_ = text_.replace(
            "alerts_per_day = 4", f"alerts_per_day = {alerts_per_day}"
        )
    if not crowd_stage:
        rule = '[[disaster.rules]]\nstage = 2\nwhen = "hotspot"\n'
        start = text_.index(rule)
        text_ = text_[:start] + text_[text_.index("\n\n", start) + 2 :]
    if layout_from is not None:
        text_ = text_.replace("layout_from = 3\n", f"layout_from = {layout_from}\n")
    if demo_interval is not None:
        shipped = 'connector = "simulator"\ninterval_seconds = 5\n'
        assert shipped in text_, "the demo source's interval moved in seoul.toml"
        text_ = text_.replace(
            shipped, f'connector = "simulator"\ninterval_seconds = {demo_interval}\n'
        )
    path = folder / "seoul.toml"
    path.write_text(text_ + extra, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------
# 2. Test services: skip locally without them, fail in CI
# ---------------------------------------------------------------------------------


def in_ci() -> bool:
    """CI services (GitHub Actions, GitLab, ...) set CI=true."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


POSTGRES_ENV = "CITYWALL_TEST_POSTGRES_URL"
REDIS_ENV = "CITYWALL_TEST_REDIS_URL"


@dataclass(frozen=True)
class LocalService:
    """A service on this machine the tests use when its variable is unset: the
    very URL ``.ci/run`` sets. Both are reserved for tests, as tests empty them:
    PostgreSQL's database ``test`` (each test in a schema of its own, dropped
    after) and Redis's db 15 (flushed by tests; 14 for a second test process),
    never a user's own data."""

    what: str
    env: str
    url_at: str  # the URL with "{address}" for host:port
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.url_at.format(address=self.address)


LOCAL_SERVICES = {
    POSTGRES_ENV: LocalService(
        "PostgreSQL",
        POSTGRES_ENV,
        "postgresql+psycopg://postgres@{address}/test",
        "127.0.0.1",
        5432,
    ),
    REDIS_ENV: LocalService(
        "Redis", REDIS_ENV, "redis://{address}/15", "127.0.0.1", 6379
    ),
}
PROBE_SECONDS = 2.0


def probe(service: LocalService) -> str | None:
    """None when ``service`` answers at its URL, else why not, with the fix."""
    fix = f"set {service.env}"
    try:
        socket.create_connection((service.host, service.port), PROBE_SECONDS).close()
    except OSError:
        return f"{service.what} not found on {service.address} ({fix})"
    try:
        if service.env == POSTGRES_ENV:
            engine = create_engine(
                service.url, connect_args={"connect_timeout": int(PROBE_SECONDS)}
            )
            try:
                with engine.connect():
                    pass
            finally:
                engine.dispose()
        else:
            import redis

            redis.Redis.from_url(
                service.url, socket_connect_timeout=PROBE_SECONDS
            ).ping()
    except Exception as exc:  # noqa: BLE001 - any failure: not usable, say why
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if service.env == POSTGRES_ENV:
            fix = f"createdb -h {service.host} -U postgres test, or {fix}"
        return (
            f"{service.what} on {service.address} refused {service.url}: "
            f"{first} ({fix})"
        )
    return None


@functools.cache  # once per test run
def local_service(env: str) -> tuple[str | None, str]:
    """The URL of the local service for ``env`` if it answers, and why not."""
    service = LOCAL_SERVICES[env]
    why = probe(service)
    return (service.url if why is None else None), why or ""


def service_url(env: str, what: str) -> str:
    """The URL of a test service: from ``env``, else the local one ``.ci/run``
    uses if it answers; skip without either, but fail in CI."""
    url = os.environ.get(env, "").strip()
    if url:
        return own_redis_db(url) if env == REDIS_ENV else url
    found, why = local_service(env) if env in LOCAL_SERVICES else (None, f"set {env}")
    if found:
        return own_redis_db(found) if env == REDIS_ENV else found
    if in_ci():
        pytest.fail(f"{what} tests must run in CI: {why}")
    pytest.skip(why)


def own_redis_db(url: str) -> str:
    """The Redis db of this test process: the URL's for the first (or only) one,
    the next below for each other (`make test` runs two: 15 and 14), since tests
    empty their db and count the keys in it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    if not worker.isdigit() or worker == "0":
        return url
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{max(db - int(worker), 0)}"))


def skip_summary(reasons: Iterable[str]) -> str:
    """One line: how many tests were skipped and why, the commonest reason first."""
    counted = Counter(r.removeprefix("Skipped: ") for r in reasons)
    total = sum(counted.values())
    if not total:
        return "skipped: 0"
    if len(counted) == 1:
        return f"skipped {total}: {next(iter(counted))}"
    return f"skipped {total}: " + "; ".join(
        f"{n} × {reason}" for reason, n in counted.most_common()
    )


def pytest_unconfigure(config) -> None:
    """The run's last line: what was skipped and why (after pytest's own totals,
    where a skipped PostgreSQL test is easy to miss)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not hasattr(reporter, "stats"):
        return
    skipped = reporter.stats.get("skipped", [])
    reasons = [
        r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr)
        for r in skipped
    ]
    reporter.write_line(skip_summary(reasons))


# ---------------------------------------------------------------------------------
# 3. A store on each backend
# ---------------------------------------------------------------------------------

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _with_search_path(base: str, schema: str) -> str:
    """``base`` with connections set to ``schema`` (psycopg's libpq ``options``)."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def store_on(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty store on ``backend``, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/store.db"
        return
    base = service_url(POSTGRES_ENV, "PostgreSQL")
    schema = f"citywall_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield _with_search_path(base, schema)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> Iterator[str]:
    """An empty store of this test's own, on SQLite and on PostgreSQL."""
    with store_on(request.param, tmp_path) as url:
        yield url


def store_at_head(store: str | Engine) -> Engine:
    """An engine on ``store`` (a URL, or an engine such as the runtime's) with the
    store's schema at head, as `citywall db upgrade` leaves it (``prepare_store``
    does the same, then adds a profile's districts): the way a test makes a
    store's tables."""
    eng = connect(store) if isinstance(store, str) else store
    migrations.upgrade(eng)
    return eng


@pytest.fixture
def engine(store_url, seoul):
    """A store at head with Seoul's 25 districts, disposed afterwards."""
    eng = connect(store_url)
    try:
        prepare_store(eng, seoul)
        yield eng
    finally:
        eng.dispose()


# ---------------------------------------------------------------------------------
# 4. The web app's environment: a small demo store the runtime points at
# ---------------------------------------------------------------------------------

# a trusted proxy on the test client's own address: tests sign in by its headers
PROXY_SIGN_IN = {
    "CITYWALL_PROXY_USER_HEADER": "X-Remote-User",
    "CITYWALL_PROXY_ROLE_HEADER": "X-Remote-Role",
    "CITYWALL_TRUSTED_PROXIES": "127.0.0.1",
}
# the headers that proxy sends for a user of each role
PROXY_VIEWER = {"X-Remote-User": "vera", "X-Remote-Role": "viewer"}
PROXY_STAFF = {"X-Remote-User": "sam", "X-Remote-Role": "staff"}
PROXY_ADMIN = {"X-Remote-User": "ada", "X-Remote-Role": "admin"}


@contextmanager
def wall_environment(folder: Path, **extra: str) -> Iterator[None]:
    """The runtime on an empty one-day Seoul store in ``folder`` (tables and
    districts made), with ``extra`` settings; the environment restored after."""
    values = {
        "CITYWALL_PROFILE": str(seoul_profile_copy(folder, 1)),
        "CITYWALL_DATA_DIR": str(folder / "data"),
        **extra,
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in values.items():
            mp.setenv(name, value)
        mp.delenv("CITYWALL_DATABASE_URL", raising=False)
        from web import runtime

        runtime.reset()
        prepare_store(runtime.engine(), runtime.profile())
        try:
            yield
        finally:
            runtime.reset()


def build_wall(**settings: str):
    """The app as ``citywall serve`` runs it (``app.py`` is this one line): built
    by its factory from the environment, with ``settings`` over it. Every test
    builds its app this way; each build gets every page and callback."""
    from web.factory import create_app
    from web.settings import Settings

    return create_app(Settings.from_env(**settings))


def router_body(pathname: str, search: str = "") -> dict:
    """The request Dash's page router callback gets when the browser goes to
    ``pathname`` (and ``search``): post it to ``/_dash-update-component``."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
