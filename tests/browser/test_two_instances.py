"""Two instances, one wall: nginx (the shipped deploy/nginx config) in front of two
`citywall serve` on one PostgreSQL database and one Redis, each with a data folder
of its own as on its own host, under a URL prefix.

One test, one set-up: a live source is pulled once per interval across both
instances, never twice, its cursor only moving forward; killing the instance that
pulls it (its whole process group, SIGKILL) moves the pull to the other within
two intervals; a wall opened through nginx on that very instance keeps
refreshing across the kill, signed in as it was, with nothing in its console;
then a rolling restart onto a new build reloads the wall once."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import select

from store import connect
from store.schema import leases, source_runs, source_state
from tests.browser.front import front
from tests.browser.servers import free_port
from tests.browser.test_restart import COUNT_REFRESHES, _refreshes
from tests.citywall.test_cli import citywall
from tests.conftest import (
    PROJECT_ROOT,
    REDIS_ENV,
    seoul_profile_copy,
    service_url,
    store_on,
)
from tests.signin import TEST_ADMIN, browser_sign_in

PREFIX = "/ops/wall/"
INTERVAL = 4  # seconds between the demo source's pulls (its lease lasts 6 s)
SCHEDULING = 1.5  # seconds a loaded two-core machine may add to a hand-over
START_SECONDS = 90.0
KPI = "complaints_open"


class Instance:
    """A `citywall serve` in a process group of its own, so that it dies whole,
    its gunicorn workers and its ingest included, as a machine does."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name, self.port = name, free_port()
        self.env = env | {
            "CITYWALL_DATA_DIR": str(folder / name),
            "PROMETHEUS_MULTIPROC_DIR": str(folder / f"metrics-{name}"),
        }
        self.folder, self.starts = folder, 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def start(self, build: str) -> Instance:
        self.starts += 1
        log = self.folder / f"{self.name}-{self.starts}.log"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "citywall.cli", "serve"]
                + ["--port", str(self.port), "--workers", "1"],
                env=self.env | {"CITYWALL_BUILD": build},
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()[-3000:]
            try:
                if requests.get(self.url + "healthz", timeout=5).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{self.name} did not answer: {log.read_text()[-3000:]}")

    def runs(self, holder: str) -> bool:
        """Whether ``holder`` (a lease's, "host:pid:random") is a process of this
        instance."""
        pid = int(holder.split(":")[-2])
        try:
            return self.process is not None and os.getpgid(pid) == self.process.pid
        except ProcessLookupError:
            return False

    def kill(self) -> None:
        """The machine is gone: every process of the instance, at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean stop (a restart's), then whatever is left of the group."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def ran(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


class Store:
    """What the test reads of the shared store: the pulls, the cursor, the leases."""

    def __init__(self, url: str) -> None:
        self.engine = connect(url)
        self.cursors: list[str] = []  # the live cursor at each look, in order

    def pulls(self) -> list:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(source_runs)
                    .where(source_runs.c.source == "demo")
                    .order_by(source_runs.c.started_at)
                )
            )

    def holder(self, lease: str) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(leases.c.holder, leases.c.expires_at).where(
                    leases.c.name == lease
                )
            ).first()
        if found is None or found.expires_at <= datetime.now(UTC):
            return None
        return found.holder

    def look_at_cursor(self) -> None:
        with self.engine.connect() as conn:
            cursor = conn.execute(
                select(source_state.c.cursor).where(source_state.c.source == "demo")
            ).scalar()
        if cursor:
            self.cursors.append(json.loads(cursor)["live"])


def wait_until(condition, what: str, seconds: float, store: Store) -> None:
    """Wait for ``condition``, looking at the cursor meanwhile."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds:.0f} s for {what}"
        store.look_at_cursor()
        time.sleep(0.2)
    store.look_at_cursor()


def assert_pulled_once_per_interval(pulls: list) -> None:
    """The loop's pulls (after serve's first, which backfills) one at a time and
    an interval apart: two instances pulling would overlap or come closer."""
    for before, after in zip(pulls, pulls[1:]):
        assert after.started_at >= before.finished_at, "two pulls at once"
    starts = [p.started_at for p in pulls[1:]]
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
    assert gaps and min(gaps) >= 0.8 * INTERVAL, f"pulls {gaps} s apart"


def upstreams(log: Path, since: int, what: str) -> list[str]:
    """The instances (ports) that answered ``what`` requests in nginx's log after
    byte ``since``, the last one tried of each."""
    lines = log.read_text().encode()[since:].decode().splitlines()
    return [
        re.search(r"upstream=(?:\S+, )*127\.0\.0\.1:(\d+)", line).group(1)
        for line in lines
        if what in line and "upstream=" in line
    ]


def route_to(front_url: str, log: Path, instance: Instance) -> str:
    """A route cookie nginx sends to ``instance``: the wall's instance is then
    the one the test kills, the worst case."""
    for _ in range(40):
        route = uuid.uuid4().hex
        size = log.stat().st_size
        requests.get(
            front_url + "healthz", cookies={"citywall_route": route}, timeout=10
        )
        time.sleep(0.1)  # the log line is written after the answer
        if upstreams(log, size, "healthz") == [str(instance.port)]:
            return route
    raise AssertionError(f"no route to {instance.name} in 40 tries")


