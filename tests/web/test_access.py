"""Access control on the real app, route by route and callback by callback: who may
open each page, run each callback, download, and read each data route; how the
proxy header, the login, wall screens and embed tokens prove who is asking.

The app is the one `citywall serve` runs (``app.py``), on a small demo store, asked
through Flask's test client.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from access import accounts, embed_tokens
from access import identity as who
from access.roles import Role
from tests.conftest import build_wall, wall_environment
from web.signing import signing_key

PASSWORD = "a-long-enough-password"
USERS = {Role.VIEWER: "vera", Role.STAFF: "sam", Role.ADMIN: "ada"}
KPI = "complaints_open"
DISTRICT = "11680"


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    """The app on a one-day demo store with an account per role."""
    with wall_environment(tmp_path_factory.mktemp("access")):
        from citywall.cli import ingest_command
        from web import runtime

        assert ingest_command(None) == 0
        now = datetime.now(UTC)
        for role, name in USERS.items():
            accounts.add_account(runtime.engine(), name, PASSWORD, role, now)
        yield build_wall()


def client_as(app, role: Role | None, **kwargs):
    """A test client signed in through the login form as ``role`` (None: nobody)."""
    client = app.server.test_client(**kwargs)
    if role is not None:
        sign_in(client, USERS[role], PASSWORD)
    return client


def sign_in(client, username: str, password: str, next_: str = "/", **request):
    form = client.get("/login", **request)
    token = re.search(r"name='csrf' value='([^']+)'", form.text).group(1)
    return client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password, "next": next_},
        **request,
    )


ROLES = [None, Role.VIEWER, Role.STAFF, Role.ADMIN]


def _allowed(needed: Role | None, role: Role | None) -> bool:
    return needed is None or (role is not None and role >= needed)


# -- pages, downloads and data routes ------------------------------------------------

ROUTES = {
    # path: the least role that may open it (None: anyone)
    "/": Role.VIEWER,
    "/traffic": Role.VIEWER,
    "/safety?period=7d": Role.VIEWER,
    "/disasters": Role.VIEWER,
    "/complaints": Role.VIEWER,
    "/cameras": Role.VIEWER,
    "/wall": Role.VIEWER,
    # a past moment opens what the page opens, no more (pages._moment)
    "/?at=2026-12-05T02:00": Role.VIEWER,
    "/wall?at=2026-12-05T02:00": Role.VIEWER,
    f"/district/{DISTRICT}?at=2026-12-05T02:00": Role.STAFF,
    f"/embed/tile/{KPI}?district={DISTRICT}": Role.VIEWER,
    "/embed/complaints": Role.VIEWER,
    f"/district/{DISTRICT}": Role.STAFF,
    f"/embed/district/{DISTRICT}": Role.STAFF,
    "/sources": Role.ADMIN,
    "/admin": Role.ADMIN,
    "/public": Role.PUBLIC,
    # the shell and the callback graph: the same for all, no data (see web.guard)
    "/_dash-layout": None,
    "/_dash-dependencies": None,
    f"/csv/tile/{KPI}?district={DISTRICT}": Role.VIEWER,
    "/csv/records/complaints?period=24h": Role.STAFF,
    "/healthz": None,
    "/_citywall/build": None,
    "/login": None,
}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.label if r else "anonymous")
def test_each_route_answers_only_the_roles_it_is_for(wall, role):
    client = client_as(wall, role)
    wrong = []
    for path, needed in ROUTES.items():
        answer = client.get(path)
        if _allowed(needed, role):
            ok = answer.status_code == 200
        elif role is None and not path.startswith(("/_", "/csv", "/embed")):
            # a person opening a page is sent to sign in, and back afterwards
            ok = answer.status_code == 302 and answer.headers["Location"].startswith(
                "/login?next="
            )
        else:
            ok = answer.status_code == (401 if role is None else 403)
            ok = ok and "Traceback" not in answer.text and "<tr" not in answer.text
        if not ok:
            wrong.append((path, answer.status_code))
    assert wrong == []


def test_a_route_nobody_listed_is_closed(wall):
    # closed to everyone below admin until listed in web.guard
    assert client_as(wall, Role.STAFF).get("/_citywall/anything-new").status_code == 403
    assert wall.server.test_client().get("/_citywall/anything-new").status_code == 401


# -- callbacks -------------------------------------------------------------------------

# Every server-side callback of the app and the least role that may run it. A new
# callback fails this test until someone decides who may use it.
CALLBACK_ROLES = {
    "web.shell.draw_header": Role.PUBLIC,
    "web.shell.data_health": Role.PUBLIC,
    "pages.overview.refresh": Role.VIEWER,
    "pages.overview.explain_score": Role.VIEWER,
    "pages.overview.refresh_unusual": Role.VIEWER,
    "pages.overview.open_district": Role.VIEWER,
    "pages._domain.apply_filters": Role.VIEWER,
    "pages._domain.refresh": Role.VIEWER,
    "pages._domain.open_record": Role.STAFF,
    "pages._domain.open_district": Role.VIEWER,
    "pages.cameras.pick_district": Role.VIEWER,
    "pages.kiosk.show_page": Role.VIEWER,
    "pages.kiosk.refresh_strip": Role.VIEWER,
    "pages.embed.refresh": Role.VIEWER,
    "pages.district.refresh": Role.STAFF,
    "pages.district.open_other_district": Role.STAFF,
    "pages.hotspot.refresh": Role.VIEWER,
    "pages.sources.refresh": Role.ADMIN,
    "pages.admin.refresh": Role.ADMIN,
    "pages.admin.add_screen": Role.ADMIN,
    "pages.admin.revoke_screen": Role.ADMIN,
    "pages.admin.revoke_token": Role.ADMIN,
    "pages.admin.disable_account": Role.ADMIN,
    "pages.admin.set_stage": Role.ADMIN,
    "pages.admin.hand_back": Role.ADMIN,
    "pages.public.refresh": Role.PUBLIC,
}


def _server_callbacks(app) -> dict[str, dict]:
    app.server.test_client().get("/healthz")  # Dash fills callback_map on a request
    found = {}
    for output, entry in app.callback_map.items():
        func = entry.get("callback")
        if func is not None and func.__module__ != "dash.dash":
            found[f"{func.__module__}.{func.__name__}"] = {**entry, "output": output}
    return found


def _body(entry: dict, values: dict | None = None) -> dict:
    """A request as the renderer sends it, with each input and state's value: a
    pattern's wildcard as one concrete component ("x"), ``ALL`` as a list of it."""
    values = values or {}

    def item(spec):
        if not spec["id"].startswith("{"):
            return {"id": spec["id"], "property": spec["property"]}
        pattern = json.loads(spec["id"])
        concrete = {k: "x" if isinstance(v, list) else v for k, v in pattern.items()}
        return {"id": concrete, "property": spec["property"]}

    def items(specs):
        sent = []
        for s in specs:
            one = {**item(s), "value": values.get(s["id"])}
            many = (
                any(
                    v in (["ALL"], ["ALLSMALLER"]) for v in json.loads(s["id"]).values()
                )
                if s["id"].startswith("{")
                else False
            )
            sent.append([one] if many else one)
        return sent

    return {
        "output": entry["output"],
        "outputs": _outputs(entry["output"]),
        "inputs": items(entry["inputs"]),
        "state": items(entry["state"]),
        "changedPropIds": [],
    }


