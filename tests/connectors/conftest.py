"""Fixtures of the connector tests: the local feed server, payload files, and the
recorded real-world payloads in ../shared (used when present, skipped cleanly when
not: the project's own fixtures carry the suite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.connectors.feedserver import FeedServer
from tests.connectors.harness import IngestCli

FIXTURES = Path(__file__).parent / "fixtures"
REAL_FIXTURES = PROJECT_ROOT.parent / "shared" / "fixtures" / "real"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def elsewhere() -> Iterator[FeedServer]:
    """A second feed server, on another port: another origin than ``feed_server``."""
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def ingest(monkeypatch, capsys, tmp_path) -> IngestCli:
    """`citywall ingest` on a profile of the test's own (``ingest.use(sources)``)."""
    return IngestCli(monkeypatch, capsys, tmp_path)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def real_fixture(name: str) -> bytes:
    path = REAL_FIXTURES / name
    if not path.exists():
        pytest.skip(f"recorded payload {name} not here (../shared is absent)")
    return path.read_bytes()
