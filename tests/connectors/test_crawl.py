"""An alert index whose linked documents hang or are gone, through `citywall
ingest` against the local feed server: the pull ends within its deadline, reads
the entries' own ``cap:`` fields, remembers the links that failed (not asked for,
not quarantined again next poll) and says the source is failing when nothing
could be read; the quarantine keeps what its retention says."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from store.schema import events, quarantine, source_state
from tests.connectors.feedserver import Reply
from tests.connectors.harness import (
    IngestCli,
    counts,
    source_block,
    summary_numbers,
)

NOW = datetime.now(UTC).replace(microsecond=0)
SENDER = "alert@kma.example.kr"
GANGNAM = "37.50,127.03 37.50,127.07 37.53,127.07 37.53,127.03 37.50,127.03"
DEADLINE = 2.0  # seconds a pull may spend on links, in these tests
HANGS = 5.0  # seconds a slow link takes to answer: longer than the deadline


def w3c(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "-00:00")


@pytest.fixture
def ingest_on(monkeypatch, capsys, tmp_path, store_url) -> IngestCli:
    """`citywall ingest` on a store of SQLite and of PostgreSQL."""
    return IngestCli(monkeypatch, capsys, tmp_path, db_url=store_url)


def entry(n: int, link: str, own_fields: bool) -> str:
    """An Atom index entry linking its CAP document; with ``own_fields`` it also
    carries the alert's ``cap:`` fields, as NWS-style indexes do (no msgType or
    status among them here)."""
    fields = (
        f"<cap:event>Heavy Rain Warning</cap:event><cap:severity>Severe</cap:severity>"
        f"<cap:urgency>Expected</cap:urgency><cap:certainty>Likely</cap:certainty>"
        f"<cap:effective>{w3c(NOW - timedelta(hours=1))}</cap:effective>"
        f"<cap:expires>{w3c(NOW + timedelta(hours=5))}</cap:expires>"
        f"<cap:areaDesc>Gangnam-gu</cap:areaDesc><cap:polygon>{GANGNAM}</cap:polygon>"
        if own_fields
        else ""
    )
    return (
        f"<entry><id>urn:kma:idx:{n}</id><title>Heavy rain {n}</title>"
        f"<updated>{w3c(NOW - timedelta(hours=1))}</updated>"
        f"<author><name>{SENDER}</name></author>"
        f'<link rel="alternate" type="application/cap+xml" href="{link}"/>'
        f"{fields}</entry>"
    )


def index(entries: list[str]) -> Reply:
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:cap="urn:oasis:names:tc:emergency:cap:1.1">'
        f"<id>urn:kma:index</id><title>KMA</title><updated>{w3c(NOW)}</updated>"
        f"{''.join(entries)}</feed>"
    )
    return Reply(feed, content_type="application/atom+xml")


def source(url: str, **extra: object) -> str:
    options = {"url": url, "retries": 3, "links_deadline_seconds": DEADLINE}
    return source_block("kma", "cap", options | extra)


def timed(ingest: IngestCli):
    t0 = time.monotonic()
    done = ingest()
    return done, time.monotonic() - t0


def link_hits(feed_server, prefix: str) -> int:
    return sum(1 for s in feed_server.requests if s.path.startswith(prefix))


def consistent(numbers: dict[str, int]) -> bool:
    return numbers["fetched"] == (
        numbers["stored"] + numbers["rejected"] + numbers["ignored"]
    )


def test_links_that_hang_or_are_gone_end_on_time_and_entries_stand_in(
    feed_server, ingest_on
):
    entries = [entry(n, feed_server.url(f"/slow/{n}.xml"), True) for n in range(4)]
    entries += [entry(n, feed_server.url(f"/gone/{n}.xml"), False) for n in (4, 5)]
    for n in range(4):
        feed_server.route(f"/slow/{n}.xml", Reply("<alert/>", delay=HANGS))
    ingest_on.use(source(feed_server.route("/index.atom", index(entries))))

    first, seconds = timed(ingest_on)
    assert seconds < DEADLINE + 3, first.out  # 4 × 5 s (× 4 tries) before
    numbers = summary_numbers(first.out)
    # the four read from their own cap: fields, the two 404s quarantined
    assert numbers == {"fetched": 6, "stored": 4, "rejected": 2, "ignored": 0}
    assert first.exit_code == 0 and ", ok" in first.out
    assert counts(ingest_on.engine(), "kma")["quarantined"] == 2
    with ingest_on.engine().connect() as conn:
        landed = conn.execute(select(events.c.district_code, events.c.severity)).all()
    assert set(landed) == {("11680", "Severe")}  # Gangnam, from the cap: fields
    asked = link_hits(feed_server, "/slow/") + link_hits(feed_server, "/gone/")
    assert asked == 6  # each once: no retries of a link within a pull

    second, _ = timed(ingest_on)
    numbers = summary_numbers(second.out)
    assert numbers == {"fetched": 4, "stored": 4, "rejected": 0, "ignored": 0}
    assert consistent(numbers) and second.exit_code == 0
    assert link_hits(feed_server, "/slow/") + link_hits(feed_server, "/gone/") == 6
    assert counts(ingest_on.engine(), "kma") == {
        "events": 4, "measurements": 0, "quarantined": 2
    }  # fmt: skip


def test_an_index_whose_every_link_fails_is_a_failing_source(feed_server, ingest_on):
    entries = []
    for n in range(20):  # the 163 entries of a real index, in miniature
        gone = n % 2 == 0
        path = f"/gone/{n}.xml" if gone else f"/slow/{n}.xml"
        if not gone:
            feed_server.route(path, Reply("<alert/>", delay=HANGS))
        entries.append(entry(n, feed_server.url(path), False))
    ingest_on.use(source(feed_server.route("/index.atom", index(entries))))

    first, seconds = timed(ingest_on)
    assert seconds < DEADLINE + 3, first.out
    numbers = summary_numbers(first.out)
    assert numbers["stored"] == 0 and consistent(numbers)
    assert 0 < numbers["rejected"] < 20  # the deadline left some for later
    assert first.exit_code == 1 and "error: none of the" in first.out
    engine = ingest_on.engine()
    with engine.connect() as conn:
        state = conn.execute(select(source_state)).one()
    assert state.last_success_at is None and state.last_error.startswith("none of")
    asked = {s.path for s in feed_server.requests if s.path != "/index.atom"}
    assert len(asked) == numbers["rejected"]

    second, seconds = timed(ingest_on)
    assert seconds < DEADLINE + 3 and second.exit_code == 1, second.out
    again = [s.path for s in feed_server.requests[len(asked) + 1 :]]
    assert not set(again) & asked  # the remembered failures are not asked for
    with engine.connect() as conn:
        excerpts = list(conn.execute(select(quarantine.c.excerpt)).scalars())
    assert len(excerpts) == len(set(excerpts))  # no link quarantined twice


def test_a_failing_index_keeps_failing_while_it_is_not_modified(feed_server, ingest):
    gone = [entry(n, feed_server.url(f"/gone/{n}.xml"), False) for n in range(3)]
    reply = index(gone)
    reply.etag = '"v1"'
    ingest.use(source(feed_server.route("/index.atom", reply)))
    assert ingest().exit_code == 1
    second = ingest()  # 304: still failing, nothing asked for again
    assert second.exit_code == 1 and "error: none of the" in second.out
    assert feed_server.hits("/index.atom")[1].headers["If-None-Match"] == '"v1"'
    assert link_hits(feed_server, "/gone/") == 3


def test_rss_links_are_not_followed_when_the_source_says_so(feed_server, ingest):
    feed_server.route("/a/1.xml", "<alert/>")
    rss = (
        '<rss version="2.0"><channel><item><title>one</title><link>'
        f"{feed_server.url('/a/1.xml')}</link></item></channel></rss>"
    )
    ingest.use(source(feed_server.route("/index.rss", rss), follow_links=False))
    done = ingest()
    assert feed_server.hits("/a/1.xml") == []
    assert summary_numbers(done.out) == {
        "fetched": 0, "stored": 0, "rejected": 0, "ignored": 0
    }  # fmt: skip


def test_the_quarantine_keeps_its_newest_rows_and_none_too_old(
    feed_server, ingest_on, monkeypatch
):
    items = "".join(f"<item><title>no link {n}</title></item>" for n in range(5))
    rss = f'<rss version="2.0"><channel>{items}</channel></rss>'
    ingest_on.use(source(feed_server.route("/index.rss", rss)))
    monkeypatch.setenv("CITYWALL_QUARANTINE_ROWS", "7")
    monkeypatch.setenv("CITYWALL_QUARANTINE_DAYS", "30")
    assert summary_numbers(ingest_on().out)["rejected"] == 5  # makes the store
    engine = ingest_on.engine()
    old = datetime.now(UTC) - timedelta(days=31)
    with engine.begin() as conn:
        conn.execute(
            quarantine.insert(),
            [
                {"source": "kma", "reason": "old", "excerpt": "", "received_at": old},
                {"source": "other", "reason": "old", "excerpt": "", "received_at": old},
            ],
        )
    ingest_on()
    ingest_on()
    with engine.connect() as conn:
        rows = conn.execute(
            select(quarantine.c.source, quarantine.c.reason, quarantine.c.id)
        ).all()
    mine = sorted(r.id for r in rows if r.source == "kma")
    assert len(mine) == 7  # 15 rejected in three polls, the 7 newest kept
    assert "old" not in {r.reason for r in rows if r.source == "kma"}
    assert mine == sorted(mine)[-7:] and max(mine) == max(r.id for r in rows)
    assert [r.source for r in rows if r.reason == "old"] == ["other"]  # not its own


def test_an_entry_standing_in_for_its_alert_gives_way_once_the_link_is_read(
    feed_server, ingest
):
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KMA-HR-7</identifier><sender>{SENDER}</sender>
  <sent>{w3c(NOW - timedelta(hours=1))}</sent><status>Actual</status>
  <msgType>Alert</msgType><scope>Public</scope>
  <info><event>Heavy Rain Warning</event><urgency>Expected</urgency>
    <severity>Severe</severity><certainty>Likely</certainty>
    <expires>{w3c(NOW + timedelta(hours=5))}</expires>
    <area><areaDesc>Gangnam-gu</areaDesc><polygon>{GANGNAM}</polygon></area></info>
</alert>"""
    link = feed_server.route("/cap/7.xml", Reply("busy", 503), document)
    url = feed_server.route("/index.atom", index([entry(7, link, True)]))
    ingest.use(source(url, retry_failed_links_minutes=0))
    ingest()  # the link fails: the entry's own fields stand in
    ingest()  # the link is read: the alert itself, and the stand-in retracted
    with ingest.engine().connect() as conn:
        shown = dict(conn.execute(select(events.c.source_id, events.c.status)).all())
    assert shown == {
        f"{SENDER},urn:kma:idx:7": "superseded",
        f"{SENDER},KMA-HR-7": "open",
    }
    ingest()  # and no more retractions of it
    assert len(feed_server.hits("/cap/7.xml")) == 3
