"""CAP 1.2 alerts, Atom and RSS feeds through `citywall ingest`, against the local
feed server; what the wall then counts per district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from connectors import safexml
from connectors.cap import CapConnector
from kpis.service import KpiService
from store.schema import event_areas, events
from tests.connectors.conftest import fixture_bytes, real_fixture
from tests.connectors.feedserver import Reply
from tests.connectors.harness import (
    IngestCli,
    counts,
    quarantine_reasons,
    source_block,
    summary_numbers,
)
from tests.connectors.test_open311 import BOMB

NOW = datetime.now(UTC).replace(microsecond=0)
SE_SEOUL = {"11650", "11680", "11710"}  # Seocho, Gangnam, Songpa
SENDER = "alert@kma.example.kr"


def w3c(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "-00:00")


def heavy_rain() -> str:
    return (
        fixture_bytes("cap/heavy_rain_alert.xml")
        .decode()
        .format(
            sent=w3c(NOW - timedelta(hours=2)),
            onset=w3c(NOW - timedelta(hours=1)),
            expires=w3c(NOW + timedelta(hours=6)),
        )
    )


def alert(
    identifier: str,
    msg_type: str = "Alert",
    *,
    status: str = "Actual",
    references: str = "",
    area: str = "",
    severity: str = "Moderate",
    event: str = "Cold Wave Advisory",
    sent: datetime | None = None,
) -> str:
    """A CAP 1.2 alert with one English info block."""
    sent = sent or NOW - timedelta(minutes=30)
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>{SENDER}</sender>
  <sent>{w3c(sent)}</sent><status>{status}</status><msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}
  <info><language>en-US</language><category>Met</category><event>{event}</event>
    <urgency>Expected</urgency><severity>{severity}</severity>
    <certainty>Likely</certainty><expires>{w3c(NOW + timedelta(hours=3))}</expires>
    <headline>{event}</headline>
    <area><areaDesc>somewhere</areaDesc>{area}</area></info>
</alert>"""


def reference(identifier: str, sent: datetime | None = None) -> str:
    return f"{SENDER},{identifier},{w3c(sent or NOW - timedelta(minutes=30))}"


def source(url: str, **extra: object) -> str:
    return source_block("kma", "cap", {"url": url, "retries": 0} | extra)


def stored(ingest: IngestCli) -> dict[str, dict]:
    with ingest.engine().connect() as conn:
        rows = conn.execute(select(events)).mappings().all()
        areas = conn.execute(select(event_areas)).all()
    found = {r["source_id"]: dict(r) | {"areas": set()} for r in rows}
    by_id = {r["id"]: r["source_id"] for r in rows}
    for event_id, code in areas:
        found[by_id[event_id]]["areas"].add(code)
    return found


def covered(event: dict) -> set[str]:
    return event["areas"] | {event["district_code"]}


def test_a_polygon_alert_covers_every_district_it_touches(feed_server, ingest, seoul):
    ingest.use(source(feed_server.route("/cap/hr.xml", heavy_rain())))
    done = ingest()
    assert summary_numbers(done.out)["stored"] == 1, done.out
    rain = stored(ingest)[f"{SENDER},KMA-2026-HR-0412"]
    assert SE_SEOUL <= covered(rain)
    assert not {"11110", "11440", "11380"} & covered(rain)  # Jongno, Mapo, Eunpyeong
    assert rain["district_code"] in SE_SEOUL and rain["lon"] is None
    assert rain["severity"] == "Severe" and rain["status"] == "open"
    # the city's display language (English) is shown; both are kept
    assert rain["title"] == "Heavy rain warning for south-east Seoul"
    assert rain["category"] == "heavy_rain_warning"
    assert rain["attrs"]["languages"]["ko-kr"]["headline"] == "서울 동남권 호우경보"
    assert rain["attrs"]["instruction"] == "Keep away from riverside paths."
    assert rain["occurred_at"] == NOW - timedelta(hours=1)  # the onset
    assert rain["expires_at"] == NOW + timedelta(hours=6)

    # the wall counts it in each covered district and once for the city
    wall = KpiService(ingest.engine(), seoul)
    per_district = wall.map_values("disaster_active_alerts")
    assert all(per_district[code] == 1 for code in SE_SEOUL)
    assert per_district["11110"] == 0
    city = {t.kpi_id: t.value for t in wall.tiles()}
    assert city["disaster_active_alerts"] == 1
    gangnam = {t.kpi_id: t.value for t in wall.tiles("11680")}
    assert gangnam["disaster_active_alerts"] == 1
    assert [a.title for a in wall.active_alerts("11650")] == [rain["title"]]
    assert wall.active_alerts("11110") == []


