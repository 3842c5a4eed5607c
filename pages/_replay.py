"""A replay on the kiosk: ``/wall?replay=<local start>&to=<local end>&minutes=N``
plays the span (a flood night, for an after-action review) in N minutes, one
moment per refresh interval, and holds on its last moment.

Each frame is an address of its own, the replay's words and ``at`` the frame's
moment, so every part of the wall (the page shown, its callbacks, the strip)
draws that moment as any ``?at=`` page does. The frames are computed here from
the replay's words on every request, never taken from the browser: ``at`` only
says which frame the wall is at, and the next frame's address is made by the
server. Words that cannot make a replay draw the wall as it is asked without
one (live, or at its ``at``), with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pages._moment import AskedMoment, asked_moment

MOST_MINUTES = 120  # two hours of a wall for any span
MOST_SPAN = timedelta(days=31)
MINUTES_SHAPE = re.compile(r"\d{1,3}")


@dataclass(frozen=True)
class Replay:
    """``start`` to ``end`` (UTC, whole seconds) in ``frames`` moments, the
    first at ``start`` and the last at ``end``, each shown ``frame_seconds``."""

    start: datetime
    end: datetime
    frames: int
    frame_seconds: float

    def moment(self, index: int) -> datetime:
        """The moment of frame ``index`` (0 to frames - 1), to the second."""
        seconds = int((self.end - self.start).total_seconds())
        return self.start + timedelta(seconds=seconds * index // (self.frames - 1))

    def frame_of(self, at: datetime) -> int | None:
        """The frame at or before ``at``; None for a moment outside the replay."""
        if not self.start <= at <= self.end:
            return None
        span = (self.end - self.start).total_seconds()
        index = int((at - self.start).total_seconds() * (self.frames - 1) // span)
        index = min(max(index, 0), self.frames - 1)
        while index + 1 < self.frames and self.moment(index + 1) <= at:
            index += 1
        while index > 0 and self.moment(index) > at:
            index -= 1
        return index


@dataclass(frozen=True)
class AskedReplay:
    """A replay that can be played, or why not (``moment.<problem>``, the
    reason ``moment.replay_cannot`` gives, with its values)."""

    replay: Replay | None = None
    problem: str | None = None
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Playing:
    """A replay at one of its frames (``pages._replay``), and the address of
    its next frame (None on the last)."""

    replay: Replay
    frame: int
    next_href: str | None


def asked_replay(
    start: str, end: str, minutes: str, frame_seconds: float
) -> AskedReplay:
    """The replay the address's words ask for, each checked as an ``at`` is."""
    if not isinstance(minutes, str) or not MINUTES_SHAPE.fullmatch(minutes):
        return _cannot("replay_minutes", value=str(minutes)[:3])
    if not 1 <= int(minutes) <= MOST_MINUTES:
        return _cannot("replay_minutes", value=minutes)
    ends: list[AskedMoment] = []
    for text in (start, end):
        asked = asked_moment(text if isinstance(text, str) else "")
        if not asked.past:
            return _cannot("replay_moment", value=str(text or "")[:19])
        ends.append(asked)
    first, last = ends[0].at, ends[1].at
    assert first is not None and last is not None
    if last <= first:
        return _cannot("replay_order")
    if last - first > MOST_SPAN:
        return _cannot("replay_span", days=str(MOST_SPAN.days))
    # frames - 1 steps of frame_seconds each fill the minutes asked; a second
    # apart at least, so that no two frames show the same moment
    steps = max(1, round(int(minutes) * 60 / frame_seconds))
    steps = min(steps, int((last - first).total_seconds()))
    return AskedReplay(Replay(first, last, steps + 1, frame_seconds))


def _cannot(problem: str, **values: str) -> AskedReplay:
    return AskedReplay(problem=problem, values={"most": str(MOST_MINUTES), **values})


def asks_replay(*words: str | None) -> bool:
    """Whether an address names a replay at all (any of its words)."""
    return any(word is not None for word in words)
