"""Logs for whoever reads them: a person at a terminal, or a city's log collector.

On a terminal (stderr is a TTY) each line is plain text, and the routine requests
a wall makes every few seconds (its callbacks, Dash's files, assets) are left out
unless they fail: the sign-in and the start-up stay on screen. Elsewhere (a pipe,
a file, systemd's journal) each line is one JSON object with ``time`` (UTC, ISO
8601), ``level``, ``logger`` and ``message``, plus whatever the call passed as
``extra`` (a source's name, a batch's counts) and, inside a web request, its
``request_id``; every request is there. ``CITYWALL_LOG_FORMAT=json|text`` chooses
either whatever stderr is.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

FORMAT_ENV = "CITYWALL_LOG_FORMAT"
FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TEXT_TIME = "%Y-%m-%d %H:%M:%S"
# request lines a terminal is spared while they succeed (see web.operations)
ROUTINE_ROUTES = ("callback", "dash", "asset")
# record attributes renamed to the keys a collector expects
JSON_FIELDS = "{levelname}{name}{message}"
JSON_RENAMES = {"levelname": "level", "name": "logger"}


def log_format(default: str | None = None) -> str:
    """The format CITYWALL_LOG_FORMAT names, else ``default``, else text on a
    terminal and JSON anywhere else."""
    chosen = os.environ.get(FORMAT_ENV, "").strip().lower() or default
    if not chosen:
        chosen = "text" if _is_terminal(sys.stderr) else "json"
    if chosen not in FORMATS:
        raise ValueError(
            f"{FORMAT_ENV} must be one of {', '.join(FORMATS)}, not {chosen!r}"
        )
    return chosen


def make_formatter(kind: str = "json") -> logging.Formatter:
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT, TEXT_TIME)
    return JsonFormatter(
        JSON_FIELDS,
        style="{",
        rename_fields=JSON_RENAMES,
        timestamp="time",  # record.created as ISO 8601 in UTC
        json_ensure_ascii=False,  # Korean and Spanish stay readable
    )


class RequestIdFilter(logging.Filter):
    """Stamps the current web request's id on every record logged while serving
    it, so a collector can gather all the lines of one request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = _current_request_id()
            if request_id is not None:
                record.request_id = request_id
        return True


class RoutineFilter(logging.Filter):
    """Leaves out, for a person's terminal, the lines of routine work that went
    well: a wall's refreshes every few seconds (its callbacks, Dash's files,
    assets) and the ingest's rounds that found nothing new. They would scroll the
    sign-in and every warning away."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "citywall.requests":
            routine = getattr(record, "route", None) in ROUTINE_ROUTES
            return not routine or getattr(record, "status", 500) >= 400
        if record.name == "ingest.runner" and hasattr(record, "fetched"):
            return record.fetched > 0 or getattr(record, "failed", True)
        return True


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced by a test
        return False


def _current_request_id() -> str | None:
    try:
        from flask import g, has_request_context
    except ImportError:  # the ingest process may run without the web layer
        return None
    return g.get("request_id") if has_request_context() else None


def configure_logging(
    level: int | str = logging.INFO, default: str | None = None
) -> None:
    """One handler on the root logger, writing to stderr in the chosen format (see
    ``log_format``); any handler from an earlier call is replaced, not stacked."""
    kind = log_format(default)
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(kind))
    handler.addFilter(RequestIdFilter())
    if kind == "text":
        handler.addFilter(RoutineFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def gunicorn_log_config(default: str | None = None) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its own messages (workers booting, timeouts)
    go through the same handler and format as the app's. Its access log stays off:
    the app logs each request itself (``citywall.requests``, see
    ``web.operations``), with the request id and route kind and without the
    client's address or query string."""
    kind = log_format(default)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"citywall": {"()": make_formatter, "kind": kind}},
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "routine": {"()": RoutineFilter},
        },
        "handlers": {
            "citywall": {
                "class": "logging.StreamHandler",
                "formatter": "citywall",
                "filters": ["request_id", *(["routine"] if kind == "text" else [])],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["citywall"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # off: it would log the client's address and the query string, where
            # embed tokens travel (a logconfig_dict turns it on, so the level does)
            "gunicorn.access": {
                "level": "CRITICAL",
                "handlers": [],
                "propagate": False,
            },
        },
    }
