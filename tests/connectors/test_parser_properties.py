"""Any payload gives records or clear rejections, never an unhandled exception.

Every connector's pull runs on whatever a hostile or broken server could send —
random bytes, random text, random JSON, random XML, the repo's own fixtures with
random damage, protocol-shaped objects with random values — through a stand-in
HTTP client. The outcome must be a ``Batch`` (bad records in ``rejected`` with a
reason) or a ``PayloadRejected`` saying why the whole payload was refused (a
``FetchError`` where the protocol answers with an error document). A TypeError,
KeyError, AttributeError, RecursionError or a raw ValueError is a bug.

Regressions hypothesis found are kept as ``@example``s.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from typing import Any
from xml.etree.ElementTree import SubElement, tostring

import pytest
from google.transit import gtfs_realtime_pb2 as rt
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import connectors
from city.privacy import scrub_text
from city.profile import CityProfile, load_profile
from city.records import Batch, Camera, Event, Measurement
from connectors.base import PayloadRejected
from connectors.http import FetchError, Response, Validators
from connectors.mapping import RecordMapping
from connectors.safexml import XmlRefused
from connectors.safexml import parse as parse_xml
from connectors.values import parse_number, parse_time, position
from tests.conftest import PROJECT_ROOT
from tests.connectors.conftest import fixture_bytes

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
URL = "http://feed.test/data"
# A source's pull may fail only like this: the run is logged and the others go on
CLEAR_FAILURES = (PayloadRejected, FetchError)

# small enough for the unit run (the file in well under a minute on two cores);
# CITYWALL_HYPOTHESIS_EXAMPLES=2000 hunts harder
FAST = settings(
    max_examples=int(os.environ.get("CITYWALL_HYPOTHESIS_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- a stand-in for the HTTP client -------------------------------------------------


class CannedHttp:
    """Answers every GET with the same body, as a server stuck on garbage would."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def get(self, url: str, **_: Any) -> Response:
        return Response(200, self.body, {}, Validators())


@cache
def seoul() -> CityProfile:
    return load_profile(PROJECT_ROOT / "cities/seoul.toml")


def pull_with(connector: Any, body: bytes) -> Batch | None:
    """The connector's pull on ``body``; None when it refused the payload clearly."""
    connector.http = CannedHttp(body)
    try:
        batch = connector.pull(None, NOW)
    except CLEAR_FAILURES as exc:
        assert str(exc), "a refusal says why"
        return None
    assert_well_formed(batch)
    return batch


def assert_well_formed(batch: Batch) -> None:
    assert isinstance(batch, Batch)
    assert all(isinstance(e, Event) for e in batch.events)
    assert all(isinstance(m, Measurement) for m in batch.measurements)
    assert all(isinstance(c, Camera) for c in batch.cameras)
    assert all(r.reason and isinstance(r.excerpt, str) for r in batch.rejected)


# -- the connectors under test, each built once --------------------------------------

MAPPING = {
    "record": {"kind": "event", "domain": "safety"},
    "columns": {
        "source_id": "id",
        "occurred_at": "when",
        "category": "kind",
        "title": "title",
        "status": "status",
        "severity": "severity",
        "district": "district",
        "location": "location",
        "updated_at": "updated",
        "closed_at": "closed",
    },
    "attrs": ["notes", "count"],
}
MEASURE = {
    "record": {"kind": "measurement", "series": "pm25"},
    "columns": {
        "place": "station",
        "observed_at": "when",
        "value": "value",
        "lat": "lat",
        "lon": "lon",
        "district": "district",
    },
}


# the camera fixture's own field names (a provider's JSON as it comes)
CAMERA_FIELDS = {
    "id": "cctvId",
    "name": "title",
    "lon": "x",
    "lat": "y",
    "snapshot_url": "image",
    "stream_url": "stream",
    "access": "level",
}


