"""KPI aggregates read from the rollups, exact to the second.

A window rarely starts and ends on whole hours: its whole hours come from the hourly
rollups and the two partial hours at its ends from the rows (an index range of at
most an hour each), so a count over a week reads a few thousand rollup rows and a
few hundred records, however many millions the store holds.

Each aggregate answers for the city (scope None), one district, or every district
at once (``ALL_DISTRICTS``), like ``kpis.queries.Aggregate``.

A ``Match`` (a declared indicator's ``where``) narrows the events to those whose
category, severity, status or attributes take the allowed values: the whole hours
then come from the facet rollups of its group (``store.facets``), the partial
hours from the rows filtered the same way. A group the store does not keep is
answered from the rows (slowly, and said in the log): the ingest names the groups
of the profile's indicators at start (``store.facets.use_facet_groups``).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    case,
    func,
    literal,
    select,
    union_all,
)

from kpis.asked_together import AskedTogether
from kpis.match import Match, facet_rows, kept, match_rows
from kpis.memo import EVERY_MOMENT, IN_PROCESS, NOT_KEPT, Memo, no_memo, peek
from kpis.shared_reads import (
    any_hours_from,
    edge_counts,
    edge_histograms,
    hours_between,
)
from store.rollups import (
    NO_DISTRICT,
    WHOLE_CITY,
    bucket_hours,
    close_bucket,
    hour_of,
)
from store.schema import (
    close_hours_facet_histogram,
    close_hours_histogram,
    event_facet_hourly,
    event_facet_totals,
    event_hourly,
    event_totals,
    events,
)
from store.versions import settled_before

ALL_DISTRICTS = "*"
HOUR = timedelta(hours=1)


def _whole_hours(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The whole hours inside [start, end), or None if there are none."""
    first = hour_of(start)
    if first < start:
        first += HOUR
    last = hour_of(end)
    return (first, last) if first < last else None


