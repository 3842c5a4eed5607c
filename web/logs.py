"""Logs a city's log collector can read: one JSON object per line.

Each line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus
whatever the call passed as ``extra`` (a source's name, a batch's counts) and, inside
a web request, its ``request_id``. ``CITYWALL_LOG_FORMAT=text`` gives the classic
one-line text instead, for a person reading a terminal.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pythonjsonlogger.json import JsonFormatter

FORMAT_ENV = "CITYWALL_LOG_FORMAT"
FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# record attributes renamed to the keys a collector expects
JSON_FIELDS = "{levelname}{name}{message}"
JSON_RENAMES = {"levelname": "level", "name": "logger"}


def log_format(default: str = "json") -> str:
    """The format CITYWALL_LOG_FORMAT names, else ``default``."""
    chosen = os.environ.get(FORMAT_ENV, "").strip().lower() or default
    if chosen not in FORMATS:
        raise ValueError(
            f"{FORMAT_ENV} must be one of {', '.join(FORMATS)}, not {chosen!r}"
        )
    return chosen


def make_formatter(kind: str = "json") -> logging.Formatter:
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT)
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


def _current_request_id() -> str | None:
    try:
        from flask import g, has_request_context
    except ImportError:  # the ingest process may run without the web layer
        return None
    return g.get("request_id") if has_request_context() else None


def configure_logging(level: int | str = logging.INFO, default: str = "json") -> None:
    """One handler on the root logger, writing to stderr in the chosen format;
    any handler from an earlier call is replaced, not stacked."""
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(log_format(default)))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def gunicorn_log_config(default: str = "json") -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its own messages (workers booting, timeouts)
    go through the same handler and format as the app's. Its access log stays off:
    the app logs each request itself (``citywall.requests``, see
    ``web.operations``), with the request id and route kind and without the
    client's address or query string."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"citywall": {"()": make_formatter, "kind": log_format(default)}},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {
            "citywall": {
                "class": "logging.StreamHandler",
                "formatter": "citywall",
                "filters": ["request_id"],
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
