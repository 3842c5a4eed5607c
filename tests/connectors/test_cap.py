"""CAP 1.2 alerts, Atom and RSS feeds through `citywall ingest`, against the local
feed server; what the wall then counts per district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
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
    area_desc: str | None = "Seoul",
    urgency: str = "Expected",
    response: str = "",
    info: bool = True,
) -> str:
    """A CAP 1.2 alert with one English info block (``info=False``: none), whose
    one area is ``area_desc`` and ``area`` (no <area> at all when both are
    empty)."""
    sent = sent or NOW - timedelta(minutes=30)
    refs = f"<references>{references}</references>" if references else ""
    desc = f"<areaDesc>{area_desc}</areaDesc>" if area_desc else ""
    areas = f"<area>{desc}{area}</area>" if desc or area else ""
    response = f"<responseType>{response}</responseType>" if response else ""
    block = f"""
  <info><language>en-US</language><category>Met</category><event>{event}</event>
    {response}<urgency>{urgency}</urgency><severity>{severity}</severity>
    <certainty>Likely</certainty><expires>{w3c(NOW + timedelta(hours=3))}</expires>
    <headline>{event}</headline>{areas}</info>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>{SENDER}</sender>
  <sent>{w3c(sent)}</sent><status>{status}</status><msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}{block if info else ""}
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


# -- areas described only in words, all-clears, retractions, geocodes ------------

ELSEWHERE = (  # Busan, far outside Seoul
    "<polygon>35.20,129.00 35.20,129.10 35.10,129.10 35.10,129.00 35.20,129.00"
    "</polygon>"
)
GANGNAM = "<circle>37.5172,127.0473 2</circle>"


@pytest.fixture
def ingest_on(monkeypatch, capsys, tmp_path, store_url) -> IngestCli:
    """`citywall ingest` into a store on SQLite and on PostgreSQL."""
    return IngestCli(monkeypatch, capsys, tmp_path, db_url=store_url)


def embedded(*alerts: str) -> str:
    """An Atom feed embedding each alert in an entry of its own."""
    entries = "".join(
        f"<entry><id>e{n}</id><title>alert</title><updated>{w3c(NOW)}</updated>"
        f'<content type="text/xml">{a.split("?>", 1)[1]}</content></entry>'
        for n, a in enumerate(alerts)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed</id>'
        f"<title>alerts</title><updated>{w3c(NOW)}</updated>{entries}</feed>"
    )


def atom(feed_server, body: str, path: str = "/alerts.atom") -> str:
    return feed_server.route(path, Reply(body, content_type="application/atom+xml"))


def counted(fetched: int, stored: int, rejected: int, ignored: int) -> dict:
    """What a run's line says it did."""
    return {
        "fetched": fetched, "stored": stored, "rejected": rejected, "ignored": ignored
    }  # fmt: skip


def active_alerts(ingest: IngestCli, seoul) -> float:
    wall = KpiService(ingest.engine(), seoul)
    return {t.kpi_id: t.value for t in wall.tiles()}["disaster_active_alerts"]


def level(ingest: IngestCli, seoul) -> int:
    """The stage now, as the wall reads it and as the ingest's watcher logs it."""
    wall = KpiService(ingest.engine(), seoul)
    shown, logged = wall.stage().level, wall.log_stage().level
    assert shown == logged
    return shown