def _edges(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) outside its whole hours (all of it without any)."""
    whole = _whole_hours(start, end)
    if whole is None:
        return [(start, end)]
    return [(a, b) for a, b in ((start, whole[0]), (whole[1], end)) if a < b]


def _per_district(rows) -> dict[str | None, float]:
    return {(d or None): v for d, v in rows}


def _in_scope(found: dict[str | None, float], scope: str | None) -> Any:
    """One number for the city or a district; per district for ALL_DISTRICTS."""
    if scope is None:
        return sum(v or 0 for v in found.values())
    if scope == ALL_DISTRICTS:
        return {d: v for d, v in found.items() if d is not None}
    return found.get(scope, 0)


def _merge(*parts: dict[str | None, float]) -> dict[str | None, float]:
    total: dict[str | None, float] = {}
    for part in parts:
        for d, v in part.items():
            total[d] = total.get(d, 0) + (v or 0)
    return total


@dataclass(frozen=True)
class EventCount:
    """Events of a domain that opened (``what="opened"``: occurred) or closed in
    [start, end)."""

    domain: str
    start: datetime
    end: datetime
    what: str = "opened"
    counts: bool = True
    median: bool = False
    citywide_rows: bool = False
    match: Match | None = None

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        m = self.match
        if not kept(conn, m, memo):  # all of it from the rows
            found = _raw_counts(
                conn, self.domain, self.what, self.start, self.end, scope, match=m
            )
            return _in_scope(found, scope)
        whole = _whole_hours(self.start, self.end)
        parts = [
            edge_counts(conn, self.domain, self.what, a, b, False, m, memo)
            for a, b in _edges(self.start, self.end)
        ]
        if whole is not None:
            parts += _hour_sums(conn, self.domain, self.what, *whole, scope, memo, m)
        return _in_scope(_merge(*parts), scope)


def _in_district(district: str | None, scope: str | None) -> bool:
    """Whether a district's part belongs to ``scope`` (``_district_filter`` in
    Python)."""
    return scope is None or scope == ALL_DISTRICTS or district == scope


def _district_filter(column, scope: str | None) -> list:
    if scope is None or scope == ALL_DISTRICTS:
        return []
    return [column == scope]


@dataclass(frozen=True)
class HourParts:
    """For a sum that adds up hour by hour (counts, histograms): ``read`` cuts
    whole hours [a, b) from their rows, which every indicator shares, and
    ``combine(a, b, sign)`` is a + sign × b."""

    read: Callable[[datetime, datetime], Any]
    combine: Callable[[Any, Any, int], Any]


def past_and_present(
    start: datetime,
    end: datetime | None,
    read: Callable[[datetime, datetime | None], Any],
    key: tuple,
    memo: Memo,
    hours: HourParts | None = None,
) -> list[Any]:
    """``read`` over the whole hours [start, end) (end None: every later hour) in
    three parts: the settled hours (before the hour just over) and the hour just
    over, each memoised (late records void the second only), and the current and
    later hours, read now.

    With ``hours``, a sum that adds up: the hour just over is cut from its rows
    (one statement for every indicator after a batch of late records, not one
    each), and at the turn of the hour the settled part is the one kept from the
    hour before moved by an hour (``_moved_by_an_hour``), not read again."""
    now = datetime.now(UTC)
    now_hour = hour_of(now)
    past_end = now_hour if end is None else min(end, now_hour)
    settled_end = min(settled_before(now), past_end)
    parts = []
    if start < settled_end:

        def settled() -> Any:
            if hours is not None:
                moved = _moved_by_an_hour(start, settled_end, key, memo, hours)
                if moved is not NOT_KEPT:
                    return moved
            return read(start, settled_end)

        parts.append(memo((*key, start, settled_end), settled, settled=True))
    recent = max(start, settled_end)
    if recent < past_end:  # an hour: read again sooner than a shared cache is asked
        one_hour = read if hours is None else hours.read
        parts.append(
            memo(
                (*key, recent, past_end),
                lambda: one_hour(recent, past_end),
                IN_PROCESS,
            )
        )
    present = max(start, now_hour)
    if end is None or present < end:
        parts.append(read(present, end))
    return parts


def _moved_by_an_hour(
    start: datetime, end: datetime, key: tuple, memo: Memo, hours: HourParts
) -> Any:
    """The settled sum over [start, end) from the one kept an hour ago, over
    [start - 1 h, end - 1 h) (a rolling window) or [start, end - 1 h) (one that
    starts at a fixed time: today, this week): plus the hour settled since, less
    the hour the window left behind. Or from one kept over [start ± 1 h, end). Two hours cut from their rows, shared by
    every indicator, instead of each window read again from the rollups when the
    hour turns (a second at a million records, sixty indicators).
    ``NOT_KEPT`` if no such sum is kept (a change to a settled hour voids them)."""
    earlier_end = end - HOUR
    for earlier_start in (start - HOUR, start):
        if earlier_start >= earlier_end:
            continue
        before = memo((*key, earlier_start, earlier_end), peek, settled=True)
        if before is NOT_KEPT:
            continue
        found = hours.combine(before, hours.read(earlier_end, end), 1)
        if earlier_start < start:
            found = hours.combine(found, hours.read(earlier_start, start), -1)
        return found
    # the same end, the start an hour either side: the sparkline's points of what
    # is open at a past moment (everything after each point, to now), each the
    # point before it less an hour
    for other_start, sign in ((start - HOUR, -1), (start + HOUR, 1)):
        if other_start >= end:
            continue
        before = memo((*key, other_start, end), peek, settled=True)
        if before is NOT_KEPT:
            continue
        edge = (other_start, start) if sign < 0 else (start, other_start)
        return hours.combine(before, hours.read(*edge), sign)
    return NOT_KEPT


def _add_counts(
    a: dict[str | None, float], b: dict[str | None, float], sign: int
) -> dict[str | None, float]:
    found = dict(a)
    for district, n in b.items():
        found[district] = found.get(district, 0) + sign * (n or 0)
    return {d: n for d, n in found.items() if n}


def _add_histograms(
    a: dict[str, Counter], b: dict[str, Counter], sign: int
) -> dict[str, Counter]:
    found = {d: Counter(h) for d, h in a.items()}
    for district, histogram in b.items():
        into = found.setdefault(district, Counter())
        for bucket, n in histogram.items():
            into[bucket] += sign * n
    return {d: +h for d, h in found.items() if +h}


def _hour_sums(
    conn, domain, what, start, end: datetime | None, scope, memo: Memo, match=None
) -> list[dict[str | None, float]]:
    key = ("count", domain, what, scope)

    def read(a: datetime, b: datetime | None) -> dict[str | None, float]:
        if b is None:
            if not any_hours_from(conn, domain, a, memo):
                return {}  # nothing from now on, said once for every domain
            return _rollup_counts(conn, domain, what, a, b, scope, match)
        return _counts_in_blocks(conn, domain, what, a, b, scope, match, memo)

    def hour_read(a: datetime, b: datetime) -> dict[str | None, float]:
        found = edge_counts(conn, domain, what, a, b, False, match, memo)
        return {d: n for d, n in found.items() if _in_district(d, scope)}

    return past_and_present(
        start,
        end,
        read,
        key if match is None else (*key, match.where),
        memo,
        HourParts(hour_read, _add_counts),
    )


def _counts_in_blocks(
    conn, domain, what, start: datetime, end: datetime, scope, match, memo: Memo
) -> dict[str | None, float]:
    """``_rollup_counts`` over [start, end) of settled hours, its whole days and
    whole blocks of days kept for every later sum that holds them, the hours at
    its ends read now. What was open at a past moment is every record less what
    opened or closed since: months of hours, read once in blocks for every
    indicator, district, comparison and sparkline point of the page, and every
    other moment, not each time from the moment on. The pieces not kept are read
    in one statement (a 30-day window is not 30 statements)."""
    where = match.where if match else None
    pieces = day_blocks(start, end)
    found: dict[tuple[datetime, datetime], dict] = {}
    for a, b, whole in pieces:
        if whole:
            kept = memo(
                ("blocked", domain, what, where, a, b), peek, EVERY_MOMENT, True
            )
            if kept is not NOT_KEPT:
                found[(a, b)] = kept
    read: dict[tuple[datetime, datetime], dict] = {}
    for run in _runs_of(p for p in ((a, b) for a, b, _ in pieces) if p not in found):
        read |= _rollup_counts_in_pieces(conn, domain, what, run, match)
    for a, b, whole in pieces:
        if whole and (a, b) not in found:  # every district's: a district's is a part
            found[(a, b)] = memo(
                ("blocked", domain, what, where, a, b),
                lambda part=read[(a, b)]: part,
                EVERY_MOMENT,
                True,
            )
        elif not whole:
            found[(a, b)] = read[(a, b)]
    total: dict[str | None, float] = {}
    for part in found.values():
        in_scope = {d: n for d, n in part.items() if _in_district(d, scope)}
        total = _add_counts(total, in_scope, 1)
    return total


def _runs_of(pieces) -> list[list[tuple[datetime, datetime]]]:
    """Pieces in order, in runs of adjacent ones: each run one index range."""
    runs: list[list[tuple[datetime, datetime]]] = []
    for piece in pieces:
        if runs and runs[-1][-1][1] == piece[0]:
            runs[-1].append(piece)
        else:
            runs.append([piece])
    return runs


def _rollup_counts_in_pieces(
    conn, domain, what, pieces: list[tuple[datetime, datetime]], match: Match | None
) -> dict[tuple[datetime, datetime], dict[str | None, float]]:
    """Opened or closed per district in each of ``pieces`` (whole hours, in
    order, none overlapping), every district's, in one statement."""
    if not pieces:
        return {}
    h = event_hourly if match is None else event_facet_hourly
    sums = [
        func.sum(case(((h.c.hour >= a) & (h.c.hour < b), h.c[what]), else_=0))
        for a, b in pieces
    ]
    rows = conn.execute(
        select(h.c.district_code, *sums)
        .where(
            h.c.domain == domain,
            *facet_rows(h, match),
            h.c.hour >= pieces[0][0],
            h.c.hour < pieces[-1][1],
        )
        .group_by(h.c.district_code)
    ).all()
    return {
        piece: {(d or None): v[k] for d, *v in rows if v[k]}
        for k, piece in enumerate(pieces)
    }


