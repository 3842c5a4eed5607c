"""What is unusual now: every count of records and every series' mean, for the
city and each district, against the same time of the week in the past weeks.

What is looked at ("cells"): the records a domain opened, of each category and of
all, in each district and in the city; the mean of each series the domains chart,
in each district and in the city. Over windows ending now: the last hour, 2 and
3 hours, and today so far for counts (a mean over today says little); the
last quarter hour, the last hour and the last 3 hours for means (a road's speed
that drops is news within minutes; a count of a few records an hour is not).

What is usual (``kpis.usual_weeks``: the same window 1…``WEEKS`` weeks back):
- a city count: the median of the past weeks' counts, robust to a holiday or an
  incident in one of them (their mean for small counts, whose median is 0), with
  their spread, or the few records it rests on, as its uncertainty;
- a district count: what the district usually holds for what the rest of the
  city holds *now* (their ratio in the same window of the past weeks, drawn
  towards the district's share of residents when the past holds few records). A
  holiday, a storm or a feed's delay that moves the whole city moves what each
  district is expected to hold, so a district flags only what is its own (the
  city's cell says the rest), and its own burst does not raise its expectation;
- a city's mean: the median of the past weeks' means; a district's, its usual
  ratio to the city's mean, times the city's mean now (a smog episode is the
  city's finding, not 25 districts'). The spread is the largest of the weeks'
  spread and of how each hour of the span varied across the weeks (a few weeks
  of one reading an hour say little alone), never less than ``LEAST_SPREAD``.

A cell is flagged only beyond every past week (above the highest, or below the
lowest): what one of them held is not news, however few weeks there are. A count
must also stand ``LEAST_EXCESS`` records above the busiest week, and a mean must
have moved by ``LEAST_CHANGE``: smaller moves are noise to a wall.

How surprising (``score``): minus the decimal logarithm of the chance of a count at
least as far from usual (a negative binomial: Poisson's chance, widened by the
usual's uncertainty), or of a mean's z-score under a normal. A score of 6 is a one
in a million chance. A cell is flagged from ``FLAG_SCORE`` up, and only when its
domain or series has records in at least ``LEAST_WEEKS`` of the past weeks' spans
(a week before the store began, lost to an outage or not yet backfilled is none).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy import special
from sqlalchemy import Connection, case, func, select

from kpis.memo import THIS_MOMENT, Memo
from kpis.usual_weeks import (
    ALL,
    Edges,
    PastHours,
    past_event_edges,
    past_event_hours,
    past_series_edges,
    past_series_hours,
)
from store.rollups import HOUR, hour_of
from store.schema import event_hourly, events, measurements

WEEKS = 6  # past weeks the usual rests on, at most
LEAST_WEEKS = 3  # nothing flagged from fewer
LEAST_WEEK_SHARE = 0.25  # of the fullest past week's records, for a week to count
FLAG_SCORE = 6.0  # a one in a million chance
LEAST_UNCERTAINTY = 0.1  # of a usual count: no past is exactly this week's
PRIOR_RECORDS = 5.0  # the weight of the residents' share in a district's share
LEAST_SPREAD = 0.03  # of a usual mean
LEAST_EXCESS = 3.0  # records above the busiest past week, for a count to be flagged
# the last 2 hours: a district gone silent that long is news at its usual rates
WINDOWS = ("1h", "2h", "3h", "today")
# a sudden drop of road speed is news within minutes (TOPIS's alarm): series look
# at the last quarter hour too, with a spread widened for its fewer readings
SERIES_WINDOWS = ("15m", "1h", "3h")
QUARTER = timedelta(minutes=15)
# readings a quarter hour must hold to be looked at: fewer (PM2.5's one an hour,
# a hotspot's every 10 minutes) are a place or two's word, which the hour weighs
LEAST_QUARTER_READINGS = 4
LEAST_CHANGE = 0.15  # of a usual mean


@dataclass(frozen=True)
class Surprise:
    """One cell in one window: what it holds now against what is usual."""

    kind: str  # "count" (of records) or "mean" (of a series)
    name: str  # the domain, or the series
    category: str  # ALL for every category
    district: str  # ALL for the city
    window: str  # one of WINDOWS
    start: datetime
    end: datetime
    observed: float
    expected: float
    score: float
    above: bool  # more than usual (or a higher mean)
    past: tuple[float, ...]  # the window in each past week, the last week first

    @property
    def weeks(self) -> int:
        """Past weeks the usual rests on."""
        return len(self.past)

    @property
    def low(self) -> float:
        """The past weeks' usual range: its 10th percentile…"""
        return float(np.percentile(self.past, 10))

    @property
    def high(self) -> float:
        """…and its 90th."""
        return float(np.percentile(self.past, 90))

    @property
    def beyond_the_past(self) -> bool:
        """Above every past week (or below): what one of them held is not news;
        a count a few records above the busiest, not one or two; a mean moved by
        ``LEAST_CHANGE`` at least (a smaller move is noise to a wall)."""
        if self.kind == "mean" and abs(self.observed - self.expected) < (
            LEAST_CHANGE * abs(self.expected)
        ):
            return False
        if not self.above:
            return self.observed < min(self.past)
        excess = LEAST_EXCESS if self.kind == "count" else 0.0
        return (
            self.observed > max(self.past) and self.observed >= max(self.past) + excess
        )


