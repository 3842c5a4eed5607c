"""``?at=`` on the overview and the kiosk (``pages._moment``): the page as it was
then — the banner in the viewer's language with a way back to live, no refresh,
the stage and the alerts of then, links that keep the moment — and live again,
saying why, for a moment that cannot be shown. Asked through the real app's
page router, as the browser asks, signed in by role.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from plotly.utils import PlotlyJSONEncoder

from access.roles import Role
from city import i18n
from city.i18n import t
from city.records import Event
from components.moment_banner import moment_banner
from store import stages, writes
from tests.kpis.declared_reference import RETRACTED, read_rows
from tests.web.test_access import (  # noqa: F401 - the app, on a demo store
    _body,
    _router_body,
    _server_callbacks,
    client_as,
    wall,
)

TITLE = "Typhoon landfall (moment test)"


@pytest.fixture(scope="module")
def moment(wall):  # noqa: F811
    """A moment three hours ago, local, to the minute: a Severe, Immediate alert
    in force then (expired since) and stage 4 logged for its hour."""
    from web import runtime

    zone = runtime.profile().timezone
    local = (datetime.now(UTC) - timedelta(hours=3)).astimezone(zone)
    local = local.replace(second=0, microsecond=0)
    at = local.astimezone(UTC)
    alert = Event(
        "moment-test",
        "disaster",
        "typhoon",
        at - timedelta(minutes=40),
        title=TITLE,
        severity="Severe",
        expires_at=at + timedelta(minutes=40),
        attrs={"urgency": "Immediate"},
    )
    engine = runtime.engine()
    with engine.begin() as conn:
        writes.upsert_events(conn, "moment-test", [alert], at)
        stages.log_change(conn, 4, False, TITLE, at - timedelta(minutes=39))
        stages.log_change(conn, 1, False, "no rule matches", at + timedelta(minutes=41))
    return local.strftime("%Y-%m-%dT%H:%M"), at


def drawn(client, path: str, search: str = "") -> dict:
    answer = client.post("/_dash-update-component", json=_router_body(path, search))
    assert answer.status_code == 200, answer.text[:300]
    assert "Traceback" not in answer.text
    return answer.get_json()["response"]["_pages_content"]["children"]


def components(tree) -> list[dict]:
    """Every component in a layout's JSON, depth first."""
    found = []
    if isinstance(tree, dict):
        if "props" in tree:
            found.append(tree)
        for value in tree.values():
            found += components(value)
    elif isinstance(tree, list):
        for value in tree:
            found += components(value)
    return found


def with_class(tree, name: str) -> list[dict]:
    return [
        c
        for c in components(tree)
        if name in (c["props"].get("className") or "").split()
    ]


def by_id(tree, id_) -> dict:
    (found,) = [c for c in components(tree) if c["props"].get("id") == id_]
    return found


def text(tree) -> str:
    return json.dumps(tree, ensure_ascii=False, cls=PlotlyJSONEncoder)


def refresh_timer(tree, page: str) -> dict:
    return by_id(tree, {"type": "refresh", "page": page})["props"]


def test_the_overview_at_a_past_moment_says_so_and_holds_still(wall, moment):  # noqa: F811
    at_text, at = moment
    viewer = client_as(wall, Role.VIEWER)
    past = drawn(viewer, "/", f"?at={at_text}&lang=en")
    (banner,) = with_class(past, "moment-banner")
    from web import runtime

    when = i18n.day_and_clock(at, runtime.profile().timezone, "en")
    assert t("en", "moment.as_of", time=when) in text(banner)
    (back,) = with_class(banner, "moment-live")
    assert "at=" not in back["props"]["href"] and "lang=en" in back["props"]["href"]
    for page in ("overview", "unusual"):
        timer = refresh_timer(past, page)
        assert timer["disabled"] is True and timer["max_intervals"] == 0
    live = drawn(viewer, "/", "?lang=en")
    assert with_class(live, "moment-banner") == []
    assert refresh_timer(live, "overview")["disabled"] is False
    assert refresh_timer(live, "overview")["max_intervals"] == -1


