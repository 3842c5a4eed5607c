"""Keeping the live ingest running under ``citywall serve``: a process that dies
(killed, out of memory, a bug) is started again, after 1 s, 2 s, 4 s … at most a
minute, and back to 1 s once it has run steadily for a while.

Each exit and each restart is one line in the log. The supervisor keeps what it
knows in a small file in the data folder (``ingest.json``), written whole at each
change, so that every gunicorn worker (separate processes) answers ``/readyz`` and
draws ``/sources`` from the same facts.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from store.private_files import private_file, private_folder

log = logging.getLogger("citywall.ingest")

STATE_FILE = "ingest.json"
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0
STEADY_SECONDS = 120.0  # a child that ran this long starts the backoff over
STOP_SECONDS = 30.0  # a child asked to stop gets this long before SIGKILL
POLL_SECONDS = 0.5

RUNNING, RESTARTING, STOPPED = "running", "restarting", "stopped"


@dataclass(frozen=True)
class Exit:
    """How the ingest process ended: its exit code, or the signal that ended it."""

    at: datetime
    code: int | None = None
    signal: int | None = None
    ran_seconds: float = 0.0

    @classmethod
    def of(cls, returncode: int, at: datetime, ran_seconds: float) -> Exit:
        # Popen says -N for "killed by signal N"
        if returncode < 0:
            return cls(at, signal=-returncode, ran_seconds=ran_seconds)
        return cls(at, code=returncode, ran_seconds=ran_seconds)

    def words(self) -> str:
        """What the log and /readyz say: "signal 9 (SIGKILL)", "code 1"."""
        if self.signal is not None:
            try:
                return f"signal {self.signal} ({signal.Signals(self.signal).name})"
            except ValueError:
                return f"signal {self.signal}"
        return f"code {self.code}"


@dataclass(frozen=True)
class IngestState:
    """The supervised ingest process as the supervisor last wrote it."""

    supervisor_pid: int
    state: str  # running, restarting (between an exit and its restart) or stopped
    pid: int | None = None
    started_at: datetime | None = None  # the running process's start
    restarts: int = 0
    last_exit: Exit | None = None
    down_since: datetime | None = None
    next_start_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_iso)

    @classmethod
    def from_json(cls, text: str) -> IngestState:
        raw = json.loads(text)
        exit_ = raw.pop("last_exit", None)
        for key in ("started_at", "down_since", "next_start_at"):
            raw[key] = _datetime(raw.get(key))
        if exit_:
            exit_["at"] = _datetime(exit_["at"])
        return cls(**raw, last_exit=Exit(**exit_) if exit_ else None)


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def read_state(data_dir: Path) -> IngestState | None:
    """What the supervisor of this data folder last wrote; None when no
    supervisor runs the ingest here (``serve --no-ingest``, ``ingest --loop`` run
    by hand). A supervisor that is gone without saying so (killed) counts as
    stopped: nobody restarts the ingest any more."""
    try:
        state = IngestState.from_json(state_path(data_dir).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError):  # a file of another version
        return None
    if state.state != STOPPED and not _alive(state.supervisor_pid):
        return replace(state, state=STOPPED, pid=None, next_start_at=None)
    return state


def write_state(data_dir: Path, state: IngestState) -> None:
    """Written whole and renamed into place: a reader never sees half of it."""
    private_folder(data_dir)
    path = state_path(data_dir)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(state.to_json())
    os.replace(partial, path)
    private_file(path)


def forget_state(data_dir: Path) -> None:
    """No supervisor here any more: the workers of a later ``serve --no-ingest``
    must not read an old one's file."""
    state_path(data_dir).unlink(missing_ok=True)


class Backoff:
    """1 s, 2 s, 4 s … at most ``most`` seconds between restarts; back to the
    first after a child that ran ``steady`` seconds."""

    def __init__(
        self,
        first: float = FIRST_DELAY_SECONDS,
        most: float = MAX_DELAY_SECONDS,
        steady: float = STEADY_SECONDS,
    ) -> None:
        self.first, self.most, self.steady = first, most, steady
        self.next = first

    def after(self, ran_seconds: float) -> float:
        """The wait before the next start, for a child that ran this long."""
        if ran_seconds >= self.steady:
            self.next = self.first
        delay, self.next = self.next, min(self.next * 2, self.most)
        return delay


def supervise(
    command: Sequence[str],
    data_dir: Path,
    stop: threading.Event,
    backoff: Backoff | None = None,
    parent_gone: Callable[[], bool] = lambda: False,
) -> None:
    """Run ``command`` until ``stop`` is set (or ``parent_gone()``), starting it
    again whenever it exits; the state file says what happens, and is removed
    when the supervision ends."""
    backoff = backoff or Backoff()
    state = IngestState(supervisor_pid=os.getpid(), state=RESTARTING)
    try:
        while not stop.is_set():
            child = subprocess.Popen(list(command))
            started = time.monotonic()
            state = replace(
                state,
                state=RUNNING,
                pid=child.pid,
                started_at=_now(),
                down_since=None,
                next_start_at=None,
            )
            write_state(data_dir, state)
            if state.restarts:
                log.warning(
                    "ingest restarted (pid %d, restart %d)", child.pid, state.restarts
                )
            if not _wait(child, stop, parent_gone):
                _stop(child)
                break
            if stop.is_set() or parent_gone():  # a Ctrl-C reached both at once
                break
            ran = time.monotonic() - started
            ended = Exit.of(child.returncode, _now(), round(ran, 1))
            delay = backoff.after(ran)
            state = replace(
                state,
                state=RESTARTING,
                pid=None,
                last_exit=ended,
                down_since=ended.at,
                next_start_at=datetime.fromtimestamp(time.time() + delay, UTC),
            )
            write_state(data_dir, state)
            log.warning(
                "ingest exited (%s) after %s; restarting in %g s",
                ended.words(),
                _duration(ran),
                delay,
            )
            if stop.wait(delay) or parent_gone():
                break
            state = replace(state, restarts=state.restarts + 1)
    finally:
        forget_state(data_dir)


def _wait(
    child: subprocess.Popen, stop: threading.Event, parent_gone: Callable[[], bool]
) -> bool:
    """Wait for the child to exit (True), or for a stop (False)."""
    while not stop.is_set() and not parent_gone():
        try:
            child.wait(timeout=POLL_SECONDS)
            return True
        except subprocess.TimeoutExpired:
            continue
    return False


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