@dataclass(frozen=True)
class Unusual:
    """The flagged cells now, most surprising first, and what they rest on."""

    found: tuple[Surprise, ...]
    weeks: dict[str, int]  # of history, per domain and series
    cells: int  # cells × windows looked at

    def top(self, n: int) -> tuple[Surprise, ...]:
        return self.found[:n]


@dataclass(frozen=True)
class Scope:
    """What is looked at: the domains' records, the series, the districts."""

    domains: tuple[str, ...]
    series: tuple[str, ...]
    residents: dict[str, float]  # each district's share of the city's residents
    timezone: ZoneInfo


def unusual_now(
    conn: Connection,
    scope: Scope,
    now: datetime,
    today_start: datetime,
    memo: Memo,
    flag_score: float = FLAG_SCORE,
) -> Unusual:
    """The cells flagged now, one finding each, most surprising first."""
    every, weeks = assess(conn, scope, now, today_start, memo)
    flagged = [s for s in every if s.score >= flag_score and s.beyond_the_past]
    return Unusual(tuple(_most_surprising(flagged)), weeks, len(every))


def assess(
    conn: Connection, scope: Scope, now: datetime, today_start: datetime, memo: Memo
) -> tuple[list[Surprise], dict[str, int]]:
    """Every cell in every window with enough history, scored; and the weeks of
    history of each domain and series."""
    windows = {
        "15m": (now - QUARTER, now),
        "1h": (now - HOUR, now),
        "2h": (now - 2 * HOUR, now),
        "3h": (now - 3 * HOUR, now),
        "today": (today_start, now),
    }
    span = (min(today_start, now - 3 * HOUR), now)
    found: list[Surprise] = []
    weeks: dict[str, tuple[int, ...]] = {}
    counted = {w: windows[w] for w in WINDOWS}
    if scope.domains:
        observed = observed_counts(conn, scope.domains, counted, memo)
        past = past_event_hours(conn, scope.domains, span, WEEKS, scope.timezone, memo)
        weeks |= weeks_with_data(past, scope.domains)
        edges = past_event_edges(
            conn, scope.domains, list(counted.values()), WEEKS, scope.timezone, memo
        )
        found += _score_counts(past, edges, observed, counted, scope, weeks)
    if scope.series:
        shown = {w: windows[w] for w in SERIES_WINDOWS}
        observed_means = observed_series(conn, scope.series, shown, memo)
        past = past_series_hours(conn, scope.series, span, WEEKS, scope.timezone, memo)
        weeks |= weeks_with_data(past, scope.series)
        edges = past_series_edges(
            conn, scope.series, list(shown.values()), WEEKS, scope.timezone, memo
        )
        found += _score_means(past, edges, observed_means, shown, scope, weeks)
    return found, {name: len(ks) for name, ks in weeks.items()}


def _most_surprising(flagged: list[Surprise]) -> list[Surprise]:
    """One finding per cell (its most surprising window), most surprising first."""
    best: dict[tuple, Surprise] = {}
    for s in flagged:
        cell = (s.kind, s.name, s.category, s.district)
        if cell not in best or s.score > best[cell].score:
            best[cell] = s
    return sorted(best.values(), key=lambda s: (-s.score, s.name, s.district))


# -- history ---------------------------------------------------------------------


