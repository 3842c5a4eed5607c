"""`citywall serve` under clients that hold sockets open: the probes and the walls
keep their answers within a second while slow clients trickle their requests."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests

from tests.citywall.test_cli import citywall, serving, small_city  # noqa: F401
from tests.conftest import PROJECT_ROOT
from web.serving import gunicorn_settings

SLOW_SECONDS = 8.0


def _slowloris(url: str, stop: threading.Event) -> threading.Thread:
    """A socket that sends its request's headers a byte every half second and
    never finishes them (the classic slowloris)."""
    parts = urlsplit(url)

    def trickle() -> None:
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: wall\r\n")
            header = b"X-Slow: " + b"a" * 1000
            for byte in header:
                if stop.wait(0.5):
                    return
                try:
                    s.sendall(bytes([byte]))
                except OSError:  # the server let go of it: fine too
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    return thread


def _slow_camera_server(stop: threading.Event) -> tuple[str, threading.Thread]:
    """A camera on 127.0.0.1 that answers one byte a second, forever."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.recv(4096)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n":
                if stop.wait(1.0):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:  # the wall gave up on it: as it should
                    return

    def serve() -> None:
        with listener:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", thread


def _add_camera(env: dict[str, str], snapshot_url: str) -> int:
    """A public camera in the wall's store; its id for the frame route."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from city.records import Camera
    from store import connect, versions, writes
    from store.schema import cameras

    engine = connect(f"sqlite:///{env['CITYWALL_DATA_DIR']}/citywall.db")
    with engine.begin() as conn:
        camera = Camera("slow-1", "Slow camera", 126.978, 37.566, "Test", snapshot_url)
        writes.upsert_cameras(conn, "slow-cameras", [camera], datetime.now(UTC))
        versions.bump_data_version(conn)
        found = conn.execute(
            select(cameras.c.id).where(cameras.c.camera_id == "slow-1")
        ).scalar_one()
    engine.dispose()
    return found


def test_a_slow_camera_and_two_slowloris_sockets_do_not_stall_healthz(
    small_city,  # noqa: F811
):
    """Walls asking for a camera that sends a byte a second, and two slowloris
    sockets: /healthz still answers within a second, every time."""
    from tests.signin import demo_admin, signed_in_session

    with open(small_city["CITYWALL_PROFILE"], "a", encoding="utf-8") as profile:
        profile.write('\n[network]\nallow_hosts = ["127.0.0.1"]\n')
    stop = threading.Event()
    camera_url, camera_thread = _slow_camera_server(stop)
    with serving(small_city) as (url, _output):
        camera = _add_camera(small_city, f"{camera_url}/snapshot.jpg")
        wall = signed_in_session(url, *demo_admin(small_city["CITYWALL_DATA_DIR"]))
        frames: list[str] = []

        def watch_camera() -> None:
            while not stop.is_set():
                answer = wall.get(f"{url}/_citywall/camera/{camera}.jpg", timeout=30)
                frames.append(answer.headers.get("X-Camera-State", "?"))

        walls = [threading.Thread(target=watch_camera, daemon=True) for _ in range(4)]
        for thread in walls:
            thread.start()
        slow = [_slowloris(url, stop) for _ in range(2)]
        time.sleep(1.0)  # the camera fetch and both sockets are under way
        took = []
        try:
            deadline = time.monotonic() + SLOW_SECONDS
            while time.monotonic() < deadline:
                start = time.monotonic()
                answer = requests.get(f"{url}/healthz", timeout=5)
                took.append(time.monotonic() - start)
                assert answer.status_code == 200
                time.sleep(0.25)
        finally:
            stop.set()
            for thread in [*slow, *walls, camera_thread]:
                thread.join(timeout=30)
        assert len(took) >= 10 and max(took) < 1.0, took
        # the walls were answered, with the camera's NO SIGNAL frame
        assert frames and set(frames) == {"offline"}, frames


@contextmanager
def _listening(env: dict[str, str]) -> Iterator[str]:
    """`citywall serve` (one worker) from the moment its port takes connections:
    gunicorn's master listens before its worker has imported the app, so what is
    sent now are the worker's very first requests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "citywall.cli", "serve", "--no-ingest"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_first_requests_of_a_threaded_worker_all_find_their_callbacks(
    small_city,  # noqa: F811
):
    """Dash completes its set-up inside its first request, after marking it done:
    requests arriving together on a fresh worker's threads once found no callback
    (400) until it had finished. Every one of them is answered now."""
    env = small_city | {
        "CITYWALL_PROXY_USER_HEADER": "X-Remote-User",
        "CITYWALL_PROXY_ROLE_HEADER": "X-Remote-Role",
        "CITYWALL_TRUSTED_PROXIES": "127.0.0.1",
    }
    staff = {"X-Remote-User": "kim", "X-Remote-Role": "staff"}
    assert citywall("ingest", "--once", env=env).returncode == 0
    with _listening(env) as url:
        # the header's callback: one of those Dash copies in during its set-up
        header = {
            "output": "..shell-header.children...wall-root.className..",
            "outputs": [
                {"id": "shell-header", "property": "children"},
                {"id": "wall-root", "property": "className"},
            ],
            "inputs": [
                {"id": "nav", "property": "pathname", "value": "/traffic"},
                {"id": "nav", "property": "search", "value": ""},
            ],
            "changedPropIds": ["nav.pathname"],
        }

        def draw(_n: int) -> int:
            return requests.post(
                f"{url}/_dash-update-component", json=header, headers=staff, timeout=60
            ).status_code

        with ThreadPoolExecutor(16) as pool:
            assert sorted(pool.map(draw, range(16))) == [200] * 16


def test_a_worker_keeps_what_it_loaded_out_of_the_collectors_full_passes():
    """gunicorn calls the hook once the worker has the app: everything alive then is
    frozen, and the garbage requests make later is still collected."""
    import gc
    import weakref

    from web import idle_collector
    from web.serving import collect_garbage_between_requests, gunicorn_settings

    class Node:
        pass

    assert gunicorn_settings()["post_worker_init"] is collect_garbage_between_requests
    loaded = [Node() for _ in range(1000)]
    try:
        collect_garbage_between_requests()
        assert gc.get_freeze_count() >= len(loaded)
        assert idle_collector._collector is not None  # its thread is running
        later = Node()
        later.me = later  # a cycle only the collector frees
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
    finally:
        idle_collector.stop_collecting_while_idle()
        gc.unfreeze()


def test_an_instance_keeps_idle_connections_longer_than_the_shipped_front():
    """nginx must close an idle upstream connection before gunicorn does: the
    other way round, a request sent on it as gunicorn closes it is reset, and
    nginx (max_fails=1) takes the instance out of service for its fail_timeout."""
    shipped = (PROJECT_ROOT / "deploy" / "nginx" / "citywall.conf").read_text()
    upstream = shipped.split("upstream citywall {", 1)[1].split("}", 1)[0]
    front = int(re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.M).group(1))
    assert gunicorn_settings()["keepalive"] > front
