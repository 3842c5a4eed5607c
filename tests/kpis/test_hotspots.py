"""The hotspots as the wall reads them, on SQLite and PostgreSQL: each one's level
now (the newest fresh reading, the higher of two sources at once), its day and
its forecast, the places at a level now, and the ladder's hotspot rule: held at
the level for its minutes, with a fresh newest reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from city.hotspots import (
    CROWD_FORECAST_MAX,
    CROWD_LEVEL,
    CROWD_MAX,
    CROWD_MIN,
    LEVEL_KEYS,
)
from city.records import Measurement
from kpis.hotspots import PlacesAtLeast, held_at_least
from kpis.rollup_queries import ALL_DISTRICTS
from kpis.service import KpiService
from store import versions, writes

NOW = datetime(2026, 10, 31, 13, 0, tzinfo=UTC)  # a Saturday, 22:00 in Seoul
MIN = timedelta(minutes=1)
GANGNAM_STATION, HONGDAE, ITAEWON = "POI014", "POI007", "POI004"
SPOTS = {GANGNAM_STATION: "11680", HONGDAE: "11440", ITAEWON: "11170"}


def _level(place: str, minutes_ago: float, level: int) -> Measurement:
    return Measurement(
        CROWD_LEVEL,
        place,
        NOW - minutes_ago * MIN,
        float(level),
        LEVEL_KEYS[level - 1],
        SPOTS[place],
    )


def _reading(series: str, place: str, at: datetime, value: float) -> Measurement:
    return Measurement(series, place, at, value, None, SPOTS[place])


def _store(engine, source: str, readings: list[Measurement]) -> None:
    with engine.begin() as conn:
        writes.upsert_measurements(conn, source, readings)
        versions.bump_data_version(conn)


def _levels(place: str, *levels: int, every: int = 10) -> list[Measurement]:
    """``levels`` oldest first, one each ``every`` minutes, the last now."""
    n = len(levels)
    return [_level(place, (n - 1 - i) * every, lv) for i, lv in enumerate(levels)]


def test_each_hotspot_is_at_its_newest_fresh_level(engine, seoul):
    _store(
        engine,
        "citydata",
        _levels(GANGNAM_STATION, 2, 3, 3)
        + _levels(HONGDAE, 4, 4, 2)
        # Itaewon's feed stopped 40 minutes ago: nothing fresh to show
        + [_level(ITAEWON, 40, 4)],
    )
    # a second feed at Gangnam Station says more at the same minute: the higher
    _store(engine, "counter", [_level(GANGNAM_STATION, 0, 4)])
    wall = KpiService(engine, seoul, clock=lambda: NOW)
    now = wall.hotspots_now("crowd")
    assert {code: (s.level, s.category) for code, s in now.items()} == {
        GANGNAM_STATION: (4, "crowded"),
        HONGDAE: (2, "normal"),
    }
    assert now[HONGDAE].at == NOW
    assert wall.hotspots_now("traffic") == {}  # a domain that maps no hotspots


def test_a_hotspots_day_and_its_forecast(engine, seoul):
    day = [NOW - timedelta(hours=h) for h in (30, 23, 2, 0)]
    _store(
        engine,
        "citydata",
        [_reading(CROWD_MIN, HONGDAE, at, 1000 * i) for i, at in enumerate(day)]
        + [_reading(CROWD_MAX, HONGDAE, at, 1000 * i + 500) for i, at in enumerate(day)]
        + [
            _reading(CROWD_FORECAST_MAX, HONGDAE, NOW + timedelta(hours=h), 9000 + h)
            for h in (1, 2, 12, 30)
        ]
        # another hotspot's readings are not this one's
        + [_reading(CROWD_MAX, GANGNAM_STATION, NOW, 77_000)],
    )
    wall = KpiService(engine, seoul, clock=lambda: NOW)
    curve = wall.hotspot_curve("crowd", HONGDAE)
    assert curve.curve == {
        CROWD_MIN: [(at, 1000.0 * i) for i, at in enumerate(day) if i],
        CROWD_MAX: [(at, 1000.0 * i + 500) for i, at in enumerate(day) if i],
    }
    assert curve.forecast == [
        (NOW + timedelta(hours=h), 9000.0 + h) for h in (1, 2, 12)
    ]
    # the newest of the curve's last series is the hotspot's people now
    _store(engine, "citydata", _levels(HONGDAE, 3))
    assert (
        KpiService(engine, seoul, clock=lambda: NOW)
        .hotspots_now("crowd")[HONGDAE]
        .people
        == 3500
    )
    assert wall.hotspot_curve("crowd", "POI999") is None


def test_places_at_a_level_count_each_place_once_by_its_newest_reading(engine, seoul):
    _store(
        engine,
        "citydata",
        _levels(GANGNAM_STATION, 4, 4, 3)  # was crowded, no longer
        + _levels(HONGDAE, 2, 4)
        + _levels(ITAEWON, 4, 4),
    )
    _store(engine, "counter", [_level(GANGNAM_STATION, 0, 4)])  # the higher wins
    query = PlacesAtLeast(CROWD_LEVEL, NOW - 30 * MIN, NOW, 4)
    with engine.connect() as conn:
        assert query.run(conn, None) == 3
        assert query.run(conn, "11440") == 1
        assert query.run(conn, "11110") == 0
        assert query.run(conn, ALL_DISTRICTS) == {"11680": 1, "11440": 1, "11170": 1}
        # the window's own newest: Itaewon's reading an hour ago is out of it
        older = PlacesAtLeast(CROWD_LEVEL, NOW - 90 * MIN, NOW - 60 * MIN, 4)
        assert older.run(conn, None) == 0
        three = PlacesAtLeast(CROWD_LEVEL, NOW - 30 * MIN, NOW, 3)
        assert three.run(conn, None) == 3


def test_a_hold_counts_from_the_first_reading_at_the_level(engine, seoul):
    _store(
        engine,
        "citydata",
        # crowded since 40 minutes ago, after a dip
        _levels(GANGNAM_STATION, 4, 4, 3, 4, 4, 4, 4, 4)
        # crowded for 20 minutes only
        + _levels(HONGDAE, 2, 4, 4, 4)
        # crowded for an hour, but its feed went quiet 35 minutes ago
        + [_level(ITAEWON, m, 4) for m in (95, 85, 75, 65, 55, 45, 35)],
    )
    with engine.connect() as conn:
        held = held_at_least(conn, CROWD_LEVEL, 4, 30, NOW, fresh=30 * MIN)
        assert [(h.place, h.since, h.district) for h in held] == [
            (GANGNAM_STATION, NOW - 40 * MIN, "11680")
        ]
        # a shorter hold lets Hongdae in, the longest held first
        held = held_at_least(conn, CROWD_LEVEL, 4, 20, NOW, fresh=30 * MIN)
        assert [h.place for h in held] == [GANGNAM_STATION, HONGDAE]


def test_a_hotspot_held_crowded_raises_the_stage_and_says_where(engine, seoul):
    wall = KpiService(engine, seoul, clock=lambda: NOW)
    _store(engine, "citydata", _levels(HONGDAE, 4, 4, 4))  # 20 minutes: not yet
    assert wall.stage().level == 1
    later = NOW + 10 * MIN
    wall = KpiService(engine, seoul, clock=lambda: later)
    _store(engine, "citydata", [_level(HONGDAE, -10, 4)])
    state = wall.stage()
    assert state.level == 2
    (cause,) = state.causes
    assert (cause.place, cause.since, cause.districts) == (
        HONGDAE,
        NOW - 20 * MIN,
        ("11440",),
    )
    # the feed goes quiet: a stage needs a fresh reading
    quiet = KpiService(engine, seoul, clock=lambda: later + 31 * MIN)
    assert quiet.stage().level == 1


def test_the_largest_crowd_against_its_usual_for_this_hour(engine, seoul):
    from kpis.hotspots import AboveUsual

    week = timedelta(days=7)
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    readings = [_reading(CROWD_MAX, HONGDAE, NOW - 5 * MIN, 3000)]
    # Hongdae in this hour on the four Saturdays before: a usual of 1,500
    readings += [
        _reading(CROWD_MAX, HONGDAE, hour - k * week + m * MIN, v)
        for k, m, v in ((1, 0, 1000), (2, 59, 1000), (3, 10, 2000), (4, 30, 2000))
    ]
    # the hours either side, and a fifth week back: not its usual
    readings += [
        _reading(CROWD_MAX, HONGDAE, hour - week - 1 * MIN, 90_000),
        _reading(CROWD_MAX, HONGDAE, hour - week + 60 * MIN, 90_000),
        _reading(CROWD_MAX, HONGDAE, hour - 5 * week + 10 * MIN, 90_000),
    ]
    # Gangnam Station below its usual; Itaewon new, with none to compare with
    readings += [
        _reading(CROWD_MAX, GANGNAM_STATION, NOW - 1 * MIN, 500),
        _reading(CROWD_MAX, GANGNAM_STATION, hour - week + 1 * MIN, 1000),
        _reading(CROWD_MAX, ITAEWON, NOW - 2 * MIN, 40_000),
    ]
    _store(engine, "citydata", readings)
    query = AboveUsual(CROWD_MAX, NOW - 30 * MIN, NOW, weeks=4)
    with engine.connect() as conn:
        assert query.run(conn, None) == 2.0
        assert query.run(conn, ALL_DISTRICTS) == {"11440": 2.0, "11680": 0.5}
        assert query.run(conn, "11170") is None  # Itaewon: no usual yet
        # two weeks back only: a usual of 1,000
        assert (
            AboveUsual(CROWD_MAX, NOW - 30 * MIN, NOW, weeks=2).run(conn, "11440")
            == 3.0
        )
    tile = {v.kpi_id: v for v in KpiService(engine, seoul, clock=lambda: NOW).tiles()}
    assert tile["crowd_against_usual"].value == 2.0