def _outputs(key: str):
    """The output spec the renderer sends, from Dash's key ("..a.b...c.d.." for
    several outputs, "a.b@hash" for a duplicate one)."""

    def one(part: str) -> dict:
        component, prop = part.split("@")[0].rsplit(".", 1)
        return {"id": component, "property": prop}

    if key.startswith(".."):
        return [one(p) for p in key.strip(".").split("...")]
    return one(key)


def test_every_callback_has_a_decided_role(wall):
    assert set(_server_callbacks(wall)) == set(CALLBACK_ROLES)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.label if r else "anonymous")
def test_each_callback_runs_only_for_the_roles_it_is_for(wall, role):
    client = client_as(wall, role)
    wrong = []
    for name, entry in _server_callbacks(wall).items():
        needed = CALLBACK_ROLES[name]
        status = client.post("/_dash-update-component", json=_body(entry)).status_code
        refused = status in (401, 403)
        if refused == _allowed(needed, role):
            wrong.append((name, status))
    assert wrong == []


def _router_body(path: str, search: str = "") -> dict:
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": _outputs(".._pages_content.children..._pages_store.data.."),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }


def test_the_page_router_draws_a_page_only_for_its_roles(wall):
    viewer, staff = client_as(wall, Role.VIEWER), client_as(wall, Role.STAFF)
    district = _router_body(f"/district/{DISTRICT}")
    assert viewer.post("/_dash-update-component", json=district).status_code == 403
    drawn = staff.post("/_dash-update-component", json=district)
    assert drawn.status_code == 200 and "district-body" in drawn.text
    at_moment = _router_body(f"/district/{DISTRICT}", "?at=2026-12-05T02:00")
    assert viewer.post("/_dash-update-component", json=at_moment).status_code == 403
    sources = _router_body("/sources")
    assert staff.post("/_dash-update-component", json=sources).status_code == 403
    overview = viewer.post("/_dash-update-component", json=_router_body("/"))
    assert overview.status_code == 200 and "tiles" in overview.text
    assert (
        wall.server.test_client()
        .post("/_dash-update-component", json=_router_body("/"))
        .status_code
        == 401
    )