@pytest.mark.browser
@pytest.mark.postgres
def test_a_wall_through_nginx_outlives_its_instance_and_a_rolling_restart(
    dash_duo, tmp_path
):
    redis_url = service_url(REDIS_ENV, "Redis")
    redis.Redis.from_url(redis_url).flushdb()
    profile = seoul_profile_copy(tmp_path, 1, refresh_seconds=2, demo_interval=INTERVAL)
    with store_on("postgresql", tmp_path) as store_url:
        env = os.environ | {
            "CITYWALL_PROFILE": str(profile),
            "CITYWALL_DATABASE_URL": store_url,
            "CITYWALL_CACHE": "redis",
            "CITYWALL_REDIS_URL": redis_url,
            "CITYWALL_URL_PREFIX": PREFIX,
            "CITYWALL_TRUSTED_PROXIES": "127.0.0.1",
            "CITYWALL_LOG_FORMAT": "json",
        }
        env.pop("CITYWALL_SECRET_KEY", None)  # the store's own key, shared
        a, b = Instance("a", env, tmp_path), Instance("b", env, tmp_path)
        store = Store(store_url)
        try:
            _two_instances_one_wall(dash_duo, tmp_path, a, b, store)
        finally:
            b.stop()
            a.stop()
            store.engine.dispose()


def _two_instances_one_wall(dash_duo, tmp_path, a, b, store) -> None:
    add = ("account", "add", TEST_ADMIN[0], "--role", "admin", "--password-stdin")
    ran(citywall(*add, env=a.env, stdin=TEST_ADMIN[1] + "\n"))
    a.start("release-1")
    wait_until(
        lambda: (h := store.holder("source:demo")) and a.runs(h),
        "a's ingest to pull the demo source",
        START_SECONDS,
        store,
    )
    b.start("release-1")
    # whatever one instance issues or records, the other honours: an embed token
    # signed on a's machine, a wall screen enrolled through a
    issued = ran(citywall("embed-token", f"tile/{KPI}", env=a.env))
    token = issued.strip().split("token=")[1]
    assert requests.get(f"{b.url}embed/tile/{KPI}?token={token}", timeout=30).ok
    link = ran(citywall("screen", "add", "lobby", env=a.env))
    code = re.search(r"_citywall/enrol/(\S+)", link).group(1)
    screen = requests.Session()
    screen.get(f"{a.url}_citywall/enrol/{code}", timeout=30)
    shown = screen.get(f"{b.url}wall", timeout=30, allow_redirects=False)
    assert shown.status_code == 200, shown.status_code

    port = free_port()
    with front(tmp_path / "nginx", port, (a.port, b.port)) as log:
        front_url = f"http://127.0.0.1:{port}{PREFIX}"
        driver = dash_duo.driver
        driver.get(front_url + "healthz")
        route = route_to(front_url, log, a)
        driver.add_cookie({"name": "citywall_route", "value": route, "path": "/"})
        browser_sign_in(driver, front_url.rstrip("/"), *TEST_ADMIN)
        driver.get(front_url)
        dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
        driver.execute_script("window.__sameDocument = true")
        driver.execute_script(COUNT_REFRESHES)
        before = log.stat().st_size
        for _ in range(3):
            _refreshes(dash_duo)
        assert set(upstreams(log, before, "_dash-update-component")) == {str(a.port)}, (
            "the wall is not on a"
        )

        # a dies whole, the pull's holder and the wall's instance at once
        a_holder = store.holder("source:demo")
        assert a_holder and a.runs(a_holder)
        killed_at = datetime.now(UTC)
        a.kill()
        after_kill = log.stat().st_size
        wait_until(
            lambda: (h := store.holder("source:demo")) and b.runs(h),
            "b to take the demo source over",
            4 * INTERVAL,
            store,
        )
        wait_until(
            lambda: any(p.started_at > killed_at for p in store.pulls()),
            "b's first pull",
            4 * INTERVAL,
            store,
        )
        taken = next(p for p in store.pulls() if p.started_at > killed_at)
        assert (taken.started_at - killed_at).total_seconds() <= (
            2 * INTERVAL + SCHEDULING
        )
        for _ in range(3):  # answered, signed in as it was, by b
            _refreshes(dash_duo)
        assert set(upstreams(log, after_kill, "_dash-update-component")) == {
            str(b.port)
        }
        assert driver.execute_script("return window.__sameDocument") is True
        assert dash_duo.get_logs() == []
        wait_until(
            lambda: (h := store.holder("stage")) and b.runs(h),
            "b to take the stage watch over",
            30,
            store,
        )

        # a rolling restart onto release-2: a first, then b
        pages_before = log.stat().st_size
        a.start("release-2")
        wait_until(
            lambda: driver.execute_script("return window.__sameDocument") is None,
            "the wall to reload for release-2",
            60,
            store,
        )
        dash_duo.wait_for_element(".kpi-tile .tile-value", timeout=60)
        driver.execute_script("window.__sameDocument = true")
        driver.execute_script(COUNT_REFRESHES)
        b_stopped = datetime.now(UTC)
        b.stop()
        b.start("release-2")
        time.sleep(12)  # a build check and more: no second reload
        _refreshes(dash_duo)
        assert driver.execute_script("return window.__sameDocument") is True
        documents = upstreams(log, pages_before, f"GET {PREFIX} ")
        assert documents == [str(a.port)], f"the wall loaded {documents}"
        assert dash_duo.get_logs() == []

    store.look_at_cursor()
    assert store.cursors == sorted(store.cursors), "the cursor went back"
    assert len(set(store.cursors)) > 5
    pulls = store.pulls()
    for before, after in zip(pulls, pulls[1:]):
        assert after.started_at >= before.finished_at, "two pulls at once"
    # b's clean stop hands the pull to a at once: an early pull, not a second one
    assert_pulled_once_per_interval([p for p in pulls if p.started_at < b_stopped])
