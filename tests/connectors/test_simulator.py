"""The demo city: deterministic for a seed, the same whatever the chunking, and
realistic enough for a mayor to recognise Seoul."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import shapely

from city import i18n
from city.hotspots import (
    CROWD_FORECAST_LEVEL,
    CROWD_FORECAST_MAX,
    CROWD_LEVEL,
    CROWD_MAX,
    CROWD_MIN,
    LEVEL_KEYS,
)
from city.records import Batch
from connectors.crowds import FORECAST_HOURS, CrowdModel, level_of
from connectors.simulator import SimulatorConnector

NOW = datetime(2026, 3, 18, 2, 37, tzinfo=UTC)  # a Wednesday, 11:37 in Seoul
CAP_SEVERITIES = {"Minor", "Moderate", "Severe", "Extreme"}


def options(seoul, **extra):
    """The profile's demo options with a 3-day backfill (and any overrides)."""
    return seoul.sources[0].options | {"backfill_days": 3} | extra


def drain(sim: SimulatorConnector, cursor: str | None, now: datetime):
    """Pull at ``now`` until the source has nothing more ready."""
    batches: list[Batch] = []
    while True:
        batch = sim.pull(cursor, now)
        batches.append(batch)
        cursor = batch.next_cursor
        if not batch.more:
            return batches, cursor


# what a pull says of the hours after it: each pull's own, not a state to compare
FORECASTS = (CROWD_FORECAST_LEVEL, CROWD_FORECAST_MAX)


def final_state(batches: list[Batch]):
    """What a store holds after the batches: the last version of each record
    (of the readings, the observed ones: a forecast is the pull's own)."""
    events, readings = {}, {}
    for batch in batches:
        events.update({e.source_id: e for e in batch.events})
        readings.update(
            {
                (m.series, m.place, m.observed_at): m
                for m in batch.measurements
                if m.series not in FORECASTS
            }
        )
    return events, readings


def pull_all(sim: SimulatorConnector, times: list[datetime], cursor=None):
    """Catch up at each of ``times`` in turn; the final state and the batches."""
    batches: list[Batch] = []
    for t in times:
        more, cursor = drain(sim, cursor, t)
        batches += more
    return (*final_state(batches), batches)


@pytest.fixture(scope="module")
def three_days(seoul):
    """A wall's first start with a 3-day backfill (Sunday noon to Wednesday noon)."""
    return pull_all(SimulatorConnector(seoul, options(seoul)), [NOW])


@pytest.fixture(scope="module")
def month(seoul):
    """30 days of Seoul, as the wall's first start backfills them."""
    return pull_all(SimulatorConnector(seoul, seoul.sources[0].options), [NOW])


def local(t: datetime, seoul) -> datetime:
    return t.astimezone(seoul.timezone)


# -- determinism ---------------------------------------------------------------------


def test_two_simulators_with_the_same_seed_produce_identical_records(seoul):
    a = SimulatorConnector(seoul, options(seoul))
    b = SimulatorConnector(seoul, options(seoul))
    first_a, first_b = a.pull(None, NOW), b.pull(None, NOW)
    assert first_a.events and first_a.measurements
    assert first_a.events == first_b.events
    assert first_a.measurements == first_b.measurements
    assert first_a.next_cursor == first_b.next_cursor
    second_a = a.pull(first_a.next_cursor, NOW)
    second_b = b.pull(first_b.next_cursor, NOW)
    assert second_a.events == second_b.events
    assert second_a.measurements == second_b.measurements


def test_a_different_seed_gives_a_different_city(seoul):
    a = SimulatorConnector(seoul, options(seoul)).pull(None, NOW)
    other = SimulatorConnector(seoul, options(seoul, seed=7)).pull(None, NOW)
    assert [e.occurred_at for e in a.events] != [e.occurred_at for e in other.events]
    assert [m.value for m in a.measurements] != [m.value for m in other.measurements]