def _domain_refresh(client, domain: str, entry: dict) -> dict:
    view = {
        "domain": domain,
        "district": None,
        "category": None,
        "period": "7d",
        "lang": "en",
    }
    answer = client.post(
        "/_dash-update-component", json=_body(entry, {"domain-view": view})
    )
    assert answer.status_code == 200, answer.text[:300]
    return answer.get_json()["response"]


def test_viewers_get_aggregates_never_record_rows(wall):
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    staff = _domain_refresh(client_as(wall, Role.STAFF), "complaints", entry)
    viewer = _domain_refresh(client_as(wall, Role.VIEWER), "complaints", entry)
    assert staff["record-grid"]["rowData"]  # staff see the rows
    assert viewer["record-grid"]["rowData"] == []
    # the same totals for both: the tiles and the count are aggregates
    assert viewer["record-count"] == staff["record-count"]
    page = client_as(wall, Role.VIEWER).post(
        "/_dash-update-component", json=_router_body("/complaints")
    )
    assert "records-csv" not in page.text and "rows-note" in page.text
    staff_page = client_as(wall, Role.STAFF).post(
        "/_dash-update-component", json=_router_body("/complaints")
    )
    assert "records-csv" in staff_page.text


# -- the built-in login ------------------------------------------------------------


def test_a_sign_in_sets_a_hardened_session_cookie(wall):
    client = wall.server.test_client()
    https = {"base_url": "https://wall.city.example"}
    done = sign_in(client, "sam", PASSWORD, next_="/traffic", **https)
    assert done.status_code == 302 and done.headers["Location"] == "/traffic"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/traffic", **https).status_code == 200
    client.get("/logout", **https)
    assert client.get("/traffic", **https).status_code == 302


def test_a_sign_in_never_sends_the_browser_to_another_site(wall):
    client = wall.server.test_client()
    for evil in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        done = sign_in(client, "sam", PASSWORD, next_=evil)
        assert done.status_code == 302 and done.headers["Location"] == "/"


def test_the_login_form_needs_its_own_token(wall):
    client = wall.server.test_client()
    forged = client.post("/login", data={"username": "sam", "password": PASSWORD})
    assert forged.status_code == 400
    assert client.get("/traffic").status_code == 302


def test_repeated_failures_slow_that_account_from_that_address_only(wall):
    from web import runtime

    now = datetime.now(UTC)
    accounts.add_account(runtime.engine(), "tess", PASSWORD, Role.STAFF, now)
    client = wall.server.test_client()
    for _ in range(accounts.FREE_FAILURES + 1):
        assert sign_in(client, "tess", "wrong-password-here").status_code == 401
    # even the right password waits from here, and says how long
    waiting = sign_in(client, "tess", PASSWORD)
    assert waiting.status_code == 429 and "try again in" in waiting.text
    assert int(waiting.headers["Retry-After"]) <= accounts.FIRST_DELAY.seconds
    # another account from the same address still signs in
    assert sign_in(client, "sam", PASSWORD).status_code == 302
    # and the same account from another address
    elsewhere = wall.server.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    assert sign_in(elsewhere, "tess", PASSWORD).status_code == 302
    # after the wait, the right password works again from here too
    # (from the last failure, which a loaded machine may make seconds after `now`)
    later = datetime.now(UTC) + accounts.FIRST_DELAY + timedelta(seconds=1)
    salt = signing_key(wall.server)
    again = accounts.sign_in(
        runtime.engine(), "tess", PASSWORD, "127.0.0.1", later, salt
    )
    assert again is not None and again.role == Role.STAFF


