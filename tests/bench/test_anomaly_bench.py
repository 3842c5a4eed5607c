"""The anomaly benchmark's scoring: an anomaly counts as found when a finding that
says what it did is flagged during it (in time, within its kind's deadline); any
other finding is a false alarm, once per run of consecutive flags of one cell; and
a small run end to end on the demo city."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.anomalies import Settings, explains, run, score, table
from connectors.anomalies import Anomaly
from kpis.unusual import ALL, Surprise

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
MAPO, GANGNAM = "11440", "11680"


def anomaly(kind: str, **more) -> Anomaly:
    lengths = {"burst": 2, "surge": 6, "silence": 3, "slowdown": 0.75}
    facts = {
        "kind": kind,
        "start": T0,
        "end": T0 + timedelta(hours=lengths[kind]),
        "district": MAPO,
        "factor": 3.0,
        "stream": "complaints",
        "category": "traffic",
    }
    return Anomaly(**(facts | more))


def finding(**more) -> Surprise:
    facts = {
        "kind": "count",
        "name": "complaints",
        "category": "traffic",
        "district": MAPO,
        "window": "1h",
        "start": T0,
        "end": T0 + timedelta(hours=1),
        "observed": 20.0,
        "expected": 5.0,
        "score": 9.0,
        "above": True,
        "past": (4.0, 5.0, 6.0),
    }
    return Surprise(**(facts | more))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_what_explains_an_anomaly():
    burst = anomaly("burst")
    assert explains(burst, finding())
    assert explains(burst, finding(district=ALL))  # the city's cell holds it too
    assert explains(burst, finding(category=ALL))
    assert not explains(burst, finding(district=GANGNAM))
    assert not explains(burst, finding(category="noise"))
    assert not explains(burst, finding(above=False))
    silence = anomaly("silence", category=None, factor=0.0)
    assert explains(silence, finding(category=ALL, above=False))
    assert not explains(silence, finding(category=ALL, above=False, district=ALL))
    slow = anomaly("slowdown", stream=None, category=None, factor=0.7)
    assert explains(slow, finding(kind="mean", name="road_speed", above=False))
    assert not explains(slow, finding(kind="mean", name="road_speed", above=True))
    assert not explains(slow, finding(kind="mean", name="pm25", above=False))


def test_found_in_time_late_or_not_and_false_alarms_once_per_run():
    early, late, missed = (
        anomaly("burst"),
        anomaly("burst", district=GANGNAM),
        anomaly("silence", category=None, district="11110", start=at(600), end=at(780)),
    )
    stray = finding(district="11200", category="noise")  # explained by nothing
    asked = [
        (at(15), (finding(),)),
        (at(30), (finding(), stray)),
        (at(45), (finding(district=GANGNAM), stray)),  # one run of the stray
        (at(60), ()),
        (at(75), (stray,)),  # a second run
    ]
    kinds, false_alarms = score([early, late, missed], asked)
    burst = kinds["burst"]
    assert (burst.placed, burst.flagged, burst.in_time) == (2, 2, 1)
    assert burst.minutes == [15.0, 45.0]
    assert kinds["silence"].flagged == 0 and kinds["silence"].placed == 1
    assert kinds["surge"].placed == 0
    assert false_alarms == 2


def test_a_small_run_finds_bursts_and_writes_its_table(tmp_path):
    s = Settings(learn_weeks=3, test_weeks=1, per_kind=3, step_minutes=30)
    result = run(s, tmp_path)
    assert {k: r.placed for k, r in result.kinds.items()} == {
        "burst": 3,
        "slowdown": 3,
        "surge": 3,
        "silence": 3,
    }
    assert result.refreshes == 7 * 48
    # twelve anomalies in a week: the detector finds some of them (how many, and
    # how soon, is the benchmark's to say)
    assert sum(k.flagged for k in result.kinds.values()) >= 2, result.kinds
    text = table(result, s)
    assert "(a) burst: 3× for 2 h | 3 |" in text and "False alarms:" in text