def test_the_overview_at_a_past_moment_shows_the_stage_and_alerts_of_then(
    wall,  # noqa: F811
    moment,
):
    at_text, _ = moment
    viewer = client_as(wall, Role.VIEWER)
    past = drawn(viewer, "/", f"?at={at_text}&lang=en")
    stage_4 = t("en", "stage.level", level=4, of=5)
    assert stage_4 in text(by_id(past, "stage-banner"))
    assert TITLE in text(by_id(past, "alert-ticker"))
    assert "disaster-layout" in by_id(past, "overview")["props"]["className"]
    live = drawn(viewer, "/", "?lang=en")
    # expired since (the live stage is the demo's alerts' now: not asserted)
    assert TITLE not in text(by_id(live, "alert-ticker"))


def test_the_links_of_a_past_moment_keep_it_but_to_the_pages_of_now(
    wall,  # noqa: F811
    moment,
):
    at_text, _ = moment
    past = drawn(client_as(wall, Role.STAFF), "/", f"?at={at_text}")
    (back,) = with_class(past, "moment-live")
    links = [
        c["props"]["href"]
        for c in components(past)
        if isinstance(c["props"].get("href"), str) and c is not back
    ]
    # the pages that show only now (the sources' health) carry none; the
    # downloads answer at the moment too
    live_only = [h for h in links if h.startswith("/sources")]
    pages = [h for h in links if h not in live_only]
    assert len(pages) > 5 and live_only and any(h.startswith("/csv/") for h in pages)
    kept = f"at={quote(at_text)}"
    assert [h for h in pages if kept not in h] == []
    assert [h for h in live_only if "at=" in h] == []


def test_the_header_links_keep_the_moment(wall, moment):  # noqa: F811
    at_text, _ = moment
    entry = _server_callbacks(wall)["web.shell.draw_header"]
    body = _body(entry, {"nav": None})
    body["inputs"] = [
        {"id": "nav", "property": "pathname", "value": "/"},
        {"id": "nav", "property": "search", "value": f"?at={at_text}&lang=en"},
    ]
    answer = client_as(wall, Role.VIEWER).post("/_dash-update-component", json=body)
    header = answer.get_json()["response"]["shell-header"]["children"]
    hrefs = [
        c["props"]["href"]
        for c in components(header)
        if "href" in c["props"] and not c["props"]["href"].endswith("logout")
    ]
    from web import runtime

    when = i18n.day_and_clock(moment[1], runtime.profile().timezone, "en")
    assert by_id(header, "clock")["props"]["children"] == when  # stopped there
    assert by_id(header, "clock-box")["props"]["data-timezone"] == ""
    kept = f"at={quote(at_text)}"
    live_only = [h for h in hrefs if h.startswith("/cameras")]  # its pictures: now
    assert len(hrefs) > 3 and live_only
    assert [h for h in hrefs if (kept in h) == (h in live_only)] == []
    body["inputs"][1]["value"] = "?lang=en"  # live: the clock ticks in the zone
    answer = client_as(wall, Role.VIEWER).post("/_dash-update-component", json=body)
    header = answer.get_json()["response"]["shell-header"]["children"]
    assert by_id(header, "clock-box")["props"]["data-timezone"] == "Asia/Seoul"
    assert by_id(header, "clock")["props"].get("children") is None


def test_the_overview_refresh_asked_at_a_moment_answers_for_it(wall, moment):  # noqa: F811
    """The map's metric changed at a past moment: its refresh is the moment's."""
    at_text, _ = moment
    entry = _server_callbacks(wall)["pages.overview.refresh"]
    values = {"map-metric": "complaints_open", "nav": f"?at={at_text}"}
    body = _body(entry, values)
    answer = client_as(wall, Role.VIEWER).post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    assert TITLE in text(response["alert-ticker"])
    live = client_as(wall, Role.VIEWER).post(
        "/_dash-update-component", json=_body(entry, {**values, "nav": ""})
    )
    assert TITLE not in text(live.get_json()["response"].get("alert-ticker", ""))
    # a callback's moment is bounded as the page's: an endless one is not a moment
    endless = _body(entry, {**values, "nav": "?at=" + "9" * 5000})
    answer = client_as(wall, Role.VIEWER).post("/_dash-update-component", json=endless)
    assert answer.status_code == 200
    assert TITLE not in text(answer.get_json()["response"].get("alert-ticker", ""))


