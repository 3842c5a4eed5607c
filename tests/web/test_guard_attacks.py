"""The page router and the callback guard, tried as an attacker would: crafted
bodies posted to Dash's own ``_dash-update-component``, query arguments named like
path variables, decoy ids before the real ones, and every page drawn for every kind
of caller — once through both lines of defence, once with the guard's routing
switched off, so the layouts' and callbacks' own checks are shown to hold alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from access import accounts, embed_tokens
from access.roles import Role
from tests.web.test_access import (
    CALLBACK_ROLES,
    DISTRICT,
    KPI,
    _allowed,
    _body,
    _router_body,
    _server_callbacks,
    client_as,
    wall,  # noqa: F401 - the app on a demo store, a fixture
)
from web.signing import signing_key

ROUTER = "/_dash-update-component"
ADMIN_MARK = "admin-accounts"  # drawn only on the admin page


@pytest.fixture(scope="module")
def callers(wall):  # noqa: F811 - the fixture imported above
    """A client per kind of caller, the city's public KPIs open."""
    from web import runtime

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITYWALL_PUBLIC_KPIS", KPI)
        runtime.settings.cache_clear()
        engine, now = runtime.engine(), datetime.now(UTC)
        screen = wall.server.test_client()
        code = accounts.add_device(engine, "attack-wall", now)
        assert screen.get(f"/_citywall/enrol/{code}").status_code == 302

        def token(target: str, district: str | None = None) -> dict:
            signed = embed_tokens.issue(
                engine,
                signing_key(wall.server),
                target,
                district,
                timedelta(hours=1),
                now,
            )
            return {"Authorization": f"Bearer {signed}"}

        yield {
            "public": (wall.server.test_client(), {}),
            "viewer": (client_as(wall, Role.VIEWER), {}),
            "screen": (screen, {}),
            "staff": (client_as(wall, Role.STAFF), {}),
            "admin": (client_as(wall, Role.ADMIN), {}),
            "tile token": (wall.server.test_client(), token(f"tile/{KPI}", DISTRICT)),
            "page token": (wall.server.test_client(), token("complaints")),
            "district token": (
                wall.server.test_client(),
                token("complaints", DISTRICT),
            ),
        }
    runtime.settings.cache_clear()


def _route(path: str) -> dict:
    """The router's body for an address as a browser has it, query included."""
    body = _router_body(path.split("?")[0])
    body["inputs"][1]["value"] = f"?{path.split('?', 1)[1]}" if "?" in path else ""
    return body


SIGNED_IN = {"viewer", "screen", "staff", "admin"}
STAFF = {"staff", "admin"}
ADMIN = {"admin"}
EVERYONE = {"public", *SIGNED_IN, "tile token", "page token", "district token"}

# Every page of the app, addressed as a person (or a forger) would, and who may
# see what is drawn. Written out by hand: the test must not ask the policy it tests.
PAGES = {
    "/": SIGNED_IN,
    "/traffic": SIGNED_IN,
    "/safety?period=7d": SIGNED_IN,
    "/disasters": SIGNED_IN,
    "/complaints": SIGNED_IN,
    "/cameras": SIGNED_IN,
    "/wall": SIGNED_IN,
    "/public": EVERYONE,  # open data: a token holder may see it too
    f"/district/{DISTRICT}": STAFF,
    "/crowd": SIGNED_IN,
    "/hotspot/POI014": SIGNED_IN,
    "/hotspot/POI014?code=POI009": ADMIN,
    "/sources": ADMIN,
    "/admin": ADMIN,
    "/no-such-page": EVERYONE,
    f"/embed/tile/{KPI}": {"public", *SIGNED_IN},
    f"/embed/tile/{KPI}?district={DISTRICT}": {"public", *SIGNED_IN, "tile token"},
    "/embed/overview": SIGNED_IN,
    "/embed/complaints": {*SIGNED_IN, "page token"},
    f"/embed/complaints?district={DISTRICT}": {
        *SIGNED_IN,
        "page token",
        "district token",
    },
    f"/embed/district/{DISTRICT}": STAFF,
    "/embed/sources": ADMIN,
    "/embed/admin": ADMIN,
    # a query argument named like the path variable: never drawn below admin
    f"/embed/complaints?district={DISTRICT}&target=admin": ADMIN,
    f"/embed/complaints?district={DISTRICT}&target=sources": ADMIN,
    f"/embed/complaints?district={DISTRICT}&target=district/{DISTRICT}": ADMIN,
    f"/embed/tile/{KPI}?target=admin": ADMIN,
    f"/embed/tile/{KPI}?district={DISTRICT}&target=complaints": ADMIN,
    "/embed/overview?target=admin": ADMIN,
    f"/district/{DISTRICT}?code=11110": ADMIN,
    # a query argument given twice would reach the layout as a list
    f"/embed/complaints?district={DISTRICT}&district=11110": ADMIN,
}


