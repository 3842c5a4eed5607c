"""Asked to stop, the ingest stops: a source stuck on a connection the network
dropped (a write that never returns) does not hold the server's shutdown."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from ingest import runner as ingest_runner


class StuckSource:
    """A runner whose pull hangs, as a write on a dropped connection does."""

    def __init__(self) -> None:
        self.source = SimpleNamespace(name="stuck", interval_seconds=1)
        self.entered = threading.Event()
        self.released = threading.Event()

    def run(self, lease=None):
        self.entered.set()
        self.released.wait(60)
        raise RuntimeError("released")


def test_a_stuck_source_does_not_hold_the_stop(monkeypatch):
    monkeypatch.setattr(ingest_runner, "STOP_GRACE_SECONDS", 0.5)
    stuck, stop = StuckSource(), threading.Event()
    done = threading.Event()
    threading.Thread(
        target=lambda: (ingest_runner.run_forever([stuck], stop), done.set()),
        daemon=True,
    ).start()
    assert stuck.entered.wait(5)
    started = time.monotonic()
    stop.set()
    assert done.wait(5), "run_forever still waits for the stuck source"
    assert time.monotonic() - started < 2
    stuck.released.set()
    # its thread ends now, logging the failure: here, not in a later test's log
    for thread in threading.enumerate():
        if thread.name == "ingest-stuck":
            thread.join(timeout=10)