def test_the_kiosk_at_a_past_moment(wall, moment):  # noqa: F811
    at_text, at = moment
    viewer = client_as(wall, Role.VIEWER)
    past = drawn(viewer, "/wall", f"?at={at_text}&lang=en")
    from web import runtime

    when = i18n.day_and_clock(at, runtime.profile().timezone, "en")
    banners = with_class(past, "moment-banner")
    assert banners
    assert all(t("en", "moment.as_of", time=when) in text(b) for b in banners)
    assert by_id(past, "kiosk-stage-badge")["props"]["data-level"] == "4"
    assert TITLE in text(past)  # the disaster layout's alerts, of then
    assert by_id(past, "kiosk-tick")["props"]["disabled"] is True
    assert refresh_timer(past, "kiosk")["max_intervals"] == 0
    assert by_id(past, "kiosk-clock")["props"]["children"] == when
    # the rotation held: its countdown names the moment, not a next page
    assert by_id(past, "kiosk-state")["props"]["data"]["paused"] is True
    paused = by_id(past, "kiosk-words")["props"]["data"]["paused"]
    assert paused == t("en", "moment.as_of", time=when)
    live = drawn(viewer, "/wall", "?lang=en")
    assert with_class(live, "moment-banner") == []
    assert by_id(live, "kiosk-tick")["props"].get("disabled") is not True
    assert by_id(live, "kiosk-state")["props"]["data"]["paused"] is False


@pytest.mark.parametrize("lang", i18n.shipped_languages())
def test_the_banner_speaks_every_language(lang):
    at = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    seoul = ZoneInfo("Asia/Seoul")
    banner = text(moment_banner(at, seoul, lang, "/?lang=" + lang))
    when = i18n.day_and_clock(at, seoul, lang)
    assert t(lang, "moment.as_of", time=when) in banner
    assert t(lang, "moment.back") in banner
    assert t(lang, "moment.as_known") in banner
    if lang != "en":
        assert t(lang, "moment.as_of", time="x") != t("en", "moment.as_of", time="x")


@pytest.mark.parametrize(
    "value, problem",
    [
        ("yesterday", "bad"),
        ("2026-02-30T02:00", "bad"),
        ("0001-01-01T00:00", "bad"),  # before the year 1 in UTC: no moment at all
        ("2026-12-05T02:00<script>", "bad"),
        ("9" * 5000, None),  # refused by the web floor's argument check: live
        ("2999-01-01T00:00", "future"),
        ("2001-01-01T00:00", "before_first"),
    ],
    ids=[
        "words",
        "no-such-day",
        "year-one",
        "markup",
        "long",
        "future",
        "before-the-store",
    ],  # fmt: skip
)
def test_a_moment_that_cannot_be_shown_says_why_and_draws_live(
    wall,  # noqa: F811
    value,
    problem,
):
    page = drawn(client_as(wall, Role.VIEWER), "/", f"?at={quote(value)}&lang=en")
    assert with_class(page, "moment-banner") == []
    assert refresh_timer(page, "overview")["disabled"] is False  # live
    if problem is None:
        assert with_class(page, "moment-problem") == []
        return
    (note,) = with_class(page, "moment-problem")
    said = note["props"]["children"]
    shown = {"value": value[:19], "time": value.replace("T", " "), "first": "\0"}
    want = t("en", f"moment.{problem}", **shown)
    assert said.startswith(want.split("\0")[0]) and len(said) < 300


