"""`citywall` in a person's terminal (a pseudo-terminal here): readable lines, not
JSON, and `serve` ends its start-up with how to sign in, after everything else."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from tests.citywall.test_cli import citywall, small_city  # noqa: F401
from tests.signin import demo_admin


def in_a_terminal(
    args: list[str], env: dict[str, str], done: Callable[[str], bool], seconds: float
) -> str:
    """What `citywall *args` wrote to its terminal, until ``done(text)`` or it
    exits (then it is stopped)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "citywall.cli", *args],
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    written = bytearray()

    def read_for(limit: float) -> None:
        end = time.monotonic() + limit
        while time.monotonic() < end:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process is gone
                return
            if not chunk:
                return
            written.extend(chunk)
            if done(written.decode(errors="replace")):
                return

    try:
        read_for(seconds)
    finally:
        process.terminate()
        done = lambda _text: False  # noqa: E731 - drained to the end from here
        read_for(30)  # its last lines, so that it never blocks on a full terminal
        process.wait(timeout=30)
        os.close(controller)
    return written.decode(errors="replace").replace("\r\n", "\n")


def test_ingest_logs_text_in_a_terminal_and_json_in_a_pipe(
    small_city,  # noqa: F811
    tmp_path,
):
    # an unknown source: the store is made (logged), then one line refuses it
    args = ["ingest", "--once", "--source", "nope"]
    text = in_a_terminal(args, small_city, lambda _: False, 60)
    assert "INFO ingest.runner: store schema upgraded from none to " in text
    assert not any(line.startswith("{") for line in text.splitlines())
    elsewhere = small_city | {"CITYWALL_DATA_DIR": str(tmp_path / "piped")}
    piped = citywall(*args, env=elsewhere).stderr.splitlines()
    logged = [json.loads(line) for line in piped if line.startswith("{")]
    assert any(
        line["message"].startswith("store schema upgraded from none to ")
        for line in logged
    )
    assert piped[-1].startswith("citywall: ")  # the refusal itself: for a person


def test_serve_says_how_to_sign_in_last(small_city):  # noqa: F811
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    text = in_a_terminal(
        ["serve", "--port", str(port), "--workers", "1"],
        small_city,
        lambda text: "Demo sign-in" in text.split("CityWall is on", 1)[-1],
        90,
    )
    lines = text.splitlines()
    username, password = demo_admin(small_city["CITYWALL_DATA_DIR"])
    at = next(i for i, line in enumerate(lines) if line.startswith("Demo sign-in"))
    # the person at the terminal gets the password itself, with the URL above it
    assert lines[at].startswith(
        f"Demo sign-in: username: {username}, password: {password} (kept in "
    )
    assert lines[at - 1] == f"CityWall is on http://127.0.0.1:{port}/"
    before = "\n".join(lines[:at])
    for start_up in ("demo: fetched", "Listening at:", "Booting worker"):
        assert start_up in before
    assert not any(line.startswith("{") for line in lines)
    assert "Traceback" not in text
