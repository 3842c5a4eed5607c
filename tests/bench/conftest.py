"""Fixtures of the bench tests that serve the wall: a small store and Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from city.profile import load_profile
from ingest.runner import prepare_store, run_until_caught_up, runners_for
from store import connect
from tests.conftest import seoul_profile_copy, service_url


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> tuple[str, Path]:
    """(database URL, profile) of a one-day demo Seoul, through the real ingest."""
    folder = tmp_path_factory.mktemp("load")
    profile_path = seoul_profile_copy(folder, backfill_days=1)
    url = f"sqlite:///{folder / 'citywall.db'}"
    fill_with_demo(url, profile_path)
    return url, profile_path


def fill_with_demo(url: str, profile_path: Path) -> None:
    """The store at ``url`` made and filled through the real ingest."""
    engine = connect(url)
    try:
        profile = load_profile(profile_path)
        prepare_store(engine, profile)
        for runner in runners_for(engine, profile):
            assert run_until_caught_up(runner).error is None
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def redis_url() -> str:
    return service_url("CITYWALL_TEST_REDIS_URL", "Redis")
