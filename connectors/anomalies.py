"""Known anomalies for the demo city to make, so that a detector can be measured.

The anomaly benchmark (issue 25) asks how many of a known set of anomalies the wall
flags, and how soon. This module draws that set: a schedule from a seed of its own,
each anomaly at a random hour of the city's clock and a random district, none
within ``APART`` of another in the same district (so each is scored alone). The
simulator makes them (``connectors.simulator``); the schedule is the ground truth
the benchmark scores against, and nothing in the records says which are injected.

The four kinds are the issue's: (a) a burst, one category in one district at 3× its
usual rate for 2 hours; (b) a surge, the same at 2× for 6 hours; (c) a slowdown,
the speeds of 4 road links of one district 30 % down for 45 minutes; (d) a
silence, no complaints from one district for 3 hours while the source answers.
A burst or a surge only goes where its category's usual count is at least
``min_rate`` an hour, a silence where the district's complaints are: a change
nobody could tell from chance is not worth scoring.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from connectors.options import Option, SourceOptionsError, declare, read_options

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
# two anomalies of one district are this far apart at least: the detector's
# longest window but a day (the last 3 hours) never holds two
APART = timedelta(hours=3)
SILENCED_STREAM = "complaints"
SLOWED_LINKS = 4
# salts the schedule's generator, so its draws are its own and not the city's
SALT = zlib.crc32(b"anomalies")


@dataclass(frozen=True)
class Kind:
    """One kind of anomaly: how long it lasts and what it multiplies by."""

    name: str
    duration: timedelta
    factor: float
    label: str  # for the messages: what it does


BURST = Kind("burst", timedelta(hours=2), 3.0, "bursts (3× for 2 h)")
SURGE = Kind("surge", timedelta(hours=6), 2.0, "surges (2× for 6 h)")
SLOWDOWN = Kind("slowdown", timedelta(minutes=45), 0.7, "slowdowns (−30 % for 45 min)")
SILENCE = Kind("silence", timedelta(hours=3), 0.0, "silences (3 h)")
KINDS = (BURST, SURGE, SLOWDOWN, SILENCE)


@dataclass(frozen=True)
class Anomaly:
    """One injected anomaly: the ground truth a detector is scored against.

    ``stream`` and ``category`` say which records a burst or a surge multiplies
    (``category`` is None for a silence: all the district's complaints stop);
    ``links`` are a slowdown's road links; ``usual`` is the count an hour the
    city expects there in the window without the anomaly (None for a slowdown).
    """

    kind: str
    start: datetime  # UTC
    end: datetime
    district: str
    factor: float
    stream: str | None = None
    category: str | None = None
    links: tuple[str, ...] = ()
    usual: float | None = None

    def covers(self, t: datetime) -> bool:
        return self.start <= t < self.end


OPTIONS = declare(
    (
        Option("seed", int, 1, "the schedule's own seed (not the city's)"),
        Option("per_kind", int, 40, "anomalies of each of the four kinds"),
        Option(
            "start",
            str,
            None,
            "when the first may begin: an ISO date and time, the city's clock "
            "unless it has an offset",
            required=True,
        ),
        Option("weeks", float, 4.0, "weeks from `start` over which they are placed"),
        Option(
            "min_rate",
            float,
            3.0,
            "bursts and surges only where the category's usual count in the "
            "district is at least this an hour",
        ),
        Option(
            "silence_min_rate",
            float,
            3.0,
            "silences only where the district's usual complaints are at least "
            "this an hour",
        ),
    )
)


@dataclass(frozen=True)
class Plan:
    """What the ``anomalies`` option asks for, read and checked."""

    seed: int
    per_kind: int
    start: datetime  # UTC
    end: datetime
    min_rate: float
    silence_min_rate: float


def read_plan(given: Mapping[str, Any], tz: tzinfo, who: str) -> Plan:
    """The ``anomalies`` table of a source's options; every problem at once."""
    # a TOML date-time written without quotes arrives as a datetime
    given = {k: v.isoformat() if isinstance(v, date) else v for k, v in given.items()}
    o = read_options(OPTIONS, given, who, within="anomalies")
    problems = []
    start = None
    try:
        start = datetime.fromisoformat(o.start)
    except ValueError:
        problems.append(
            f"option `anomalies.start` must be an ISO date and time, not {o.start!r}"
        )
    for name in ("per_kind", "weeks", "min_rate", "silence_min_rate"):
        if o[name] <= 0:
            problems.append(f"option `anomalies.{name}` must be above 0")
    if problems or start is None:
        raise SourceOptionsError(f"the {who} connector: " + "; ".join(problems))
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    start = start.astimezone(UTC)
    return Plan(
        seed=o.seed,
        per_kind=o.per_kind,
        start=start,
        end=start + timedelta(weeks=o.weeks),
        min_rate=o.min_rate,
        silence_min_rate=o.silence_min_rate,
    )


@dataclass(frozen=True, eq=False)
class Expected:
    """The records a city expects: ``counts[h, w, d]`` in the UTC hour ``h`` after
    ``start``, of ``what[w]`` (a stream and a category), in district ``codes[d]``."""

    start: datetime
    what: tuple[tuple[str, str], ...]
    codes: tuple[str, ...]
    counts: np.ndarray

    def per_hour(self, starts: np.ndarray, length: timedelta) -> np.ndarray:
        """The mean count an hour over the windows from ``starts`` (epoch seconds)
        of ``length``: starts × what × districts. A window may begin mid-hour (a
        city whose clock is off the UTC hour); records are even within an hour."""
        total = np.concatenate([np.zeros((1, *self.counts.shape[1:])), self.counts])
        total = np.cumsum(total, axis=0)
        x = (starts - self.start.timestamp()) / 3600
        hours = length / HOUR
        return (_at(total, x + hours) - _at(total, x)) / hours


def _at(total: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The running total at ``x`` hours, straight between the hours."""
    i = np.minimum(np.floor(x).astype(int), len(total) - 2)
    share = (x - i)[:, None, None]
    return total[i] + share * (total[i + 1] - total[i])


def schedule(
    plan: Plan,
    expected: Expected,
    links: Mapping[str, Sequence[str]],
    tz: tzinfo,
    who: str,
) -> tuple[Anomaly, ...]:
    """``plan.per_kind`` anomalies of each kind in ``[plan.start, plan.end)``, in
    order of start. The kinds take turns, so none is left only the room the
    others did not want; a plan the city has no room for is refused, saying why.
    """
    rng = np.random.default_rng([plan.seed, SALT])
    pools = (
        _counted(BURST, plan, expected, tz, who),
        _counted(SURGE, plan, expected, tz, who),
        _slowed(plan, expected.codes, links, who),
        _counted(SILENCE, plan, expected, tz, who),
    )
    placed: list[Anomaly] = []
    for _ in range(plan.per_kind):
        for pool in pools:
            anomaly = pool.take(rng, plan, who)
            placed.append(anomaly)
            for other in pools:
                other.keep_apart(anomaly)
    return tuple(sorted(placed, key=lambda a: (a.start, a.district, a.kind)))


@dataclass
class _Pool:
    """Where one kind may still go: candidates by start (epoch seconds) and
    district (an index of ``codes``); ``make`` turns one into an anomaly."""

    kind: Kind
    codes: tuple[str, ...]
    starts: np.ndarray
    districts: np.ndarray
    make: Callable[[int, np.random.Generator], Anomaly]
    placed: int = 0

    def __post_init__(self) -> None:
        self.free = np.ones(len(self.starts), dtype=bool)

    def take(self, rng: np.random.Generator, plan: Plan, who: str) -> Anomaly:
        left = np.flatnonzero(self.free)
        if not len(left):
            raise SourceOptionsError(
                f"the {who} connector: option `anomalies`: room for {self.placed} "
                f"of {plan.per_kind} {self.kind.label} only, each {APART / HOUR:.0f} "
                "h from the others of its district: fewer `per_kind`, more `weeks` "
                "or a lower rate floor"
            )
        self.placed += 1
        return self.make(int(left[rng.integers(len(left))]), rng)

    def keep_apart(self, anomaly: Anomaly) -> None:
        district = self.codes.index(anomaly.district)
        lo = (anomaly.start - APART - self.kind.duration).timestamp()
        hi = (anomaly.end + APART).timestamp()
        self.free &= ~(
            (self.districts == district) & (self.starts > lo) & (self.starts < hi)
        )


def _whole_hours(start: datetime, last: datetime, tz: tzinfo) -> np.ndarray:
    """The whole hours of the city's clock from ``start`` to ``last``, as epoch
    seconds (an hour on, in UTC, is an hour on the clock but at a change of the
    clocks, where the clock skips or repeats one)."""
    local = start.astimezone(tz)
    first = local.replace(minute=0, second=0, microsecond=0)
    if first < local:
        first += HOUR
    begin, stop = first.timestamp(), last.timestamp()
    return np.arange(begin, stop + 1, 3600.0)


def _counted(kind: Kind, plan: Plan, expected: Expected, tz: tzinfo, who: str) -> _Pool:
    """Bursts, surges or silences: from a whole hour, where what they change (a
    category in a district; a silence, all of a district's complaints) usually
    comes at least ``min_rate`` (``silence_min_rate``) an hour."""
    starts = _whole_hours(plan.start, plan.end - kind.duration, tz)
    rates = expected.per_hour(starts, kind.duration)
    what: tuple[tuple[str, str | None], ...] = expected.what
    floor, option = plan.min_rate, "min_rate"
    if kind is SILENCE:
        complaints = [i for i, (s, _) in enumerate(what) if s == SILENCED_STREAM]
        rates = rates[:, complaints].sum(axis=1, keepdims=True)
        what = ((SILENCED_STREAM, None),)
        floor, option = plan.silence_min_rate, "silence_min_rate"
    s, w, d = np.nonzero(rates >= floor)
    if not len(s):
        raise SourceOptionsError(
            f"the {who} connector: option `anomalies`: nothing reaches `{option}` "
            f"{floor:g} an hour in any district for {kind.label}; "
            f"{_busiest(what, expected.codes, starts, rates, tz)}: lower "
            f"`anomalies.{option}` or raise that stream's rate"
        )

    def make(i: int, rng: np.random.Generator) -> Anomaly:
        stream, category = what[w[i]]
        return _placed(
            kind,
            starts[s[i]],
            expected.codes[d[i]],
            stream=stream,
            category=category,
            usual=round(float(rates[s[i], w[i], d[i]]), 3),
        )

    return _Pool(kind, expected.codes, starts[s], d, make)


def _busiest(
    what: Sequence[tuple[str, str | None]],
    codes: Sequence[str],
    starts: np.ndarray,
    rates: np.ndarray,
    tz: tzinfo,
) -> str:
    s, w, d = np.unravel_index(np.argmax(rates), rates.shape)
    stream, category = what[w]
    at = datetime.fromtimestamp(starts[s], UTC).astimezone(tz)
    return (
        f"the busiest is {f'{category} ({stream})' if category else stream} in "
        f"{codes[d]}, {rates[s, w, d]:.2f} an hour from {at:%a %H:%M}"
    )


def _placed(kind: Kind, start: float, district: str, **what: Any) -> Anomaly:
    """An anomaly of ``kind`` in ``district`` from ``start`` (epoch seconds)."""
    at = datetime.fromtimestamp(start, UTC)
    return Anomaly(kind.name, at, at + kind.duration, district, kind.factor, **what)


def _slowed(
    plan: Plan, codes: tuple[str, ...], links: Mapping[str, Sequence[str]], who: str
) -> _Pool:
    """Slowdowns: ``SLOWED_LINKS`` links of a district from any whole minute."""
    roomy = [i for i, code in enumerate(codes) if len(links[code]) >= SLOWED_LINKS]
    if not roomy:
        raise SourceOptionsError(
            f"the {who} connector: option `anomalies`: a slowdown needs "
            f"{SLOWED_LINKS} road links in a district: set `links_per_district` "
            f"to {SLOWED_LINKS} or more"
        )
    first = plan.start.timestamp() // 60 * 60
    if first < plan.start.timestamp():
        first += 60
    minutes = np.arange(first, (plan.end - SLOWDOWN.duration).timestamp() + 1, 60.0)
    starts = np.repeat(minutes, len(roomy))
    districts = np.tile(np.array(roomy), len(minutes))

    def make(i: int, rng: np.random.Generator) -> Anomaly:
        district = codes[districts[i]]
        chosen = rng.choice(len(links[district]), SLOWED_LINKS, replace=False)
        slowed = tuple(sorted(links[district][j] for j in chosen))
        return _placed(SLOWDOWN, starts[i], district, links=slowed)

    return _Pool(SLOWDOWN, codes, starts, districts, make)
