"""The `citywall` command as a user runs it: ingest a profile, serve the wall."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import seoul_profile_copy
from tests.signin import demo_admin, signed_in_session


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


def citywall(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "citywall.cli", *args],
        env=env,
        input=stdin,
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
    lines: list[str] = []
    # drained as it comes: a full pipe would block the server's next log line
    drain = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    drain.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # a redirect to the login is an answer (never followed: behind a
                # proxy that strips the prefix, the login is only there)
                requests.get(url, timeout=10, allow_redirects=False)
                break
            # not listening yet, or its workers still importing the app
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.5)
        else:
            pytest.fail("the wall did not answer within 60 s")
        yield url, output
    finally:
        server.terminate()
        server.wait(timeout=30)
        drain.join(timeout=30)
        output.append("".join(lines))


def test_serve_starts_the_wall_with_live_ingest(small_city):
    with serving(small_city) as (url, output):
        # access control is on: the demo made an admin and said how to sign in
        refused = requests.get(f"{url}/", timeout=10, allow_redirects=False)
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
        session = signed_in_session(url, *demo_admin(small_city["CITYWALL_DATA_DIR"]))
        page = session.get(f"{url}/", timeout=10)
        assert page.status_code == 200 and "CityWall" in page.text
        layout = session.get(f"{url}/_dash-layout", timeout=10)
        assert layout.status_code == 200 and "clock" in layout.text
    assert "demo: fetched" in output[0]
    assert "Demo sign-in" in output[0] and "username: admin" in output[0]
    assert "Traceback" not in output[0]


def test_an_operator_sets_the_stage_and_hands_it_back(small_city):
    shown = citywall("stage", "show", env=small_city)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("stage 1 of 5 (Normal), since ")
    done = citywall(
        "stage",
        "set",
        "4",
        "--reason",
        "typhoon landfall",
        "--hours",
        "2",
        env=small_city,
    )
    assert done.returncode == 0, done.stderr
    assert "stage 4 of 5 (Alert)" in done.stdout
    assert "set by hand: typhoon landfall" in done.stdout
    assert "disaster layout" in done.stdout
    wrong = citywall("stage", "set", "9", "--reason", "x", env=small_city)
    assert wrong.returncode == 2
    assert "9 is not a stage of seoul's ladder (1, 2, 3, 4, 5)" in wrong.stderr
    back = citywall("stage", "auto", env=small_city)
    assert back.returncode == 0 and back.stdout.startswith("stage 1 of 5 (Normal)")
    log = citywall("stage", "show", env=small_city).stdout.splitlines()
    changes = log[log.index("recent changes:") + 1 :]
    assert [c.split()[3:6] for c in changes] == [
        ["4", "→", "1"],
        ["1", "→", "4"],
        ["—", "→", "1"],
    ]
    assert changes[1].endswith("set by hand: typhoon landfall")


def test_the_ingest_loop_logs_stage_changes_with_no_wall_open(small_city, monkeypatch):
    """An alert that comes and goes while nobody looks is still in the log."""
    import threading
    from datetime import UTC, datetime, timedelta

    from city.records import Event
    from citywall import cli
    from store import stages as stage_store
    from store import versions, writes
    from tests.conftest import store_at_head
    from web import runtime

    for key in ("CITYWALL_PROFILE", "CITYWALL_DATA_DIR"):
        monkeypatch.setenv(key, small_city[key])
    monkeypatch.delenv("CITYWALL_DATABASE_URL", raising=False)
    runtime.reset()
    try:
        engine = store_at_head(runtime.engine())
        now = datetime.now(UTC)
        with engine.begin() as conn:
            writes.upsert_events(
                conn,
                "cap",
                [
                    Event(
                        source_id="x1",
                        domain="disaster",
                        category="heavy_rain",
                        occurred_at=now - timedelta(minutes=1),
                        title="Extreme rain",
                        status="active",
                        severity="Extreme",
                        expires_at=now + timedelta(hours=1),
                    )
                ],
                now,
            )
            versions.bump_data_version(conn)
        stop = threading.Event()
        watcher = threading.Thread(target=cli.watch_stage, args=(stop, 0.1))
        watcher.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if stage_store.last_logged(conn) is not None:
                    break
            time.sleep(0.1)
        stop.set()
        watcher.join(timeout=10)
        with engine.connect() as conn:
            last = stage_store.last_logged(conn)
        assert (last.level, last.cause) == (5, "Extreme rain")
    finally:
        runtime.reset()


# -- one process at a time (leases) ------------------------------------------------


class StageLogs:
    """The KPI layer as the stage watcher uses it, counting the stage's logs."""

    def __init__(self) -> None:
        self.logged = 0

    def data_version(self) -> int:
        return 1

    def log_stage(self) -> None:
        self.logged += 1


def test_of_two_stage_watchers_one_logs_and_the_other_takes_over_at_its_stop(engine):
    from citywall import cli
    from ingest.leases import Lease, new_holder
    from tests.ingest.test_leases import wait_for

    watchers = []
    for name in ("a", "b"):
        logs, stop = StageLogs(), threading.Event()
        lease = Lease(engine, cli.STAGE_LEASE, f"{name}-{new_holder()}", 2.0)
        thread = threading.Thread(
            target=cli.watch_stage,
            args=(stop, 0.2, 0.1),
            kwargs={"kpis": lambda logs=logs: logs, "lease": lease},
            daemon=True,
        )
        thread.start()
        watchers.append((logs, stop, thread))
    try:
        wait_for(lambda: max(w[0].logged for w in watchers) >= 5, "five stage logs")
        (first, first_stop, first_thread), (second, *_) = sorted(
            watchers, key=lambda w: -w[0].logged
        )
        assert second.logged == 0
        first_stop.set()
        first_thread.join(timeout=30)
        wait_for(lambda: second.logged >= 1, "the other watcher to log")
    finally:
        for _, stop, thread in watchers:
            stop.set()
            thread.join(timeout=30)


def test_a_one_off_pull_leaves_a_source_another_process_pulls_unless_forced(
    engine, seoul, capsys
):
    from datetime import UTC, datetime

    from city.profile import SourceConfig
    from city.records import Batch
    from citywall import cli
    from ingest.runner import SourceRunner
    from store import leases
    from tests.ingest.test_runner import Scripted

    feed = Scripted(Batch(next_cursor="1"), Batch(next_cursor="2"))
    runner = SourceRunner(
        engine, seoul, SourceConfig("feed", "test", 60, {}), connector=feed
    )
    assert cli._pull_once([runner], backfill=False, force=False) == 0
    assert feed.cursors == [None]
    with engine.begin() as conn:
        assert leases.holders(conn, datetime.now(UTC)) == []  # let go after
        leases.take(conn, "source:feed", "loop-host:7:abcdef", datetime.now(UTC), 600)
    capsys.readouterr()
    assert cli._pull_once([runner], backfill=False, force=False) == 1
    said = capsys.readouterr().err
    assert said.startswith("citywall ingest: source feed is pulled by loop-host:7:")
    assert said.count("\n") == 1 and "--force" in said
    assert feed.cursors == [None]
    assert cli._pull_once([runner], backfill=False, force=True) == 0
    assert feed.cursors == [None, "1"]