def test_no_stage_rises_from_alerts_placed_outside_the_city(
    feed_server, ingest_on, seoul
):
    """However severe: a nation's alert described in words, a polygon elsewhere,
    geocodes of elsewhere, an alert with no area from a source not trusted as
    local; then the same words naming Seoul, in Korean, do raise it."""
    calm = min(s.level for s in seoul.ladder.stages)  # no rule matches
    fips = "<geocode><valueName>FIPS6</valueName><value>001013 001041</value></geocode>"
    severe = {"severity": "Extreme", "urgency": "Immediate"}
    url = atom(
        feed_server,
        embedded(
            alert("N1", area_desc="U.S. nationwide", **severe),
            alert("N2", area_desc="Busan", area=ELSEWHERE, **severe),
            alert("N3", area_desc="Alabama", area=fips, **severe),
            alert("N4", area_desc=None, **severe),  # no <area> at all
            alert("N5", area_desc="Seoulville, Jungnang-town", **severe),
        ),
    )
    ingest_on.use(source(url))
    done = ingest_on()
    assert level(ingest_on, seoul) == calm, done.out
    assert summary_numbers(done.out) == counted(5, 0, 0, 5), done.out
    assert "2 described in words naming no place of the city" in done.out
    assert "2 outside the city" in done.out
    assert "1 without an area" in done.out

    atom(
        feed_server,
        embedded(
            alert("K1", area_desc="서울특별시 강남구", severity="Severe"),
            alert("K2", area_desc="Seúl", severity="Minor"),
        ),
    )
    done = ingest_on()
    assert summary_numbers(done.out)["stored"] == 2, done.out
    got = stored(ingest_on)
    assert covered(got[f"{SENDER},K1"]) == {"11680"}  # the district, not the city
    city = got[f"{SENDER},K2"]  # the city by its Spanish name: all of it
    assert city["district_code"] is None and city["areas"] == set()
    assert level(ingest_on, seoul) > calm


def test_an_alert_with_no_area_covers_the_city_only_from_a_trusted_source(
    feed_server, ingest
):
    url = atom(feed_server, embedded(alert("T1", area_desc=None)))
    ingest.use(source(url, unlocated="citywide"))
    done = ingest()
    assert summary_numbers(done.out)["stored"] == 1, done.out
    trusted = stored(ingest)[f"{SENDER},T1"]
    assert trusted["district_code"] is None and trusted["areas"] == set()


def test_an_all_clear_closes_what_it_references_and_is_not_active(
    feed_server, ingest_on, seoul
):
    url = feed_server.route("/cap.xml", alert("A1", area=GANGNAM, severity="Severe"))
    ingest_on.use(source(url))
    ingest_on()
    assert active_alerts(ingest_on, seoul) == 1
    raised = level(ingest_on, seoul)
    later = NOW - timedelta(minutes=5)
    feed_server.route(
        "/cap.xml",
        embedded(
            alert("A2", "Update", references=reference("A1"), sent=later,
                  area=GANGNAM, severity="Severe", urgency="Past",
                  response="AllClear"),
            # an all-clear of its own (no reference): on file, never active
            alert("P1", area=GANGNAM, severity="Extreme", urgency="Past"),
        ),
    )  # fmt: skip
    done = ingest_on()
    assert summary_numbers(done.out) == counted(2, 2, 0, 0), done.out
    got = stored(ingest_on)
    assert got[f"{SENDER},A1"]["status"] == "all_clear"
    assert got[f"{SENDER},A1"]["closed_at"] == later
    for cleared in ("A2", "P1"):
        assert got[f"{SENDER},{cleared}"]["status"] == "all_clear"
        assert got[f"{SENDER},{cleared}"]["closed_at"] is not None
    assert active_alerts(ingest_on, seoul) == 0
    assert KpiService(ingest_on.engine(), seoul).active_alerts("11680") == []
    assert level(ingest_on, seoul) < raised


def test_retractions_apply_whatever_the_area_of_the_retracting_message(
    feed_server, ingest_on, seoul
):
    url = atom(
        feed_server,
        embedded(alert("A1", area=GANGNAM), alert("B1", area=GANGNAM)),
    )
    ingest_on.use(source(url, unlocated="ignore"))
    ingest_on()
    atom(
        feed_server,
        embedded(
            # a Cancel without <info>: nothing to place, yet it cancels
            alert("A2", "Cancel", references=reference("A1"), info=False),
            # the Update moves the alert out of the city: the old one goes
            alert("B2", "Update", references=reference("B1"), area=ELSEWHERE,
                  area_desc="Busan", severity="Severe"),
        ),
    )  # fmt: skip
    done = ingest_on()
    assert summary_numbers(done.out) == counted(2, 0, 0, 2), done.out
    got = stored(ingest_on)
    assert got[f"{SENDER},A1"]["status"] == "cancelled"
    assert got[f"{SENDER},B1"]["status"] == "superseded"
    assert set(got) == {f"{SENDER},A1", f"{SENDER},B1"}
    assert active_alerts(ingest_on, seoul) == 0