# -- the domain and district pages ---------------------------------------------------
def test_a_domain_page_at_a_past_moment_lists_the_records_of_then(wall, moment):  # noqa: F811
    """Staff see the records of the period up to the moment, as pandas finds
    them in the raw rows; the page holds still and its filters keep the moment."""
    from web import runtime

    at_text, at = moment
    staff = client_as(wall, Role.STAFF)
    page = drawn(staff, "/complaints", f"?at={at_text}&period=24h&lang=en")
    assert len(with_class(page, "moment-banner")) == 1
    timer = refresh_timer(page, "domain")
    assert timer["disabled"] is True and timer["max_intervals"] == 0
    rows = read_rows(runtime.engine()).events
    then = rows[
        (rows.domain == "complaints")
        & (rows.occurred_at > pd.Timestamp(at - timedelta(hours=24)))
        & (rows.occurred_at <= pd.Timestamp(at))
    ].sort_values("occurred_at", ascending=False)
    shown = {int(r["id"]) for r in by_id(page, "record-grid")["props"]["rowData"]}
    assert shown and len(shown) == min(len(then), 1000)
    assert shown <= set(then.id)
    assert set(then.id[:990]) <= shown  # the newest, whatever the ties at the end
    view = by_id(page, "domain-view")["props"]["data"]
    assert view["at"] == at_text
    # a filter changed at the moment: the new address keeps it
    entry = _server_callbacks(wall)["pages._domain.apply_filters"]
    body = _body(entry, {"domain-view": view, "filter-period": "7d"})
    answer = staff.post("/_dash-update-component", json=body)
    assert f"at={quote(at_text)}" in answer.get_json()["response"]["domain-nav"]["href"]
    # and its refresh, asked at the moment, answers for it
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    answer = staff.post(
        "/_dash-update-component", json=_body(entry, {"domain-view": view})
    )
    refreshed = answer.get_json()["response"]["record-grid"]["rowData"]
    assert {int(r["id"]) for r in refreshed} == shown
    live = drawn(staff, "/complaints", "?period=24h&lang=en")
    assert with_class(live, "moment-banner") == []
    assert refresh_timer(live, "domain")["disabled"] is False


def test_a_district_page_at_a_past_moment(wall, moment):  # noqa: F811
    at_text, _ = moment
    staff = client_as(wall, Role.STAFF)
    page = drawn(staff, "/district/11680", f"?at={at_text}&lang=en")
    (banner,) = with_class(page, "moment-banner")
    (back,) = with_class(banner, "moment-live")
    assert back["props"]["href"] == "/district/11680?lang=en"
    timer = by_id(page, {"type": "district-refresh", "code": "11680"})["props"]
    assert timer["disabled"] is True and timer["max_intervals"] == 0
    (alerts,) = with_class(page, "district-alerts")
    assert TITLE in text(alerts)  # the city-wide alert in force then
    live = drawn(staff, "/district/11680", "?lang=en")
    assert with_class(live, "moment-banner") == []
    (alerts,) = with_class(live, "district-alerts")
    assert TITLE not in text(alerts)
    # its refresh, asked at the moment, answers for it
    entry = _server_callbacks(wall)["pages.district.refresh"]
    body = _body(entry, {"nav": f"?at={at_text}&lang=en"})
    timer_id = {"type": "district-refresh", "code": "11680"}
    body["inputs"][0]["id"] = timer_id
    body["outputs"] = {
        "id": {**timer_id, "type": "district-body"},
        "property": "children",
    }
    body["changedPropIds"] = [json.dumps(timer_id, sort_keys=True) + ".n_intervals"]
    answer = staff.post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    assert TITLE in answer.text