DAY = timedelta(days=1)
DAYS_A_BLOCK = 32
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_blocks(start: datetime, end: datetime) -> list[tuple[datetime, datetime, bool]]:
    """[start, end) cut into (a, b, whole): the hours before its first UTC day
    and after its last (not whole), whole days up to a block of ``DAYS_A_BLOCK``
    days counted from the epoch, and such blocks. The same days and blocks for
    every span that holds them. A span under two days is one piece."""
    if end - start < 2 * DAY:
        return [(start, end, False)]

    def boundary(t: datetime, size: timedelta, up: bool) -> datetime:
        n, rest = divmod(t - _EPOCH, size)
        return _EPOCH + (n + (1 if up and rest else 0)) * size

    block = DAYS_A_BLOCK * DAY
    first_day, last_day = boundary(start, DAY, True), boundary(end, DAY, False)
    first_block = min(boundary(first_day, block, True), last_day)
    last_block = max(boundary(last_day, block, False), first_block)
    pieces = [(start, first_day, False)]
    pieces += _every(first_day, first_block, DAY)
    pieces += _every(first_block, last_block, block)
    pieces += _every(last_block, last_day, DAY)
    pieces.append((last_day, end, False))
    return [(a, b, whole) for a, b, whole in pieces if a < b]


def _every(start: datetime, end: datetime, size: timedelta) -> list:
    return [
        (start + i * size, start + (i + 1) * size, True)
        for i in range(int((end - start) / size))
    ]