# Connectors that parse no payload of a source's (the demo makes its records)
NOTHING_TO_FUZZ = {"simulator"}
# Kinds beyond each connector's own EXAMPLE: what a payload shape below needs
# (another format, every column mapped, the fixture's field names), as
# kind = (connector, options over its EXAMPLE)
TUNED: dict[str, tuple[str, dict[str, Any]]] = {
    "open311_xml": ("open311", {"format": "xml"}),
    "cap": ("cap", {"max_links": 3}),
    "socrata": ("socrata", {"order_by": "when"} | MAPPING),
    "socrata_measure": ("socrata", {"order_by": "when"} | MEASURE),
    "tabular": ("tabular", {"url": URL + ".csv"} | MAPPING),
    "json_table": ("tabular", {"url": URL + ".json", "records": "data.rows"} | MAPPING),
    "topis_xml": ("topis", {"format": "xml"}),
    "cameras": ("cameras", {"fields": CAMERA_FIELDS}),
    "seoul_citydata_xml": (
        "seoul_citydata",
        {"format": "xml", "event_domain": "safety"},
    ),
    "seoul_air_xml": ("seoul_air", {"format": "xml"}),
}
# every registered connector, built from its EXAMPLE, then the tuned kinds
KINDS = {
    name: (name, {}) for name in connectors.available() if name not in NOTHING_TO_FUZZ
} | TUNED


def build(kind: str) -> Any:
    """A fresh connector (they keep per-instance caches such as Open311's services)."""
    name, tuned = KINDS[kind]
    cls = connectors.available()[name]
    return cls(seoul(), cls.EXAMPLE | tuned)


ALL = tuple(KINDS)
JSON_KINDS = (
    "open311",
    "usgs",
    "socrata",
    "socrata_measure",
    "json_table",
    "topis",
    "cameras",
    "seoul_openapi",
    "seoul_air",
    "seoul_citydata",
)
XML_KINDS = ("open311_xml", "cap", "topis_xml", "seoul_citydata_xml", "seoul_air_xml")

# -- strategies -----------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "2026-11-20T08:15:00+09:00",
            "2026-11-20T08:15:00",
            1763600000000,  # epoch milliseconds, as USGS sends
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+14:00",
            "37.5",
            "127.0",
            "NaN",
            "1e999",
            "11680",
            "Gangnam-gu",
            "closed",
            "Severe",
        ]
    )
)


ANY_KEY = st.text(max_size=12)


def json_values(keys: st.SearchStrategy[str] = ANY_KEY) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(keys | st.text(max_size=8), inner, max_size=6)
        ),
        max_leaves=25,
    )


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def rows_of(keys: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of objects whose keys are mostly the protocol's own: deeper paths run."""
    known = st.sampled_from(keys)
    return st.lists(
        st.dictionaries(known, json_values(known), max_size=len(keys)), max_size=4
    )


OPEN311_KEYS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "lat", "long", "email", "requester",
]  # fmt: skip
ROW_KEYS = [
    "id", "when", "kind", "title", "status", "severity", "district", "location",
    "updated", "closed", "notes", "count", "station", "value", "lat", "lon",
    "coordinates", "longitude", "latitude",
]  # fmt: skip
CAMERA_KEYS = [
    "id",
    "name",
    "lon",
    "lat",
    "snapshot_url",
    "stream_url",
    "provider",
    "access",
]
QUAKE_KEYS = [
    "mag", "time", "updated", "place", "title", "type", "alert", "magType", "felt",
    "tsunami", "sig", "status", "url", "code",
]  # fmt: skip


@st.composite
def quake_collections(draw: st.DrawFn) -> bytes:
    coordinates = st.lists(scalars, max_size=4) | st.tuples(
        st.floats(-180, 180), st.floats(-90, 90), st.floats()
    ).map(list)
    feature = st.fixed_dictionaries(
        {},
        optional={
            "id": scalars,
            "properties": st.dictionaries(st.sampled_from(QUAKE_KEYS), json_values())
            | scalars,
            "geometry": st.fixed_dictionaries({"coordinates": coordinates}) | scalars,
        },
    )
    features = draw(st.lists(feature | json_values(), max_size=4))
    return as_json({"type": "FeatureCollection", "features": features})


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few random cuts, insertions and byte flips."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["cut", "insert", "flip", "repeat"]))
        if how == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif how == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