# -- chunking ------------------------------------------------------------------------


def test_one_pull_over_a_span_equals_two_pulls_over_its_halves(seoul):
    a, b, c = NOW, NOW + timedelta(hours=7, minutes=13), NOW + timedelta(hours=20)
    whole, _ = drain(SimulatorConnector(seoul, options(seoul)), a.isoformat(), c)
    sim = SimulatorConnector(seoul, options(seoul))
    first, cursor = drain(sim, a.isoformat(), b)
    second, _ = drain(sim, cursor, c)
    assert first[-1].events and second[-1].events
    events_whole, readings_whole = final_state(whole)
    events_split, readings_split = final_state(first + second)
    assert events_split == events_whole
    assert readings_split == readings_whole
    assert all(a <= m.observed_at < c for m in readings_whole.values())


def test_a_wall_polled_every_few_minutes_ends_where_one_big_pull_ends(seoul):
    end = NOW + timedelta(hours=30)
    steps = [NOW + timedelta(minutes=m) for m in (0, 7, 61, 200)] + [end]
    big = pull_all(SimulatorConnector(seoul, options(seoul)), [NOW, end])
    small = pull_all(SimulatorConnector(seoul, options(seoul)), steps)
    assert big[0] == small[0]
    assert big[1] == small[1]


def test_a_backfill_ends_in_the_state_of_a_wall_that_ran_through_those_days(
    seoul, three_days
):
    events, readings, _ = three_days
    start = min(m.observed_at for m in readings.values())
    assert NOW - timedelta(days=3, hours=1) <= start <= NOW - timedelta(days=3)
    live = SimulatorConnector(seoul, options(seoul))
    live_events, live_readings, _ = pull_all(live, [NOW], cursor=start.isoformat())
    created_since = {k: e for k, e in events.items() if e.occurred_at >= start}
    assert created_since == {
        k: e for k, e in live_events.items() if e.occurred_at >= start
    }
    assert readings == live_readings


def test_a_short_backfill_still_shows_the_whole_open_backlog(three_days, month):
    """Open complaints and active alerts do not depend on how far back one looks."""

    def still_open(events):
        return {
            k: e.status
            for k, e in events.items()
            if e.status not in ("closed", "expired", "cleared")
        }

    short, long = still_open(three_days[0]), still_open(month[0])
    assert short == long
    window = min(m.observed_at for m in three_days[1].values())
    older = [k for k in short if three_days[0][k].occurred_at < window]
    assert len(older) > 100, "complaints opened before the backfill are still open"


def test_the_first_pull_fills_the_newest_day_then_history_follows(seoul):
    sim = SimulatorConnector(seoul, options(seoul))
    first = sim.pull(None, NOW)
    assert first.more, "the history is still to come"
    assert NOW - max(e.occurred_at for e in first.events) < timedelta(minutes=30)
    assert min(m.observed_at for m in first.measurements) >= NOW - timedelta(hours=25)
    second = sim.pull(first.next_cursor, NOW)
    assert max(m.observed_at for m in second.measurements) <= NOW - timedelta(hours=23)


# -- realism -------------------------------------------------------------------------


def mean_speed(readings, seoul, local_hour: int, road_class: str) -> float:
    """Mean weekday speed of a road class in one local hour."""
    values = [
        m.value
        for m in readings.values()
        if m.series == "road_speed"
        and m.category == road_class
        and local(m.observed_at, seoul).hour == local_hour
        and local(m.observed_at, seoul).weekday() < 5
    ]
    assert len(values) > 50, (local_hour, road_class)
    return statistics.mean(values)


def test_weekday_morning_rush_is_clearly_slower_than_the_night(three_days, seoul):
    _, readings, _ = three_days
    rush = mean_speed(readings, seoul, 8, "arterial")
    night = mean_speed(readings, seoul, 3, "arterial")
    assert rush < 0.75 * night
    assert 15 < rush < 30 and 30 < night < 48  # TOPIS-like arterial speeds


