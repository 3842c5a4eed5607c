"""The supervisor of the live ingest: a child that exits is started again with a
growing wait, each exit and restart is one log line, and its state file says the
same to every reader. (The real `citywall serve` with a killed child is in
tests/citywall/test_ingest_supervision.py.)"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

from ingest.supervisor import (
    RESTARTING,
    RUNNING,
    STOPPED,
    Backoff,
    Exit,
    read_state,
    state_path,
    supervise,
)


def test_the_wait_doubles_up_to_a_minute_and_starts_over_after_a_steady_run():
    backoff = Backoff()
    waits = [backoff.after(ran_seconds=0.5) for _ in range(8)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.after(ran_seconds=600) == 1  # it ran a while: a fresh start
    assert backoff.after(ran_seconds=2) == 2


def test_a_child_that_exits_is_started_again_and_each_exit_is_logged(tmp_path, caplog):
    # a child that fails at once: code 3
    command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    stop = threading.Event()
    seen: list = []

    def watch() -> None:
        while not stop.is_set():
            state = read_state(tmp_path)
            if state is not None and (not seen or state != seen[-1]):
                seen.append(state)
            if state is not None and state.restarts >= 2:
                stop.set()
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    with caplog.at_level(logging.INFO, logger="citywall.ingest"):
        supervise(command, tmp_path, stop, Backoff(first=0.1, most=0.2))
    watcher.join()
    restarting = [s for s in seen if s.state == RESTARTING]
    assert restarting and restarting[0].last_exit.code == 3
    assert restarting[0].next_start_at > restarting[0].down_since
    assert max(s.restarts for s in seen) == 2
    assert all(s.supervisor_pid == os.getpid() for s in seen)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("ingest exited (code 3) after ")
    assert lines[0].endswith("restarting in 0.1 s")
    assert any(line.startswith("ingest restarted (pid ") for line in lines)
    assert "ingest exited (code 3)" in lines[2] and lines[2].endswith("in 0.2 s")
    assert not state_path(tmp_path).exists()  # supervision over: no stale file


def test_a_stop_ends_the_child_and_the_state_file(tmp_path):
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    stop = threading.Event()
    runner = threading.Thread(target=supervise, args=(command, tmp_path, stop))
    runner.start()
    deadline = time.monotonic() + 10
    while (state := read_state(tmp_path)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state is not None and state.state == RUNNING and state.restarts == 0
    stop.set()
    runner.join(timeout=30)
    assert not runner.is_alive()
    assert not state_path(tmp_path).exists()
    assert not _alive(state.pid)


def test_a_killed_supervisor_reads_as_stopped(tmp_path):
    """A supervisor killed with its server leaves its file: readers see that
    nobody restarts the ingest any more."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    from ingest.supervisor import IngestState, write_state

    write_state(tmp_path, IngestState(supervisor_pid=gone.pid, state=RUNNING, pid=1))
    state = read_state(tmp_path)
    assert state.state == STOPPED and not state.running and state.pid is None
    (tmp_path / "ingest.json").write_text("{not json")
    assert read_state(tmp_path) is None


def test_an_exit_says_its_signal_or_its_code():
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    assert Exit.of(-9, now, 1.0).words() == "signal 9 (SIGKILL)"
    assert Exit.of(1, now, 1.0).words() == "code 1"
    assert Exit.of(-99, now, 1.0).words() == "signal 99"


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
