"""What gunicorn needs before it forks its workers: one folder where every worker
keeps its request metrics, so that a scrape of any worker sums all of them,
gunicorn's own log lines in the app's format, and workers a slow client cannot hold.
And, before anything else, whether the port is free: a second ``citywall serve`` on
the same port stops at once and suggests another, rather than pulling data and
failing in gunicorn's retries.

Workers are threaded (gunicorn's ``gthread``): a client that sends its request a
byte a second holds one thread of one worker, not the worker, and a connection
that sends nothing for a few seconds goes back to the worker's poller. A sync
worker, as before, was held whole: two such sockets stopped ``/healthz`` for all.

This module must not import prometheus_client: the library picks its
multiprocess mode when it is first imported, so the folder has to be named before.
"""

from __future__ import annotations

import atexit
import errno
import gc
import os
import shutil
import socket
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


KEEPALIVE_SECONDS = 75


def gunicorn_settings() -> dict[str, Any]:
    """The settings ``citywall serve`` gives gunicorn for logs and metrics."""
    prepare_multiprocess_metrics()
    return {
        "logconfig_dict": gunicorn_log_config(),
        "accesslog": None,  # the app logs each request itself, with its request id
        "child_exit": worker_exited,
        "worker_class": "gthread",
        "threads": THREADS,
        # longer than a front's idle connections live (nginx's upstream
        # keepalive_timeout, 60 s in deploy/nginx): the front always closes first.
        # gunicorn's 2 s closed connections nginx was about to reuse, the request
        # on them was reset, and nginx took this instance out of service for its
        # fail_timeout (with both out, walls saw 502s)
        "keepalive": KEEPALIVE_SECONDS,
        # gunicorn's control socket is one path per user ($XDG_RUNTIME_DIR or
        # ~/.gunicorn/gunicorn.ctl): every wall on the machine would share it, and
        # CityWall never uses it
        "control_socket_disable": True,
        "post_worker_init": collect_garbage_between_requests,
    }


def collect_garbage_between_requests(_worker: Any = None) -> None:
    """Once a worker has loaded the app, its few hundred thousand objects (Dash,
    plotly, SQLAlchemy, the profile) are frozen: the collector's full passes no
    longer walk them (each such pass held a refresh for 60 to 120 ms). From then
    on the full passes over everything run while the worker is idle
    (``web.idle_collector``), and what they keep is frozen in turn."""
    from web.idle_collector import collect_while_idle

    gc.collect()
    gc.freeze()
    collect_while_idle()


PORTS_TRIED = 20  # the next free port suggested is within this many


def port_problem(host: str, port: int) -> str | None:
    """Why gunicorn could not listen on ``host:port`` (in use, not allowed, no
    such address), with what to do; None when it can. Bound and let go at once,
    with the SO_REUSEADDR gunicorn sets: a port a stopped wall left in TIME_WAIT
    is free."""
    try:
        _try_bind(host, port)
    except PermissionError:
        return (
            f"port {port} needs more rights than this user has (ports below 1024): "
            f"try --port {port + 8000 if port < 1024 else port + 1}"
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            free = _next_free_port(host, port)
            hint = f" — try --port {free}" if free else ""
            return f"port {port} is in use (another CityWall?){hint}"
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            return f"this machine has no address {host!r}: try --host 127.0.0.1"
        return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def local_address(host: str) -> str:
    """Where this machine reaches a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _try_bind(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _next_free_port(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 1 + PORTS_TRIED, 65536)):
        try:
            _try_bind(host, candidate)
        except OSError:
            continue
        return candidate
    return None
