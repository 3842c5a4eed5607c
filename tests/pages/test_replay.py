"""A replay's frames and the checks of its words (``pages._replay``), apart from
any app: the moments themselves are checked by ``asked_moment`` (stubbed here:
an address of the right shape is a moment, "bad" is not)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pages import _replay
from pages._moment import AskedMoment
from pages._replay import MOST_MINUTES, Replay, asked_replay

START = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 00:00 in Seoul
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def moments_by_shape(monkeypatch):
    def asked(value: str) -> AskedMoment:
        try:
            at = datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            return AskedMoment(problem="bad", values={"value": value})
        return AskedMoment(at=at, text=value)

    monkeypatch.setattr(_replay, "asked_moment", asked)


def test_a_night_in_ten_minutes_is_one_frame_a_refresh_first_to_last():
    found = asked_replay("2026-12-04T15:00", "2026-12-04T21:00", "10", 10)
    replay = found.replay
    assert found.problem is None and replay is not None
    assert replay.frames == 61  # 60 steps of 10 s: ten minutes
    assert replay.moment(0) == START
    assert replay.moment(60) == START + 360 * MINUTE
    assert replay.moment(1) - replay.moment(0) == 6 * MINUTE
    assert {replay.frame_of(replay.moment(i)) for i in range(61)} == set(range(61))


def test_a_moment_between_frames_is_at_the_one_before_and_outside_is_none():
    replay = Replay(START, START + 60 * MINUTE, 7, 10)
    assert replay.frame_of(START + 15 * MINUTE) == 1
    assert replay.frame_of(START + 60 * MINUTE) == 6
    assert replay.frame_of(START - MINUTE) is None
    assert replay.frame_of(START + 61 * MINUTE) is None


def test_uneven_spans_floor_each_moment_to_the_second_and_end_on_the_end():
    replay = Replay(START, START + timedelta(seconds=1000), 7, 10)
    moments = [replay.moment(i) for i in range(7)]
    assert moments[-1] == START + timedelta(seconds=1000)
    assert all(m.microsecond == 0 for m in moments)
    assert moments == sorted(set(moments))
    assert [replay.frame_of(m) for m in moments] == list(range(7))


def test_no_two_frames_show_the_same_moment():
    # two minutes played over two hours: at most one frame a second
    found = asked_replay("2026-12-04T15:00", "2026-12-04T15:02", "120", 1)
    assert found.replay is not None and found.replay.frames == 121


@pytest.mark.parametrize(
    "start, end, minutes, problem",
    [
        ("2026-12-04T15:00", "2026-12-04T21:00", "0", "replay_minutes"),
        (
            "2026-12-04T15:00",
            "2026-12-04T21:00",
            str(MOST_MINUTES + 1),
            "replay_minutes",
        ),
        ("2026-12-04T15:00", "2026-12-04T21:00", "ten", "replay_minutes"),
        ("2026-12-04T15:00", "2026-12-04T21:00", "", "replay_minutes"),
        ("2026-12-04T15:00", "2026-12-04T21:00", "9" * 500, "replay_minutes"),
        ("bad", "2026-12-04T21:00", "10", "replay_moment"),
        ("2026-12-04T15:00", "", "10", "replay_moment"),
        ("2026-12-04T21:00", "2026-12-04T15:00", "10", "replay_order"),
        ("2026-12-04T15:00", "2026-12-04T15:00", "10", "replay_order"),
        ("2026-11-01T15:00", "2026-12-04T15:00", "10", "replay_span"),
    ],
)
def test_words_that_make_no_replay_say_why(start, end, minutes, problem):
    found = asked_replay(start, end, minutes, 10)
    assert found.replay is None and found.problem == problem
    # what is echoed back is never longer than a moment
    assert all(len(v) <= 19 for v in found.values.values())