def _rollup_counts(
    conn, domain, what, start, end: datetime | None, scope, match: Match | None
) -> dict[str | None, float]:
    """Opened or closed per district in the whole hours [start, end) (end None: to
    the newest hour), of the events of ``match``."""
    h = event_hourly if match is None else event_facet_hourly
    before_end = [] if end is None else [h.c.hour < end]
    rows = conn.execute(
        select(h.c.district_code, func.sum(h.c[what]))
        .where(
            h.c.domain == domain,
            *facet_rows(h, match),
            h.c.hour >= start,
            *before_end,
            *_district_filter(h.c.district_code, scope),
        )
        .group_by(h.c.district_code)
    )
    return _per_district(rows)


def _raw_counts(
    conn,
    domain,
    what,
    start: datetime | None,
    end,
    scope,
    after_start: bool = False,
    match: Match | None = None,
) -> dict[str | None, float]:
    """Opened or closed per district in [start, end) (or (start, end); start
    None: since ever) of the events of ``match``."""
    at = events.c.occurred_at if what == "opened" else events.c.closed_at
    since = [] if start is None else [at > start if after_start else at >= start]
    rows = conn.execute(
        select(events.c.district_code, func.count())
        .where(
            events.c.domain == domain,
            *since,
            at < end,
            *match_rows(match),
            *_district_filter(events.c.district_code, scope),
        )
        .group_by(events.c.district_code)
    )
    return _per_district(rows)


@dataclass(frozen=True)
class OpenAt:
    """Events of a domain open at ``at``: occurred by then and not closed by then.

    That is every event opened by ``at`` minus every one closed by ``at``: the
    all-time totals less what opened or closed after ``at`` (a few hours of
    rollups), never a scan of the history.
    """

    domain: str
    at: datetime
    counts: bool = True
    median: bool = False
    citywide_rows: bool = False
    match: Match | None = None

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        m = self.match
        if not kept(conn, m, memo):
            return _in_scope(self._from_rows(conn, scope), scope)
        found = dict(_open_totals(conn, self.domain, m, memo))
        # what opened (+) or closed (-) after ``at``: the rest of its hour from the
        # rows, the later whole hours from the rollup (past ones memoised, the
        # current one read now)
        first = hour_of(self.at) + HOUR
        for what, sign in (("opened", 1), ("closed", -1)):
            parts = [
                edge_counts(conn, self.domain, what, self.at, first, True, m, memo)
            ]
            parts += _hour_sums(conn, self.domain, what, first, None, scope, memo, m)
            for d, v in _merge(*parts).items():
                found[d] = found.get(d, 0) - sign * v
        return _in_scope(found, scope)

    def _from_rows(self, conn: Connection, scope) -> dict[str | None, float]:
        """Opened by ``at`` less closed by then, counted in the rows."""
        just_after = self.at + timedelta(microseconds=1)
        found = _raw_counts(
            conn, self.domain, "opened", None, just_after, scope, match=self.match
        )
        closed = _raw_counts(
            conn, self.domain, "closed", None, just_after, scope, match=self.match
        )
        return _merge(found, {d: -v for d, v in closed.items()})


