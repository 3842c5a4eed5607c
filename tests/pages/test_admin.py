"""The admin page on the real app, through Flask's test client: only admins open
it or run its callbacks; a screen revoked there is refused; a stage set there is
the wall's stage until handed back; its configuration shows no secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from access import accounts
from access import identity as who
from access.roles import Role
from tests.web import test_access
from tests.web.test_access import _body, _router_body, _server_callbacks, client_as
from web.signing import signing_key

wall = test_access.wall  # the same app fixture, made again for this module

UPDATE = "/_dash-update-component"


def _text(answer) -> str:
    """A callback's answer as text, its JSON decoded (Dash escapes "/" in it)."""
    return json.dumps(answer.get_json(), ensure_ascii=False)


def _admin_callbacks(app) -> dict[str, dict]:
    return {
        name: entry
        for name, entry in _server_callbacks(app).items()
        if name.startswith("pages.admin.")
    }


def _run(client, app, name: str, values: dict, pressed: str | None = None):
    """Run the admin callback ``name`` with its inputs' and states' values, as
    the renderer does when the button ``pressed`` is clicked."""
    body = _body(_admin_callbacks(app)[f"pages.admin.{name}"], values)
    if pressed:
        body["changedPropIds"] = [f"{pressed}.n_clicks"]
    return client.post(UPDATE, json=body)


def _press_row_button(client, app, name: str, button: dict):
    """Click one button of a table's column (an ``ALL`` pattern input)."""
    entry = _admin_callbacks(app)[f"pages.admin.{name}"]
    body = _body(entry)
    pressed = {"id": button, "property": "n_clicks", "value": 1}
    body["inputs"][0] = [pressed]
    body["changedPropIds"] = [
        json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"
    ]
    return client.post(UPDATE, json=body)


def test_the_admin_page_and_its_callbacks_are_for_admins_only(wall):
    staff = client_as(wall, Role.STAFF)
    assert staff.get("/admin").status_code == 403
    assert staff.post(UPDATE, json=_router_body("/admin")).status_code == 403
    found = _admin_callbacks(wall)
    assert len(found) == 7
    for name, entry in found.items():
        assert staff.post(UPDATE, json=_body(entry)).status_code == 403, name
    # a staff's press of "set stage", with every value right, changes nothing
    from web import runtime

    before = runtime.kpi_service().disaster().state
    values = {"admin-stage-set": 1, "admin-stage-level": 5, "admin-stage-reason": "x"}
    assert _run(staff, wall, "set_stage", values, "admin-stage-set").status_code == 403
    assert runtime.kpi_service().disaster().state.level == before.level
    # the header links the page for admins only
    header = _server_callbacks(wall)["web.shell.draw_header"]
    nav = {"nav": "/"}
    assert "/admin" not in _text(staff.post(UPDATE, json=_body(header, nav)))
    admin = client_as(wall, Role.ADMIN)
    assert "/admin" in _text(admin.post(UPDATE, json=_body(header, nav)))
    page = admin.post(UPDATE, json=_router_body("/admin"))
    assert page.status_code == 200
    for section in ("health", "stage", "screens", "accounts", "tokens", "config"):
        assert f"admin-{section}-section" in page.text


def test_an_admin_revokes_a_screen_and_its_cookie_is_refused(wall):
    from web import runtime

    code = accounts.add_device(runtime.engine(), "atrium-wall", datetime.now(UTC))
    screen = wall.server.test_client()
    assert screen.get(f"/_citywall/enrol/{code}").status_code == 302
    assert screen.get("/wall").status_code == 200
    admin = client_as(wall, Role.ADMIN)
    button = {"label": "atrium-wall", "type": "admin-revoke"}
    done = _press_row_button(admin, wall, "revoke_screen", button)
    assert done.status_code == 200 and "atrium-wall" in done.text
    (revoked,) = [d for d in accounts.list_devices(runtime.engine()) if d.revoked_at]
    assert revoked.label == "atrium-wall"
    who.remembered.clear()  # past the few seconds' memory of lookups
    assert screen.get("/wall").status_code == 302  # back to the sign-in


