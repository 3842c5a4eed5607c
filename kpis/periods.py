"""What a department planned against what it achieved, per month or ISO week.

A periodic indicator (``period = "month"`` or ``"week"``) is a series a department
keeps in a spreadsheet: the budget executed each month, the permits issued on time
each week. Its periods are the city's own: a reading dated local 1 March 00:00 is
March's, though it is still 28 February in UTC. Each period's value is the
``measure`` of its readings; its plan comes from a second series (``plan_series``,
by the same measure) or from the profile's table (``plan``, keyed "YYYY-MM" or
"YYYY-Www").

Sums and means read the hourly rollup (whole hours) and the rows of any hour a
period boundary cuts (a zone half an hour off UTC); ``max`` and ``min`` are the
database's over the period's rows, and so is ``latest`` (each place's newest
reading, averaged), each through the (series, time) index. A period already over is
memoised (``kpis.rollup_queries``'s memo, keyed by the store's past version); only
the current one is read each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from kpis.rollup_queries import Memo, _edges, _whole_hours, no_memo
from store.schema import measurement_hourly, measurements
from store.versions import settled_before

PERIODS = ("month", "week")
MEASURES = ("sum", "mean", "latest", "max", "min", "count_readings")


@dataclass(frozen=True)
class PeriodValue:
    """One period of a periodic indicator.

    ``start`` is its first local day (the 1st, or the ISO week's Monday); ``key``
    its name in a plan table ("2026-03", "2026-W09"); ``current`` marks the period
    that is not over yet, whose achieved value is so far.
    """

    start: date
    key: str
    period: str
    achieved: float | None
    planned: float | None
    current: bool = False

    @property
    def ratio(self) -> float | None:
        """Achieved as a share of planned (None without both, or a plan of 0)."""
        if self.achieved is None or not self.planned:
            return None
        return self.achieved / self.planned


# -- the city's periods ----------------------------------------------------------------
def period_start(day: date, period: str) -> date:
    """The first day of the month or ISO week ``day`` is in."""
    if period == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def next_start(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def previous_start(start: date, period: str) -> date:
    if period == "week":
        return start - timedelta(days=7)
    return period_start(start - timedelta(days=1), "month")


def period_key(start: date, period: str) -> str:
    """ "2026-03" for a month, "2026-W09" for an ISO week (its ISO year: the
    week of Monday 28 December 2026 is "2026-W53", of 4 January 2027 "2027-W01")."""
    if period == "month":
        return f"{start.year:04d}-{start.month:02d}"
    year, week, _ = start.isocalendar()
    return f"{year:04d}-W{week:02d}"


def recent_periods(now: datetime, zone: ZoneInfo, period: str, n: int) -> list[date]:
    """The starts of the last ``n`` periods, oldest first, the current one last."""
    starts = [period_start(now.astimezone(zone).date(), period)]
    while len(starts) < n:
        starts.append(previous_start(starts[-1], period))
    return starts[::-1]


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """``day``'s local 00:00 in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


# -- reading a period --------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Which of a series' readings count: those of one district (None: all) and of
    some categories (None: all)."""

    district: str | None = None
    categories: tuple[str, ...] | None = None

    def where(self, table, at, series: str, start, end) -> list:
        """A series' rows of ``table`` at [start, end) in this scope."""
        found = [table.c.series == series, at >= start, at < end]
        if self.district is not None:
            found.append(table.c.district_code == self.district)
        if self.categories is not None:
            found.append(table.c.category.in_(self.categories))
        return found

    @property
    def in_rollup(self) -> bool:
        """The hourly rollup can answer: no categories asked, or it keeps them."""
        return self.categories is None or "category" in measurement_hourly.c


def _sums(
    conn: Connection, series: str, start, end, scope: Scope, rollup: bool
) -> tuple[float, float]:
    """(readings, their total) in [start, end): from the rollup (whole hours) or
    the rows. Only the rollup's n and total are read (and its category, when asked
    for and kept): columns added beside them change nothing here."""
    if rollup:
        h = measurement_hourly
        n, total, where = func.sum(h.c.n), func.sum(h.c.total), (h, h.c.hour)
    else:
        m = measurements
        n, total, where = func.count(), func.sum(m.c.value), (m, m.c.observed_at)
    found = conn.execute(
        select(n, total).where(*scope.where(*where, series, start, end))
    ).one()
    return float(found[0] or 0), float(found[1] or 0)


def _measured(
    conn: Connection,
    series: str,
    measure: str,
    start: datetime,
    end: datetime,
    scope: Scope,
) -> float | None:
    """The ``measure`` of ``series``' readings in [start, end); None without any."""
    m = measurements
    in_rows = scope.where(m, m.c.observed_at, series, start, end)
    if measure in ("sum", "mean", "count_readings"):
        whole = _whole_hours(start, end) if scope.in_rollup else None
        edges = _edges(start, end) if whole else [(start, end)]
        parts = [_sums(conn, series, a, b, scope, rollup=False) for a, b in edges]
        if whole is not None:
            parts.append(_sums(conn, series, *whole, scope, rollup=True))
        n = sum(p[0] for p in parts)
        total = sum(p[1] for p in parts)
        if measure == "count_readings":
            return n
        if not n:
            return None
        return total if measure == "sum" else total / n
    if measure in ("max", "min"):
        extreme = func.max(m.c.value) if measure == "max" else func.min(m.c.value)
        return conn.execute(select(extreme).where(*in_rows)).scalar()
    # latest: each place's newest reading in the period, averaged (one pass over
    # the period's rows: a join back to them lets PostgreSQL loop over every row)
    ranked = (
        select(
            m.c.value,
            func.row_number()
            .over(partition_by=m.c.place, order_by=m.c.observed_at.desc())
            .label("rank"),
        )
        .where(*in_rows)
        .subquery()
    )
    return conn.execute(
        select(func.avg(ranked.c.value)).where(ranked.c.rank == 1)
    ).scalar()


def _period_value(
    conn: Connection,
    series: str,
    measure: str,
    begin: datetime,
    end: datetime,
    scope: Scope,
    current: bool,
    memo: Memo,
) -> float | None:
    """``_measured``, memoised for a period already over."""
    if current:
        return _measured(conn, series, measure, begin, end, scope)
    return memo(  # in a tuple: a period without readings (None) is kept as well
        ("period", series, measure, scope.district, scope.categories, begin, end),
        lambda: (_measured(conn, series, measure, begin, end, scope),),
        settled=end <= settled_before(datetime.now(UTC)),
    )[0]


def period_values(
    conn: Connection,
    series: str,
    measure: str,
    period: str,
    timezone: ZoneInfo,
    now: datetime,
    n: int = 12,
    plan_series: str | None = None,
    plan: dict[str, float] | None = None,
    district: str | None = None,
    categories: Sequence[str] | None = None,
    memo: Memo = no_memo,
) -> list[PeriodValue]:
    """The last ``n`` periods of ``series``, oldest first, the current one last
    (``current=True``: achieved so far). ``planned`` comes from ``plan_series``
    (the same measure of that series' readings in the period) or else ``plan``
    (the period's key; a period the table leaves out has no plan). ``district`` and
    ``categories`` (an indicator's ``where.category``) limit both series to those
    readings; the plan table is the city's.

    A period already over is read once per past version of the store (``memo``);
    the current one every time.
    """
    if period not in PERIODS:
        raise ValueError(f"period {period!r} is not one of {PERIODS}")
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r} is not one of {MEASURES}")
    scope = Scope(district, None if categories is None else tuple(categories))
    found = []
    for start in recent_periods(now, timezone, period, n):
        begin = local_midnight(start, timezone)
        end = local_midnight(next_start(start, period), timezone)
        span = (begin, end, scope, end > now)
        key = period_key(start, period)
        if plan_series:
            planned = _period_value(conn, plan_series, measure, *span, memo)
        else:
            planned = None if plan is None else plan.get(key)
        found.append(
            PeriodValue(
                start=start,
                key=key,
                period=period,
                achieved=_period_value(conn, series, measure, *span, memo),
                planned=None if planned is None else float(planned),
                current=end > now,
            )
        )
    return found


# -- the profile's plan table ------------------------------------------------------------
