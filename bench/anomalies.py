"""The anomaly benchmark: ``python -m bench.anomalies``.

The demo city's simulator makes ``learn + test`` weeks of records, with anomalies
of four kinds placed in the last ``test`` weeks by a seeded schedule (its
``anomalies`` option, ``connectors.anomalies``) that the detector never sees:
(a) bursts, one category in one district at 3× for 2 hours; (b) surges, the same
at 2× for 6 hours; (c) slowdowns, 4 road links of a district 30 % slower for 45
minutes; (d) silences, a district's complaints stopped for 3 hours while the feed
goes on. The weeks go into a SQLite store through the ingest, and the detector
(``kpis.unusual``) is asked what is unusual every ``step`` minutes of the test
weeks, as a wall refreshing then would.

Per kind: recall (flagged at all during the anomaly, and within its deadline:
30 minutes from the start for bursts and slowdowns, 2 hours for surges and
silences) and the median time to be flagged. False alarms: findings that no
anomaly explains, counted once per run of consecutive flags of one cell, per day
of the test weeks. And the detector's time per refresh.

The issue asks for bursts and surges where the usual rate is at least 3 an hour.
No category of any district of the demo city reaches that (its busiest, traffic
complaints in Songpa-gu, reaches 1.8 at midday), so the benchmark's city has 3×
the demo's complaints (2,550 a day: a city of about 28 million, or a busier
channel) and keeps the issue's floor.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.many_indicators import profile_text
from bench.readme import write_between
from city.profile import CityProfile, load_profile
from connectors.anomalies import BURST, SILENCE, SLOWDOWN, SURGE, Anomaly
from connectors.simulator import ROAD_SPEED, scheduled_anomalies
from kpis.memo import kept_in
from kpis.service import KpiService
from kpis.unusual import ALL, FLAG_SCORE, Surprise, unusual_now
from store import connect

log = logging.getLogger("bench")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEADLINES = {
    BURST.name: timedelta(minutes=30),
    SLOWDOWN.name: timedelta(minutes=30),
    SURGE.name: timedelta(hours=2),
    SILENCE.name: timedelta(hours=2),
}
MARKERS = ("<!-- anomalies:start -->", "<!-- anomalies:end -->")
RECALL_TARGET = 0.9
THRESHOLDS = (3.0, 4.0, 5.0, 6.0, 8.0)  # scores the trade-off is shown at
FALSE_ALARMS_TARGET = 1.0  # a day, across every district and indicator
# after an anomaly, its windows (the last 3 hours, today so far) still hold it
ECHO = timedelta(hours=3)


@dataclass(frozen=True)
class Settings:
    learn_weeks: int = 4
    test_weeks: int = 4
    per_kind: int = 40
    step_minutes: int = 15
    complaints_per_day: float = 2550.0
    seed: int = 7
    end: datetime = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 00:00 KST


@dataclass
class KindResult:
    kind: str
    placed: int
    flagged: int = 0  # at any time during the anomaly
    in_time: int = 0  # within its deadline
    minutes: list[float] = field(default_factory=list)  # start to first flag

    @property
    def recall(self) -> float:
        return self.in_time / self.placed if self.placed else 0.0


@dataclass
class Result:
    kinds: dict[str, KindResult]
    false_alarms: int
    days: float
    refreshes: int
    refresh_ms: list[float]
    # at each of THRESHOLDS: (recall within the deadline per kind, false alarms)
    sweep: dict[float, tuple[dict[str, float], int]] = field(default_factory=dict)

    @property
    def false_alarms_a_day(self) -> float:
        return self.false_alarms / self.days if self.days else 0.0


# -- the city ----------------------------------------------------------------------


def anomaly_profile(base: Path, folder: Path, s: Settings) -> Path:
    """``base`` (the shipped Seoul) with the benchmark's weeks and rates, and the
    anomalies' schedule in its demo source's options."""
    text = profile_text(base)
    days = (s.learn_weeks + s.test_weeks) * 7 + 1
    start = s.end - timedelta(weeks=s.test_weeks)
    plan = (
        f'anomalies = {{ seed = {s.seed}, per_kind = {s.per_kind}, start = "'
        f'{start.isoformat()}", weeks = {s.test_weeks} }}\n'
    )
    for old, new in (
        ("backfill_days = 30\n", f"backfill_days = {days}\n{plan}"),
        (
            "complaints_per_day = 850\n",
            f"complaints_per_day = {s.complaints_per_day}\n",
        ),
    ):
        assert old in text, f"the shipped profile's demo source no longer says {old!r}"
        text = text.replace(old, new)
    path = folder / "seoul-anomalies.toml"
    path.write_text(text, encoding="utf-8")
    return path


def demo_options(profile: CityProfile) -> dict:
    return next(s.options for s in profile.sources if s.connector == "simulator")


def build_store(url: str, profile: CityProfile, end: datetime) -> None:
    """The weeks up to ``end`` through the ingest, as a wall started then would
    backfill them."""
    from ingest.runner import prepare_store, run_until_caught_up, runners_for

    engine = connect(url)
    try:
        prepare_store(engine, profile)
        for runner in runners_for(engine, profile):
            runner.clock = lambda: end
            summary = run_until_caught_up(runner)
            log.info("%s: %d records stored", runner.source.name, summary.stored)
    finally:
        engine.dispose()


# -- asking the detector -----------------------------------------------------------


def ask_every_step(url: str, profile: CityProfile, s: Settings) -> tuple[list, list]:
    """(moment, findings) every step of the test weeks, and each ask's time."""
    engine = connect(url)
    service = KpiService(engine, profile)
    scope = service.unusual_scope()
    step = timedelta(minutes=s.step_minutes)
    t = s.end - timedelta(weeks=s.test_weeks) + step
    asked, spent = [], []
    memo_store: dict = {}
    try:
        with engine.connect() as conn:
            while t <= s.end:
                if t.minute == 0 and t.hour == 0:
                    memo_store.clear()  # a day's past hours at most
                w = service.window(t)
                t0 = time.perf_counter()
                # every finding with its score: the thresholds are the scoring's
                found = unusual_now(
                    conn, scope, t, w.today_start, kept_in(memo_store), flag_score=0.0
                )
                spent.append((time.perf_counter() - t0) * 1000)
                asked.append((t, found.found))
                t += step
    finally:
        engine.dispose()
    return asked, spent