def test_every_geocode_pair_and_every_value_is_read(feed_server, ingest):
    two_pairs = (
        "<geocode><valueName>FIPS6</valueName><value>001013</value>"
        "<valueName>KR-SIG</valueName><value>11110  11140</value></geocode>"
    )
    mapped = "<geocode><valueName>ZONE</valueName><value>X NW</value></geocode>"
    url = atom(
        feed_server,
        embedded(
            alert("G1", area=two_pairs, area_desc="Alabama; Jongno"),
            alert("G2", area=mapped, area_desc="zones"),
        ),
    )
    ingest.use(
        source(url) + '[sources.options.geocodes.ZONE]\nNW = ["11380", "11410"]\n'
    )
    done = ingest()
    assert summary_numbers(done.out)["stored"] == 2, done.out
    got = stored(ingest)
    assert covered(got[f"{SENDER},G1"]) == {"11110", "11140"}
    assert covered(got[f"{SENDER},G2"]) == {"11380", "11410"}


def index_entry(n: int, area: str, severity: str = "Severe") -> str:
    """An entry of a national Atom index with ``cap:`` fields (shaped like the
    index of the United States' weather service), its link not followed."""
    return f"""<entry><id>urn:index:{n}</id><updated>{w3c(NOW)}</updated>
<author><name>{SENDER}</name></author><title>Flood Warning {n}</title>
<link href="http://127.0.0.1:9/unreachable/{n}"/><summary>Flooding.</summary>
<cap:event>Flood Warning</cap:event>
<cap:effective>{w3c(NOW - timedelta(hours=1))}</cap:effective>
<cap:expires>{w3c(NOW + timedelta(hours=5))}</cap:expires>
<cap:status>Actual</cap:status><cap:msgType>Alert</cap:msgType>
<cap:category>Met</cap:category><cap:urgency>Immediate</cap:urgency>
<cap:severity>{severity}</cap:severity><cap:certainty>Likely</cap:certainty>
{area}</entry>"""


def test_an_index_entry_with_an_empty_polygon_is_read(feed_server, ingest_on, seoul):
    empty = "<cap:polygon></cap:polygon>"
    geocodes = (
        "<cap:geocode><valueName>FIPS6</valueName><value>001013 001041</value>"
        "<valueName>UGC</valueName><value>ALZ054 ALZ055</value>"
        "<valueName>KR-SIG</valueName><value>11710 11680</value></cap:geocode>"
    )
    index = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:cap="urn:oasis:names:tc:emergency:cap:1.1">
<id>urn:index</id><title>Current warnings</title><updated>{w3c(NOW)}</updated>
{index_entry(1, f"<cap:areaDesc>Butler; Escambia</cap:areaDesc>{empty}")}
{index_entry(2, f"<cap:areaDesc>Songpa; Gangnam</cap:areaDesc>{empty}{geocodes}")}
{index_entry(3, f"{empty}<cap:polygon> </cap:polygon>", severity="Minor")}
</feed>"""
    url = atom(feed_server, index, "/index.atom")
    ingest_on.use(source(url, follow_links=False))
    calm = min(s.level for s in seoul.ladder.stages)  # no rule matches
    done = ingest_on()
    assert summary_numbers(done.out) == counted(3, 1, 0, 2), done.out
    assert "(1 described in words naming no place of the city; 1 without an area)" in (
        done.out
    )
    got = stored(ingest_on)
    assert set(got) == {f"{SENDER},urn:index:2"}
    assert covered(got[f"{SENDER},urn:index:2"]) == {"11680", "11710"}
    assert level(ingest_on, seoul) > calm
