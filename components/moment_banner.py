"""The banner of a page shown at a past moment ("As of 5 Dec 02:00 — not live",
with a link back to live), and the note of a moment that could not be shown.
Known by their classes, not ids: the kiosk's strip and the page it shows may
both draw one."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dash import dcc, html

from city import i18n
from city.i18n import t


def moment_banner(
    at: datetime, zone: tzinfo, lang: str, live_href: str | None
) -> html.Div:
    """``live_href``: the same view live (None on the kiosk, where nothing is
    clicked: the banner names the moment only)."""
    when = i18n.day_and_clock(at, zone, lang)
    back = (
        [dcc.Link(t(lang, "moment.back"), href=live_href, className="moment-live")]
        if live_href
        else []
    )
    return _banner(t(lang, "moment.as_of", time=when), lang, back)


def replay_text(
    start: datetime,
    end: datetime,
    at: datetime,
    frame: int,
    frames: int,
    zone: tzinfo,
    lang: str,
) -> str:
    """Where a replay stands: "Replay Dec 5 00:00 – Dec 5 06:00: Dec 5 02:00 ·
    21/61 — not live", or that it ended (``frame`` counts from 1)."""
    return t(
        lang,
        "moment.replay_ended" if frame == frames else "moment.replay",
        start=i18n.day_and_clock(start, zone, lang),
        end=i18n.day_and_clock(end, zone, lang),
        time=i18n.day_and_clock(at, zone, lang),
        frame=i18n.number(frame, lang),
        frames=i18n.number(frames, lang),
    )


def replay_banner(text: str, lang: str) -> html.Div:
    """The kiosk's banner during a replay (``replay_text``); nothing to click."""
    return _banner(text, lang, [], "moment-replay")


def _banner(text: str, lang: str, back: list, kind: str = "") -> html.Div:
    return html.Div(
        [
            html.Strong(text, className="moment-when"),
            # what the store keeps of a record's history, and what it does not
            html.Span(t(lang, "moment.as_known"), className="moment-known"),
            *back,
        ],
        className=f"moment-banner {kind}".strip(),
        role="status",
    )


def moment_problem(key: str, values: dict[str, str], lang: str) -> html.Div:
    """Why the page shows live instead of the moment asked (``moment.<key>``)."""
    return _problem(t(lang, f"moment.{key}", **values))


def replay_problem(key: str, values: dict[str, str], lang: str) -> html.Div:
    """Why a replay cannot be played (``moment.<key>``: the reason)."""
    reason = t(lang, f"moment.{key}", **values)
    return _problem(t(lang, "moment.replay_cannot", reason=reason))


def _problem(text: str) -> html.Div:
    return html.Div(text, className="moment-problem", role="alert")