# -- scoring -----------------------------------------------------------------------


def explains(a: Anomaly, f: Surprise) -> bool:
    """Whether finding ``f`` says what anomaly ``a`` did (its district's own cell,
    or the city's cell its records belong to)."""
    where = f.district in (a.district, ALL)
    if a.kind == SLOWDOWN.name:
        return f.kind == "mean" and f.name == ROAD_SPEED and where and not f.above
    if f.kind != "count":
        return False
    if a.kind == SILENCE.name:
        return f.name == "complaints" and f.district == a.district and not f.above
    domain = "disaster" if a.stream == "alerts" else a.stream  # a stream's records
    return f.name == domain and where and f.above and f.category in (a.category, ALL)


def score(
    anomalies: Iterable[Anomaly],
    asked: list[tuple[datetime, tuple[Surprise, ...]]],
    threshold: float = 0.0,
) -> tuple[dict[str, KindResult], int]:
    """Each kind's detections, and the false alarms: runs of consecutive flags of
    one cell that no anomaly under way (or just over: its windows still hold it)
    explains. A finding is flagged from ``threshold`` up."""
    anomalies = list(anomalies)
    asked = [(t, tuple(f for f in found if f.score >= threshold)) for t, found in asked]
    kinds = {k: KindResult(k, sum(a.kind == k for a in anomalies)) for k in DEADLINES}
    for a in anomalies:
        first = next(
            (
                t
                for t, found in asked
                if a.start < t <= a.end and any(explains(a, f) for f in found)
            ),
            None,
        )
        if first is None:
            continue
        result = kinds[a.kind]
        result.flagged += 1
        result.minutes.append((first - a.start).total_seconds() / 60)
        if first - a.start <= DEADLINES[a.kind]:
            result.in_time += 1
    false_alarms = 0
    flagged_before: set[tuple] = set()
    for t, found in asked:
        under_way = [a for a in anomalies if a.start < t <= a.end + ECHO]
        today = [a for a in anomalies if a.start < t and _same_day(a.start, t)]
        flagged_now = set()
        for f in found:
            if any(explains(a, f) for a in under_way + today):
                continue
            cell = (f.kind, f.name, f.category, f.district)
            flagged_now.add(cell)
            if cell not in flagged_before:
                false_alarms += 1
        flagged_before = flagged_now
    return kinds, false_alarms


def _same_day(a: datetime, b: datetime) -> bool:
    seoul = timedelta(hours=9)  # the benchmark's city: its "today so far"
    return (a + seoul).date() == (b + seoul).date()