def weeks_with_data(
    past: PastHours, names: tuple[str, ...]
) -> dict[str, tuple[int, ...]]:
    """For each domain or series, the past weeks (0 = last week) whose span holds
    its records: a week before the store began, lost to a feed's outage or not yet
    filled by a backfill, is no usual week."""
    index = past.index()
    found = {}
    for name in names:
        i = index.get((name, ALL, ALL))
        if i is None:
            found[name] = ()
            continue
        held = past.values[i]  # (weeks, hours[, count and sum])
        per_hour = held[..., 0] if held.ndim == 3 else held  # a series: its count
        totals = per_hour.sum(axis=1)
        # a quarter of the fullest week at least: a few old records re-sent (an
        # update of a complaint opened weeks ago) do not make a week of history
        enough = max(totals.max() * LEAST_WEEK_SHARE, 1e-9)
        found[name] = tuple(int(k) for k in np.flatnonzero(totals >= enough))
    return found


# -- now -------------------------------------------------------------------------


def observed_counts(
    conn: Connection,
    domains: tuple[str, ...],
    windows: dict[str, tuple[datetime, datetime]],
    memo: Memo,
) -> dict[tuple[str, str, str], dict[str, float]]:
    """Records opened in each window, per (domain, category, district) and their
    totals: the windows' whole past hours from the rollups, the rest from the rows
    (at most the last 3 hours and the first part of the day)."""
    now = windows["1h"][1]
    current = hour_of(now)
    today_start = windows["today"][0]
    first_whole = hour_of(today_start)
    if first_whole < today_start:
        first_whole += HOUR
    whole = (first_whole, current) if first_whole < current else None
    conditions = {w: events.c.occurred_at >= start for w, (start, _) in windows.items()}
    if whole is not None:  # today: the rows outside its whole hours
        conditions["today"] = (events.c.occurred_at >= today_start) & (
            (events.c.occurred_at < whole[0]) | (events.c.occurred_at >= whole[1])
        )
    lowest = min(windows["3h"][0], today_start if whole is None else current)
    if whole is not None and today_start < whole[0]:
        lowest = min(lowest, today_start)

    def read() -> list:
        return conn.execute(
            select(
                events.c.domain,
                events.c.category,
                events.c.district_code,
                *(func.count(case((c, 1))) for c in conditions.values()),
            )
            .where(
                events.c.domain.in_(domains),
                events.c.occurred_at >= lowest,
                events.c.occurred_at < now,
            )
            .group_by(events.c.domain, events.c.category, events.c.district_code)
        ).all()

    rows = memo(("unusual_rows", *domains, now), read, THIS_MOMENT)
    found: dict[tuple[str, str, str], dict[str, float]] = {}
    names = list(conditions)
    for domain, category, district, *counts in rows:
        _add(
            found,
            domain,
            category,
            district or ALL,
            dict(zip(names, counts, strict=True)),
        )
    if whole is not None:
        for domain, category, district, n in _today_hours(conn, domains, whole, memo):
            _add(found, domain, category, district or ALL, {"today": n})
    return found


def _today_hours(conn, domains, whole, memo) -> list:
    t = event_hourly.c
    return memo(
        ("unusual_today", *domains, *whole),
        lambda: conn.execute(
            select(t.domain, t.category, t.district_code, func.sum(t.opened))
            .where(t.domain.in_(domains), t.hour >= whole[0], t.hour < whole[1])
            .group_by(t.domain, t.category, t.district_code)
        ).all(),
    )


def _add(found, name: str, category: str, district: str, counts: dict) -> None:
    cells = {(name, category, district), (name, ALL, district)}
    cells |= {(name, category, ALL), (name, ALL, ALL)}
    for cell in cells:
        into = found.setdefault(cell, {})
        for window, n in counts.items():
            into[window] = into.get(window, 0) + float(n or 0)


