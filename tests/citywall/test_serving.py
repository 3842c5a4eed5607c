"""`citywall serve` under clients that hold sockets open: the probes and the walls
keep their answers within a second while slow clients trickle their requests."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import requests

from tests.citywall.test_cli import serving, small_city  # noqa: F401 - a fixture

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


def test_two_slowloris_sockets_do_not_stall_healthz(small_city):  # noqa: F811
    with serving(small_city) as (url, _output):
        stop = threading.Event()
        slow = [_slowloris(url, stop) for _ in range(2)]
        time.sleep(1.0)  # both are in the middle of their headers
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
            for thread in slow:
                thread.join(timeout=10)
        assert len(took) >= 10 and max(took) < 1.0, took
