"""Shared fixtures: the Seoul profile and a store on each backend.

Store tests run on SQLite and on PostgreSQL. PostgreSQL needs
CITYWALL_TEST_POSTGRES_URL; each test gets a schema of its own, dropped afterwards.
Without the URL the PostgreSQL cases skip, except in CI, where they fail: a test
skipped in CI is a test not run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from citywall.profile import load_profile
from ingest.runner import prepare_store
from store import connect

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def seoul_profile_copy(
    folder: Path, backfill_days: int, refresh_seconds: int = 10
) -> Path:
    """The Seoul profile written to ``folder`` with a shorter backfill (and refresh)."""
    text = (PROJECT_ROOT / "cities" / "seoul.toml").read_text(encoding="utf-8")
    boundaries = PROJECT_ROOT / "cities" / "seoul" / "districts.geojson"
    text = text.replace('"seoul/districts.geojson"', f'"{boundaries}"')
    text = text.replace("backfill_days = 30", f"backfill_days = {backfill_days}")
    text = text.replace("refresh_seconds = 10", f"refresh_seconds = {refresh_seconds}")
    path = folder / "seoul.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def seoul():
    return load_profile(PROJECT_ROOT / "cities" / "seoul.toml")


def service_url(env: str, what: str) -> str:
    """The URL of a test service from ``env``; skip without it, but fail in CI."""
    url = os.environ.get(env)
    if not url:
        reason = f"set {env} to run the {what} tests"
        if os.environ.get("CI"):
            pytest.fail(f"{what} tests must run in CI: {reason}")
        pytest.skip(reason)
    return url


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def store_on(backend: str, folder: Path) -> Iterator[str]:
    """A URL of an empty store on ``backend``, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/store.db"
        return
    base = service_url("CITYWALL_TEST_POSTGRES_URL", "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    with store_on(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(store_url, seoul):
    """An empty store with the tables and Seoul's 25 districts."""
    eng = connect(store_url)
    prepare_store(eng, seoul)
    yield eng
    eng.dispose()
