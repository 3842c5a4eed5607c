"""Where a district stands among the others on one KPI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rank:
    position: int  # 1 = best; ties share a position ("1, 2, 2, 4")
    of: int


def rank_of(
    code: str, values: dict[str, float | None], higher_is_better: bool
) -> Rank | None:
    known = {c: v for c, v in values.items() if v is not None}
    if code not in known:
        return None
    mine = known[code]
    better = sum(
        1 for v in known.values() if (v > mine if higher_is_better else v < mine)
    )
    return Rank(better + 1, len(known))
