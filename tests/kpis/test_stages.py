"""The disaster stage: raised by the ladder's rules on alerts, quakes and PM2.5,
set by hand by an operator, back to normal when the alerts end, every change logged
once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from city.records import Event, Measurement
from kpis.service import KpiService
from store import stages as stage_store
from store import versions, writes

T0 = datetime(2026, 7, 14, 3, 0, tzinfo=UTC)


def _alert(
    source_id,
    severity,
    urgency="Expected",
    district="11680",
    areas=(),
    hours=6,
    category="heavy_rain",
    status="active",
    **attrs,
):
    return Event(
        source_id=source_id,
        domain="disaster",
        category=category,
        occurred_at=T0 - timedelta(minutes=10),
        title=f"{severity} {category.replace('_', ' ')} warning",
        status=status,
        severity=severity,
        district_code=district,
        expires_at=T0 + timedelta(hours=hours),
        attrs={"urgency": urgency, **attrs},
        areas=areas,
    )


def _store(engine, *batch):
    with engine.begin() as conn:
        writes.upsert_events(conn, "cap", batch, T0)
        versions.bump_data_version(conn)


def test_no_alert_is_the_first_stage(engine, seoul):
    state = KpiService(engine, seoul, clock=lambda: T0).stage()
    assert state.level == 1 and not state.manual and state.causes == ()


def test_alerts_raise_the_stage_and_name_the_districts(engine, seoul):
    now = [T0]
    wall = KpiService(engine, seoul, clock=lambda: now[0])
    _store(engine, _alert("a1", "Moderate"))
    assert wall.stage().level == 2
    assert wall.stage().since is None  # not logged yet: a wall's read never writes
    assert wall.log_stage().since == now[0]
    now[0] += timedelta(seconds=10)
    _store(engine, _alert("a2", "Severe", district="11650", areas=("11680", "11710")))
    state = wall.stage()
    assert state.level == 3
    assert [c.event_id is not None for c in state.causes] == [True]
    assert state.districts == ("11650", "11680", "11710")  # Seocho, Gangnam, Songpa
    wall.log_stage()
    now[0] += timedelta(seconds=10)
    _store(engine, _alert("a3", "Severe", urgency="Immediate", district=None))
    state = wall.stage()
    assert state.level == 4 and state.districts == ()  # a city-wide alert: all of it
    wall.log_stage()
    wall.log_stage()
    # the alerts expire: back to normal
    now[0] = T0 + timedelta(hours=7)
    assert wall.stage().level == 1
    wall.log_stage()
    with engine.connect() as conn:
        levels = [r.level for r in reversed(stage_store.history(conn))]
    assert levels == [2, 3, 4, 1]  # each change once, however often it was logged
    now[0] += timedelta(seconds=10)  # the next moment: the wall reads it as logged
    assert wall.stage().since == T0 + timedelta(hours=7)


def test_reading_the_stage_writes_nothing(engine, seoul):
    """Every screen reads the stage at each refresh: the log is the watcher's."""
    wall = KpiService(engine, seoul, clock=lambda: T0)
    _store(engine, _alert("a1", "Severe"))
    for _ in range(3):
        assert wall.stage().level == 3
        wall.disaster()
    with engine.connect() as conn:
        assert stage_store.history(conn) == []


def test_a_cancelled_alert_lowers_the_stage(engine, seoul):
    now = [T0]
    wall = KpiService(engine, seoul, clock=lambda: now[0])
    _store(engine, _alert("x", "Extreme"))
    assert wall.stage().level == 5
    now[0] += timedelta(seconds=10)
    _store(engine, _alert("x", "Extreme", status="cancelled"))
    assert wall.stage().level == 1


def test_quakes_and_fine_dust_raise_it_too(engine, seoul):
    now = [T0]
    wall = KpiService(engine, seoul, clock=lambda: now[0])
    quake = Event(
        source_id="us7000abcd",
        domain="disaster",
        category="earthquake",
        occurred_at=T0 - timedelta(hours=2),
        title="M 5.4 - 12 km SSW of Seoul",
        status="open",
        expires_at=T0 + timedelta(hours=22),  # the USGS connector's active window
        severity="Moderate",
        district_code="11680",
        attrs={"magnitude": 5.4},
    )
    _store(engine, quake)
    state = wall.stage()
    assert state.level == 3 and state.causes[0].value == 5.4
    now[0] = T0 + timedelta(days=2)  # the quake is two days old: normal again
    assert wall.stage().level == 1
    with engine.begin() as conn:
        writes.upsert_measurements(
            conn,
            "air",
            [
                Measurement(
                    "pm25", f"station-{i}", now[0] - timedelta(minutes=20), 95.0
                )
                for i in range(3)
            ],
        )
        versions.bump_data_version(conn)
    state = wall.stage()
    assert state.level == 2 and "PM2.5 95" in state.causes[0].title