def _drawn(callers: dict, who: str, path: str) -> bool:
    client, headers = callers[who]
    answer = client.post(ROUTER, json=_route(path), headers=headers)
    assert answer.status_code in (200, 400, 401, 403), (who, path, answer.text[:300])
    assert "Traceback" not in answer.text
    if answer.status_code != 200:
        return False
    # a refusal never carries the admin page; a drawing carries it only for admins
    assert (ADMIN_MARK in answer.text) == (who == "admin" and "admin" in path), path
    return True


def _walk(callers: dict) -> list:
    wrong = []
    for path, allowed in PAGES.items():
        for who in callers:
            if _drawn(callers, who, path) != (who in allowed):
                wrong.append((who, path))
    return wrong


def test_every_page_is_drawn_only_for_those_it_is_for(callers):
    assert _walk(callers) == []


def test_the_pages_refuse_by_themselves_when_the_guard_lets_all_through(
    callers, monkeypatch
):
    """A routing mistake in the guard (here: all routes open) still leaks
    nothing: each layout checks the caller on the arguments it was called with."""
    from access import policy
    from web import guard

    monkeypatch.setattr(guard, "route_need", lambda *_a, **_k: policy.ANY_IDENTITY)
    assert _walk(callers) == []


@pytest.mark.parametrize("who", ["public", "viewer", "staff"])
def test_the_callbacks_refuse_by_themselves_when_the_guard_lets_all_through(
    callers,
    wall,  # noqa: F811 - the fixture imported above
    who,
    monkeypatch,
):
    from access import policy
    from web import guard

    monkeypatch.setattr(guard, "route_need", lambda *_a, **_k: policy.ANY_IDENTITY)
    client, _ = callers[who]
    role = {"public": Role.PUBLIC, "viewer": Role.VIEWER, "staff": Role.STAFF}[who]
    wrong = []
    for name, entry in _server_callbacks(wall).items():
        status = client.post(ROUTER, json=_body(entry)).status_code
        if (status == 403) == _allowed(CALLBACK_ROLES[name], role):
            wrong.append((name, status))
    assert wrong == []


def test_a_get_of_a_page_with_a_forged_query_is_refused(wall):  # noqa: F811
    from web import runtime

    token = embed_tokens.issue(
        runtime.engine(),
        signing_key(wall.server),
        "complaints",
        DISTRICT,
        timedelta(hours=1),
        datetime.now(UTC),
    )
    frame = wall.server.test_client()
    own = f"/embed/complaints?district={DISTRICT}&token={token}"
    assert frame.get(own).status_code == 200
    # 401 with the city's public KPIs off, 403 with them on (a public caller)
    assert frame.get(f"{own}&target=admin").status_code in (401, 403)


# -- bodies that are not what the callback declared ---------------------------------