def xml_with_random_texts(original: bytes) -> st.SearchStrategy[bytes]:
    """``original`` well-formed, its element texts replaced by random values, some
    elements dropped: the XML parses, so the protocol logic beneath it runs."""

    @st.composite
    def build_(draw: st.DrawFn) -> bytes:
        root = parse_xml(original)
        for element in list(root.iter()):
            if len(element) == 0 and draw(st.booleans()):
                element.text = draw(st.text(max_size=40) | st.sampled_from(XML_TEXTS))
            for child in list(element):
                if draw(st.integers(0, 9)) == 0:
                    element.remove(child)
        return tostring(root)

    return build_()


XML_TEXTS = [
    "Alert", "Update", "Cancel", "Actual", "Extreme", "nan,nan 1,1 2,2 nan,nan",
    "37.5,127.0 37.6,127.0 37.6,127.1 37.5,127.0", "37.5,inf 37,127 38,127 37.5,inf",
    "37.5,127.0 0", "37.5,127.0 -1", "37.5,127.0 nan", "100,127 5", "37.5,127.0 1e12",
    "2026-11-20T08:15:00+09:00", "9999-12-31T23:59:59-05:00", "a,b c,d",
    "sender,id,2026-11-20T08:15:00+09:00", "INFO-000", "INFO-200", "",
]  # fmt: skip

# -- every connector, any bytes or text -------------------------------------------------


@FAST
@given(kind=st.sampled_from(ALL), body=st.binary(max_size=400))
@example(kind="open311", body=b"[" * 100_000)  # nesting deeper than Python recurses
@example(kind="tabular", body=b'"' + b"x" * 200_000)  # a field over csv's limit
@example(kind="tabular", body=b"\xff\xfe\x00garbage")  # not UTF-8
@example(kind="cap", body=b'<?xml version="1.0" encoding="bogus"?><alert/>')
def test_any_bytes_give_records_or_a_clear_refusal(kind, body):
    pull_with(build(kind), body)


@FAST
@given(kind=st.sampled_from(ALL), text=st.text(max_size=300))
def test_any_text_gives_records_or_a_clear_refusal(kind, text):
    pull_with(build(kind), text.encode())


@FAST
@given(kind=st.sampled_from(JSON_KINDS), value=json_values())
def test_any_json_gives_records_or_a_clear_refusal(kind, value):
    pull_with(build(kind), as_json(value))


# -- protocol-shaped payloads with random values --------------------------------------


@FAST
@given(rows=rows_of(OPEN311_KEYS))
def test_open311_requests_with_any_values(rows):
    pull_with(build("open311"), as_json(rows))


@FAST
@given(
    kind=st.sampled_from(["socrata", "socrata_measure", "json_table"]),
    rows=rows_of(ROW_KEYS),
)
@example(kind="socrata", rows=[{"location": {"coordinates": 5}}])
@example(kind="socrata", rows=[{"location": {"coordinates": [1.0]}}])
def test_table_rows_with_any_values(kind, rows):
    body = {"data": {"rows": rows}} if kind == "json_table" else rows
    pull_with(build(kind), as_json(body))