def test_passwords_are_kept_hashed_and_accounts_can_be_disabled(wall):
    from sqlalchemy import select

    from store.schema import accounts as table
    from web import runtime

    with runtime.engine().connect() as conn:
        stored = conn.execute(select(table.c.password_hash)).scalars().all()
    assert stored and all(PASSWORD not in h and h.startswith("scrypt:") for h in stored)
    accounts.add_account(
        runtime.engine(), "dora", PASSWORD, Role.STAFF, datetime.now(UTC)
    )
    client = client_as(wall, None)
    sign_in(client, "dora", PASSWORD)
    assert client.get("/traffic").status_code == 200
    accounts.disable_account(runtime.engine(), "dora", datetime.now(UTC))
    who.remembered.clear()  # a disabled account is refused within seconds
    assert client.get("/traffic").status_code == 302
    with pytest.raises(accounts.AccountError):
        accounts.add_account(
            runtime.engine(), "short", "12345", Role.STAFF, datetime.now(UTC)
        )


# -- the intranet's reverse proxy ----------------------------------------------------


@pytest.fixture
def proxied(wall, monkeypatch):
    from web import runtime

    monkeypatch.setenv("CITYWALL_PROXY_USER_HEADER", "X-Remote-User")
    monkeypatch.setenv("CITYWALL_PROXY_ROLE_HEADER", "X-Remote-Role")
    monkeypatch.setenv("CITYWALL_TRUSTED_PROXIES", "10.0.0.0/24")
    runtime.settings.cache_clear()
    yield wall
    monkeypatch.undo()
    runtime.settings.cache_clear()


def test_the_proxys_user_header_is_believed_only_from_the_proxy(proxied):
    from_proxy = proxied.server.test_client()
    from_proxy.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    staff = {"X-Remote-User": "kim", "X-Remote-Role": "staff"}
    assert from_proxy.get(f"/district/{DISTRICT}", headers=staff).status_code == 200
    viewer = {"X-Remote-User": "lee", "X-Remote-Role": "viewer"}
    assert from_proxy.get(f"/district/{DISTRICT}", headers=viewer).status_code == 403
    # no role header: the account of that name decides, else a viewer
    assert (
        from_proxy.get("/sources", headers={"X-Remote-User": "ada"}).status_code == 200
    )
    assert (
        from_proxy.get("/", headers={"X-Remote-User": "nobody-known"}).status_code
        == 200
    )
    assert (
        from_proxy.get("/sources", headers={"X-Remote-User": "nobody"}).status_code
        == 403
    )
    # the same headers from anywhere else are ignored: sign in first
    elsewhere = proxied.server.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    forged = {"X-Remote-User": "ada", "X-Remote-Role": "admin"}
    assert elsewhere.get("/sources", headers=forged).status_code == 302
    assert elsewhere.get("/csv/tile/complaints_open", headers=forged).status_code == 401


# -- wall screens ----------------------------------------------------------------------


def test_a_wall_screen_enrols_once_and_stays_until_revoked(wall):
    from web import runtime

    engine = runtime.engine()
    code = accounts.add_device(engine, "lobby-wall", datetime.now(UTC))
    screen = wall.server.test_client()
    enrolled = screen.get(f"/_citywall/enrol/{code}")
    assert enrolled.status_code == 302 and enrolled.headers["Location"] == "/wall"
    cookie = enrolled.headers["Set-Cookie"]
    assert cookie.startswith(f"{who.SCREEN_COOKIE}=") and "HttpOnly" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert max_age >= 5 * 365 * 86400  # it never signs itself out
    assert screen.get("/wall").status_code == 200
    assert screen.get("/complaints").status_code == 200
    # a screen is a viewer: no district pages, no record rows
    assert screen.get(f"/district/{DISTRICT}").status_code == 403
    assert screen.get("/csv/records/complaints").status_code == 403
    # the link works once
    assert wall.server.test_client().get(f"/_citywall/enrol/{code}").status_code == 403
    stored = " ".join(str(d) for d in accounts.list_devices(engine))
    assert code not in stored
    accounts.revoke_device(engine, "lobby-wall", datetime.now(UTC))
    who.remembered.clear()
    assert screen.get("/wall").status_code == 302
    with pytest.raises(accounts.AccountError):
        accounts.add_device(engine, "boss-screen", datetime.now(UTC), Role.ADMIN)


