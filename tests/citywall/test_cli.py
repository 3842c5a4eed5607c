"""The `citywall` command as a user runs it: ingest a profile, serve the wall."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import seoul_profile_copy


@pytest.fixture
def small_city(tmp_path) -> dict[str, str]:
    """The Seoul profile with a two-day backfill, and a fresh data folder."""
    profile = seoul_profile_copy(tmp_path, backfill_days=2)
    env = os.environ | {
        "CITYWALL_PROFILE": str(profile),
        "CITYWALL_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("CITYWALL_DATABASE_URL", None)
    return env


def citywall(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "citywall.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ingest_once_prints_a_summary_per_source_and_stores(small_city):
    done = citywall("ingest", "--once", env=small_city)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("demo: fetched ")
    assert "rejected 0" in done.stdout and "ok" in done.stdout
    assert Path(small_city["CITYWALL_DATA_DIR"], "citywall.db").stat().st_size > 100_000
    again = citywall("ingest", "--once", "--source", "demo", env=small_city)
    assert again.returncode == 0
    assert "stored 0," in again.stdout or "stored 1," in again.stdout


def test_backfill_shows_a_progress_bar_and_the_same_summary(small_city):
    done = citywall("ingest", "--backfill", env=small_city)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("demo: fetched ") and "ok" in done.stdout
    bar = done.stderr.replace("\r", "\n").splitlines()
    assert any(line.startswith("demo: ") and " records" in line for line in bar)
    stored = int(done.stdout.split("stored ")[1].split(",")[0])
    assert stored > 1000 and f"stored={stored}" in done.stderr


def test_ingest_of_an_unknown_source_fails_clearly(small_city):
    done = citywall("ingest", "--once", "--source", "nope", env=small_city)
    assert done.returncode != 0
    assert "no source named ['nope']" in done.stderr


@contextmanager
def serving(
    env: dict[str, str], port: int | None = None
) -> Iterator[tuple[str, list[str]]]:
    """`citywall serve` on a port (a free one unless given): (its URL, its output
    once stopped)."""
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "citywall.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("the wall did not answer within 60 s")
        yield url, output
    finally:
        server.terminate()
        output.append(server.communicate(timeout=30)[0])


def test_serve_starts_the_wall_with_live_ingest(small_city):
    with serving(small_city) as (url, output):
        page = requests.get(f"{url}/", timeout=10)
        assert page.status_code == 200 and "CityWall" in page.text
        layout = requests.get(f"{url}/_dash-layout", timeout=10)
        assert layout.status_code == 200 and "clock" in layout.text
    assert "demo: fetched" in output[0]
    assert "Traceback" not in output[0]
