"""Python's cycle collector held off while a batch is pulled, checked and written.

A batch is tens of thousands of records, tuples and dicts made at once. Each 700
new objects start a collection, and the survivors soon start full ones, which walk
every object the process holds, the batch included: a fifth of the ingest's time
at a year's volume (profiled with py-spy; 41 k records/s with the collector, 52 k
without). A batch's objects hold no cycles, so reference counting frees them when
it ends; the collector resumes then and finds whatever else is due.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # batches running now, on every source's thread
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cycle collection inside the block (nor in other threads while
    it runs: the collector is one per process). Blocks may nest and overlap across
    threads; the collector comes back when the last one ends, if it was on."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