# -- embed tokens ------------------------------------------------------------------


def _token(wall, target: str, district: str | None, valid=timedelta(days=1)) -> str:
    from web import runtime

    return embed_tokens.issue(
        runtime.engine(),
        signing_key(wall.server),
        target,
        district,
        valid,
        datetime.now(UTC),
    )


def test_an_embed_token_opens_its_tile_and_nothing_else(wall):
    token = _token(wall, f"tile/{KPI}", DISTRICT)
    frame = wall.server.test_client()
    assert (
        frame.get(f"/embed/tile/{KPI}?district={DISTRICT}&token={token}").status_code
        == 200
    )
    bearer = {"Authorization": f"Bearer {token}"}
    entry = _server_callbacks(wall)["pages.embed.refresh"]
    own = {"embed-tile-view": {"kpi": KPI, "district": DISTRICT, "lang": "en"}}
    refresh = frame.post(
        "/_dash-update-component", json=_body(entry, own), headers=bearer
    )
    assert refresh.status_code == 200 and "tile-value" in refresh.text
    other = {"embed-tile-view": {"kpi": KPI, "district": "11110", "lang": "en"}}
    refused = frame.post(
        "/_dash-update-component", json=_body(entry, other), headers=bearer
    )
    assert refused.status_code == 403
    for path in (
        f"/embed/tile/{KPI}?district=11110",
        "/embed/complaints",
        "/",
        f"/district/{DISTRICT}",
        "/csv/records/complaints",
    ):
        sep = "&" if "?" in path else "?"
        assert frame.get(f"{path}{sep}token={token}").status_code in (302, 401, 403)
        assert frame.get(path, headers=bearer).status_code == 403, path
    # the router draws only the embed it names
    assert (
        frame.post(
            "/_dash-update-component", json=_router_body("/complaints"), headers=bearer
        ).status_code
        == 403
    )


def test_a_page_embed_shows_aggregates_and_its_refusals_ask_for_the_token(wall):
    token = _token(wall, "complaints", None)
    frame = wall.server.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    page = frame.post(
        "/_dash-update-component",
        json=_router_body("/embed/complaints"),
        headers=bearer,
    )
    assert page.status_code == 200 and "rows-note" in page.text
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    view = {
        "domain": "complaints",
        "district": None,
        "category": None,
        "period": "24h",
        "lang": "en",
    }
    shown = frame.post(
        "/_dash-update-component",
        json=_body(entry, {"domain-view": view}),
        headers=bearer,
    )
    assert (
        shown.status_code == 200
        and shown.get_json()["response"]["record-grid"]["rowData"] == []
    )
    record = _server_callbacks(wall)["pages._domain.open_record"]
    assert (
        frame.post(
            "/_dash-update-component",
            json=_body(record, {"domain-view": view}),
            headers=bearer,
        ).status_code
        == 403
    )
    # without the token: refused (the frame's script sends it from the first
    # request on, assets/15-embed-token.js), with no words that make Dash's
    # renderer ask again
    asked = frame.post(
        "/_dash-update-component", json=_router_body("/embed/complaints")
    )
    assert asked.status_code == 401 and "JWT" not in asked.text


