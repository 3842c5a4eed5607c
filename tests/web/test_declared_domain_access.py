"""A domain the city declares in its profile ("water", with records; "air", of
readings only) is guarded as the standard four are: its page's refresh, driven
through Dash's own ``_dash-update-component`` with crafted bodies, answers
nobody without a sign-in, gives viewers and embeds aggregates without a record
row, gives staff the rows, keeps an embed token to its own page and district, and
answers a domain nobody declared with a refusal or the not-found view, never an
exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from access import embed_tokens
from city.records import Event
from store import writes
from tests.conftest import (
    PROXY_ADMIN,
    PROXY_SIGN_IN,
    PROXY_STAFF,
    PROXY_VIEWER,
    build_wall,
    router_body,
    seoul_profile_copy,
    wall_environment,
)
from tests.declared_domains import WATER_OPEN, air_declarations, water_declarations
from tests.web.test_access import _body, _server_callbacks
from web.signing import signing_key

DISTRICT = "11680"  # Gangnam-gu: the water record's
OTHER_DISTRICT = "11110"
SECRET_TITLE = "Burst main behind Gangnam station 7Q"  # in no answer below staff
UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    """The app on a profile declaring "water" and "air", with one open water
    record in Gangnam-gu."""
    folder = tmp_path_factory.mktemp("declared")
    (folder / "city").mkdir()  # beside the plain Seoul wall_environment writes
    profile = seoul_profile_copy(
        folder / "city", 1, extra=water_declarations() + air_declarations()
    )
    with wall_environment(folder, CITYWALL_PROFILE=str(profile), **PROXY_SIGN_IN):
        from web import runtime

        now = datetime.now(UTC).replace(microsecond=0)
        with runtime.engine().begin() as conn:
            writes.upsert_events(
                conn,
                "water-utility",
                [
                    Event(
                        "w-1",
                        "water",
                        "leak",
                        now - timedelta(hours=1),
                        title=SECRET_TITLE,
                        district_code=DISTRICT,
                    )
                ],
                now,
            )
        yield build_wall()


def _record_id(wall) -> str:
    from sqlalchemy import select

    from store.schema import events
    from web import runtime

    with runtime.engine().connect() as conn:
        return str(
            conn.execute(
                select(events.c.id).where(events.c.source_id == "w-1")
            ).scalar_one()
        )


def _view(domain: str, district: str | None = None, embed: dict | None = None):
    return {
        "domain": domain,
        "district": district,
        "category": None,
        "period": "7d",
        "lang": "en",
        "embed": embed,
    }


def _refresh(wall, view: dict, headers: dict | None = None):
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    return wall.server.test_client().post(
        UPDATE, json=_body(entry, {"domain-view": view}), headers=headers or {}
    )


def _open_record(wall, view: dict, headers: dict | None = None):
    """A click on the record's row: what opens its detail."""
    entry = _server_callbacks(wall)["pages._domain.open_record"]
    body = _body(entry, {"domain-view": view})
    body["inputs"][0]["value"] = {"rowId": _record_id(wall)}
    body["changedPropIds"] = ["record-grid.cellClicked"]
    return wall.server.test_client().post(UPDATE, json=body, headers=headers or {})


def _clean(answer, record_id: str) -> bool:
    """No trace of the record nor of an exception in an answer."""
    text = answer.get_data(as_text=True)
    return (
        SECRET_TITLE not in text
        and f'"id": "{record_id}"' not in text
        and f'"id":"{record_id}"' not in text
        and "Traceback" not in text
    )


