"""What gunicorn needs before it forks its workers: one folder where every worker
keeps its request metrics, so that a scrape of any worker sums all of them,
gunicorn's own log lines in the app's format, and workers a slow client cannot hold.

Workers are threaded (gunicorn's ``gthread``): a client that sends its request a
byte a second holds one thread of one worker, not the worker, and a connection
that sends nothing for a few seconds goes back to the worker's poller. A sync
worker, as before, was held whole: two such sockets stopped ``/healthz`` for all.

This module must not import prometheus_client: the library picks its
multiprocess mode when it is first imported, so the folder has to be named before.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

from web.logs import gunicorn_log_config

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
THREADS = 8  # per worker: a wall's refresh is I/O on the store, seldom CPU-bound


def prepare_multiprocess_metrics() -> str:
    """PROMETHEUS_MULTIPROC_DIR emptied of an earlier run's files, or a new
    temporary folder when it is unset (removed at exit). Returns the folder."""
    named = os.environ.get(MULTIPROC_ENV)
    folder = named or tempfile.mkdtemp(prefix="citywall-metrics-")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):  # counts of processes long gone
            os.remove(os.path.join(folder, name))
    os.environ[MULTIPROC_ENV] = folder
    if not named:
        atexit.register(_remove_in, os.getpid(), folder)
    return folder


def _remove_in(owner: int, folder: str) -> None:
    # gunicorn's workers inherit the handler and run it when they exit: only
    # the process that made the folder removes it
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def worker_exited(_server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: the dead worker's live gauges go (its
    counters stay: they are part of the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def gunicorn_settings() -> dict[str, Any]:
    """The settings ``citywall serve`` gives gunicorn for logs and metrics."""
    prepare_multiprocess_metrics()
    return {
        "logconfig_dict": gunicorn_log_config(),
        "accesslog": None,  # the app logs each request itself, with its request id
        "child_exit": worker_exited,
        "worker_class": "gthread",
        "threads": THREADS,
    }