# every open total a refresh asks for (a domain's, or a filter's), in one statement
_OPEN_TOTALS: AskedTogether[tuple[str, Match | None]] = AskedTogether("open_totals")


def _open_totals(
    conn: Connection, domain: str, match: Match | None, memo: Memo
) -> dict[str | None, float]:
    """Per district, opened less closed of all time, from the totals: read with
    every other open total the refreshes ask for, once a batch."""
    return _OPEN_TOTALS.get(
        (domain, match), memo, lambda keys: _read_open_totals(conn, keys)
    )


def _read_open_totals(
    conn: Connection, keys: tuple[tuple[str, Match | None], ...]
) -> dict[tuple[str, Match | None], dict[str | None, float]]:
    found: dict[tuple[str, Match | None], dict[str | None, float]] = {
        key: {} for key in keys
    }
    for n, district, value in conn.execute(_open_totals_statement(keys)):
        found[keys[n]][district or None] = int(value)  # PostgreSQL sums as numeric
    return found


@functools.lru_cache(maxsize=64)  # a wall asks the same few sets over and over
def _open_totals_statement(
    keys: tuple[tuple[str, Match | None], ...],
) -> CompoundSelect:
    """Each key's rows by its index (a filter's own: every group's at once would
    read ten times more), numbered by the key's place."""
    parts = []
    for n, (domain, match) in enumerate(keys):
        t = event_totals if match is None else event_facet_totals
        number = literal(n).label("n")
        if match is None:  # one row per district already
            parts.append(
                select(
                    number, t.c.district_code, (t.c.opened - t.c.closed).label("v")
                ).where(t.c.domain == domain)
            )
        else:
            parts.append(
                select(
                    number,
                    t.c.district_code,
                    func.sum(t.c.opened - t.c.closed).label("v"),
                )
                .where(t.c.domain == domain, *facet_rows(t, match))
                .group_by(t.c.district_code)
            )
    return union_all(*parts)


@dataclass(frozen=True)
class _HoursToClose:
    """Hours from occurring to closing of the events of a domain closed in
    [start, end), summed up by ``summary``.

    It reads the histograms of close times (buckets 1 % wide, so each duration
    within 0.5 %) of the window's whole hours, and the rows of the partial hours
    at its ends.
    """

    domain: str
    start: datetime
    end: datetime
    counts: bool = False
    median: bool = True
    citywide_rows: bool = False
    match: Match | None = None

    def summary(self, histogram: dict[int, int]) -> float | None:
        raise NotImplementedError

    def run(self, conn: Connection, scope: str | None, memo: Memo = no_memo) -> Any:
        parts: list[dict[str, Counter]] = []
        m = self.match
        if kept(conn, m, memo):
            whole = _whole_hours(self.start, self.end)
            if whole is not None:
                key = ("histogram", self.domain, scope)
                parts += past_and_present(
                    *whole,
                    lambda a, b: _histograms(conn, self.domain, a, b, scope, m),
                    key if m is None else (*key, m.where),
                    memo,
                    HourParts(
                        lambda a, b: _scoped(
                            edge_histograms(conn, self.domain, a, b, m, memo), scope
                        ),
                        _add_histograms,
                    ),
                )
            for a, b in _edges(self.start, self.end):
                found = edge_histograms(conn, self.domain, a, b, m, memo)
                parts.append(_scoped(found, scope))
        else:  # all of it from the rows
            parts.append(
                _raw_histograms(conn, self.domain, self.start, self.end, scope, m)
            )
        merged: dict[str, Counter] = defaultdict(Counter)
        for part in parts:
            for district, counts in part.items():
                merged[district].update(counts)
        if scope == ALL_DISTRICTS:
            return {
                d: self.summary(h)
                for d, h in merged.items()
                if d not in (WHOLE_CITY, NO_DISTRICT)  # "": no district
            }
        return self.summary(merged.get(scope or WHOLE_CITY, Counter()))