def _token(
    wall,
    target: str,
    district: str | None,
    key: str | None = None,  # another than the server's: a forgery
    valid: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> dict:
    """The headers of a frame holding a token for ``target`` in ``district``."""
    from web import runtime

    signed = embed_tokens.issue(
        runtime.engine(),
        key or signing_key(wall.server),
        target,
        district,
        valid,
        now or datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {signed}"}


# -- who may refresh the page --------------------------------------------------------


def test_staff_refresh_the_declared_domain_with_its_rows_and_its_numbers(wall):
    for headers in (PROXY_STAFF, PROXY_ADMIN):
        answer = _refresh(wall, _view("water"), headers)
        assert answer.status_code == 200, answer.text[:300]
        got = answer.get_json()["response"]
        assert [r["title"] for r in got["record-grid"]["rowData"]] == [SECRET_TITLE]
        assert got["record-count"]["children"].startswith("1 of 1 ")
        assert WATER_OPEN in json.dumps(got["domain-tiles"])
    detail = _open_record(wall, _view("water"), PROXY_STAFF)
    assert detail.status_code == 200 and SECRET_TITLE in detail.text


def test_nobody_signed_in_is_refused_the_refresh_as_on_every_page(wall):
    record = _record_id(wall)
    for view in (_view("water"), _view("water", DISTRICT), _view("air")):
        answer = _refresh(wall, view)
        assert answer.status_code == 401 and answer.get_json() == {"error": "sign in"}
        assert _clean(answer, record)
    # the same as a standard domain's page
    standard = _refresh(wall, _view("complaints"))
    assert standard.status_code == 401 and standard.get_json() == {"error": "sign in"}
    assert _open_record(wall, _view("water")).status_code == 401


def test_a_viewer_gets_the_numbers_and_no_record_row(wall):
    record = _record_id(wall)
    answer = _refresh(wall, _view("water"), PROXY_VIEWER)
    assert answer.status_code == 200 and _clean(answer, record)
    got = answer.get_json()["response"]
    staff = _refresh(wall, _view("water"), PROXY_STAFF).get_json()["response"]
    assert got["record-grid"]["rowData"] == []
    # aggregates: the same tiles and count as staff see
    assert got["record-count"] == staff["record-count"]
    assert got["domain-tiles"] == staff["domain-tiles"]
    # a record's detail, its CSV: staff only
    opened = _open_record(wall, _view("water"), PROXY_VIEWER)
    assert opened.status_code == 403 and _clean(opened, record)
    client = wall.server.test_client()
    assert client.get("/csv/records/water", headers=PROXY_VIEWER).status_code == 403
    assert client.get("/csv/records/water", headers=PROXY_STAFF).status_code == 200


def test_a_domain_of_readings_refreshes_for_a_viewer(wall):
    answer = _refresh(wall, _view("air"), PROXY_VIEWER)
    assert answer.status_code == 200, answer.text[:300]
    got = answer.get_json()["response"]
    assert got["record-grid"]["rowData"] == []
    assert "pm25_3h" in json.dumps(got["domain-tiles"])


# -- an embed token of the declared domain's page ----------------------------------


def test_the_declared_domains_page_is_embeddable_and_nothing_undeclared_is(wall):
    from web import runtime

    profile = runtime.profile()
    assert embed_tokens.checked_target("water", DISTRICT, profile) == "water"
    assert embed_tokens.checked_target("/embed/air", None, profile) == "air"
    with pytest.raises(embed_tokens.EmbedTokenError):
        embed_tokens.checked_target("nope", None, profile)


def test_an_embed_token_refreshes_its_own_page_and_district_only(wall):
    record = _record_id(wall)
    bearer = _token(wall, "water", DISTRICT)
    token = bearer["Authorization"].removeprefix("Bearer ")
    embed = {"target": "water", "token": token}
    own = _refresh(wall, _view("water", DISTRICT, embed), bearer)
    assert own.status_code == 200, own.text[:300]
    assert own.get_json()["response"]["record-grid"]["rowData"] == []
    assert _clean(own, record)
    # its page drawn by the router, as the frame asks for it
    search = f"?district={DISTRICT}&token={token}"
    page = wall.server.test_client().post(
        UPDATE, json=router_body("/embed/water", search), headers=bearer
    )
    assert page.status_code == 200 and "domain-water" in page.text
    assert _clean(page, record)

    refused = {
        "another district": _refresh(wall, _view("water", OTHER_DISTRICT), bearer),
        "every district": _refresh(wall, _view("water"), bearer),
        "another domain": _refresh(wall, _view("air", DISTRICT), bearer),
        "a standard domain": _refresh(wall, _view("complaints", DISTRICT), bearer),
        "an undeclared domain": _refresh(wall, _view("nope", DISTRICT), bearer),
        "a record": _open_record(wall, _view("water", DISTRICT, embed), bearer),
        "another page": wall.server.test_client().post(
            UPDATE, json=router_body("/embed/air"), headers=bearer
        ),
        "the full page": wall.server.test_client().post(
            UPDATE, json=router_body("/water"), headers=bearer
        ),
    }
    assert {k: a.status_code for k, a in refused.items()} == dict.fromkeys(refused, 403)
    assert all(_clean(a, record) for a in refused.values())
    client = wall.server.test_client()
    for path in (
        f"/csv/records/water?district={DISTRICT}",
        f"/csv/tile/{WATER_OPEN}?district={DISTRICT}",  # only with a credential
        f"/embed/air?district={DISTRICT}",
    ):
        assert client.get(path, headers=bearer).status_code == 403, path


def test_a_forged_or_expired_token_refreshes_nothing(wall):
    record = _record_id(wall)
    forged = _token(wall, "water", DISTRICT, key="not-the-key")
    expired = _token(
        wall,
        "water",
        DISTRICT,
        valid=timedelta(seconds=1),
        now=datetime.now(UTC) - timedelta(minutes=5),
    )
    for bearer in (forged, expired):
        answer = _refresh(wall, _view("water", DISTRICT), bearer)
        assert answer.status_code == 401 and _clean(answer, record)


# -- a domain nobody declared --------------------------------------------------------


UNDECLARED = ("nope", "", None, 7, ["water"], {"id": "water"})


def _odd_view(domain) -> dict:
    return {**_view("water"), "domain": domain}


@pytest.mark.parametrize(
    "headers, role",
    [(PROXY_VIEWER, "viewer"), (PROXY_STAFF, "staff")],
    ids=["viewer", "staff"],
)
def test_a_view_naming_no_declared_domain_changes_nothing(wall, headers, role):
    """Each callback of a domain page, on a view naming no domain the profile
    declares (or no view at all): Dash's answer for "nothing to update", 204,
    never an exception; a record's detail stays refused below staff."""
    callbacks = _server_callbacks(wall)
    odd = [*(_odd_view(d) for d in UNDECLARED), None, "water", []]
    wrong = []
    for name in ("refresh", "apply_filters", "open_record", "open_district"):
        entry = callbacks[f"pages._domain.{name}"]
        expected = 403 if name == "open_record" and role == "viewer" else 204
        for view in odd:
            body = _body(entry, {"domain-view": view, "filter-period": "30d"})
            first = body["inputs"][0]
            body["changedPropIds"] = [f"{first['id']}.{first['property']}"]
            answer = wall.server.test_client().post(UPDATE, json=body, headers=headers)
            if answer.status_code != expected or "Traceback" in answer.text:
                wrong.append((name, view, answer.status_code))
    assert wrong == []


def test_odd_words_in_a_declared_domains_view_give_the_default_view(wall):
    """A word of the view that is not a string is as if not given: the
    profile's language, every district, every category, the default period."""
    for word, odd in [
        ("lang", ["en"]),
        ("district", [DISTRICT]),
        ("district", {"code": DISTRICT}),
        ("category", ["leak"]),
        ("category", {"leak": 1}),
        ("period", ["7d"]),
    ]:
        answer = _refresh(wall, {**_view("water"), word: odd}, PROXY_STAFF)
        assert answer.status_code == 200, (word, odd, answer.text[:300])
        default = _refresh(wall, {**_view("water"), word: None}, PROXY_STAFF)
        assert answer.get_json() == default.get_json(), (word, odd)
        rows = answer.get_json()["response"]["record-grid"]["rowData"]
        assert [r["title"] for r in rows] == [SECRET_TITLE]


@pytest.mark.parametrize("path", ["/embed/nope", "/nope", "/embed/water/extra"])
def test_an_undeclared_domains_page_is_the_not_found_view(wall, path):
    answer = wall.server.test_client().post(
        UPDATE, json=router_body(path), headers=PROXY_STAFF
    )
    assert answer.status_code == 200, answer.text[:300]
    assert "not-found" in answer.text and "domain-page" not in answer.text