def test_circles_geocodes_and_unlocated_alerts(feed_server, ingest):
    mapo_circle = "<circle>37.5663,126.9015 1.5</circle>"
    jongno_geocode = (
        "<geocode><valueName>KR-SIG</valueName><value>11110</value></geocode>"
    )
    mapped = "<geocode><valueName>ZONE</valueName><value>NW</value></geocode>"
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>urn:kma:feed</id><title>KMA alerts</title><updated>{w3c(NOW)}</updated>
  <entry><id>e1</id><title>circle</title><updated>{w3c(NOW)}</updated>
    <content type="text/xml">{alert("C1", area=mapo_circle).split("?>", 1)[1]}</content></entry>
  <entry><id>e2</id><title>geocode</title><updated>{w3c(NOW)}</updated>
    <content type="text/xml">{alert("G1", area=jongno_geocode).split("?>", 1)[1]}</content></entry>
  <entry><id>e3</id><title>mapped</title><updated>{w3c(NOW)}</updated>
    <content type="text/xml">{alert("G2", area=mapped).split("?>", 1)[1]}</content></entry>
  <entry><id>e4</id><title>area text only</title><updated>{w3c(NOW)}</updated>
    <content type="text/xml">{alert("U1").split("?>", 1)[1]}</content></entry>