def run(s: Settings, data: Path) -> Result:
    base = PROJECT_ROOT / "cities" / "seoul.toml"
    with tempfile.TemporaryDirectory(prefix="citywall-anomalies-") as folder:
        profile = load_profile(anomaly_profile(base, Path(folder), s))
    anomalies = scheduled_anomalies(profile, demo_options(profile))
    data.mkdir(parents=True, exist_ok=True)
    path = data / "anomalies.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    t0 = time.perf_counter()
    build_store(url, profile, s.end)
    log.info(
        "%d weeks built in %.0f s",
        s.learn_weeks + s.test_weeks,
        time.perf_counter() - t0,
    )
    asked, spent = ask_every_step(url, profile, s)
    kinds, false_alarms = score(anomalies, asked, FLAG_SCORE)
    sweep = {}
    for threshold in THRESHOLDS:
        at, alarms = score(anomalies, asked, threshold)
        sweep[threshold] = ({k: r.recall for k, r in at.items()}, alarms)
    return Result(kinds, false_alarms, s.test_weeks * 7, len(asked), spent, sweep)


def table(r: Result, s: Settings) -> str:
    names = {
        BURST.name: "(a) burst: 3× for 2 h",
        SURGE.name: "(b) surge: 2× for 6 h",
        SLOWDOWN.name: "(c) slowdown: 4 links −30 % for 45 min",
        SILENCE.name: "(d) silence: a district's complaints stop for 3 h",
    }
    lines = [
        "| Anomaly | Placed | Flagged at all | Within the deadline (target ≥ 90 %) "
        "| Median time to flag |",
        "|---|---|---|---|---|",
    ]
    for kind, label in names.items():
        k = r.kinds[kind]
        median = f"{statistics.median(k.minutes):.0f} min" if k.minutes else "—"
        mark = "✅" if k.recall >= RECALL_TARGET else "❌"
        lines.append(
            f"| {label} | {k.placed} | {k.flagged / max(k.placed, 1):.0%} | "
            f"{k.recall:.0%} within {DEADLINES[kind].total_seconds() / 60:.0f} min "
            f"{mark} | {median} |"
        )
    ok = "✅" if r.false_alarms_a_day <= FALSE_ALARMS_TARGET else "❌"
    p95 = sorted(r.refresh_ms)[int(0.95 * (len(r.refresh_ms) - 1))]
    lines += [
        "",
        f"False alarms: {r.false_alarms} in {r.days:.0f} days, "
        f"**{r.false_alarms_a_day:.2f} a day** (target ≤ {FALSE_ALARMS_TARGET:.0f}) "
        f"{ok}. The detector's time per refresh: median "
        f"{statistics.median(r.refresh_ms):.1f} ms, p95 {p95:.1f} ms "
        f"(n = {r.refreshes}, asked every {s.step_minutes} min of "
        f"{s.test_weeks} weeks after {s.learn_weeks} to learn; SQLite; "
        f"{s.complaints_per_day:,.0f} complaints a day).",
        "",
        f"The trade-off (the detector flags from a score of {FLAG_SCORE:g}): "
        "recall within the deadline by kind, and false alarms a day, at each score.",
        "",
        "| Score from | (a) | (b) | (c) | (d) | False alarms a day |",
        "|---|---|---|---|---|---|",
    ]
    for threshold, (recall, alarms) in r.sweep.items():
        cells = " | ".join(f"{recall[k]:.0%}" for k in names)
        lines.append(f"| {threshold:g} | {cells} | {alarms / r.days:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.anomalies",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learn-weeks", type=int, default=Settings.learn_weeks)
    parser.add_argument("--test-weeks", type=int, default=Settings.test_weeks)
    parser.add_argument("--per-kind", type=int, default=Settings.per_kind)
    parser.add_argument("--step-minutes", type=int, default=Settings.step_minutes)
    parser.add_argument("--data", default="data/bench")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    s = Settings(
        learn_weeks=args.learn_weeks,
        test_weeks=args.test_weeks,
        per_kind=args.per_kind,
        step_minutes=args.step_minutes,
    )
    result = run(s, Path(args.data).resolve())
    text = table(result, s)
    print(text)
    raw = {
        "settings": {k: str(v) for k, v in asdict(s).items()},
        "table": text,
        "refresh_ms": result.refresh_ms,
        "kinds": {k: asdict(v) for k, v in result.kinds.items()},
        "false_alarms": result.false_alarms,
    }
    (Path(args.data) / "anomalies.json").write_text(json.dumps(raw, indent=1))
    if not args.no_write:
        write_between(MARKERS, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