# -- embeds and roles, as live ----------------------------------------------------------
def test_an_embed_at_a_past_moment_stays_the_embed_its_token_opens(wall, moment):  # noqa: F811
    """A token for one district's complaints: at a past moment the embed shows
    the moment, its links stay inside it (with the moment and the token), its
    way back to live is the same embed; another district stays refused, in the
    address and in a crafted refresh."""
    from tests.web.test_access import _token

    at_text, _ = moment
    token = _token(wall, "complaints", "11680")
    bearer = {"Authorization": f"Bearer {token}"}
    frame = wall.server.test_client()
    search = f"?district=11680&token={token}&at={at_text}&lang=en"
    answer = frame.post(
        "/_dash-update-component",
        json=_router_body("/embed/complaints", search),
        headers=bearer,
    )
    assert answer.status_code == 200
    page = answer.get_json()["response"]["_pages_content"]["children"]
    (banner,) = with_class(page, "moment-banner")
    (back,) = with_class(banner, "moment-live")
    assert back["props"]["href"].startswith("/embed/complaints?")
    assert (
        "at=" not in back["props"]["href"] and f"token={token}" in back["props"]["href"]
    )
    links = [
        c["props"]["href"]
        for c in components(page)
        if isinstance(c["props"].get("href"), str) and c is not back
    ]
    assert links
    for link in links:
        if link.startswith("/csv/"):
            assert "credential=" in link and f"at={quote(at_text)}" in link
        else:
            assert link.startswith("/embed/complaints?"), link
            assert f"token={token}" in link and f"at={quote(at_text)}" in link
    other = _router_body("/embed/complaints", f"?district=11110&at={at_text}")
    assert (
        frame.post("/_dash-update-component", json=other, headers=bearer).status_code
        == 403
    )
    view = by_id(page, "domain-view")["props"]["data"]
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    crafted = _body(entry, {"domain-view": {**view, "district": "11110"}})
    assert (
        frame.post("/_dash-update-component", json=crafted, headers=bearer).status_code
        == 403
    )
    # a viewer at a moment opens no staff page: the district's, refused as live
    viewer = client_as(wall, Role.VIEWER)
    district = _router_body("/district/11680", f"?at={at_text}")
    assert viewer.post("/_dash-update-component", json=district).status_code == 403
    # and sees no record rows at a moment either
    rows = drawn(viewer, "/complaints", f"?at={at_text}")
    assert by_id(rows, "record-grid")["props"]["rowData"] == []


# -- the downloads at a moment -----------------------------------------------------------
def test_a_tiles_csv_at_a_past_moment_has_the_moments_numbers(wall, moment):  # noqa: F811
    """The CSV link of a tile on a past moment's page downloads that moment's
    numbers (the alerts in force then), named for the moment; a moment that
    cannot be shown is refused with a reason, never answered with now."""
    from web import runtime

    at_text, at = moment
    viewer = client_as(wall, Role.VIEWER)
    page = drawn(viewer, "/", f"?at={at_text}")
    (link,) = [
        c["props"]["href"]
        for c in components(page)
        if str(c["props"].get("href", "")).startswith(
            "/csv/tile/disaster_active_alerts"
        )
    ]
    answer = viewer.get(link)
    assert answer.status_code == 200
    assert (
        f"-at-{at_text.replace(':', '')}.csv" in answer.headers["Content-Disposition"]
    )
    row = pd.read_csv(io.StringIO(answer.text.lstrip("\ufeff"))).iloc[0]
    # the alerts in force then, counted plainly in the raw rows
    events = read_rows(runtime.engine()).events
    in_force = events[
        (events.domain == "disaster")
        & (events.occurred_at <= pd.Timestamp(at))
        & (events.expires_at.isna() | (events.expires_at > pd.Timestamp(at)))
        & ~events.status.isin(RETRACTED)
    ]
    assert row["kpi"] == "disaster_active_alerts"
    assert row["value"] == len(in_force) and TITLE in set(in_force.title)
    for bad in ("2999-01-01T00:00", "yesterday"):
        refused = viewer.get(f"/csv/tile/disaster_active_alerts?at={bad}")
        assert refused.status_code == 400 and "Traceback" not in refused.text


def test_a_views_records_csv_at_a_past_moment_holds_the_records_of_then(
    wall,  # noqa: F811
    moment,
):
    at_text, at = moment
    staff = client_as(wall, Role.STAFF)
    answer = staff.get(f"/csv/records/disaster?period=24h&at={at_text}")
    assert answer.status_code == 200
    rows = pd.read_csv(io.StringIO(answer.text.lstrip("\ufeff")))
    occurred = pd.to_datetime(rows.occurred_at, utc=True, format="ISO8601")
    assert TITLE in set(rows.title)
    assert (occurred <= pd.Timestamp(at)).all()
    assert (occurred > pd.Timestamp(at - timedelta(hours=24))).all()
    assert (
        client_as(wall, Role.VIEWER)
        .get(f"/csv/records/disaster?at={at_text}")
        .status_code
        == 403
    )  # staff only, as live