def test_a_decoy_id_before_the_real_one_is_refused(callers):
    viewer, _ = callers["viewer"]
    decoy = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": _route("/")["outputs"],
        "inputs": [
            {"id": "x", "property": "pathname", "value": "/admin"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "state": [{"id": "_pages_location", "property": "pathname", "value": "/"}],
        "changedPropIds": [],
    }
    answer = viewer.post(ROUTER, json=decoy)
    assert answer.status_code == 400 and ADMIN_MARK not in answer.text
    # the same ids in the declared order, but the property swapped
    swapped = _route("/")
    swapped["inputs"][0]["property"] = "search"
    assert viewer.post(ROUTER, json=swapped).status_code == 400
    # one argument too many or too few
    longer = _route("/")
    longer["state"] = [{"id": "_pages_location", "property": "hash", "value": ""}]
    assert viewer.post(ROUTER, json=longer).status_code == 400
    shorter = _route("/")
    shorter["inputs"].pop()
    assert viewer.post(ROUTER, json=shorter).status_code == 400


def test_an_embed_token_cannot_swap_its_view_behind_a_decoy(callers, wall):  # noqa: F811
    frame, token = callers["district token"]
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    own = {"domain": "complaints", "district": DISTRICT, "period": "24h", "lang": "en"}
    other = {**own, "domain": "traffic", "district": None}
    honest = _body(entry, {"domain-view": own})
    assert frame.post(ROUTER, json=honest, headers=token).status_code == 200
    # the token's view where the guard once looked (by id), another one where
    # Dash reads the view (by position)
    forged = _body(entry, {"domain-view": own})
    forged["inputs"] = [forged["state"][0]]
    forged["state"] = [{"id": "decoy", "property": "data", "value": other}]
    assert frame.post(ROUTER, json=forged, headers=token).status_code == 400
    tile, tile_token = callers["tile token"]
    tile_entry = _server_callbacks(wall)["pages.embed.refresh"]
    mine = {"kpi": KPI, "district": DISTRICT, "lang": "en"}
    theirs = {"kpi": "road_avg_speed", "district": None, "lang": "en"}
    forged = _body(tile_entry, {"embed-tile-view": mine})
    forged["inputs"] = [forged["state"][0]]
    forged["state"] = [{"id": "decoy", "property": "data", "value": theirs}]
    assert tile.post(ROUTER, json=forged, headers=tile_token).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"output": ["a"]}',
        b'{"output": "no-such.children", "inputs": []}',
        b"[" * 100_000 + b"]" * 100_000,  # nested past any parser's depth
        b'{"output": "..tiles.children..", "inputs": ' + b"[" * 50_000 + b"]" * 50_000,
    ],
    ids=["text", "list", "odd-output", "unknown", "deep", "deep-inputs"],
)
def test_a_malformed_callback_body_gets_400_not_500(callers, body):
    viewer, _ = callers["viewer"]
    answer = viewer.post(ROUTER, data=body, content_type="application/json")
    assert answer.status_code == 400, answer.text[:200]


def test_nobody_is_refused_before_the_body_is_read(wall):  # noqa: F811
    """An anonymous client's body is never parsed: 401 at once, whatever it is."""
    from web import runtime

    anyone = wall.server.test_client()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CITYWALL_PUBLIC_KPIS", raising=False)
        runtime.settings.cache_clear()
        answer = anyone.post(
            ROUTER, data=b"[" * 100_000, content_type="application/json"
        )
    runtime.settings.cache_clear()
    assert answer.status_code == 401


def test_a_body_past_the_limit_is_refused_before_it_is_read(callers, wall):  # noqa: F811
    from web.factory import MAX_REQUEST_BYTES

    viewer, _ = callers["viewer"]
    big = b'{"output": "x", "pad": "' + b"a" * MAX_REQUEST_BYTES + b'"}'
    assert (
        viewer.post(ROUTER, data=big, content_type="application/json").status_code
        == 413
    )
    # nobody signed in: refused for that, whatever the size (20 MB here)
    from web import runtime

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CITYWALL_PUBLIC_KPIS", raising=False)
        runtime.settings.cache_clear()
        huge = wall.server.test_client().post(
            ROUTER, data=b"[" * (20 * 2**20), content_type="application/json"
        )
    runtime.settings.cache_clear()
    assert huge.status_code == 401


def test_a_kiosk_step_with_its_own_language_or_a_forged_query_is_drawn_or_refused(
    callers,
    wall,  # noqa: F811
):
    """Steps come from the browser: a step's ``lang`` is its own language (it gave a
    500 once), a query that names the path's variable or is not words draws nothing
    above the caller's role, and nothing fails."""
    entry = _server_callbacks(wall)["pages.kiosk.show_page"]
    viewer, _ = callers["viewer"]
    staff, _ = callers["staff"]

    def show(client, step: dict):
        body = _body(
            entry, {"kiosk-index": 0, "kiosk-steps": [step], "nav": "?lang=ko"}
        )
        answer = client.post(ROUTER, json=body)
        assert answer.status_code == 200, answer.text[:300]
        return answer.text

    english = show(viewer, {"page": "/complaints", "query": {"lang": "en"}})
    assert "Complaints" in english and "rows-note" in english
    district = {"page": f"/district/{DISTRICT}", "query": {"code": "11110"}}
    assert "district-body" not in show(viewer, district)
    drawn = show(staff, district)
    bodies = re.findall(r"\{[^{}]*district-body[^{}]*\}", drawn)
    assert bodies and all(DISTRICT in b and "11110" not in b for b in bodies)
    for odd in ({"page": ["/admin"]}, {"page": "/", "query": {"lang": ["en"]}}):
        assert ADMIN_MARK not in show(viewer, odd)
