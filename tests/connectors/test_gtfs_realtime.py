"""GTFS-realtime through `citywall ingest`, against the local feed server. Feeds
are built with the official bindings, as a transit agency's server would."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from google.transit import gtfs_realtime_pb2 as rt
from sqlalchemy import select

from store.schema import events, measurements, quarantine
from tests.connectors.conftest import real_fixture
from tests.connectors.feedserver import Reply
from tests.connectors.harness import (
    IngestCli,
    quarantine_reasons,
    source_block,
    summary_numbers,
)

STAMP = 1795670400  # 2026-11-26T05:20:00Z
GANGNAM = (127.0473, 37.5172)
JONGNO = (126.9770, 37.5796)


def feed(stamp: int = STAMP) -> rt.FeedMessage:
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = rt.FeedHeader.FULL_DATASET
    message.header.timestamp = stamp
    return message


def trip_updates(stamp: int = STAMP, late: int = 420) -> bytes:
    """Route 146: two trips (60 s and ``late`` s late); route 740: one early by
    30 s; one trip with predicted times only; one entity naming nothing."""
    message = feed(stamp)
    for trip, route, delay in (
        ("t1", "146", 60),
        ("t2", "146", late),
        ("t3", "740", -30),
    ):
        entity = message.entity.add(id=trip)
        entity.trip_update.trip.trip_id = trip
        entity.trip_update.trip.route_id = route
        stop = entity.trip_update.stop_time_update.add(stop_sequence=5, stop_id="S5")
        stop.arrival.delay = delay
    predicted = message.entity.add(id="t4")
    predicted.trip_update.trip.trip_id = "t4"
    predicted.trip_update.trip.route_id = "740"
    predicted.trip_update.stop_time_update.add(stop_sequence=1).arrival.time = (
        STAMP + 90
    )
    nameless = message.entity.add(id="t5").trip_update
    nameless.trip.SetInParent()  # present but empty: neither trip nor route
    nameless.stop_time_update.add(stop_sequence=1).arrival.delay = 10
    return message.SerializeToString()


def vehicle_positions(stamp: int = STAMP, *, off_the_globe: bool = False) -> bytes:
    """Three buses placed; with ``off_the_globe`` a fourth on route 146 at
    latitude 100."""
    message = feed(stamp)
    for trip, route, (lon, lat) in (
        ("t1", "146", GANGNAM),
        ("t2", "146", JONGNO),
        ("t3", "740", GANGNAM),
    ):
        entity = message.entity.add(id=f"v-{trip}")
        entity.vehicle.trip.trip_id = trip
        entity.vehicle.trip.route_id = route
        entity.vehicle.position.longitude = lon
        entity.vehicle.position.latitude = lat
        entity.vehicle.vehicle.id = f"bus-{trip}"
        entity.vehicle.vehicle.license_plate = "서울70사1234"
    if off_the_globe:
        broken = message.entity.add(id="v-t9")
        broken.vehicle.trip.trip_id = "t9"
        broken.vehicle.trip.route_id = "146"
        broken.vehicle.position.longitude = 127.0
        broken.vehicle.position.latitude = 100.0
        broken.vehicle.vehicle.license_plate = "서울70사9999"
    return message.SerializeToString()


def alerts(*ids: str) -> bytes:
    message = feed()
    for alert_id in ids:
        alert = message.entity.add(id=alert_id).alert
        alert.effect = rt.Alert.DETOUR
        alert.cause = rt.Alert.CONSTRUCTION
        alert.active_period.add(start=STAMP - 3600, end=STAMP + 7200)
        alert.informed_entity.add(route_id="146")
        alert.header_text.translation.add(text="146번 우회 운행", language="ko")
        alert.header_text.translation.add(text="Route 146 detour ", language="en")
    return message.SerializeToString()


def source(**urls: str) -> str:
    return source_block("buses", "gtfs_realtime", {"retries": 0} | urls, 30)


def readings(ingest: IngestCli) -> dict[tuple[str, str], dict]:
    with ingest.engine().connect() as conn:
        rows = conn.execute(select(measurements)).mappings().all()
    return {(r["series"], r["place"]): dict(r) for r in rows}


def route_146_delays(ingest: IngestCli, by: str) -> list[tuple]:
    """(``by``, value) of every stored delay reading of route 146, ordered by ``by``."""
    with ingest.engine().connect() as conn:
        rows = conn.execute(
            select(measurements.c[by], measurements.c.value)
            .where(measurements.c.series == "transit_delay_s")
            .where(measurements.c.place == "route:146")
            .order_by(measurements.c[by])
        ).all()
    return [tuple(r) for r in rows]


def protobuf(body: bytes) -> Reply:
    return Reply(body, content_type="application/x-protobuf")


def test_delays_and_on_time_share_by_route_and_district(feed_server, ingest):
    ingest.use(
        source(
            trip_updates_url=feed_server.route("/tu.pb", protobuf(trip_updates())),
            vehicle_positions_url=feed_server.route(
                "/vp.pb", protobuf(vehicle_positions())
            ),
        )
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    got = readings(ingest)
    at = datetime(2026, 11, 26, 5, 20, tzinfo=UTC)
    assert got[("transit_delay_s", "route:146")]["value"] == 240.0
    assert got[("transit_on_time_share", "route:146")]["value"] == 0.5  # 420 s is late
    assert got[("transit_delay_s", "route:740")]["value"] == -30.0
    assert got[("transit_on_time_share", "route:740")]["value"] == 1.0
    gangnam = got[("transit_delay_s", "district:11680")]
    assert gangnam["value"] == 15.0 and gangnam["district_code"] == "11680"
    assert got[("transit_delay_s", "district:11110")]["value"] == 420.0
    assert got[("transit_vehicles", "route:146")]["value"] == 2
    assert {r["observed_at"] for r in got.values()} == {at}
    assert "70사" not in json.dumps(list(got.values()), default=str)
    numbers = summary_numbers(done.out)
    assert numbers["rejected"] == 1 and numbers["ignored"] == 1  # t5 and t4


def test_the_same_snapshot_twice_is_stored_once(feed_server, ingest):
    ingest.use(
        source(trip_updates_url=feed_server.route("/tu.pb", protobuf(trip_updates())))
    )
    ingest()
    first = readings(ingest)
    ingest()
    assert readings(ingest).keys() == first.keys()


def test_alerts_open_and_close_when_they_leave_the_feed(feed_server, ingest):
    url = feed_server.route("/alerts.pb", protobuf(alerts("a1", "a2")))
    ingest.use(source(alerts_url=url))
    ingest()
    feed_server.route("/alerts.pb", protobuf(alerts("a2")))
    ingest()
    with ingest.engine().connect() as conn:
        rows = {r["source_id"]: r for r in conn.execute(select(events)).mappings()}
    assert rows["a1"]["status"] == "closed" and rows["a2"]["status"] == "open"
    a2 = rows["a2"]
    assert a2["title"] == "Route 146 detour" and a2["category"] == "transit_detour"
    assert a2["domain"] == "traffic" and a2["attrs"]["routes"] == ["146"]
    assert a2["occurred_at"] == datetime.fromtimestamp(STAMP - 3600, UTC)
    assert a2["expires_at"] == datetime.fromtimestamp(STAMP + 7200, UTC)


def test_a_truncated_or_foreign_feed_fails_the_pull(feed_server, ingest):
    body = trip_updates()
    url = feed_server.route("/tu.pb", protobuf(b"<html>maintenance</html>"))
    ingest.use(source(trip_updates_url=url))
    done = ingest()
    assert done.exit_code == 1 and "not a GTFS-realtime feed" in done.out
    feed_server.route("/tu.pb", Reply(body, truncate_to=len(body) - 7))
    done = ingest()
    assert done.exit_code == 1 and "incomplete response" in done.out
    with ingest.engine().connect() as conn:
        assert conn.execute(select(measurements)).first() is None


def test_recorded_caltrain_and_bart_feeds(feed_server, ingest):
    ingest.use(
        source(
            trip_updates_url=feed_server.route(
                "/ct-tu.pb",
                protobuf(real_fixture("gtfsrt/transitland_ct-trip-updates.pb")),
            ),
            vehicle_positions_url=feed_server.route(
                "/ct-vp.pb",
                protobuf(real_fixture("gtfsrt/transitland_ct-vehicle-positions.pb")),
            ),
            alerts_url=feed_server.route(
                "/bart.pb", protobuf(real_fixture("gtfsrt/transitland_bart-alerts.pb"))
            ),
        )
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    numbers = summary_numbers(done.out)
    # Caltrain predicts times without delays: 19 updates read, none measurable
    assert numbers["ignored"] == 19 and numbers["rejected"] == 0
    got = readings(ingest)
    assert sum(r["value"] for k, r in got.items() if k[0] == "transit_vehicles") == 14
    with ingest.engine().connect() as conn:
        alert = conn.execute(select(events)).mappings().one()
    assert alert["title"].startswith("There is a major delay at Montgomery St.")
    assert not alert["title"].endswith(" ")  # the feed's trailing space
    assert alert["severity"] == "Moderate" and alert["attrs"]["agencies"] == ["BART"]


def test_counts_are_of_entities_and_a_vehicle_off_the_globe_is_rejected(
    feed_server, ingest
):
    """fetched counts the feed's entities (six trip updates, four vehicles), not
    the route and district aggregates made of them; a vehicle at latitude 100 is
    quarantined with its reason, neither placed nor counted, and so is a trip
    whose route id is too long to name a reading's place."""
    updates = rt.FeedMessage.FromString(trip_updates())
    long_route = updates.entity.add(id="t6").trip_update
    long_route.trip.trip_id, long_route.trip.route_id = "t6", "R" * 200
    long_route.stop_time_update.add(stop_sequence=1).arrival.delay = 30
    # a rejected trip update's excerpt keeps no plate either
    long_route.vehicle.license_plate, long_route.vehicle.label = "KX-4821", "4821"
    ingest.use(
        source(
            trip_updates_url=feed_server.route(
                "/tu.pb", protobuf(updates.SerializeToString())
            ),
            vehicle_positions_url=feed_server.route(
                "/vp.pb", protobuf(vehicle_positions(off_the_globe=True))
            ),
        )
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    # stored: t1-t3 and three vehicles; rejected: t5, t6 and the vehicle;
    # ignored: t4
    assert summary_numbers(done.out) == {
        "fetched": 10, "stored": 6, "rejected": 3, "ignored": 1
    }  # fmt: skip
    reasons = quarantine_reasons(ingest.engine(), "buses")
    assert "vehicle position (127.0, 100.0) is off the globe" in reasons
    assert "route_id is longer than 122 characters" in reasons
    got = readings(ingest)
    assert got[("transit_vehicles", "route:146")]["value"] == 2
    with ingest.engine().connect() as conn:
        kept = json.dumps(
            [dict(r) for r in conn.execute(select(quarantine)).mappings()], default=str
        )
    assert "70사" not in kept and "4821" not in kept


def test_snapshots_without_a_timestamp_in_one_minute_are_both_kept(feed_server, ingest):
    """A feed whose header has no timestamp is read at the pull's time, to the
    second: two pulls in one minute are two readings, not one overwriting the
    other; the same stamped snapshot pulled twice stays one (see above)."""
    url = feed_server.route("/tu.pb", protobuf(trip_updates(stamp=0, late=420)))
    ingest.use(source(trip_updates_url=url))
    if datetime.now(UTC).second > 50:  # both pulls inside one minute
        time.sleep(61 - datetime.now(UTC).second)
    started = datetime.now(UTC)
    assert ingest().exit_code == 0
    time.sleep(1.1)
    feed_server.route("/tu.pb", protobuf(trip_updates(stamp=0, late=120)))
    done = ingest()
    assert done.exit_code == 0 and summary_numbers(done.out)["stored"] == 3
    rows = route_146_delays(ingest, "observed_at")
    assert [value for _, value in rows] == [240.0, 90.0]
    first, second = (at for at, _ in rows)
    assert first.replace(second=0) == second.replace(second=0)  # one minute
    assert started.replace(microsecond=0) <= first < second


def test_two_feeds_writing_one_route_and_minute_keep_both_readings(
    feed_server, ingest, monkeypatch, store_url
):
    """A reading belongs to its source: a bus and a metro feed both measuring
    route 146 in the same snapshot minute are two readings, on both backends, not
    the second overwriting the first while each run says it stored its own."""
    ingest.db_url = store_url
    monkeypatch.setenv("CITYWALL_DATABASE_URL", store_url)
    bus = feed_server.route("/bus.pb", protobuf(trip_updates(late=420)))
    metro = feed_server.route("/metro.pb", protobuf(trip_updates(late=120)))
    ingest.use(
        source_block("bus", "gtfs_realtime", {"trip_updates_url": bus}, 30)
        + source_block("metro", "gtfs_realtime", {"trip_updates_url": metro}, 30)
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    rows = route_146_delays(ingest, "source")
    assert rows == [("bus", 240.0), ("metro", 90.0)]
    ingest()  # the same snapshots again: each source's reading replaced in place
    assert route_146_delays(ingest, "source") == rows