def test_the_kiosk_stepped_by_hand_at_a_past_moment_stays_there(wall, moment):  # noqa: F811
    """The operator's key moves a held wall to its next page: drawn at the
    same moment, still holding still."""
    at_text, _ = moment
    viewer = client_as(wall, Role.VIEWER)
    past = drawn(viewer, "/wall", f"?at={at_text}&lang=en")
    steps = by_id(past, "kiosk-steps")["props"]["data"]
    index = next(i for i, s in enumerate(steps) if s["page"] != "/")
    entry = _server_callbacks(wall)["pages.kiosk.show_page"]
    body = _body(
        entry,
        {"kiosk-index": index, "kiosk-steps": steps, "nav": f"?at={at_text}&lang=en"},
    )
    answer = viewer.post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    shown = answer.get_json()["response"]["kiosk-stage"]["children"]
    assert with_class(shown, "moment-banner")
    timers = [
        c["props"]
        for c in components(shown)
        if isinstance(c["props"].get("id"), dict)
        and "refresh" in c["props"]["id"].get("type", "")
    ]
    assert timers and all(timer["max_intervals"] == 0 for timer in timers)


# -- records changed after the moment ------------------------------------------------
def test_records_changed_after_the_moment_show_as_they_were_then(wall, moment):  # noqa: F811
    """A complaint closed an hour after the moment is open then, its status then
    not kept (the row, its detail and its CSV say so); one whose feed reported its
    steps shows its step of then; the page says what the store cannot give back.
    Live, both are closed."""
    from sqlalchemy import select

    from components.format import status_word
    from store.schema import events
    from web import runtime

    at_text, at = moment
    minute = timedelta(minutes=1)
    steps = [
        ["received", (at - 50 * minute).isoformat()],
        ["in_progress", (at - 20 * minute).isoformat()],
        ["closed", (at + 30 * minute).isoformat()],
    ]

    def complaint(source_id: str, occurred, closed, **extra) -> Event:
        """A noise complaint in Gangnam-gu, closed (and last updated) at ``closed``."""
        return Event(
            source_id,
            "complaints",
            "noise",
            occurred,
            title=f"{source_id} (moment test)",
            status="closed",
            district_code="11680",
            updated_at=closed,
            closed_at=closed,
            **extra,
        )

    later = [
        complaint("closed-later", at - 60 * minute, at + 60 * minute),
        complaint(
            "stepped", at - 50 * minute, at + 30 * minute, attrs={"lifecycle": steps}
        ),
    ]
    with runtime.engine().begin() as conn:
        writes.upsert_events(conn, "moment-test", later, at + 60 * minute)
        ids = dict(
            conn.execute(
                select(events.c.source_id, events.c.id).where(
                    events.c.source == "moment-test"
                )
            ).all()
        )
    staff = client_as(wall, Role.STAFF)
    search = f"?at={at_text}&period=24h&district=11680&lang=en"
    page = drawn(staff, "/complaints", search)
    status = {
        int(r["id"]): r["status"]
        for r in by_id(page, "record-grid")["props"]["rowData"]
    }
    assert status[ids["closed-later"]] == t("en", "moment.open_then")
    assert status[ids["stepped"]] == status_word("in_progress", "en")
    when = i18n.day_and_clock(at, runtime.profile().timezone, "en")
    note = by_id(page, "records-then")["props"]["children"]
    assert note == t("en", "moment.records_then", time=when)
    # the record in full: open then, its later closing not shown, and why
    opened = drawn(staff, "/complaints", f"{search}&record={ids['closed-later']}")
    detail = text(by_id(opened, "record-detail"))
    closed = status_word("closed", "en")
    assert t("en", "moment.record_changed", status=closed) in detail
    heads = [c["props"]["children"] for c in components(opened) if c["type"] == "Th"]
    assert t("en", "records.occurred") in heads
    assert t("en", "records.closed") not in heads
    stepped = drawn(staff, "/complaints", f"{search}&record={ids['stepped']}")
    lifecycle = text(with_class(stepped, "lifecycle"))
    assert status_word("in_progress", "en") in lifecycle and closed not in lifecycle
    # the CSV of then leaves a status it does not know empty
    answer = staff.get(f"/csv/records/complaints?district=11680&at={at_text}")
    rows = pd.read_csv(io.StringIO(answer.text.lstrip("\ufeff"))).set_index("id")
    assert pd.isna(rows.loc[ids["closed-later"], "status"])
    assert pd.isna(rows.loc[ids["closed-later"], "closed_at"])
    assert rows.loc[ids["stepped"], "status"] == "in_progress"
    # live, both are closed and the page says nothing of then
    live = drawn(staff, "/complaints", "?period=24h&district=11680&lang=en")
    now = {
        int(r["id"]): r["status"]
        for r in by_id(live, "record-grid")["props"]["rowData"]
    }
    assert now[ids["closed-later"]] == now[ids["stepped"]] == closed
    assert [c for c in components(live) if c["props"].get("id") == "records-then"] == []