def test_a_csv_link_in_an_embed_opens_that_csv_while_its_token_lives(wall):
    from web import runtime

    token = _token(wall, "complaints", None)
    scope = embed_tokens.read(signing_key(wall.server), token, datetime.now(UTC))
    credential = embed_tokens.download_credential(
        signing_key(wall.server), scope, KPI, DISTRICT
    )
    anyone = wall.server.test_client()
    own = f"/csv/tile/{KPI}?district={DISTRICT}&credential={credential}"
    got = anyone.get(own)
    assert got.status_code == 200 and got.text.lstrip("\ufeff").startswith("kpi,")
    # that CSV only: not another district's, another tile's, records, or a page
    for other in (
        f"/csv/tile/{KPI}?district=11110&credential={credential}",
        f"/csv/tile/{KPI}?credential={credential}",
        f"/csv/tile/road_avg_speed?district={DISTRICT}&credential={credential}",
        f"/csv/records/complaints?district={DISTRICT}&credential={credential}",
    ):
        assert anyone.get(other).status_code == 403, other
    assert anyone.get(f"/embed/complaints?token={credential}").status_code == 401
    bearer = {"Authorization": f"Bearer {credential}"}
    assert (
        anyone.post(
            "/_dash-update-component",
            json=_router_body("/embed/complaints"),
            headers=bearer,
        ).status_code
        == 401
    )
    # nor forged: signed with another key
    forged = embed_tokens.download_credential("not-the-key", scope, KPI, DISTRICT)
    assert anyone.get(own.replace(credential, forged)).status_code == 401
    # revoking the token revokes its links
    embed_tokens.revoke(runtime.engine(), scope.token_id, datetime.now(UTC))
    who.remembered.clear()
    assert anyone.get(own).status_code == 401


def test_an_embed_draws_its_links_inside_it(wall):
    """Every link the page embed draws keeps its address and token, or is none;
    its tiles' CSV links carry a credential."""
    token = _token(wall, "complaints", DISTRICT)
    bearer = {"Authorization": f"Bearer {token}"}
    frame = wall.server.test_client()
    drawn = frame.post(
        "/_dash-update-component",
        json=_router_body("/embed/complaints", f"?district={DISTRICT}&token={token}"),
        headers=bearer,
    )
    assert drawn.status_code == 200
    links = _hrefs(drawn.get_json())
    assert links
    for link in links:
        if link.startswith("/csv/tile/"):
            assert "credential=" in link and f"district={DISTRICT}" in link, link
        else:
            assert link.startswith("/embed/complaints?") and f"token={token}" in link
    # the view keeps the embed: a refresh draws the same links
    entry = _server_callbacks(wall)["pages._domain.refresh"]
    (view,) = [p for p in _all_props(drawn.get_json()) if p.get("id") == "domain-view"]
    assert view["data"]["embed"]["token"] == token
    refreshed = frame.post(
        "/_dash-update-component",
        json=_body(entry, {"domain-view": view["data"]}),
        headers=bearer,
    )
    assert refreshed.status_code == 200
    assert sorted(
        link for link in _hrefs(refreshed.get_json()) if link.startswith("/csv/")
    ) == sorted(link for link in links if link.startswith("/csv/"))


def _all_props(tree) -> list[dict]:
    """The props of every component in a callback's answer."""
    if isinstance(tree, dict):
        props = tree.get("props")
        own = [props] if isinstance(props, dict) else []
        return own + [p for v in tree.values() for p in _all_props(v)]
    if isinstance(tree, list):
        return [p for v in tree for p in _all_props(v)]
    return []


def _hrefs(answer: dict) -> list[str]:
    return [p["href"] for p in _all_props(answer) if p.get("href")]


