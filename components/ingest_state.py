"""One line on the sources page: the live ingest ``citywall serve`` keeps running,
whether it runs now, and how often it had to be started again."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import html

from city import i18n
from city.i18n import t
from ingest.supervisor import RESTARTING, RUNNING, Exit, IngestState


def ingest_line(state: IngestState | None, zone: ZoneInfo, lang: str) -> html.P:
    """The line, e.g. "Live ingest: running since Dec 6 14:00; restarted 2 times,
    last at 14:03 (exit signal 9)"; red while the ingest is down."""
    parts = [_now_part(state, zone, lang)]
    if state is not None and state.restarts:
        restarted = (
            t(lang, "sources.ingest.restarted_one")
            if state.restarts == 1
            else t(
                lang,
                "sources.ingest.restarted_many",
                count=i18n.number(state.restarts, lang),
            )
        )
        if state.running and state.last_exit is not None:
            last = t(
                lang,
                "sources.ingest.last",
                at=i18n.clock(state.last_exit.at, zone, lang),
                exit=exit_words(state.last_exit, lang),
            )
            restarted = f"{restarted}, {last}"
        parts.append(restarted)
    down = state is not None and not state.running
    return html.P(
        [
            html.Span(t(lang, "sources.ingest.label"), className="ingest-label"),
            " ",
            html.Span("; ".join(parts), className="source-stale" if down else None),
        ],
        id="ingest-state",
        className="ingest-state",
    )


def exit_words(ended: Exit, lang: str) -> str:
    if ended.signal is not None:
        return t(lang, "sources.ingest.exit_signal", signal=ended.signal)
    return t(lang, "sources.ingest.exit_code", code=ended.code)


def _now_part(state: IngestState | None, zone: ZoneInfo, lang: str) -> str:
    if state is None:
        return t(lang, "sources.ingest.not_here")
    if state.state == RUNNING:
        since = i18n.day_and_clock(state.started_at, zone, lang)
        return t(lang, "sources.ingest.running", since=since)
    if state.state == RESTARTING and state.last_exit is not None:
        return t(
            lang,
            "sources.ingest.restarting",
            since=i18n.day_and_clock(state.down_since, zone, lang),
            exit=exit_words(state.last_exit, lang),
            next=i18n.clock(state.next_start_at, zone, lang, seconds=True),
        )
    return t(lang, "sources.ingest.stopped")