@FAST
@given(rows=rows_of(ROW_KEYS), delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_tables_with_any_values(rows, delimiter):
    columns = sorted({k for row in rows for k in row}) or ["id"]
    lines = [delimiter.join(columns)] + [
        delimiter.join(json.dumps(row.get(c, "")) for c in columns) for row in rows
    ]
    pull_with(build("tabular"), "\n".join(lines).encode())


@FAST
@given(body=quake_collections())
@example(
    body=as_json(
        {
            "features": [
                {
                    "id": "q1",
                    "geometry": {"coordinates": [127, 37.5]},
                    "properties": {"time": 1763600000000, "alert": []},
                }
            ]
        }
    )
)  # an unhashable PAGER level
def test_usgs_features_with_any_values(body):
    pull_with(build("usgs"), body)


@FAST
@given(cameras=rows_of(CAMERA_KEYS))
def test_camera_lists_with_any_values(cameras):
    pull_with(build("cameras"), as_json({"cameras": cameras}))


@FAST
@given(
    inner=json_values(
        st.sampled_from(["TrafficInfo", "RESULT", "row", "CODE", "MESSAGE"])
    )
)
@example(inner={"TrafficInfo": 5})  # not an object where one belongs
@example(inner={"RESULT": {"CODE": []}})  # found by hypothesis: an unhashable code
@example(inner={"TrafficInfo": {"RESULT": {"CODE": "INFO-000"}, "row": [1, "x"]}})
def test_topis_answers_with_any_values(inner):
    pull_with(build("topis"), as_json(inner))


CITYDATA_KEYS = [
    "CITYDATA", "RESULT", "RESULT.CODE", "AREA_CD", "LIVE_PPLTN_STTS", "AREA_CONGEST_LVL",
    "AREA_PPLTN_MIN", "AREA_PPLTN_MAX", "PPLTN_TIME", "FCST_PPLTN", "FCST_TIME",
    "FCST_CONGEST_LVL", "FCST_PPLTN_MAX", "ROAD_TRAFFIC_STTS", "AVG_ROAD_DATA",
    "ROAD_TRAFFIC_SPD", "ROAD_TRAFFIC_TIME", "ACDNT_CNTRL_STTS", "ACDNT_OCCR_DT",
    "EXP_CLR_DT", "ACDNT_TYPE", "ACDNT_INFO", "ACDNT_X", "ACDNT_Y", "LIVE_DST_MESSAGE",
    "DST_SE_NM", "EMRG_STEP_NM", "MSG_CN", "CRT_DT", "EVENT_STTS", "EVENT_NM",
    "EVENT_PERIOD", "EVENT_X", "EVENT_Y",
]  # fmt: skip
CITYDATA_VALUES = st.sampled_from(
    ["POI009", "INFO-000", "INFO-200", "붐빔", "약간 붐빔", "2026-08-11 17:30",
     "2026-08-01~2026-08-15", "126.97", "37.57", "", "-", "호우", "긴급재난"]
)  # fmt: skip


@given(
    city=st.dictionaries(
        st.sampled_from(CITYDATA_KEYS),
        json_values(st.sampled_from(CITYDATA_KEYS)) | CITYDATA_VALUES,
        max_size=8,
    )
)
@example(
    city={"CITYDATA": {"AREA_CD": "POI009", "LIVE_PPLTN_STTS": {"AREA_CONGEST_LVL": 4}}}
)
@example(
    city={"CITYDATA": {"AREA_CD": "POI009", "ACDNT_CNTRL_STTS": [{"ACDNT_X": "x"}]}}
)
def test_seoul_citydata_answers_with_any_values(city):
    answer = {"RESULT": {"RESULT.CODE": "INFO-000"}} | city
    pull_with(build("seoul_citydata"), as_json(answer))


# -- the repo's own fixtures, damaged ----------------------------------------------------

FIXTURES = {
    "open311_xml": "open311/requests.xml",
    "cap": "cap/heavy_rain_alert.xml",
    "usgs": "usgs/korea_week.geojson",
    "cameras": "cameras/its_cameras.json",
}


def fixture(kind: str) -> bytes:
    """A fixture as the tests serve it: the CAP alert's times filled in."""
    body = fixture_bytes(FIXTURES[kind])
    for name, hours in (("sent", 0), ("onset", 1), ("expires", 6)):
        when = NOW.replace(hour=NOW.hour + hours).isoformat()
        body = body.replace(b"{%s}" % name.encode(), when.encode())
    return body


def test_the_fixtures_as_served_give_records():
    for kind in FIXTURES:
        batch = pull_with(build(kind), fixture(kind))
        assert batch is not None and (batch.events or batch.cameras), kind


@FAST
@given(data=st.data(), kind=st.sampled_from(sorted(FIXTURES)))
def test_damaged_fixtures_give_records_or_a_clear_refusal(data, kind):
    body = data.draw(mutated(fixture(kind)))
    pull_with(build(kind), body)


@FAST
@given(data=st.data(), kind=st.sampled_from(["cap", "open311_xml"]))
def test_fixtures_with_random_texts_give_records_or_a_clear_refusal(data, kind):
    body = data.draw(xml_with_random_texts(fixture(kind)))
    pull_with(build(kind), body)


@pytest.mark.parametrize(
    "shape",
    [
        "37.5,127.0 nan",  # a circle GEOS cannot place
        "37.5,127.0 1e12",  # a circle bigger than the Earth
        "100,127 5",  # a centre off the globe
        "37.5,inf 37,127 38,127 37.5,inf",  # a polygon of infinities
        "37.5,nan 37,127 38,127 37.5,nan",  # a polygon of NaN
    ],
)
def test_cap_areas_that_cannot_be_placed_are_rejected_not_raised(shape):
    batch = pull_with(build("cap"), cap_with_area(shape))
    assert batch is not None and batch.events == []
    assert [r.reason.split()[0] for r in batch.rejected] in (["polygon"], ["circle"])


def cap_with_area(shape: str) -> bytes:
    """The CAP fixture with one more shape in its first area."""
    root = parse_xml(fixture("cap"))
    area = next(e for e in root.iter() if e.tag.endswith("area"))
    tag = "circle" if len(shape.split()) == 2 else "polygon"
    SubElement(area, area.tag[: -len("area")] + tag).text = shape
    return tostring(root)


# -- GTFS-realtime: random protobuf messages ----------------------------------------------

uint64 = st.integers(0, 2**64 - 1)


@st.composite
def feed_messages(draw: st.DrawFn) -> bytes:
    """FeedMessages with random, protobuf-valid fields: huge times included."""
    message = rt.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = draw(uint64)
    for _ in range(draw(st.integers(0, 4))):
        entity = message.entity.add()
        entity.id = draw(st.text(max_size=6))
        part = draw(st.sampled_from(["trip_update", "vehicle", "alert"]))
        if part == "trip_update":
            update = entity.trip_update
            update.trip.trip_id = draw(st.text(max_size=4))
            update.trip.route_id = draw(st.text(max_size=4))
            if draw(st.booleans()):
                update.delay = draw(st.integers(-(2**31), 2**31 - 1))
            stop = update.stop_time_update.add()
            stop.arrival.delay = draw(st.integers(-(2**31), 2**31 - 1))
        elif part == "vehicle":
            vehicle = entity.vehicle
            vehicle.trip.trip_id = draw(st.text(max_size=4))
            vehicle.position.latitude = draw(st.floats(width=32))
            vehicle.position.longitude = draw(st.floats(width=32))
            vehicle.timestamp = draw(uint64)
        else:
            alert = entity.alert
            period = alert.active_period.add()
            period.start, period.end = draw(uint64), draw(uint64)
            alert.header_text.translation.add(text=draw(st.text(max_size=30)))
            alert.effect = draw(st.sampled_from(list(rt.Alert.Effect.values())))
    return message.SerializeToString()


@FAST
@given(body=feed_messages())
@example(body=b"")  # an empty feed is a valid, empty FeedMessage
def test_gtfs_realtime_messages_with_any_values(body):
    pull_with(build("gtfs_realtime"), body)


# -- the readers beneath the connectors ----------------------------------------------------


@FAST
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_xml_either_parses_or_is_refused(body):
    try:
        parse_xml(body)
    except XmlRefused as exc:
        assert str(exc)


@FAST
@given(value=json_values())
def test_value_readers_raise_only_value_errors(value):
    for read in (
        lambda: parse_time(value, UTC),
        lambda: parse_number(value, "n"),
        lambda: position(value, value),
    ):
        try:
            read()
        except ValueError as exc:
            assert str(exc)


@FAST
@given(row=json_values(st.sampled_from(ROW_KEYS)))
def test_a_mapped_row_is_a_record_or_a_value_error(row):
    for options in (MAPPING, MEASURE):
        mapping = RecordMapping.from_options(options, seoul())
        try:
            mapping.to_record(row, seoul().timezone)
        except ValueError as exc:
            assert str(exc)


@FAST
@given(text=st.text(max_size=200))
def test_scrubbing_any_text_is_safe_and_idempotent(text):
    once = scrub_text(text)
    assert isinstance(once, str)
    assert scrub_text(once) == once