def test_an_operator_sets_the_stage_by_hand_and_hands_it_back(engine, seoul):
    now = [T0]
    wall = KpiService(engine, seoul, clock=lambda: now[0])
    with engine.begin() as conn:
        stage_store.set_override(conn, 5, "typhoon landfall expected", now[0], None)
    state = wall.log_stage()
    assert (state.level, state.manual, state.reason) == (
        5,
        True,
        "typhoon landfall expected",
    )
    assert state.since == now[0]
    now[0] += timedelta(minutes=1)
    with engine.begin() as conn:
        stage_store.clear_overrides(conn, now[0])
    assert wall.log_stage().level == 1
    with engine.connect() as conn:
        log = list(reversed(stage_store.history(conn)))
    assert [(r.level, bool(r.manual)) for r in log] == [(5, True), (1, False)]
    assert log[0].cause == "set by hand: typhoon landfall expected"


def test_the_wall_turns_to_its_disaster_layout_above_the_threshold(engine, seoul):
    now = [T0]
    wall = KpiService(engine, seoul, clock=lambda: now[0])
    _store(engine, _alert("m", "Moderate"))
    view = wall.disaster()
    # stage 2 is below Rio's layout_from (3): the normal wall, nothing outlined
    assert (view.state.level, view.layout, view.affected) == (2, False, ())
    assert view.stage.name("en") == "Mobilisation" and view.stages == 5
    now[0] += timedelta(seconds=10)
    _store(
        engine,
        _alert(
            "s",
            "Severe",
            urgency="Immediate",
            district="11650",
            areas=("11680",),
            instruction="Move to higher floors.",
            languages={
                "ko-KR": {"headline": "호우 경보", "instruction": "높은 층으로 대피"},
                "en-US": {"headline": "Heavy rain warning"},
            },
        ),
    )
    view = wall.disaster()
    assert (view.state.level, view.layout) == (4, True)
    assert view.stage.colour == "#D62728"  # Alert: red
    assert view.affected == ("11650", "11680")  # what raised it, not the Moderate one
    severe, moderate = view.alerts  # most severe first
    assert (severe.severity, moderate.severity) == ("Severe", "Moderate")
    assert severe.districts == ("11650", "11680")
    assert severe.expires_at == T0 + timedelta(hours=6)
    # the feed's own language when it sent one, else the text the connector kept
    assert severe.text("ko", "headline") == "호우 경보"
    assert severe.text("ko", "instruction") == "높은 층으로 대피"
    assert severe.text("en", "instruction") == "Move to higher floors."
    assert severe.text("es", "headline") == "Severe heavy rain warning"


def test_a_stage_set_by_hand_concerns_the_whole_city_without_alerts(engine, seoul):
    now = [T0]
    wall = KpiService(engine, seoul, clock=lambda: now[0])
    with engine.begin() as conn:
        stage_store.set_override(conn, 3, "river level rising", now[0], None)
    view = wall.disaster()
    assert view.layout and view.state.manual
    assert view.affected == tuple(d.code for d in seoul.districts)
    assert view.alerts == ()


def test_a_profile_may_move_only_the_threshold(tmp_path):
    from city.ladder import DEFAULT_LADDER, load_ladder

    problems: list[str] = []
    ladder = load_ladder({"layout_from": 4}, problems)
    assert problems == []
    assert ladder.stages == DEFAULT_LADDER.stages
    assert ladder.rules == DEFAULT_LADDER.rules
    assert ladder.layout_from == 4
    # own stages without rules: the default rules that reach those stages only
    ladder = load_ladder(
        {"stages": [{"level": 1, "colour": "#009E73"}, {"level": 2}]}, problems
    )
    assert problems == []
    assert {r.stage for r in ladder.rules} == {2}
    load_ladder({"layout_from": "high"}, problems)
    assert problems == ["[disaster] `layout_from` must be a stage's level (an integer)"]


def test_the_alerts_areas_are_read_in_one_query(engine):
    """Each alert keeps its own districts, and a refresh asks for all of their
    further areas at once (it asked once per alert before)."""
    from sqlalchemy import event

    from kpis.alerts import briefs

    _store(
        engine,
        _alert("one", "Severe", district="11650", areas=("11680", "11710")),
        _alert("two", "Moderate", district="11680", areas=("11740",)),
        _alert("city", "Minor", district=None, category="strong_wind"),
        _alert("alone", "Minor", district="11710", category="heat_wave"),
    )
    asked = []

    def count(conn, cursor, statement, *args):
        if "event_areas" in statement:
            asked.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.connect() as conn:
            found = {b.title: b.districts for b in briefs(conn, T0, limit=10)}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert found == {
        "Severe heavy rain warning": ("11650", "11680", "11710"),
        "Moderate heavy rain warning": ("11680", "11740"),
        "Minor strong wind warning": (),  # city-wide
        "Minor heat wave warning": ("11710",),
    }
    assert len(asked) == 1
