"""The log format follows who reads it: text for a person at a terminal, without
the wall's routine refreshes; JSON lines, every one, for a collector; the setting
wins over both."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from web import logs


class Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.fixture
def root_logging(monkeypatch):
    """The root logger as it was, after the test reconfigures it."""
    monkeypatch.delenv("CITYWALL_LOG_FORMAT", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def logged_to(stream: Stream, monkeypatch, root: logging.Logger) -> Stream:
    """Configure logging with ``stream`` as stderr, as a process started there."""
    monkeypatch.setattr("sys.stderr", stream)
    logs.configure_logging(logging.INFO)
    root.handlers[0].setStream(stream)
    return stream


def request_line(route: str, status: int) -> None:
    logging.getLogger("citywall.requests").info(
        "GET %s %s", route, status, extra={"route": route, "status": status}
    )


def ingest_round(fetched: int, failed: bool = False) -> None:
    logging.getLogger("ingest.runner").info(
        f"demo: fetched {fetched}", extra={"fetched": fetched, "failed": failed}
    )


def test_a_terminal_gets_text_without_the_routine_lines(root_logging, monkeypatch):
    out = logged_to(Stream(terminal=True), monkeypatch, root_logging)
    request_line("callback", 200)  # a wall's refresh: left out
    request_line("asset", 304)
    request_line("callback", 500)  # a failure: kept
    request_line("page", 200)  # someone opened a page: kept
    ingest_round(0)  # nothing new: left out
    ingest_round(3)
    ingest_round(0, failed=True)
    lines = out.getvalue().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "GET callback 500",
        "GET page 200",
        "demo: fetched 3",
        "demo: fetched 0",
    ]
    assert not any(line.startswith("{") for line in lines)
    assert " INFO citywall.requests: " in lines[0]


def test_elsewhere_every_line_is_json(root_logging, monkeypatch):
    out = logged_to(Stream(terminal=False), monkeypatch, root_logging)
    request_line("callback", 200)
    ingest_round(0)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert (first["route"], first["status"]) == ("callback", 200)
    assert second["fetched"] == 0


@pytest.mark.parametrize("terminal", [True, False])
def test_the_setting_wins_over_the_terminal(root_logging, monkeypatch, terminal):
    chosen = "json" if terminal else "text"
    monkeypatch.setenv("CITYWALL_LOG_FORMAT", chosen)
    out = logged_to(Stream(terminal), monkeypatch, root_logging)
    logging.getLogger("citywall.stage").info("stage 2")
    line = out.getvalue().strip()
    if chosen == "json":
        assert json.loads(line)["message"] == "stage 2"
    else:
        assert line.endswith("INFO citywall.stage: stage 2")


def test_gunicorns_lines_follow_the_terminal_too(root_logging, monkeypatch):
    out = Stream(terminal=True)
    monkeypatch.setattr("sys.stderr", out)
    logging.config.dictConfig(logs.gunicorn_log_config())
    root_logging.handlers[0].setStream(out)
    logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 7)
    request_line("callback", 200)
    assert (
        out.getvalue()
        .rstrip()
        .endswith("INFO gunicorn.error: Booting worker with pid: 7")
    )
    assert len(out.getvalue().splitlines()) == 1
