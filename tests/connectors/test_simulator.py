"""The demo city: deterministic for a seed, the same whatever the chunking, and
realistic enough for a mayor to recognise Seoul."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from connectors.simulator import SimulatorConnector

NOW = datetime(2026, 3, 18, 2, 37, tzinfo=timezone.utc)  # a Wednesday, 11:37 in Seoul


def pull_all(sim: SimulatorConnector, times: list[datetime]):
    """Pull until caught up at each time; the last version of each record wins."""
    events, readings, cursor, batches = {}, {}, None, 0
    for t in times:
        while True:
            batch = sim.pull(cursor, t)
            batches += 1
            cursor = batch.next_cursor
            events.update({e.source_id: e for e in batch.events})
            readings.update(
                {(m.series, m.place, m.observed_at): m for m in batch.measurements}
            )
            if not batch.more:
                break
    return events, readings, batches


@pytest.fixture(scope="module")
def month(seoul):
    """30 days of Seoul, as the wall's first start backfills them."""
    return pull_all(SimulatorConnector(seoul, seoul.sources[0].options), [NOW])


def options(seoul, **extra):
    return seoul.sources[0].options | {"backfill_days": 3} | extra


def test_same_seed_gives_the_same_city(seoul):
    a = pull_all(SimulatorConnector(seoul, options(seoul)), [NOW])
    b = pull_all(SimulatorConnector(seoul, options(seoul)), [NOW])
    other = pull_all(SimulatorConnector(seoul, options(seoul, seed=7)), [NOW])
    assert a[0] == b[0] and a[1] == b[1]
    assert a[0] != other[0]


def test_live_pulls_in_small_steps_end_where_one_big_pull_ends(seoul):
    end = NOW + timedelta(hours=30)
    steps = [NOW + timedelta(minutes=m) for m in (0, 7, 61, 200)] + [end]
    big = pull_all(SimulatorConnector(seoul, options(seoul)), [NOW, end])
    small = pull_all(SimulatorConnector(seoul, options(seoul)), steps)
    assert big[0] == small[0]
    assert big[1] == small[1]


def test_first_pull_fills_the_newest_day_then_history_follows(seoul):
    sim = SimulatorConnector(seoul, options(seoul))
    first = sim.pull(None, NOW)
    assert first.more, "the history is still to come"
    newest = max(e.occurred_at for e in first.events)
    assert NOW - newest < timedelta(minutes=30)
    assert min(m.observed_at for m in first.measurements) >= NOW - timedelta(hours=25)
    second = sim.pull(first.next_cursor, NOW)
    assert max(m.observed_at for m in second.measurements) <= NOW - timedelta(hours=23)


def test_rush_hour_is_slower_than_the_night(month, seoul):
    _, readings, _ = month

    def mean_speed(local_hour: int, road_class: str) -> float:
        return statistics.mean(
            m.value
            for m in readings.values()
            if m.series == "road_speed"
            and m.category == road_class
            and m.observed_at.astimezone(seoul.timezone).hour == local_hour
            and m.observed_at.astimezone(seoul.timezone).weekday() < 5
        )

    assert mean_speed(8, "arterial") < 0.75 * mean_speed(3, "arterial")
    assert mean_speed(18, "arterial") < 0.75 * mean_speed(3, "arterial")
    assert mean_speed(3, "expressway") > mean_speed(3, "arterial") + 20


def test_pm25_stays_in_a_plausible_range(month):
    _, readings, _ = month
    values = [m.value for m in readings.values() if m.series == "pm25"]
    assert len(values) >= 25 * 24 * 29
    assert 1 <= min(values) and max(values) < 200
    assert 10 < statistics.mean(values) < 60


def test_complaints_match_the_configured_rate_with_traffic_the_largest(month, seoul):
    events, _, _ = month
    complaints = [
        e
        for e in events.values()
        if e.domain == "complaints" and NOW - timedelta(days=28) <= e.occurred_at < NOW
    ]
    per_day = len(complaints) / 28
    configured = seoul.sources[0].options["complaints_per_day"]
    # weekends are quieter (55 %), so the weekly mean sits below the weekday rate
    assert 0.75 * configured < per_day < 1.05 * configured
    top, _ = Counter(e.category for e in complaints).most_common(1)[0]
    assert top == "traffic"


def test_a_complaint_goes_from_received_to_closed(seoul):
    sim = SimulatorConnector(seoul, options(seoul))
    seen: dict[str, list[str]] = {}
    cursor = None
    for hours in range(0, 24 * 8, 6):
        t = NOW + timedelta(hours=hours)
        while True:
            batch = sim.pull(cursor, t)
            cursor = batch.next_cursor
            for e in batch.events:
                if e.domain == "complaints":
                    seen.setdefault(e.source_id, []).append(e.status)
                    assert (e.closed_at is not None) == (e.status == "closed")
            if not batch.more:
                break
    order = ["received", "assigned", "in_progress", "closed"]
    journeys = [s for s in seen.values() if s[0] == "received" and s[-1] == "closed"]
    assert journeys, "some complaint is followed from its arrival to its closing"
    for statuses in journeys:
        ranks = [order.index(s) for s in statuses]
        assert ranks == sorted(ranks), statuses


def test_disaster_alerts_carry_cap_severities_and_expire(month):
    events, _, _ = month
    alerts = [e for e in events.values() if e.domain == "disaster"]
    assert len(alerts) > 60
    assert {e.severity for e in alerts} <= {"Minor", "Moderate", "Severe", "Extreme"}
    assert any(e.severity in ("Severe", "Extreme") for e in alerts)
    assert all(e.expires_at > e.occurred_at for e in alerts)
    assert any(e.district_code is None for e in alerts), "some alerts are city-wide"
    # March in Seoul: fine dust, not heat waves
    assert not any(e.category == "heat_wave" for e in alerts)


def test_every_place_is_a_district_of_the_profile(month, seoul):
    events, readings, _ = month
    codes = {d.code for d in seoul.districts}
    assert {e.district_code for e in events.values()} - {None} <= codes
    assert {m.district_code for m in readings.values()} == codes
    safety = [e for e in events.values() if e.domain == "safety"]
    assert all(e.attrs["agency"] for e in safety)