def observed_series(
    conn: Connection,
    series: tuple[str, ...],
    windows: dict[str, tuple[datetime, datetime]],
    memo: Memo,
) -> dict[tuple[str, str, str], dict[str, tuple[float, float]]]:
    """Readings (count, sum) in each window, per (series, ALL, district) and the
    city's, from the rows."""
    now = max(end for _, end in windows.values())
    lowest = min(start for start, _ in windows.values())
    m = measurements.c
    parts = [
        agg
        for start, _ in windows.values()
        for agg in (
            func.count(case((m.observed_at >= start, 1))),
            func.sum(case((m.observed_at >= start, m.value))),
        )
    ]

    def read() -> list:
        return conn.execute(
            select(m.series, m.district_code, *parts)
            .where(m.series.in_(series), m.observed_at >= lowest, m.observed_at < now)
            .group_by(m.series, m.district_code)
        ).all()

    rows = memo(("unusual_series_rows", *series, now), read, THIS_MOMENT)
    found: dict[tuple[str, str, str], dict[str, tuple[float, float]]] = {}
    for name, district, *values in rows:
        for cell in {(name, ALL, district or ALL), (name, ALL, ALL)}:
            into = found.setdefault(cell, {})
            for i, window in enumerate(windows):
                n, total = into.get(window, (0.0, 0.0))
                into[window] = (
                    n + float(values[2 * i] or 0),
                    total + float(values[2 * i + 1] or 0),
                )
    return found


# -- scoring ---------------------------------------------------------------------


