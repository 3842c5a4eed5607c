"""`citywall serve` keeps its live ingest running: killed, it is started again, and
/readyz and the sources page say so, from whichever worker answers."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import requests

from ingest.supervisor import read_state, state_path
from tests.citywall.test_cli import serving, small_city  # noqa: F401
from tests.conftest import router_body
from tests.signin import demo_admin, signed_in_session


def _ingest_check(url: str, strict: bool = False) -> tuple[int, dict]:
    answer = requests.get(
        f"{url}/readyz", params={"strict": 1} if strict else None, timeout=10
    )
    return answer.status_code, answer.json()["checks"]["ingest"]


def _wait_for(condition, seconds: float, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s")


def test_a_killed_ingest_is_restarted_and_the_wall_says_so(
    small_city,  # noqa: F811
):
    data_dir = Path(small_city["CITYWALL_DATA_DIR"])
    with serving(small_city) as (url, output):
        first = _wait_for(lambda: read_state(data_dir), 30)
        assert first.running and first.restarts == 0
        status, check = _ingest_check(url)
        assert status == 200 and check["ok"] and check["state"] == "running"
        assert check["last_exit"] is None

        os.kill(first.pid, signal.SIGKILL)
        # down for a second (the first wait): said, yet still "ready" by default
        down = _wait_for(lambda: (c := _ingest_check(url))[1]["ok"] is False and c, 10)
        status, check = down
        assert status == 200 and check["state"] == "restarting"
        assert check["last_exit"] == "signal 9 (SIGKILL)"
        strict, _ = _ingest_check(url, strict=True)
        assert strict == 503

        def restarted():
            status, check = _ingest_check(url)
            return check["ok"] and check["restarts"] == 1 and (status, check)

        status, check = _wait_for(restarted, 15)
        assert status == 200 and check["last_exit"] == "signal 9 (SIGKILL)"
        again = read_state(data_dir)
        assert again.pid != first.pid and _alive(again.pid)

        admin = signed_in_session(url, *demo_admin(data_dir))
        page = admin.post(
            f"{url}/_dash-update-component", json=router_body("/sources"), timeout=30
        )
        assert page.status_code == 200
        line = _ingest_line(page.json())
        assert line.startswith("Live ingest: running since ")
        assert "restarted once, last at " in line and "(exit signal 9)" in line
    log = output[0]
    assert "ingest exited (signal 9 (SIGKILL)) after " in log
    assert f"ingest restarted (pid {again.pid}, restart 1)" in log
    assert "Traceback" not in log
    # the server stopped: its ingest, the supervisor and its state file with it
    assert not state_path(data_dir).exists()
    assert not _alive(again.pid)


def _ingest_line(layout: dict) -> str:
    """The text of the element with id ``ingest-state`` in a router answer."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == "ingest-state":
                found.append(_text(node))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(layout)
    assert found, json.dumps(layout)[:500]
    return found[0]


def _text(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(_text(n) for n in node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children", ""))
    return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