@dataclass(frozen=True)
class MedianHoursToClose(_HoursToClose):
    """The median hours to close (within 0.5 % of the exact one)."""

    def summary(self, histogram: dict[int, int]) -> float | None:
        return histogram_median(histogram)


@dataclass(frozen=True)
class MeanHoursToClose(_HoursToClose):
    """The mean hours to close, from the same histograms: each duration read as
    its bucket's (within 0.5 %), so the mean is within 0.5 % too; a duration under
    a minute counts as a minute, as for the median."""

    median: bool = False

    def summary(self, histogram: dict[int, int]) -> float | None:
        return histogram_mean(histogram)


def _scoped(found: dict[str, Counter], scope: str | None) -> dict[str, Counter]:
    """Histograms per district as ``_histograms`` keys them for ``scope``: the
    city's under WHOLE_CITY, one district's alone."""
    if scope == ALL_DISTRICTS:
        return found
    if scope is not None:
        return {scope: found[scope]} if scope in found else {}
    city: Counter = Counter()
    for counts in found.values():
        city.update(counts)
    return {WHOLE_CITY: city}


def _histograms(
    conn: Connection,
    domain: str,
    start: datetime,
    end: datetime | None,
    scope,
    match: Match | None = None,
) -> dict[str, Counter]:
    """Close-time histograms per district ('*' the city) over whole hours."""
    h = close_hours_histogram if match is None else close_hours_facet_histogram
    if scope is None:
        in_scope = [h.c.district_code == WHOLE_CITY]
    elif scope == ALL_DISTRICTS:
        in_scope = [h.c.district_code != WHOLE_CITY]
    else:
        in_scope = [h.c.district_code == scope]
    before_end = [] if end is None else [h.c.hour < end]
    rows = conn.execute(
        select(h.c.district_code, h.c.bucket, func.sum(h.c.n))
        .where(
            h.c.domain == domain,
            *facet_rows(h, match),
            h.c.hour >= start,
            *before_end,
            *in_scope,
        )
        .group_by(h.c.district_code, h.c.bucket)
    )
    found: dict[str, Counter] = defaultdict(Counter)
    for district, bucket, n in rows:
        found[district][int(bucket)] += int(n)
    return dict(found)


def _raw_histograms(
    conn: Connection,
    domain: str,
    start: datetime,
    end: datetime,
    scope,
    match: Match | None = None,
) -> dict[str, Counter]:
    """The same from the rows closed in [start, end) (a partial hour)."""
    took = hours_between(events.c.occurred_at, events.c.closed_at)
    rows = conn.execute(
        # the hours computed by the database: no times to parse for each row
        select(events.c.district_code, took).where(
            events.c.domain == domain,
            events.c.closed_at >= start,
            events.c.closed_at < end,
            *match_rows(match),
            *_district_filter(events.c.district_code, scope),
        )
    )
    found: dict[str, Counter] = defaultdict(Counter)
    for district, hours in rows:
        bucket = close_bucket(hours)
        key = WHOLE_CITY if scope is None else district or NO_DISTRICT
        found[key][bucket] += 1
    return dict(found)


def histogram_median(buckets: dict[int, int]) -> float | None:
    """The median of a histogram of ``close_bucket`` values: the middle value, or
    the mean of the two middle ones for an even count."""
    n = sum(buckets.values())
    if n <= 0:
        return None
    wanted = [(n - 1) // 2, n // 2]  # 0-based ranks of the middle value(s)
    found: list[float] = []
    seen = 0
    for bucket in sorted(buckets):
        count = buckets[bucket]
        while wanted and wanted[0] < seen + count:
            found.append(bucket_hours(bucket))
            wanted.pop(0)
        seen += count
        if not wanted:
            break
    return sum(found) / len(found)


def histogram_mean(buckets: dict[int, int]) -> float | None:
    """The mean of a histogram of ``close_bucket`` values."""
    n = sum(buckets.values())
    if n <= 0:
        return None
    return sum(bucket_hours(b) * count for b, count in buckets.items()) / n
