"""The sources page's line about the live ingest, in each state and language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from components.ingest_state import ingest_line
from ingest.supervisor import Exit, IngestState

SEOUL = ZoneInfo("Asia/Seoul")
AT = datetime(2026, 12, 6, 5, 3, tzinfo=UTC)  # 14:03 in Seoul


def text(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(text(n) for n in node)
    return text(getattr(node, "children", "") or "")


def restarted_twice(state: str) -> IngestState:
    return IngestState(
        supervisor_pid=1,
        state=state,
        pid=42 if state == "running" else None,
        started_at=AT + timedelta(seconds=2),
        restarts=2,
        last_exit=Exit(AT, signal=9, ran_seconds=30.0),
        down_since=AT,
        next_start_at=AT + timedelta(seconds=4),
    )


def test_a_running_ingest_says_how_often_it_was_restarted():
    line = ingest_line(restarted_twice("running"), SEOUL, "en")
    assert text(line) == (
        "Live ingest: running since Dec 6 14:03; restarted 2 times, "
        "last at 14:03 (exit signal 9)"
    )
    assert "source-stale" not in str(line)


def test_a_down_ingest_says_since_when_and_when_it_starts_again():
    line = ingest_line(restarted_twice("restarting"), SEOUL, "en")
    assert text(line) == (
        "Live ingest: down since Dec 6 14:03 (exit signal 9), starting again at "
        "14:03:04; restarted 2 times"
    )
    assert "source-stale" in str(line)  # shown in the alert colour


def test_once_and_never():
    once = IngestState(
        1, "running", pid=5, started_at=AT, restarts=1, last_exit=Exit(AT, code=1)
    )
    assert text(ingest_line(once, SEOUL, "en")).endswith(
        "restarted once, last at 14:03 (exit code 1)"
    )
    never = IngestState(1, "running", pid=5, started_at=AT)
    assert text(ingest_line(never, SEOUL, "en")) == (
        "Live ingest: running since Dec 6 14:03"
    )
    assert "not run by this server" in text(ingest_line(None, SEOUL, "en"))
    gone = IngestState(1, "stopped", restarts=0)
    assert "stopped" in text(ingest_line(gone, SEOUL, "en"))


@pytest.mark.parametrize("lang", ["ko", "es"])
def test_each_language_has_its_own_words(lang):
    english = text(ingest_line(restarted_twice("running"), SEOUL, "en"))
    shown = text(ingest_line(restarted_twice("running"), SEOUL, lang))
    assert shown != english and "Live ingest" not in shown
    assert "9" in shown and "14:03" in shown