def test_expressways_are_faster_than_arterials(three_days, seoul):
    _, readings, _ = three_days
    speeds = [m for m in readings.values() if m.series == "road_speed"]
    by_class = {
        cls: statistics.mean(m.value for m in speeds if m.category == cls)
        for cls in ("arterial", "expressway")
    }
    assert {m.category for m in speeds} == {"arterial", "expressway"}
    assert by_class["expressway"] > by_class["arterial"] + 15
    for hour in (3, 8):
        assert mean_speed(readings, seoul, hour, "expressway") > mean_speed(
            readings, seoul, hour, "arterial"
        )
    assert min(m.value for m in speeds) >= 3


def test_pm25_stays_in_a_plausible_range(month):
    _, readings, _ = month
    values = [m.value for m in readings.values() if m.series == "pm25"]
    assert len(values) >= 25 * 24 * 29  # every district, every hour
    assert 1 <= min(values) and max(values) <= 200
    assert 10 <= statistics.mean(values) <= 60


def test_complaints_arrive_at_the_configured_daily_rate(month, seoul):
    events, _, _ = month
    days = 30
    complaints = [
        e
        for e in events.values()
        if e.domain == "complaints"
        and NOW - timedelta(days=days) <= e.occurred_at < NOW
    ]
    configured = seoul.sources[0].options["complaints_per_day"]
    assert 0.8 * configured <= len(complaints) / days <= 1.2 * configured


def test_the_complaints_per_day_option_sets_the_rate(seoul):
    def per_day(rate: float) -> float:
        sim = SimulatorConnector(seoul, options(seoul, complaints_per_day=rate))
        batch = sim.pull(NOW.isoformat(), NOW + timedelta(days=1))
        return sum(
            e.domain == "complaints" and e.occurred_at >= NOW for e in batch.events
        )

    low, high = per_day(100), per_day(1000)
    assert 0.8 * 100 <= low <= 1.2 * 100  # a Wednesday-Thursday: a weekday
    assert 8 <= high / low <= 12


def test_traffic_is_the_largest_complaint_category(month):
    events, _, _ = month
    categories = Counter(
        e.category for e in events.values() if e.domain == "complaints"
    )
    (top, top_n), (_, second_n) = categories.most_common(2)
    assert top == "traffic"
    assert 0.25 < top_n / categories.total() < 0.36  # 응답소: about 30 %
    assert top_n > 2 * second_n


def test_a_complaint_moves_from_received_to_closed_over_successive_pulls(seoul):
    sim = SimulatorConnector(seoul, options(seoul, backfill_days=1))
    order = ["received", "assigned", "in_progress", "closed"]
    seen: dict[str, list[str]] = {}
    cursor = None
    for hours in range(0, 24 * 8, 6):
        batches, cursor = drain(sim, cursor, NOW + timedelta(hours=hours))
        for e in (e for b in batches for e in b.events if e.domain == "complaints"):
            assert e.status in order
            assert (e.closed_at is not None) == (e.status == "closed"), e
            if e.closed_at is not None:
                assert e.closed_at == e.updated_at > e.occurred_at
            steps = [name for name, _ in e.attrs["lifecycle"]]
            assert steps == order[: len(steps)] and steps[-1] == e.status
            seen.setdefault(e.source_id, []).append(e.status)
    journeys = [s for s in seen.values() if s[0] == "received" and s[-1] == "closed"]
    assert len(journeys) > 10, "complaints are followed from arrival to closing"
    assert any(len(set(s)) == 4 for s in journeys), "some pass through every step"
    for statuses in seen.values():
        ranks = [order.index(s) for s in statuses]
        assert ranks == sorted(ranks), statuses  # never back to an earlier step