# -- the time bar ----------------------------------------------------------------------
def header_of(wall, role: Role, pathname: str, search: str):  # noqa: F811
    entry = _server_callbacks(wall)["web.shell.draw_header"]
    body = _body(entry, {"nav": None})
    body["inputs"] = [
        {"id": "nav", "property": "pathname", "value": pathname},
        {"id": "nav", "property": "search", "value": search},
    ]
    answer = client_as(wall, role).post("/_dash-update-component", json=body)
    assert answer.status_code == 200 and "Traceback" not in answer.text
    return answer.get_json()["response"]["shell-header"]["children"]


def bar_data(header) -> dict | None:
    found = [c for c in components(header) if c["props"].get("id") == "moment-bar-data"]
    return found[0]["props"]["data"] if found else None


def test_the_time_bar_goes_to_the_same_view_at_a_moment(wall, moment):  # noqa: F811
    """On the overview, a domain page and a district's, the bar's addresses keep
    the view's words and set or drop ``at``; it stands on the moment shown."""
    from components.moment_bar import AT_SLOT

    at_text, at = moment
    views = [
        (Role.VIEWER, "/", "metric=complaints_open"),
        (Role.VIEWER, "/complaints", "district=11680&period=7d"),
        (Role.STAFF, "/district/11680", ""),
    ]
    for role, path, words in views:
        search = f"?{words}&lang=ko&at={at_text}".replace("?&", "?")
        data = bar_data(header_of(wall, role, path, search))
        assert data is not None, path
        kept = f"?{words}&lang=ko".replace("?&", "?")
        assert data["live"] == path + kept
        assert data["template"] == f"{path}{kept}&at={AT_SLOT}"
        # the position it stands on: the moment's hour
        assert data["texts"][data["value"]] == at_text[:14] + "00"
        live = bar_data(header_of(wall, role, path, kept))
        assert live["value"] == len(live["texts"]) == 7 * 24


def test_the_time_bar_is_only_where_a_page_draws_moments_for_its_roles(wall):  # noqa: F811
    assert bar_data(header_of(wall, Role.STAFF, "/cameras", "")) is None
    assert bar_data(header_of(wall, Role.ADMIN, "/sources", "")) is None
    assert bar_data(header_of(wall, Role.STAFF, "/district/99999", "")) is None
    # a district's page is for staff: a viewer's header offers no bar to it
    assert bar_data(header_of(wall, Role.VIEWER, "/district/11680", "")) is None
    # the kiosk and the embeds have no header at all
    assert header_of(wall, Role.VIEWER, "/wall", "") is None
    assert header_of(wall, Role.VIEWER, "/embed/overview", "") is None