def test_an_admin_adds_a_screen_and_sees_its_link_once(wall):
    admin = client_as(wall, Role.ADMIN)
    values = {"admin-screen-add": 1, "admin-screen-label": " hall-screen "}
    added = _run(admin, wall, "add_screen", values, "admin-screen-add")
    assert added.status_code == 200
    link = added.get_json()["response"]["admin-screen-message"]["children"]
    code = json.dumps(link).split("/_citywall/enrol/")[1].split('"')[0]
    assert wall.server.test_client().get(f"/_citywall/enrol/{code}").status_code == 302
    again = _run(admin, wall, "add_screen", values, "admin-screen-add")
    assert "exists already" in again.text and "enrol" not in again.text


def test_an_admin_sets_the_stage_by_hand_and_hands_it_back(wall):
    from web import runtime

    service = runtime.kpi_service()
    admin = client_as(wall, Role.ADMIN)
    values = {
        "admin-stage-set": 1,
        "admin-stage-level": 3,
        "admin-stage-reason": "  river level rising ",
        "admin-stage-hours": 6,
    }
    done = _run(admin, wall, "set_stage", values, "admin-stage-set")
    assert done.status_code == 200 and "river level rising" in done.text
    state = service.disaster().state
    assert (state.level, state.manual, state.reason) == (3, True, "river level rising")
    assert service.stage_history(1)[0].cause == "set by hand: river level rising"
    # no reason, or a stage the ladder lacks: said, and nothing changes
    for wrong in ({"admin-stage-reason": " "}, {"admin-stage-level": 9}):
        refused = _run(admin, wall, "set_stage", values | wrong, "admin-stage-set")
        assert refused.status_code == 200 and "admin-error" in refused.text
        assert service.disaster().state.reason == "river level rising"
    back = _run(admin, wall, "hand_back", {"admin-stage-auto": 1}, "admin-stage-auto")
    assert back.status_code == 200
    assert not service.disaster().state.manual
    assert not service.stage_history(1)[0].manual


def test_an_admin_disables_an_account_but_not_their_own(wall):
    from web import runtime

    accounts.add_account(
        runtime.engine(),
        "leaver",
        "a-long-enough-password",
        Role.STAFF,
        datetime.now(UTC),
    )
    admin = client_as(wall, Role.ADMIN)
    done = _press_row_button(
        admin, wall, "disable_account", {"type": "admin-disable", "username": "leaver"}
    )
    assert done.status_code == 200
    assert (
        runtime.engine() and accounts.account_role(runtime.engine(), "leaver") is None
    )
    mine = _press_row_button(
        admin, wall, "disable_account", {"type": "admin-disable", "username": "ada"}
    )
    assert mine.status_code == 200 and "admin-error" in mine.text
    assert accounts.account_role(runtime.engine(), "ada") == Role.ADMIN


@pytest.fixture
def secrets_set(wall, monkeypatch):
    from web import runtime

    monkeypatch.setenv("CITYWALL_DATABASE_URL", "postgresql+psycopg://u:s3cret@h/db")
    monkeypatch.setenv("CITYWALL_REDIS_URL", "redis://:r3dis-pass@cache:6379/0")
    monkeypatch.setenv("CITYWALL_SECRET_KEY", "the-signing-key-nobody-sees")
    runtime.settings.cache_clear()  # the engine, already made, stays on SQLite
    yield wall
    monkeypatch.undo()
    runtime.settings.cache_clear()


def test_the_configuration_never_shows_a_secret(secrets_set):
    admin = client_as(secrets_set, Role.ADMIN)
    page = _text(admin.post(UPDATE, json=_router_body("/admin")))
    assert "CITYWALL_DATABASE_URL" in page and "postgresql+psycopg://u:" in page
    assert "cache:6379" in page and "CITYWALL_SECRET_KEY" in page
    for secret in (
        "s3cret",
        "r3dis-pass",
        "the-signing-key-nobody-sees",
        signing_key(secrets_set.server),
    ):
        assert secret not in page
