"""Known anomalies in the demo city: a seeded schedule, made by the simulator as
the issue asks (a burst at 3×, a surge at 2×, four links 30 % slower, a district's
complaints silent), the same whatever the pulls, and nothing else changed."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from connectors.anomalies import APART, KINDS, SLOWED_LINKS, Anomaly
from connectors.options import SourceOptionsError
from connectors.simulator import COMPLAINTS, SimulatorConnector, scheduled_anomalies
from tests.connectors.test_simulator import NOW, drain, final_state, pull_all

# Seoul's demo makes 850 complaints a day: no category reaches the floor of
# 3 an hour in any district (the busiest, traffic in Songpa-gu, 1.8 at noon). Three
# times as many let the anomalies stand on the issue's own floor.
BUSY = 2550
WEEK = {"seed": 7, "per_kind": 12, "start": "2026-03-09T00:00", "weeks": 1}


def options(seoul, plan=None, **extra):
    given = seoul.sources[0].options | {"backfill_days": 1, "complaints_per_day": BUSY}
    if plan is not None:
        given |= {"anomalies": plan}
    return given | extra


@pytest.fixture(scope="module")
def week(seoul):
    """A week of the city with its anomalies, and the same week without."""
    return (
        SimulatorConnector(seoul, options(seoul, WEEK)),
        SimulatorConnector(seoul, options(seoul)),
    )


def of_kind(anomalies: tuple[Anomaly, ...], kind: str) -> list[Anomaly]:
    found = [a for a in anomalies if a.kind == kind]
    assert found, kind
    return found


def created(sim: SimulatorConnector, start: datetime, end: datetime) -> dict:
    """The complaints created in [start, end), by source id."""
    return {
        e.source_id: e
        for e in sim.events(COMPLAINTS, start, end, as_of=end)
        if start <= e.occurred_at < end
    }


def hours_of(a: Anomaly) -> float:
    return (a.end - a.start) / timedelta(hours=1)


# -- the schedule ----------------------------------------------------------------------


def test_the_schedule_is_its_seeds_and_another_seed_gives_another(seoul):
    first = scheduled_anomalies(seoul, options(seoul, WEEK))
    assert first == scheduled_anomalies(seoul, options(seoul, WEEK))
    other = scheduled_anomalies(seoul, options(seoul, WEEK | {"seed": 8}))
    placed = {(a.kind, a.start, a.district) for a in first}
    # the busy hours are few, so two schedules may share one by chance; not many
    assert len(placed & {(a.kind, a.start, a.district) for a in other}) < 5
    # the city's own seed does not move it: the schedule has its own
    city = scheduled_anomalies(seoul, options(seoul, WEEK, seed=99))
    assert {(a.kind, a.start, a.district) for a in city} == {
        (a.kind, a.start, a.district) for a in first
    }


def test_each_kind_is_placed_as_often_as_asked_within_the_span(seoul, week):
    anomalies = week[0].anomalies
    assert Counter(a.kind for a in anomalies) == {k.name: 12 for k in KINDS}
    start = datetime(2026, 3, 9, tzinfo=seoul.timezone)
    for a in anomalies:
        kind = next(k for k in KINDS if k.name == a.kind)
        assert a.end - a.start == kind.duration
        assert start <= a.start and a.end <= start + timedelta(weeks=1)
        assert a.start.tzinfo == UTC
    # random hours and districts, not a pattern
    assert len({a.district for a in anomalies}) >= 10
    assert len({a.start.astimezone(seoul.timezone).hour for a in anomalies}) >= 8
    assert len({a.start.astimezone(seoul.timezone).weekday() for a in anomalies}) >= 5


def test_no_two_anomalies_of_a_district_come_within_hours_of_each_other(week):
    by_district: dict[str, list[Anomaly]] = {}
    for a in week[0].anomalies:
        by_district.setdefault(a.district, []).append(a)
    for found in by_district.values():
        found.sort(key=lambda a: a.start)
        for before, after in zip(found, found[1:]):
            assert after.start >= before.end + APART, (before, after)


def test_bursts_and_surges_go_only_where_the_usual_rate_is_three_an_hour(seoul, week):
    sim, _ = week
    for a in of_kind(sim.anomalies, "burst") + of_kind(sim.anomalies, "surge"):
        assert a.start.astimezone(seoul.timezone).minute == 0  # on the city's hour
        stream = next(s for s in sim.streams if s.name == a.stream)
        row = list(stream.categories).index(a.category)
        column = sim.codes.index(a.district)
        hours = [a.start + timedelta(hours=h) for h in range(int(hours_of(a)))]
        usual = sum(sim.expected_counts(stream, h)[row, column] for h in hours)
        assert a.usual == pytest.approx(usual / len(hours), abs=1e-3)
        assert a.usual >= 3
        assert a.factor == (3 if a.kind == "burst" else 2)


def test_a_slowdown_takes_four_links_of_its_own_district(week):
    sim, _ = week
    district_of = dict(zip(sim.links["id"], sim.links["district"]))
    for a in of_kind(sim.anomalies, "slowdown"):
        assert len(set(a.links)) == SLOWED_LINKS
        assert {district_of[link] for link in a.links} == {a.district}
        assert a.factor == pytest.approx(0.7)


def test_a_city_too_quiet_for_the_floor_is_told_its_busiest_category(seoul):
    demo = seoul.sources[0].options | {"anomalies": WEEK}
    with pytest.raises(SourceOptionsError) as refused:
        SimulatorConnector(seoul, demo)
    said = str(refused.value)
    assert said.startswith(
        "the simulator connector: option `anomalies`: nothing reaches `min_rate` 3"
    )
    assert "the busiest is traffic (complaints)" in said
    assert "lower `anomalies.min_rate`" in said
    rate = float(re.search(r"([\d.]+) an hour from", said).group(1))
    assert 1 < rate < 3
    # below that rate, the busiest category is chosen, and only it
    lowered = scheduled_anomalies(seoul, demo | {"anomalies": WEEK | {"min_rate": 1}})
    bursts = [a for a in lowered if a.kind in ("burst", "surge")]
    assert {(a.stream, a.category) for a in bursts} == {("complaints", "traffic")}
    assert all(1 <= a.usual <= rate for a in bursts)


@pytest.mark.parametrize(
    ("plan", "said"),
    [
        ({"seed": 1}, "needs option `anomalies.start`"),
        (WEEK | {"per_knd": 3}, "did you mean `anomalies.per_kind`?"),
        (WEEK | {"start": "Monday"}, "`anomalies.start` must be an ISO date and time"),
        (WEEK | {"weeks": 0}, "option `anomalies.weeks` must be above 0"),
        (WEEK | {"per_kind": 500}, "room for"),
        (
            WEEK | {"silence_min_rate": 50},
            "nothing reaches `silence_min_rate` 50 an hour in any district for "
            "silences (3 h); the busiest is complaints in",
        ),
    ],
)
def test_a_wrong_plan_is_refused_with_the_fix(seoul, plan, said):
    with pytest.raises(SourceOptionsError, match=re.escape(said)):
        SimulatorConnector(seoul, options(seoul, plan))


def test_without_the_option_there_are_none(seoul):
    assert SimulatorConnector(seoul, options(seoul)).anomalies == ()


# -- what the simulator makes of them -------------------------------------------------


def test_a_burst_triples_its_category_in_its_district_and_a_surge_doubles_it(week):
    """On expectation over all of them: the extra records are a Poisson draw of
    (factor − 1) × the usual count, so 4 standard deviations bound them."""
    sim, plain = week
    for kind in ("burst", "surge"):
        found = of_kind(sim.anomalies, kind)
        with_ = sum(count(sim, a) for a in found)
        without = sum(count(plain, a) for a in found)
        usual = sum(a.usual * hours_of(a) for a in found)
        factor = found[0].factor
        extra = (factor - 1) * usual
        assert abs(without - usual) < 4 * math.sqrt(usual), kind
        assert abs((with_ - without) - extra) < 4 * math.sqrt(extra), kind
        assert factor - 0.5 < with_ / without < factor + 0.5, kind


def count(sim: SimulatorConnector, a: Anomaly) -> int:
    """The records of a burst's or a surge's category and district in its window."""
    return sum(
        e.district_code == a.district and e.category == a.category
        for e in created(sim, a.start, a.end).values()
    )


def test_a_slowdown_takes_30_percent_off_its_four_links_for_45_minutes(week):
    sim, plain = week
    slowdowns = of_kind(sim.anomalies, "slowdown")
    for a in slowdowns:
        span = (a.start - timedelta(hours=1), a.end + timedelta(hours=1))
        slowed = {(m.place, m.observed_at): m.value for m in sim.road_speeds(*span)}
        usual = {(m.place, m.observed_at): m.value for m in plain.road_speeds(*span)}
        assert slowed.keys() == usual.keys()
        changed = {key for key in usual if slowed[key] != usual[key]}
        inside = {(link, t) for link, t in usual if link in a.links and a.covers(t)}
        assert len(inside) == SLOWED_LINKS * 3  # a reading every 15 minutes
        # another district's slowdown may fall in the same hours
        assert changed - inside <= {
            (link, t)
            for link, t in usual
            for other in slowdowns
            if link in other.links and other.covers(t) and other is not a
        }
        for key in inside:  # 0.7 × the usual speed, both rounded to 0.1
            assert slowed[key] == pytest.approx(0.7 * usual[key], abs=0.09), key
        # all but a speed that 30 % less would take below the floor of 3 km/h
        assert {key for key in inside if usual[key] > 4.3} <= changed


def test_a_silenced_district_sends_no_complaint_while_the_source_answers(week):
    sim, plain = week
    for a in of_kind(sim.anomalies, "silence"):
        batch = sim.pull(a.start.isoformat(), a.end)
        assert batch.events and batch.measurements
        new = [e for e in batch.events if a.covers(e.occurred_at)]
        complaints = [e for e in new if e.domain == "complaints"]
        assert not [e for e in complaints if e.district_code == a.district]
        assert len({e.district_code for e in complaints}) >= 15, "others still come"
        # what the district had before still moves on; only arrivals stop
        assert any(e.district_code == a.district for e in batch.events)
        usual = [
            e
            for e in created(plain, a.start, a.end).values()
            if e.district_code == a.district
        ]
        assert usual, "without the silence there would have been some"


def test_outside_the_anomalies_every_record_is_the_citys_own(week):
    """Bursts and surges only add, silences only take away, slowdowns only slow
    their links: every other record is the one of the city without them."""
    sim, plain = week
    start, end = datetime(2026, 3, 8, 15, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)
    with_, without = created(sim, start, end), created(plain, start, end)

    def in_window(e, kinds) -> bool:
        return any(
            a.kind in kinds
            and a.district == e.district_code
            and a.covers(e.occurred_at)
            and a.category in (None, e.category)
            for a in sim.anomalies
        )

    added = with_.keys() - without.keys()
    removed = without.keys() - with_.keys()
    assert added and removed
    assert all(in_window(with_[k], ("burst", "surge")) for k in added)
    assert all(in_window(without[k], ("silence",)) for k in removed)
    assert all(with_[k] == without[k] for k in with_.keys() & without.keys())
    # an extra record looks like any other: same fields, same kind of id
    pattern = re.compile(r"complaints-\d+-\d+")
    assert all(pattern.fullmatch(k) for k in with_)
    assert {frozenset(with_[k].attrs) for k in added} == {
        frozenset(e.attrs) for e in without.values()
    }


def test_a_backfill_and_a_live_wall_make_the_same_anomalies(seoul):
    """Anomalies in the three days before ``NOW``: a wall backfilling them in day
    chunks ends with the records of one that pulled them live, every few minutes."""
    plan = {"seed": 3, "per_kind": 3, "start": "2026-03-15T12:00", "weeks": 2 / 7}
    given = options(seoul, plan, backfill_days=3)
    backfilled, readings, _ = pull_all(SimulatorConnector(seoul, given), [NOW])
    anomalies = SimulatorConnector(seoul, given).anomalies
    start = min(m.observed_at for m in readings.values())
    assert all(start <= a.start and a.end <= NOW for a in anomalies)
    steps = []
    t = start + timedelta(minutes=7)
    while t < NOW:
        steps.append(t)
        t += timedelta(hours=5, minutes=13)
    live_events, live_readings, _ = pull_all(
        SimulatorConnector(seoul, given), steps + [NOW], cursor=start.isoformat()
    )
    assert readings == live_readings
    since = {k: e for k, e in backfilled.items() if e.occurred_at >= start}
    assert since == {k: e for k, e in live_events.items() if e.occurred_at >= start}
    # and the anomalies are in them: without, the same pulls give other records
    plain, plain_readings, _ = pull_all(
        SimulatorConnector(seoul, options(seoul, backfill_days=3)), [NOW]
    )
    assert since.keys() != {k for k, e in plain.items() if e.occurred_at >= start}
    assert readings != plain_readings


def test_two_walls_drained_in_different_chunks_agree(seoul):
    plan = {"seed": 3, "per_kind": 3, "start": "2026-03-18T12:00", "weeks": 2 / 7}
    given = options(seoul, plan)
    a, b = NOW, NOW + timedelta(days=2)
    whole, _ = drain(SimulatorConnector(seoul, given), a.isoformat(), b)
    sim = SimulatorConnector(seoul, given)
    first, cursor = drain(sim, a.isoformat(), a + timedelta(hours=31, minutes=5))
    second, _ = drain(sim, cursor, b)
    assert final_state(first + second) == final_state(whole)