# -- the kiosk's replay ----------------------------------------------------------------
def replay_search(moment_at, minutes: str = "1", **more: str) -> str:
    """An hour from ``moment_at`` (the moment of stage 4) played in ``minutes``."""
    from web import runtime

    zone = runtime.profile().timezone
    start = moment_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    end = (moment_at + timedelta(hours=1)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    words = {"replay": start, "to": end, "minutes": minutes, **more}
    return "?" + "&".join(f"{k}={quote(v)}" for k, v in words.items())


def test_a_replay_steps_the_wall_through_its_span_and_holds_on_the_last(
    wall,  # noqa: F811
    moment,
):
    """The first address goes to the first frame; each frame is the wall at its
    moment with the replay's banner and a timer to the next frame, made by the
    server; the last holds. An hour in a minute at 10 s a refresh: 7 frames."""
    from urllib.parse import parse_qs, urlsplit

    from components.moment_banner import replay_text
    from web import runtime

    _, at = moment
    zone = runtime.profile().timezone
    viewer = client_as(wall, Role.VIEWER)
    entry = drawn(viewer, "/wall", replay_search(at) + "&lang=en")
    first = by_id(entry, "replay-next")["props"]["data"]
    assert with_class(entry, "kiosk-strip") == []  # nothing drawn at live
    address = urlsplit(first)
    assert address.path == "/wall"
    assert parse_qs(address.query)["at"] == [
        at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    ]
    seen, levels, search = [], [], "?" + address.query
    for _frame in range(10):
        page = drawn(viewer, "/wall", search)
        (banner,) = with_class(page, "moment-replay")
        seen.append(banner["props"]["children"][0]["props"]["children"])
        levels.append(by_id(page, "kiosk-stage-badge")["props"]["data-level"])
        assert by_id(page, "kiosk-tick")["props"]["disabled"] is True
        timer = by_id(page, "replay-timer")["props"]
        following = by_id(page, "replay-next")["props"]["data"]
        if following is None:
            break
        assert timer["interval"] == runtime.profile().refresh_seconds * 1000
        assert timer["max_intervals"] == 1 and not timer["disabled"]
        search = "?" + urlsplit(following).query
    assert len(seen) == 7 and timer["disabled"] is True  # it holds on the last
    step = timedelta(minutes=10)
    assert seen == [
        replay_text(at, at + 6 * step, at + i * step, i + 1, 7, zone, "en")
        for i in range(7)
    ]
    assert seen[-1].startswith("Replay") and "ended" in seen[-1]
    # the stage of each moment: 4 at the start, down 41 minutes after
    assert levels[0] == "4" and levels[-1] != "4"
    # roles as live: nobody signed in gets no frame of it
    nobody = wall.server.test_client().post(
        "/_dash-update-component", json=_router_body("/wall", search)
    )
    assert nobody.status_code == 401 and TITLE not in nobody.text


@pytest.mark.parametrize(
    "words, reason",
    [
        ({"minutes": "0"}, "replay_minutes"),
        ({"minutes": "many"}, "replay_minutes"),
        ({"to": "2999-01-01T00:00"}, "replay_moment"),
        ({"replay": "2001-01-01T00:00"}, "replay_moment"),
        ({"replay": "<b>x</b>"}, "replay_moment"),
        ({"to": "2001-01-01T00:00", "replay": "2001-01-02T00:00"}, "replay_moment"),
    ],
)
def test_a_replay_that_cannot_be_played_draws_live_and_says_why(
    wall,  # noqa: F811
    moment,
    words,
    reason,
):
    _, at = moment
    search = replay_search(at, **words) + "&lang=en"
    page = drawn(client_as(wall, Role.VIEWER), "/wall", search)
    (note,) = with_class(page, "moment-problem")
    assert note["props"]["children"].startswith("This replay cannot be played:")
    assert (
        t("en", f"moment.{reason}", value="\0", most="\0").split("\0")[0]
        in (note["props"]["children"])
    )
    assert with_class(page, "moment-banner") == []  # live
    assert [c for c in components(page) if c["props"].get("id") == "replay-timer"] == []
    assert by_id(page, "kiosk-state")["props"]["data"]["paused"] is False


def test_a_replay_frame_outside_its_span_is_that_moment_alone(wall, moment):  # noqa: F811
    from web import runtime

    _, at = moment
    zone = runtime.profile().timezone
    before = (at - timedelta(hours=1)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    page = drawn(
        client_as(wall, Role.VIEWER), "/wall", replay_search(at, at=before) + "&lang=en"
    )
    (note,) = with_class(page, "moment-problem")
    assert (
        t("en", "moment.replay_outside", time=before.replace("T", " "))
        in (note["props"]["children"])
    )
    # held at that moment (the strip's banner, and the page's below it)
    assert with_class(page, "moment-banner") and not with_class(page, "moment-replay")
    assert [c for c in components(page) if c["props"].get("id") == "replay-timer"] == []