def test_disaster_alerts_carry_cap_severities(month, three_days):
    for events, _, _ in (month, three_days):
        alerts = [e for e in events.values() if e.domain == "disaster"]
        assert alerts
        assert {e.severity for e in alerts} <= CAP_SEVERITIES
    alerts = [e for e in month[0].values() if e.domain == "disaster"]
    assert len(alerts) > 60  # about 4 a day
    assert any(e.severity in ("Severe", "Extreme") for e in alerts)
    assert all(e.expires_at > e.occurred_at for e in alerts)
    assert {e.status for e in alerts} <= {"active", "expired"}
    assert any(e.district_code is None for e in alerts), "some alerts are city-wide"
    # March in Seoul: fine dust, not heat waves
    assert not any(e.category == "heat_wave" for e in alerts)


def test_every_place_is_a_district_of_the_profile(month, seoul):
    events, readings, _ = month
    codes = {d.code for d in seoul.districts}
    assert {e.district_code for e in events.values()} - {None} <= codes
    assert {m.district_code for m in readings.values()} == codes
    # and each placed event lies inside its district
    for code in codes:
        placed = [e for e in events.values() if e.district_code == code]
        inside = shapely.contains_xy(
            seoul.districts_by_code[code].geometry.buffer(1e-6),
            [e.lon for e in placed],
            [e.lat for e in placed],
        )
        assert placed and inside.all(), code
    safety = [e for e in events.values() if e.domain == "safety"]
    assert all(e.attrs["agency"] for e in safety)


# -- any city: its size, its climate, its agencies, its language --------------------


@pytest.fixture(scope="module")
def guayaquil():
    from city.profile import load_profile
    from tests.conftest import PROJECT_ROOT

    return load_profile(PROJECT_ROOT / "cities/guayaquil.toml")


def one_day(sim: SimulatorConnector, start: datetime = NOW) -> list:
    """The events created in the day after ``start``."""
    batch = sim.pull(start.isoformat(), start + timedelta(days=1))
    return [e for e in batch.events if e.occurred_at >= start]


def test_rates_scale_with_the_population_unless_given(seoul):
    bare = {"seed": 1, "backfill_days": 1}
    whole = SimulatorConnector(seoul, bare)  # Seoul's residents: Seoul's rates
    tenth = SimulatorConnector(seoul, bare | {"population": 942_000})
    assert whole.per_day["complaints"] == pytest.approx(850)
    assert whole.per_day["traffic"] == pytest.approx(53)
    assert tenth.per_day["complaints"] == pytest.approx(85)
    assert tenth.per_day["safety"] == pytest.approx(16)
    assert tenth.per_day["alerts"] == pytest.approx(4 / 10**0.5)
    complaints = sum(e.domain == "complaints" for e in one_day(tenth))
    assert 0.7 * 85 <= complaints <= 1.3 * 85  # a weekday
    given = SimulatorConnector(
        seoul, bare | {"population": 942_000, "alerts_per_day": 9}
    )
    assert given.per_day["alerts"] == 9  # an explicit rate wins


def alert_kinds(sim: SimulatorConnector, month: int) -> Counter:
    """The kinds of the alerts issued from the 10th of ``month`` for 20 days."""
    start = datetime(2026, month, 10, tzinfo=UTC)
    alerts = next(s for s in sim.streams if s.domain == "disaster")
    end = start + timedelta(days=20)
    return Counter(
        e.category for e in sim.events(alerts, start, end) if e.occurred_at >= start
    )


def test_the_tropics_get_rains_and_floods_not_cold_waves_or_fine_dust(guayaquil):
    sim = SimulatorConnector(
        guayaquil, guayaquil.sources[0].options | {"alerts_per_day": 40}
    )
    assert sim.climate == "tropical-south"
    wet, dry = alert_kinds(sim, 3), alert_kinds(sim, 8)  # March rains, August dry
    for kinds in (wet, dry):
        assert not kinds.keys() & {"cold_wave", "fine_dust", "heavy_snow"}, kinds
    assert wet["flood"] + wet["heavy_rain"] > 3 * (dry["flood"] + dry["heavy_rain"])
    assert dry["fire"] > 2 * wet["fire"]  # forest fires in the dry season
    assert wet["landslide"] > 0


