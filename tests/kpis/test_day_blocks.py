"""Long sums of settled hours are cut into whole days and blocks of days that
every span holding them shares (``kpis.rollup_queries.day_blocks``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpis.rollup_queries import DAYS_A_BLOCK, day_blocks

DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 4, 5, tzinfo=UTC), datetime(2026, 11, 30, 7, tzinfo=UTC)),
        (datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)),
        (datetime(2026, 3, 4, 23, tzinfo=UTC), datetime(2026, 3, 6, 1, tzinfo=UTC)),
        (datetime(2026, 3, 4, 5, tzinfo=UTC), datetime(2026, 3, 5, 7, tzinfo=UTC)),
    ],
)
def test_the_pieces_cover_the_span_once_and_whole_ones_are_aligned(start, end):
    pieces = day_blocks(start, end)
    assert pieces[0][0] == start and pieces[-1][1] == end
    assert all(a < b for a, b, _ in pieces)
    assert all(b == c for (_, b, _), (c, _, _) in zip(pieces, pieces[1:]))
    for a, b, whole in pieces:
        if whole:
            size = b - a
            assert size in (DAY, DAYS_A_BLOCK * DAY)
            assert (a - EPOCH) % size == timedelta(0)  # the same for every span
        else:
            assert b - a < 2 * DAY


def test_a_year_is_a_few_dozen_pieces_and_two_moments_a_day_apart_share_most():
    end = datetime(2026, 12, 7, 18, tzinfo=UTC)
    one = day_blocks(datetime(2026, 5, 17, 9, tzinfo=UTC), end)
    other = day_blocks(datetime(2026, 5, 16, 9, tzinfo=UTC), end)
    assert len(one) < 2 * DAYS_A_BLOCK + 12
    whole = {(a, b) for a, b, w in one if w}
    assert len(whole & {(a, b) for a, b, w in other if w}) == len(whole)
