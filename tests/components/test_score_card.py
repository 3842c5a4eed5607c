"""The score card says "was" only when the number it shows has changed."""

from __future__ import annotations

from components.score_card import score_card
from kpis.score import Score
from tests.components.test_tile import _texts
from tests.standard import SEOUL


def _trend(value: float, previous: float, lang: str = "en") -> str:
    card = score_card(Score(value, previous, ()), {}, lang, SEOUL)
    return " ".join(_texts(card[1].children[1]))


def test_was_shows_only_when_the_number_shown_changed():
    assert _trend(1.25, 1.2949) == "↓ was 1.29"
    assert _trend(1.31, 1.2949) == "↑ was 1.29"
    assert _trend(1.2912, 1.2874) == ""  # both read 1.29: nothing moved on screen
    assert _trend(1.2912, 1.2874, "es") == ""
    assert _trend(0.9, 1.25, "es") == "↓ antes 1,25"