def test_the_seasons_flip_south_of_the_equator(seoul):
    options = {"seed": 3, "backfill_days": 1, "alerts_per_day": 40}
    north = SimulatorConnector(seoul, options | {"climate": "temperate-north"})
    south = SimulatorConnector(seoul, options | {"climate": "temperate-south"})
    assert north.climate == "temperate-north"  # Seoul's, from its latitude too
    assert SimulatorConnector(seoul, {}).climate == "temperate-north"
    january_north, january_south = alert_kinds(north, 1), alert_kinds(south, 1)
    assert january_north["cold_wave"] > 10 and january_north["heat_wave"] == 0
    assert january_south["heat_wave"] > 10 and january_south["cold_wave"] == 0


def test_a_citys_agencies_sender_and_titles_are_its_own(guayaquil):
    events = one_day(SimulatorConnector(guayaquil, guayaquil.sources[0].options))
    agencies = {e.attrs["agency"] for e in events if e.domain in ("safety", "traffic")}
    assert "Benemérito Cuerpo de Bomberos de Guayaquil" in agencies
    assert not any("Seoul" in str(e.attrs) for e in events)
    alerts = [e for e in events if e.domain == "disaster"]
    assert alerts
    assert {e.attrs["sender"] for e in alerts} == {
        "Secretaría Nacional de Gestión de Riesgos"
    }
    # titles in the city's language, each with its kind's key for the wall's
    assert all(e.attrs["title_key"] == e.category for e in events)
    spanish = i18n.catalog("es")
    assert all(e.title == spanish[f"record_title.{e.category}"] for e in events)
    assert "Llamada de ambulancia" in {e.title for e in events}


def test_a_city_without_names_gets_generic_ones_in_its_language(guayaquil):
    sim = SimulatorConnector(guayaquil, {"seed": 1, "population": 500_000})
    assert sim.agencies["fire"] == "Bomberos"
    assert sim.alert_sender == "Gestión de riesgos de Guayaquil"
    english = SimulatorConnector(guayaquil, {"language": "en"})
    assert english.agencies["police"] == "Police"
    assert english.title("flood") == "Flood warning"
    assert english.title("volcanic_ash") == "Volcanic ash"  # a kind of its own


def test_alert_kinds_and_seasons_can_be_the_citys_own(seoul):
    sim = SimulatorConnector(
        seoul,
        {
            "alerts_per_day": 40,
            "alert_kinds": {"volcanic_ash": 1, "flood": 1},
            "alert_seasons": {"flood": [0] * 6 + [1] * 6},
        },
    )
    march = alert_kinds(sim, 3)
    assert set(march) == {"volcanic_ash"}  # no floods before July
    assert alert_kinds(sim, 9)["flood"] > 0


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (
            {"agencies": {"fyre": "X"}},
            "option `agencies` has no role 'fyre' (did you mean 'fire'? roles: police",
        ),
        ({"alert_seasons": {"flood": [1, 2]}}, "option `alert_seasons` flood: give 12"),
        ({"alert_kinds": {}}, "option `alert_kinds` needs at least one kind"),
        ({"climate": "tropical"}, 'option `climate` must be one of "temperate-north"'),
    ],
)
def test_a_wrong_option_is_refused_with_the_fix(seoul, option, said):
    from connectors.options import SourceOptionsError

    with pytest.raises(SourceOptionsError, match=re.escape(said)):
        SimulatorConnector(seoul, option)


