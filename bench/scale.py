"""Scale: two instances × two workers behind nginx, one PostgreSQL, one Redis, and
one instance killed in the middle.

``run_scale`` serves the store with two ``citywall serve --no-ingest`` (each its
own data folder, as on its own machine; one shared key, one Redis render cache)
behind nginx with the shipped ``deploy/nginx`` files, then plays ``walls`` wall
screens and ``staff`` desktops through nginx, signed in as they are in a city:

- a wall is a *screen*: added to the store, its enrolment link opened once through
  nginx, its secret then kept in its cookie;
- a staff desktop signs in through the login form (one account, a session each).

Each client keeps nginx's route cookie, so it stays on one instance as a browser
does (see ``deploy/nginx/citywall.conf``). The requests, pages and warm-up are
``bench.load``'s. Halfway through, instance A's whole process group is killed
(SIGKILL, a machine lost): the figures before the kill are the two instances'; the
answers from the kill on are the survivor's, with every error counted and the
time until the last failed answer ended ("recovered").
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import delete

from bench.front import nginx_front
from bench.load import (
    FIRST_TIMEOUT,
    MAX_ERROR_SAMPLES,
    Sample,
    client_options,
    free_port,
    log_by_kind,
    percentiles,
    plan,
    resolve_profile,
    run_clients,
    serving,
    warm_up,
)

log = logging.getLogger("bench.scale")
BENCH_PREFIX = "bench-scale-"  # the screens and the account this bench adds
STAFF_ACCOUNT = (f"{BENCH_PREFIX}staff", "bench-scale-staff-password-not-secret")
SIGN_IN_THREADS = 8
FRONT_CONNECTIONS = 4096  # per nginx worker: every client holds one open


@dataclass(frozen=True)
class ScaleResult:
    walls: int
    staff: int
    every_seconds: float
    seconds: float
    instances: int
    workers: int  # per instance
    killed_after_s: float  # into the measured run; 0: nobody killed
    # before the kill: both instances
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    share_a: float  # of the answers before the kill, A's (nginx's log)
    # from the kill on: the survivor
    after_requests: int
    after_errors: int
    after_p50_ms: float
    after_p95_ms: float
    after_max_ms: float
    recovered_s: float  # from the kill to the end of the last failed answer
    error_samples: tuple[str, ...]

    def lines(self) -> list[str]:
        shape = (
            f"{self.walls} walls + {self.staff} staff every {self.every_seconds:g} s "
            f"through nginx, {self.instances} instances × {self.workers} workers"
        )
        lines = [
            f"{shape}: {self.requests} requests, {self.errors} errors; "
            f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 "
            f"{self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms; "
            f"{self.share_a:.0%} answered by A"
        ]
        if self.killed_after_s:
            lines.append(
                f"A killed after {self.killed_after_s:g} s: {self.after_requests} "
                f"requests, {self.after_errors} errors, recovered in "
                f"{self.recovered_s:.1f} s; p50 {self.after_p50_ms:.1f} ms, p95 "
                f"{self.after_p95_ms:.1f} ms, max {self.after_max_ms:.1f} ms"
            )
        return lines


# ---------------------------------------------------------------------------------
# Who the clients are: wall screens and staff accounts in the store
# ---------------------------------------------------------------------------------


def enrolment_codes(database_url: str, walls: int) -> list[str]:
    """``walls`` new wall screens and the bench's staff account, after removing
    any an earlier run left; returns the screens' one-time enrolment codes."""
    from access.accounts import add_account, add_device
    from access.roles import Role
    from store import connect
    from store.schema import accounts, wall_devices

    engine = connect(database_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(
                delete(wall_devices).where(
                    wall_devices.c.label.like(f"{BENCH_PREFIX}%")
                )
            )
            conn.execute(
                delete(accounts).where(accounts.c.username == STAFF_ACCOUNT[0])
            )
        add_account(engine, *STAFF_ACCOUNT, Role.STAFF, now)
        return [
            add_device(engine, f"{BENCH_PREFIX}wall-{i:04d}", now) for i in range(walls)
        ]
    finally:
        engine.dispose()


def form_sign_in(
    session: requests.Session, base_url: str, username: str, password: str
) -> requests.Session:
    """Sign ``session`` in through the login form at ``base_url`` (no trailing
    slash), as a person does: the form's CSRF token, then the post."""
    form = session.get(f"{base_url}/login", timeout=FIRST_TIMEOUT)
    form.raise_for_status()
    token = re.search(r"name='csrf' value='([^']+)'", form.text)
    if token is None:
        raise RuntimeError(f"{base_url}/login has no sign-in form")
    done = session.post(
        f"{base_url}/login",
        data={"csrf": token.group(1), "username": username, "password": password}
        | {"next": "/"},
        allow_redirects=False,
        timeout=FIRST_TIMEOUT,
    )
    if done.status_code != 302:
        raise RuntimeError(
            f"signing {username} in: HTTP {done.status_code} {done.text[:200]}"
        )
    return session


def enrolled_screen(base_url: str, code: str) -> requests.Session:
    """A wall screen's browser after its enrolment link was opened."""
    session = requests.Session()
    done = session.get(
        f"{base_url}/_citywall/enrol/{code}",
        allow_redirects=False,
        timeout=FIRST_TIMEOUT,
    )
    if done.status_code != 302 or not session.cookies:
        raise RuntimeError(f"enrolment refused: HTTP {done.status_code}")
    return session


def staff_session(base_url: str) -> requests.Session:
    return form_sign_in(requests.Session(), base_url, *STAFF_ACCOUNT)


def client_sessions(base_url: str, kinds: list[str], codes: list[str]) -> list:
    """One session per client, in order: a screen for each wall, a signed-in
    desktop for each staff client (made in parallel: a sign-in hashes)."""
    screens = iter(codes)

    def one(kind: str) -> requests.Session:
        if kind == "wall":
            return enrolled_screen(base_url, next(screens))
        return staff_session(base_url)

    with ThreadPoolExecutor(SIGN_IN_THREADS) as pool:
        return list(pool.map(one, kinds))


# ---------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------


def answered_by(
    access_log: Path, since: int, until: int | None, ports: tuple[int, int]
) -> Counter:
    """Callback answers per instance (index into ``ports``) in nginx's log from
    byte ``since`` to ``until``: the last instance tried of each request."""
    text = access_log.read_bytes()[since:until].decode("utf-8", "replace")
    found = re.findall(
        r"_dash-update-component.*upstream=(?:\S+, )*127\.0\.0\.1:(\d+)", text
    )
    return Counter(ports.index(int(port)) for port in found if int(port) in ports)


def split_at(samples: list[Sample], moment: float) -> tuple[list, list]:
    """Samples sent before ``moment`` and from it on (monotonic seconds)."""
    before = [s for s in samples if s.at < moment]
    return before, [s for s in samples if s.at >= moment]


def recovered_after(samples: list[Sample], killed: float) -> float:
    """Seconds from the kill to the end of the last failed answer that was still
    on its way at the kill or sent after it; 0 when none failed."""
    ends = [s.at + s.seconds - killed for s in samples if s.error]
    ends = [end for end in ends if end >= 0]
    return max(ends, default=0.0)


def run_scale(
    database_url: str,
    profile_path: str,
    redis_url: str,
    *,
    walls: int = 200,
    staff: int = 400,
    every: float = 5.0,
    seconds: float = 120.0,
    workers: int = 2,
    kill: bool = True,
) -> ScaleResult:
    """Two instances behind nginx for ``seconds`` of load, A killed halfway
    (``kill``); every process is stopped afterwards, even on error."""
    profile_path = str(resolve_profile(profile_path))
    codes = enrolment_codes(database_url, walls)
    kinds = ["wall"] * walls + ["staff"] * staff
    with (
        tempfile.TemporaryDirectory(prefix="citywall-scale-") as folder,
        ExitStack() as stack,
    ):
        instances = [
            stack.enter_context(
                serving(
                    database_url,
                    profile_path,
                    redis_url,
                    workers=workers,
                    env=instance_env(Path(folder), name),
                )
            )
            for name in ("a", "b")
        ]
        ports = tuple(int(i.url.rsplit(":", 1)[1]) for i in instances)
        port = free_port()
        access_log = stack.enter_context(
            nginx_front(
                Path(folder) / "nginx",
                port,
                ports,
                workers="auto",
                connections=FRONT_CONNECTIONS,
            )
        )
        url = f"http://127.0.0.1:{port}"
        sessions = client_sessions(url, kinds, codes)
        requests_ = plan(url, profile_path, walls, staff, staff_session(url))
        warm_up(url, requests_, 2 * workers, lambda: staff_session(url))
        log.info("%d clients signed in; the load starts", len(sessions))
        killer = Killer(instances[0].pid, access_log)
        if kill:  # the clients start 0.5 s from now (``run_clients``)
            killer.start(after=0.5 + seconds / 2)
        try:
            samples = run_clients(url, requests_, every, seconds, sessions)
        finally:
            killer.cancel()
        if any(s.error for s in samples):
            log.warning("B's output:\n%s", instances[1].tail())
            log.warning(
                "nginx's errors:\n%s",
                nginx_errors_by_kind(Path(folder) / "nginx" / "error.log"),
            )
        log_by_kind(samples)
        return summarise(
            samples,
            killer.at,
            answered_by(access_log, killer.since, killer.log_at, ports),
            walls=walls,
            staff=staff,
            every_seconds=every,
            seconds=seconds,
            instances=2,
            workers=workers,
        )


def nginx_errors_by_kind(path: Path) -> str:
    """nginx's error log summed up: each kind of error, how often, its first line."""
    if not path.exists():
        return "(none)"
    kinds: dict[str, list] = {}
    for line in path.read_text(errors="replace").splitlines():
        found = re.search(r"\[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*?)(?:, client:|$)", line)
        if found:
            kind = re.sub(r"\d+", "N", f"[{found.group(1)}] {found.group(2)}")
            kinds.setdefault(kind, [0, line])[0] += 1
    return "\n".join(
        f"{n} × {kind}\n    first: {first}" for kind, (n, first) in kinds.items()
    )


def instance_env(folder: Path, name: str) -> dict[str, str]:
    """What makes an instance its own machine's: its data folder and metrics."""
    data = folder / name
    (data / "metrics").mkdir(parents=True)
    return {
        "CITYWALL_DATA_DIR": str(data),
        "PROMETHEUS_MULTIPROC_DIR": str(data / "metrics"),
        # signed in as a city's users are, not by the proxy's headers
        "CITYWALL_PROXY_USER_HEADER": "",
        "CITYWALL_PROXY_ROLE_HEADER": "",
    }


class Killer:
    """Kills an instance's whole process group at once (a machine lost) on a
    timer, noting when (monotonic) and how far nginx's log had come."""

    def __init__(self, pid: int, access_log: Path) -> None:
        self.pid, self.access_log = pid, access_log
        self.since = access_log.stat().st_size  # the log before the load
        self.at: float | None = None
        self.log_at: int | None = None
        self._timer: threading.Timer | None = None

    def start(self, after: float) -> None:
        self._timer = threading.Timer(after, self._kill)
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _kill(self) -> None:
        self.at, self.log_at = time.monotonic(), self.access_log.stat().st_size
        os.killpg(self.pid, signal.SIGKILL)
        log.info("instance A killed")


def summarise(
    samples: list[Sample], killed: float | None, answered: Counter, **shape
) -> ScaleResult:
    before, after = split_at(samples, killed) if killed else (samples, [])
    p50, p95, p99, top = percentiles([s.seconds for s in before])
    a50, a95, _, a_top = percentiles([s.seconds for s in after])
    errors = sorted((s for s in samples if s.error), key=lambda s: s.at)
    begin = min(s.at for s in samples)
    return ScaleResult(
        **shape,
        killed_after_s=round(killed - begin, 1) if killed else 0.0,
        requests=len(before),
        errors=sum(s.error is not None for s in before),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        max_ms=top,
        share_a=answered[0] / max(1, sum(answered.values())),
        after_requests=len(after),
        after_errors=sum(s.error is not None for s in after),
        after_p50_ms=a50,
        after_p95_ms=a95,
        after_max_ms=a_top,
        recovered_s=recovered_after(samples, killed) if killed else 0.0,
        error_samples=tuple(s.error for s in errors[:MAX_ERROR_SAMPLES]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    client_options(parser, walls=200, staff=400, seconds=120.0)
    parser.add_argument("--no-kill", action="store_true", help="both run throughout")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    result = run_scale(
        args.database_url,
        args.profile,
        args.redis_url,
        walls=args.walls,
        staff=args.staff,
        every=args.every,
        seconds=args.seconds,
        workers=args.workers,
        kill=not args.no_kill,
    )
    for line in result.lines():
        print(line)
    for sample in result.error_samples:
        print(f"  error: {sample}")
    return 0 if result.errors + result.after_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