def count_surprise(
    observed: np.ndarray, expected: np.ndarray, uncertainty: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(score, above): minus log10 of the chance of a count at least this far
    above (or below) ``expected`` under a negative binomial whose variance is
    expected + (uncertainty × expected)²."""
    expected = np.maximum(expected, 1e-9)
    size = 1.0 / np.maximum(uncertainty, 1e-6) ** 2
    p = size / (size + expected)
    x = np.round(observed)
    above = x > expected
    with np.errstate(divide="ignore", invalid="ignore"):
        # P(X >= x) = I_{1-p}(x, size); P(X <= x) = I_p(size, x + 1)
        upper = np.where(x > 0, special.betainc(np.maximum(x, 1), size, 1 - p), 1.0)
        lower = special.betainc(size, x + 1, p)
    chance = np.clip(np.where(above, upper, lower), 1e-300, 1.0)
    return -np.log10(chance), above


def mean_surprise(
    observed: np.ndarray, expected: np.ndarray, spread: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(score, above) of a mean ``observed`` against ``expected`` ± ``spread``."""
    z = (observed - expected) / np.maximum(spread, 1e-9)
    chance = np.clip(special.ndtr(-np.abs(z)), 1e-300, 1.0)
    return -np.log10(chance), z > 0


@dataclass(frozen=True)
class _Row:
    """One cell in one window, before it is scored."""

    cell: tuple[str, str, str]
    window: str
    observed: float
    expected: float
    uncertainty: float  # relative (counts) or absolute (means)
    past: np.ndarray  # the window in each past week
    shown: float | None = None  # what the wall says (a district's mean, not its ratio)
    scale: float = 1.0  # what turns the expected ratio into a mean


def _score_counts(
    past: PastHours,
    edges: Edges,
    observed: dict[tuple[str, str, str], dict[str, float]],
    windows: dict[str, tuple[datetime, datetime]],
    scope: Scope,
    weeks: dict[str, tuple[int, ...]],
) -> list[Surprise]:
    names = list(windows)
    sums = past.sums([windows[w] for w in names], scope.timezone, edges)  # (c, k, j)
    index = past.index()
    rows: list[_Row] = []
    for cell in sorted(set(index) | set(observed)):
        name, category, district = cell
        held = weeks.get(name, ())
        if len(held) < LEAST_WEEKS:
            continue
        mine = _past(sums, index, cell, held, len(names))
        now = observed.get(cell, {})
        if district == ALL:
            expected, uncertainty = _city_usual(mine)
        else:
            city = _past(sums, index, (name, category, ALL), held, len(names))
            city_now = observed.get((name, category, ALL), {})
            expected, uncertainty = _district_usual(
                mine,
                city,
                np.array([city_now.get(w, 0.0) - now.get(w, 0.0) for w in names]),
                scope.residents.get(district, 0.0),
            )
        rows += [
            _Row(cell, w, now.get(w, 0.0), expected[j], uncertainty[j], mine[:, j])
            for j, w in enumerate(names)
        ]
    scores, above = count_surprise(*_columns(rows))
    return _surprises("count", rows, scores, above, windows)


def _columns(rows: list[_Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([r.observed for r in rows], dtype=float),
        np.array([r.expected for r in rows], dtype=float),
        np.array([r.uncertainty for r in rows], dtype=float),
    )


def _surprises(kind, rows: list[_Row], scores, above, windows) -> list[Surprise]:
    found = []
    for r, score, up in zip(rows, scores, above, strict=True):
        found.append(
            Surprise(
                kind,
                *r.cell,
                r.window,
                *windows[r.window],
                float(r.observed if r.shown is None else r.shown),
                float(r.expected * r.scale),
                float(score),
                bool(up),
                tuple(float(v) for v in r.past),
            )
        )
    return found


def _past(sums, index, cell, weeks: tuple[int, ...], windows: int) -> np.ndarray:
    """(weeks, windows): the cell in the weeks held (zeros for a cell never seen)."""
    i = index.get(cell)
    if i is None:
        return np.zeros((len(weeks), windows))
    return sums[i, list(weeks), :]


def _city_usual(past: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The median of the past weeks, never below half of a count that happened
    once in them all (a category never seen is not expected exactly never), and
    its relative spread."""
    median = np.median(past, axis=0)
    # small counts: the median of a few weeks of 0s and 1s says 0; their mean is
    # the better guess (and a past burst only makes the wall less eager)
    floor = (past.sum(axis=0) + 1) / (past.shape[0] + 1) / 2
    expected = np.maximum(np.maximum(median, past.mean(axis=0)), floor)
    mad = 1.4826 * np.median(np.abs(past - median), axis=0)
    # and a rate read from a few records is itself uncertain
    few = 1 / np.sqrt(past.sum(axis=0) + 1)
    return expected, np.maximum(np.maximum(mad / expected, few), LEAST_UNCERTAINTY)


def _district_usual(
    past: np.ndarray, city_past: np.ndarray, rest_now: np.ndarray, residents: float
) -> tuple[np.ndarray, np.ndarray]:
    """What the district usually holds for what the rest of the city holds now
    (the rest only: a burst of its own does not raise what it is expected to
    hold), drawn towards its share of residents when the past holds little."""
    mine = past.sum(axis=0)
    rest = city_past.sum(axis=0) - mine
    ratio = (mine + PRIOR_RECORDS * residents) / (
        rest + PRIOR_RECORDS * max(1 - residents, 1e-3)
    )
    # never below half of a count that happened once in all the weeks, as a city's
    floor = (mine + 1) / (past.shape[0] + 1) / 2
    expected = np.maximum(ratio * rest_now, floor)
    return expected, np.maximum(1 / np.sqrt(mine + 1), LEAST_UNCERTAINTY)


def _score_means(
    past: PastHours,
    edges: Edges,
    observed: dict[tuple[str, str, str], dict[str, tuple[float, float]]],
    windows: dict[str, tuple[datetime, datetime]],
    scope: Scope,
    weeks: dict[str, tuple[int, ...]],
) -> list[Surprise]:
    names = list(windows)
    # (cells, weeks, windows, [count, sum])
    sums = past.sums([windows[w] for w in names], scope.timezone, edges)
    index = past.index()
    typical = _typical_district(past, sums, observed, names)
    rows: list[_Row] = []
    for cell, now in sorted(observed.items()):
        i, city = index.get(cell), index.get((cell[0], ALL, ALL))
        held = list(weeks.get(cell[0], ()))
        if len(held) < LEAST_WEEKS or i is None or city is None:
            continue
        mine = _means(sums[i, held])
        hourly = _means(past.values[i, held])  # (weeks, hours)
        whole = mine  # what the cell is read against: itself, or the typical district
        # in the series' own unit: how far the district's hour strays from the
        # typical district's, for a noise that does not shrink with the level
        # (PM2.5's few µg/m³ a reading: a ratio is steady at 30 µg/m³, not at 5)
        unit_spread = 0.0
        if cell[2] != ALL:
            past_typical, hourly_typical, now_typical, usual_hour = typical[cell[0]]
            whole = past_typical[held]
            expected_hourly = usual_hour[cell[2]] * hourly_typical[held]
            unit_spread = _pooled_spread(hourly - expected_hourly)
            hourly = hourly / hourly_typical[held]
        hour_spread = _pooled_spread(hourly)
        # the readings an hour usually holds, on which that spread was measured
        hour_readings = float(np.nanmean(past.values[i, held][..., 0]))
        for j, w in enumerate(names):
            n, total = now.get(w, (0.0, 0.0))
            kept = ~np.isnan(mine[:, j]) & ~np.isnan(whole[:, j])
            if n == 0 or kept.sum() < LEAST_WEEKS:
                continue
            if w == "15m" and n < LEAST_QUARTER_READINGS:
                continue
            observed_mean = total / n
            if cell[2] == ALL:  # the city's own mean against its past weeks
                usual, seen, scale = mine[kept, j], observed_mean, 1.0
            else:  # a district's against the typical district's now: a change
                # over the city (weather, a holiday) moves what it is expected to
                # read, one district's own (a concert's crowd) does not
                scale = now_typical[j]
                if not scale > 0:
                    continue
                usual = mine[kept, j] / whole[kept, j]
                seen = observed_mean / scale
            median = float(np.median(usual))
            # the hours' spreads were measured on an hour's readings: wider for a
            # window of fewer (a quarter hour's); the weeks' on the window's own
            fewer = _fewer_readings(hour_readings, n)
            spread = max(
                # with a few weeks, how the window varied from week to week says
                # little (PM2.5's episodes, one reading an hour): how each hour of
                # the span varied across the weeks says more
                hour_spread * fewer,
                unit_spread * fewer / max(abs(scale), 1e-9),  # as the city stands now
                float(np.std(usual, ddof=1)),
                1.4826 * float(np.median(np.abs(usual - median))),
                LEAST_SPREAD * abs(median),
            )
            rows.append(
                _Row(cell, w, seen, median, spread, mine[kept, j], observed_mean, scale)
            )
    scores, above = mean_surprise(*_columns(rows))
    return _surprises("mean", rows, scores, above, windows)


def _typical_district(past: PastHours, sums, observed, names: list[str]) -> dict:
    """Per series, how the city stands against its usual level: the median over
    its districts of each district's mean over its own usual (the median of its
    past weeks), in each past week and window, each past week and hour, and each
    window now; and each district's usual hour. What a district is read against:
    a city's mean follows one district's outlier (a concert's crowd pulls it up,
    and every other district looks emptied), this median does not, and a change
    over the whole city (smog, a holiday) moves it."""
    found = {}
    index = past.index()
    for name in {cell[0] for cell in past.cells}:
        cells = [c for c in past.cells if c[0] == name and c[2] != ALL]
        rows = [index[c] for c in cells]
        with warnings.catch_warnings():  # a week or an hour no district held
            warnings.simplefilter("ignore", RuntimeWarning)
            windows = _means(sums[rows])  # (districts, weeks, windows)
            hours = _means(past.values[rows])  # (districts, weeks, hours)
            usual_window = np.nanmedian(windows, axis=1, keepdims=True)
            usual_hour = np.nanmedian(hours, axis=1, keepdims=True)
            now = np.array(
                [
                    [
                        (lambda n, t: t / n if n else np.nan)(
                            *observed.get(c, {}).get(w, (0.0, 0.0))
                        )
                        for w in names
                    ]
                    for c in cells
                ],
                dtype=float,
            ).reshape(len(cells), len(names))
            found[name] = (
                np.nanmedian(windows / usual_window, axis=0),  # (weeks, windows)
                np.nanmedian(hours / usual_hour, axis=0),  # (weeks, hours)
                np.nanmedian(now / usual_window[:, 0, :], axis=0),  # (windows,)
                {c[2]: usual_hour[k, 0] for k, c in enumerate(cells)},  # (hours,)
            )
    return found


def _fewer_readings(usual: float, held: float) -> float:
    """What a spread measured on means of ``usual`` readings grows by for a mean
    of ``held`` (a quarter hour's, or an hour a feed left half empty)."""
    return float(np.sqrt(max(usual / max(held, 1.0), 1.0)))


def _pooled_spread(hourly: np.ndarray) -> float:
    """The standard deviation of an hour's value across the weeks, pooled over
    the hours of the span (weeks × hours, NaN where none)."""
    kept = ~np.isnan(hourly)
    n = kept.sum(axis=0)
    usable = n >= 2
    if not usable.any():
        return 0.0
    values = np.where(kept, hourly, 0.0)[:, usable]
    counted = n[usable]
    mean = values.sum(axis=0) / counted
    squares = (np.where(kept[:, usable], values - mean, 0.0) ** 2).sum()
    return float(np.sqrt(squares / (counted - 1).sum()))


def _means(sums: np.ndarray) -> np.ndarray:
    """(weeks, windows) means from (weeks, windows, [count, sum]); NaN for none."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums[..., 0] > 0, sums[..., 1] / sums[..., 0], np.nan)