# -- crowds at the hotspots ----------------------------------------------------------
def test_every_hotspot_reports_its_band_and_level_each_step(seoul, three_days):
    _, readings, _ = three_days
    levels = [m for m in readings.values() if m.series == CROWD_LEVEL]
    places = {m.place for m in levels}
    assert places == {h.code for h in seoul.hotspots}
    # a reading every 10 minutes for three days, at each hotspot
    assert len(levels) == pytest.approx(len(places) * 3 * 24 * 6, rel=0.01)
    spots = seoul.hotspots_by_code
    for m in levels:
        assert m.category == LEVEL_KEYS[int(m.value) - 1]
        spot = spots[m.place]
        assert (m.district_code, m.lon, m.lat) == (spot.district, spot.lon, spot.lat)
        low = readings[(CROWD_MIN, m.place, m.observed_at)].value
        high = readings[(CROWD_MAX, m.place, m.observed_at)].value
        assert 0 <= low < high and high - low <= 0.021 * high + 200
    # all four levels occur: the demo's wall shows every colour
    assert {m.category for m in levels} == set(LEVEL_KEYS)


def test_a_live_pull_forecasts_the_next_hours_as_the_model_expects(seoul):
    sim = SimulatorConnector(seoul, options(seoul))
    batches, _ = drain(sim, None, NOW)
    ahead = [m for b in batches for m in b.measurements if m.series in FORECASTS]
    hours = sorted({m.observed_at for m in ahead})
    first = NOW.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert hours == [first + timedelta(hours=h) for h in range(FORECAST_HOURS)]
    model = CrowdModel(seoul.hotspots, seoul.timezone, options(seoul)["seed"])
    for m in ahead:
        spot = seoul.hotspots_by_code[m.place]
        share = model.expected_share(spot, m.observed_at)
        if m.series == CROWD_FORECAST_LEVEL:
            assert m.value == level_of(share)
        else:
            people = share * model.capacity(spot)
            assert people <= m.value <= people * 1.01 + 100
    # the history's pulls forecast nothing: their hours are long past
    history = SimulatorConnector(seoul, options(seoul))
    first_pull = history.pull(None, NOW)
    older = history.pull(first_pull.next_cursor, NOW)
    assert not [m for m in older.measurements if m.series in FORECASTS]


def _share_at(model: CrowdModel, code: str, local: datetime) -> float:
    spot = next(h for h in model.hotspots if h.code == code)
    return model.expected_share(spot, local.replace(tzinfo=model.timezone))


def test_crowds_follow_the_citys_week_its_events_and_its_festival(seoul):
    model = CrowdModel(seoul.hotspots, seoul.timezone, 20171120)
    hongdae, gangnam, yeouido = "POI007", "POI014", "POI072"
    saturday, tuesday = datetime(2026, 3, 14, 23), datetime(2026, 3, 10, 23)
    # nightlife fills on a Saturday night, not on a Tuesday's
    assert level_of(_share_at(model, hongdae, saturday)) == 4
    assert _share_at(model, hongdae, saturday) > 1.5 * _share_at(
        model, hongdae, tuesday
    )
    # a station at the evening rush on a weekday, quiet at 4 in the morning
    rush, night = datetime(2026, 3, 10, 18, 36), datetime(2026, 3, 10, 4)
    assert level_of(_share_at(model, gangnam, rush)) >= 3
    assert level_of(_share_at(model, gangnam, night)) == 1
    # offices empty at the weekend
    assert _share_at(model, yeouido, datetime(2026, 3, 10, 13)) > 3 * _share_at(
        model, yeouido, datetime(2026, 3, 15, 13)
    )
    # the month's festival: its last Saturday, one host crowded in the evening
    last_saturday = datetime(2026, 3, 28, 19, 30)
    crowded = [
        h.code
        for h in model.hotspots
        if h.kind in ("park", "square", "venue")
        and _share_at(model, h.code, last_saturday) > 1.5
    ]
    assert len(crowded) == 1
    assert _share_at(model, crowded[0], datetime(2026, 3, 21, 19, 30)) < 1.5