def test_a_forged_widened_or_expired_token_opens_nothing(wall):
    frame = wall.server.test_client()
    from web import runtime

    forged = embed_tokens.issue(
        runtime.engine(),
        "not-the-key",
        f"tile/{KPI}",
        None,
        timedelta(days=1),
        datetime.now(UTC),
    )
    assert frame.get(f"/embed/tile/{KPI}?token={forged}").status_code == 401
    good = _token(wall, f"tile/{KPI}", None)
    payload, sig = good.split(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + sig
    assert frame.get(f"/embed/tile/{KPI}?token={tampered}").status_code == 401
    expired = embed_tokens.issue(
        runtime.engine(),
        signing_key(wall.server),
        f"tile/{KPI}",
        None,
        timedelta(seconds=1),
        datetime.now(UTC) - timedelta(minutes=5),
    )
    assert frame.get(f"/embed/tile/{KPI}?token={expired}").status_code == 401
    with pytest.raises(embed_tokens.EmbedTokenError):
        _token(wall, "../../sources", None)


# -- public KPIs -------------------------------------------------------------------


def test_public_kpis_open_their_tiles_to_anyone_and_nothing_more(wall, monkeypatch):
    from web import runtime

    anyone = wall.server.test_client()
    assert anyone.get(f"/embed/tile/{KPI}").status_code == 401  # off by default
    monkeypatch.setenv("CITYWALL_PUBLIC_KPIS", KPI)
    runtime.settings.cache_clear()
    try:
        assert anyone.get(f"/embed/tile/{KPI}").status_code == 200
        assert anyone.get(f"/csv/tile/{KPI}").status_code == 200
        assert anyone.get("/embed/tile/traffic_speed").status_code == 403
        assert anyone.get("/csv/records/complaints").status_code == 403
        # a page of the wall: sign in first; the login page links the open data
        refused = anyone.get("/")
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
        assert "/public" in anyone.get("/login").text
        # the open-data page draws the public KPIs and nothing else
        drawn = anyone.post("/_dash-update-component", json=_router_body("/public"))
        assert drawn.status_code == 200
        assert KPI in drawn.text and "road_avg_speed" not in drawn.text
        # (the wall's own overview does show that one: the check can fail)
        staff = client_as(wall, Role.STAFF)
        assert (
            "road_avg_speed"
            in staff.post("/_dash-update-component", json=_router_body("/")).text
        )
        entry = _server_callbacks(wall)["pages.public.refresh"]
        tiles = anyone.post(
            "/_dash-update-component",
            json=_body(entry, {"public-lang": "en"}),
        )
        assert tiles.status_code == 200 and KPI in tiles.text
        assert "road_avg_speed" not in tiles.text
    finally:
        monkeypatch.delenv("CITYWALL_PUBLIC_KPIS")
        runtime.settings.cache_clear()


# -- the demo ------------------------------------------------------------------------


def test_the_demo_makes_an_admin_but_a_configured_database_gets_none(tmp_path):
    from citywall.cli import demo_sign_in
    from tests.conftest import store_at_head
    from web.settings import Settings

    demo = Settings.from_env(data_dir=str(tmp_path / "demo"), database_url="")
    engine = store_at_head(demo.database_url)
    said = demo_sign_in(engine, demo)
    assert "username: admin" in said and accounts.has_accounts(engine)
    kept = tmp_path / "demo" / "demo-admin.txt"
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    password = kept.read_text().split("password: ")[1].strip()
    assert accounts.sign_in(
        engine, "admin", password, "127.0.0.1", datetime.now(UTC), "s"
    )
    real = Settings.from_env(
        data_dir=str(tmp_path / "real"),
        database_url=f"sqlite:///{tmp_path / 'city.db'}",
    )
    engine = store_at_head(real.database_url)
    said = demo_sign_in(engine, real)
    assert "No accounts yet" in said and not accounts.has_accounts(engine)


# -- the header's navigation ---------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        (
            Role.VIEWER,
            [
                "/",
                "/traffic",
                "/safety",
                "/disasters",
                "/complaints",
                "/crowd",
                "/cameras",
            ],
        ),
        (
            Role.ADMIN,
            [
                "/",
                "/traffic",
                "/safety",
                "/disasters",
                "/complaints",
                "/crowd",
                "/cameras",
                "/sources",
                "/admin",
            ],
        ),
    ],
    ids=["viewer", "admin"],
)
def test_the_header_lists_the_registered_pages_the_caller_may_open(
    wall, role, expected
):
    """The navigation comes from the pages' own registration (``nav=``, ``order=``):
    a new page appears by registering, in its place, only for the roles it is for."""
    entry = _server_callbacks(wall)["web.shell.draw_header"]
    body = _body(entry, {"nav": "/traffic"})
    drawn = client_as(wall, role).post("/_dash-update-component", json=body)
    assert drawn.status_code == 200
    links = []

    def walk(node) -> None:
        if isinstance(node, dict):
            found = node.get("id")
            if isinstance(found, dict) and found.get("type") == "nav-link":
                links.append(found["path"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(drawn.get_json())
    assert links == expected