</feed>"""
    url = feed_server.route("/atom", Reply(feed, content_type="application/atom+xml"))
    ingest.use(
        source(url) + '[sources.options.geocodes.ZONE]\nNW = ["11380", "11410"]\n'
    )
    done = ingest()
    assert summary_numbers(done.out)["stored"] == 4
    got = stored(ingest)
    assert "11440" in covered(got[f"{SENDER},C1"])
    assert covered(got[f"{SENDER},G1"]) == {"11110"}
    assert covered(got[f"{SENDER},G2"]) == {"11380", "11410"}
    unlocated = got[f"{SENDER},U1"]
    assert unlocated["district_code"] is None and unlocated["areas"] == set()


def test_update_and_cancel_retract_what_they_reference(feed_server, ingest, seoul):
    url = feed_server.route(
        "/cap.xml", alert("A1", area="<circle>37.5172,127.0473 2</circle>")
    )
    ingest.use(source(url))
    ingest()
    later = NOW - timedelta(minutes=10)
    feed_server.route(
        "/cap.xml",
        alert("A2", "Update", references=reference("A1"), sent=later,
              area="<circle>37.5172,127.0473 4</circle>", severity="Severe"),
    )  # fmt: skip
    ingest()
    got = stored(ingest)
    assert got[f"{SENDER},A1"]["status"] == "superseded"
    assert got[f"{SENDER},A1"]["closed_at"] == later
    assert got[f"{SENDER},A2"]["status"] == "open"
    wall = KpiService(ingest.engine(), seoul)
    assert {t.kpi_id: t.value for t in wall.tiles()}["disaster_active_alerts"] == 1

    # the feed still carries the original: it stays retracted
    feed_server.route(
        "/cap.xml", alert("A1", area="<circle>37.5172,127.0473 2</circle>")
    )
    ingest()
    assert stored(ingest)[f"{SENDER},A1"]["status"] == "superseded"

    feed_server.route("/cap.xml", alert("A3", "Cancel", references=reference("A2")))
    ingest()
    got = stored(ingest)
    assert got[f"{SENDER},A2"]["status"] == "cancelled"
    assert got[f"{SENDER},A3"]["status"] == "cancelled"  # the Cancel itself, on file
    wall = KpiService(ingest.engine(), seoul)
    assert {t.kpi_id: t.value for t in wall.tiles()}["disaster_active_alerts"] == 0
    assert counts(ingest.engine(), "kma")["events"] == 3


def test_rss_links_are_followed_and_a_broken_one_is_quarantined(feed_server, ingest):
    feed_server.route("/a/1.xml", alert("R1"))
    feed_server.route("/a/2.xml", Reply("<alert><identifier>x</identifier>", 200))
    feed_server.route("/a/3.xml", alert("R3", status="Test"))
    feed_server.route("/a/4.xml", alert("R4", severity="Catastrophic"))
    feed_server.route("/a/5.xml", BOMB)
    busan = "<polygon>35.20,129.00 35.20,129.10 35.10,129.10 35.10,129.00 35.20,129.00</polygon>"
    feed_server.route("/a/6.xml", alert("R6", area=busan))
    items = "".join(
        f"<item><title>alert {n}</title><link>{feed_server.url(f'/a/{n}.xml')}</link></item>"
        for n in range(1, 7)
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    ingest.use(source(feed_server.route("/index.rss", rss)))
    done = ingest()
    assert summary_numbers(done.out) == {
        "fetched": 6, "stored": 1, "rejected": 3, "ignored": 2
    }  # fmt: skip
    reasons = quarantine_reasons(ingest.engine(), "kma")
    assert reasons[0].startswith("linked alert") and "malformed XML" in reasons[0]
    assert reasons[1] == "severity 'Catastrophic' is not a CAP severity"
    assert "unsafe XML refused" in reasons[2]
    assert set(stored(ingest)) == {f"{SENDER},R1"}


def test_a_linked_alert_that_cannot_be_fetched_is_retried_next_time(
    feed_server, ingest
):
    feed_server.route("/a/1.xml", Reply("busy", 503), alert("L1"))
    rss = (
        '<rss version="2.0"><channel><item><link>'
        f"{feed_server.url('/a/1.xml')}</link></item></channel></rss>"
    )
    index = feed_server.route("/index.rss", Reply(rss, etag='"i1"'))
    # a failed link is asked for again once its retry time is over (here: at once)
    ingest.use(source(index, retry_failed_links_minutes=0))
    first = ingest()
    assert summary_numbers(first.out)["rejected"] == 1
    ingest()  # the index is fetched again in full (no If-None-Match) ...
    assert "If-None-Match" not in feed_server.hits("/index.rss")[1].headers
    assert set(stored(ingest)) == {f"{SENDER},L1"}  # ... and the alert lands
    ingest()
    assert feed_server.hits("/index.rss")[2].headers["If-None-Match"] == '"i1"'


def test_hostile_cap_is_refused_unresolved(feed_server, ingest):
    url = feed_server.route("/xee.cap", real_fixture("cap/googlecaplib_xee.cap"))
    ingest.use(source(url))
    done = ingest()
    assert done.exit_code == 1 and "unsafe XML refused" in done.out
    assert len(feed_server.requests) == 1  # nothing it points at was fetched


def test_recorded_canadian_update_is_read_and_found_outside_the_city(
    feed_server, ingest
):
    url = feed_server.route("/canada.cap", real_fixture("cap/googlecaplib_canada.cap"))
    ingest.use(source(url))
    done = ingest()
    # Windsor, Ontario is not in Seoul: read, not rejected, not stored
    assert summary_numbers(done.out) == {
        "fetched": 1, "stored": 0, "rejected": 0, "ignored": 1
    }  # fmt: skip


def test_recorded_canadian_update_is_read_whole(seoul):
    """What the connector reads from that alert: two languages, two polygons each,
    two references it retracts."""
    connector = CapConnector(seoul, {"url": "http://127.0.0.1:9/unused"})
    read = connector._alert(safexml.parse(real_fixture("cap/googlecaplib_canada.cap")))
    assert read.msg_type == "Update" and len(read.references) == 2
    assert [i.language for i in read.infos] == ["en-ca", "fr-ca"]
    assert sum(len(i.shapes) for i in read.infos) == 4  # two polygons per language
    centres = [s.centroid for i in read.infos for s in i.shapes]
    assert all(-84 < c.x < -81 and 41 < c.y < 43 for c in centres)  # Ontario


def test_recorded_nws_atom_index_without_following_links(feed_server, ingest):
    atom = real_fixture("cap/googlecaplib_weather_index.atom")
    ingest.use(source(feed_server.route("/index.atom", atom), follow_links=False))
    done = ingest()
    numbers = summary_numbers(done.out)
    # every entry is read from its cap: index fields; all lie outside Seoul
    assert numbers["rejected"] == 0 and numbers["fetched"] == numbers["ignored"] > 0


def test_recorded_rss_index_whose_items_link_to_alerts(feed_server, ingest):
    rss = real_fixture("cap/googlecaplib_ny_index.rss").replace(
        b"http://www.nyalert.gov", feed_server.base.encode()
    )
    feed_server.route("/Public/News/GetCapAlert.aspx", alert("NY1"))
    ingest.use(source(feed_server.route("/ny.rss", rss)))
    done = ingest()
    numbers = summary_numbers(done.out)
    assert numbers["fetched"] >= 2 and numbers["rejected"] == 0
    assert set(stored(ingest)) == {f"{SENDER},NY1"}  # same document behind each link
