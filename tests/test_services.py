"""The test run finds PostgreSQL and Redis on this machine as ``.ci/run`` does, and
its last line says what was skipped and why (``tests/conftest.py``, block 2).

Each case is a real pytest run, in a process of its own, of a tiny test file that
asks for the services; the local services it probes are servers this test starts
(or ports where nothing listens), so the machine's own services are never touched.
"""

from __future__ import annotations

import os
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import POSTGRES_ENV, PROJECT_ROOT, REDIS_ENV

TINY_CONFTEST = """
import dataclasses, os
from tests import conftest as shared

# the local services probed: this test's servers, not the machine's
for env, port in ((shared.POSTGRES_ENV, "PG_PORT"), (shared.REDIS_ENV, "REDIS_PORT")):
    shared.LOCAL_SERVICES[env] = dataclasses.replace(
        shared.LOCAL_SERVICES[env], port=int(os.environ[port])
    )
"""
TINY_TESTS = """
from tests.conftest import POSTGRES_ENV, REDIS_ENV, service_url

def test_postgres():
    print("postgres at", service_url(POSTGRES_ENV, "PostgreSQL"))

def test_redis():
    print("redis at", service_url(REDIS_ENV, "Redis"))

def test_plain():
    pass
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _AnswersLikeRedis(socketserver.StreamRequestHandler):
    """Enough of Redis's protocol for a client's handshake and PING: HELLO unknown
    (as an old server: the client falls back to RESP2), +PONG to PING, +OK to the
    rest (SELECT, CLIENT SETINFO)."""

    def handle(self) -> None:
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if not line.startswith(b"*"):
                continue
            words = []
            for _ in range(int(line[1:])):
                self.rfile.readline()  # $length
                words.append(self.rfile.readline().strip().upper())
            answers = {b"PING": b"+PONG\r\n", b"HELLO": b"-ERR unknown command\r\n"}
            self.wfile.write(answers.get(words[0] if words else b"", b"+OK\r\n"))


@contextmanager
def _fake_redis() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _AnswersLikeRedis)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _run(folder: Path, pg_port: int, redis_port: int, **env: str):
    (folder / "conftest.py").write_text(TINY_CONFTEST, encoding="utf-8")
    (folder / "test_tiny.py").write_text(TINY_TESTS, encoding="utf-8")
    environ = {
        k: v
        for k, v in os.environ.items()
        # a run of its own: neither this run's services nor its test process
        if k not in (POSTGRES_ENV, REDIS_ENV, "CI") and not k.startswith("PYTEST_XDIST")
    }
    environ |= {
        "PYTHONPATH": str(PROJECT_ROOT),
        "PG_PORT": str(pg_port),
        "REDIS_PORT": str(redis_port),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-q", "-s", "-rs"],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, done.stdout.strip().splitlines()


def test_without_services_the_last_line_says_what_was_skipped_and_why(tmp_path):
    pg, redis = _closed_port(), _closed_port()
    done, lines = _run(tmp_path, pg, redis)
    assert done.returncode == 0, done.stdout
    # the commonest reason first; on a tie, the first met (the file's order)
    assert lines[-1] == (
        f"skipped 2: 1 × PostgreSQL not found on 127.0.0.1:{pg} "
        f"(set {POSTGRES_ENV}); 1 × Redis not found on 127.0.0.1:{redis} "
        f"(set {REDIS_ENV})"
    ), lines[-3:]
    assert "1 passed, 2 skipped" in lines[-2]


def test_a_local_service_that_answers_is_used_with_the_ci_database(tmp_path):
    with _fake_redis() as redis:
        # something else on PostgreSQL's port: it does not answer as PostgreSQL
        done, lines = _run(tmp_path, redis, redis)
    assert done.returncode == 0, done.stdout
    # Redis's db 15, reserved for tests as in .ci/run, never a user's db 0
    assert f"redis at redis://127.0.0.1:{redis}/15" in done.stdout
    assert lines[-1].startswith(
        f"skipped 1: PostgreSQL on 127.0.0.1:{redis} refused "
        f"postgresql+psycopg://postgres@127.0.0.1:{redis}/test: "
    ), lines[-1]
    assert lines[-1].endswith(
        f"(createdb -h 127.0.0.1 -U postgres test, or set {POSTGRES_ENV})"
    )


def test_explicit_urls_win_and_nothing_skipped_says_so(tmp_path):
    given = {
        POSTGRES_ENV: "postgresql+psycopg://someone@db.example:5432/test",
        REDIS_ENV: "redis://cache.example:6379/15",
    }
    done, lines = _run(tmp_path, _closed_port(), _closed_port(), **given)
    assert done.returncode == 0, done.stdout
    assert f"postgres at {given[POSTGRES_ENV]}" in done.stdout
    assert f"redis at {given[REDIS_ENV]}" in done.stdout
    assert lines[-1] == "skipped: 0", lines[-3:]


def test_in_ci_a_missing_service_fails_the_run(tmp_path):
    done, lines = _run(tmp_path, _closed_port(), _closed_port(), CI="true")
    assert done.returncode == 1
    assert "PostgreSQL tests must run in CI: PostgreSQL not found" in done.stdout
    assert lines[-1] == "skipped: 0"
