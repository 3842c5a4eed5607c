"""Signing in and out, and what a leaked credential is still worth: failed sign-ins
slow one account from one address (never everyone), a signed-out session is void
everywhere (a copied cookie too), a new password or role ends every session, and
an embed token can be revoked from /admin and from the shell.

The store's part runs on SQLite and PostgreSQL; so does the app's, through a wall
built on each store.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from access import accounts, embed_tokens
from access import identity as who
from access.roles import Role
from tests.citywall.test_cli import citywall, small_city  # noqa: F401
from tests.conftest import build_wall, seoul_profile_copy
from tests.pages.test_admin import _press_row_button
from tests.web import test_access
from tests.web.test_access import PASSWORD, sign_in
from web.signing import signing_key

wall = test_access.wall  # the demo wall on SQLite, made again for this module
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SALT = "salt"
RECORDS = "/csv/records/complaints?period=24h"


# -- throttling, in the store ----------------------------------------------------------


def _fail(engine, username: str, client: str, now: datetime) -> None:
    assert (
        accounts.sign_in(engine, username, "wrong-password!", client, now, SALT) is None
    )


def _waits(engine, username: str, client: str, now: datetime) -> int | None:
    """The seconds this attempt is told to wait, None if it may try."""
    try:
        accounts.sign_in(engine, username, "not-it-either", client, now, SALT)
    except accounts.SignInLocked as locked:
        return locked.seconds
    return None


def test_failures_slow_one_account_from_one_address_ever_longer(engine):
    accounts.add_account(engine, "tess", PASSWORD, Role.STAFF, T0)
    now = T0
    for _ in range(accounts.FREE_FAILURES):  # a few typing mistakes cost nothing
        _fail(engine, "tess", "10.1.1.1", now)
    waits = []
    for _ in range(12):
        _fail(engine, "tess", "10.1.1.1", now)
        waits.append(_waits(engine, "tess", "10.1.1.1", now))
        now += timedelta(seconds=waits[-1])  # the attacker waits just long enough
    assert waits[:4] == [5, 10, 20, 40]
    assert waits[-1] == accounts.MAX_DELAY.seconds  # capped
    _fail(engine, "tess", "10.1.1.1", now)
    # the person from their own desk is not made to wait, nor another account
    assert accounts.sign_in(engine, "tess", PASSWORD, "10.2.2.2", now, SALT)
    assert _waits(engine, "other", "10.1.1.1", now) is None
    # even the right password waits from the guessing address
    with pytest.raises(accounts.SignInLocked):
        accounts.sign_in(engine, "tess", PASSWORD, "10.1.1.1", now, SALT)
    # after the wait it works, and a success forgets the failures
    later = now + accounts.MAX_DELAY
    assert accounts.sign_in(engine, "tess", PASSWORD, "10.1.1.1", later, SALT)
    _fail(engine, "tess", "10.1.1.1", later)
    assert _waits(engine, "tess", "10.1.1.1", later) is None


def test_no_address_is_ever_locked_for_everyone_behind_it(engine):
    accounts.add_account(engine, "sam", PASSWORD, Role.STAFF, T0)
    # a city hall's NAT: someone tries fifty names, five times each
    for n in range(50):
        for _ in range(5):
            try:
                _fail(engine, f"guess-{n}", "10.0.0.1", T0)
            except accounts.SignInLocked:
                pass
    signed = accounts.sign_in(engine, "sam", PASSWORD, "10.0.0.1", T0, SALT)
    assert signed is not None and signed.role == Role.STAFF


def test_failures_of_a_quiet_day_are_forgotten(engine):
    now = T0
    for _ in range(accounts.FREE_FAILURES + 2):
        _fail(engine, "quiet", "10.3.3.3", now)
        now += timedelta(minutes=1)  # past each wait: the next would be 20 s
    next_day = now + accounts.FORGET_AFTER + timedelta(hours=1)
    _fail(engine, "quiet", "10.3.3.3", next_day)
    assert _waits(engine, "quiet", "10.3.3.3", next_day) is None  # counted anew


# -- session versions and embed tokens, in the store ---------------------------------


def test_every_change_of_an_account_ends_its_sessions(engine):
    accounts.add_account(engine, "vera", PASSWORD, Role.VIEWER, T0)
    signed = accounts.sign_in(engine, "vera", PASSWORD, "10.0.0.9", T0, SALT)
    seen = [signed.session_version]
    for change in (
        lambda: accounts.sign_out_everywhere(engine, "vera"),
        lambda: accounts.set_password(engine, "vera", "another-long-password"),
        lambda: accounts.set_role(engine, "vera", Role.STAFF),
    ):
        change()
        seen.append(accounts.session_of(engine, "vera")[1])
    assert seen == sorted(set(seen))  # each change a new, higher version
    assert accounts.session_of(engine, "vera")[0] == Role.STAFF
    accounts.disable_account(engine, "vera", T0)
    assert accounts.session_of(engine, "vera") is None
    with pytest.raises(accounts.AccountError):
        accounts.sign_out_everywhere(engine, "nobody")


def test_embed_tokens_are_recorded_and_can_be_revoked(engine):
    now = datetime.now(UTC)
    first = embed_tokens.issue(
        engine, "key", "tile/kpi_a", "11680", timedelta(days=1), now
    )
    second = embed_tokens.issue(
        engine, "key", "complaints", None, timedelta(days=1), now
    )
    a, b = (embed_tokens.read("key", t, now) for t in (first, second))
    assert (
        a.target == "tile/kpi_a" and a.district == "11680" and a.token_id != b.token_id
    )
    assert embed_tokens.is_live(engine, a.token_id)
    listed = embed_tokens.list_tokens(engine)
    assert [t.id for t in listed] == [b.token_id, a.token_id]  # the newest first
    assert first not in repr(listed) and second not in repr(listed)  # never kept
    embed_tokens.revoke(engine, a.token_id, now)
    assert not embed_tokens.is_live(engine, a.token_id)
    assert embed_tokens.is_live(engine, b.token_id)
    (revoked,) = [t for t in embed_tokens.list_tokens(engine) if t.revoked_at]
    assert revoked.id == a.token_id
    with pytest.raises(embed_tokens.EmbedTokenError):
        embed_tokens.revoke(engine, 9999, now)
    # a token signed before tokens had ids opens nothing: it could not be revoked
    legacy = URLSafeSerializer("key", salt=embed_tokens.SALT).dumps(
        {"t": "complaints", "d": None, "e": int((now + timedelta(days=1)).timestamp())}
    )
    assert embed_tokens.read("key", legacy, now) is None


# -- the app on each store -------------------------------------------------------------


@pytest.fixture
def wall_on_store(store_url, tmp_path):
    """The app on an empty store of this test's backend, with a staff and an
    admin account."""
    from ingest.runner import prepare_store
    from web import runtime

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITYWALL_PROFILE", str(seoul_profile_copy(tmp_path, 1)))
        mp.setenv("CITYWALL_DATA_DIR", str(tmp_path / "data"))
        mp.setenv("CITYWALL_DATABASE_URL", store_url)
        runtime.reset()
        who.remembered.clear()
        prepare_store(runtime.engine(), runtime.profile())
        for name, role in (("sam", Role.STAFF), ("ada", Role.ADMIN)):
            accounts.add_account(runtime.engine(), name, PASSWORD, role, T0)
        try:
            yield build_wall()
        finally:
            runtime.engine().dispose()
            runtime.reset()
            who.remembered.clear()


def _signed_in(app, username: str):
    client = app.server.test_client()
    assert sign_in(client, username, PASSWORD).status_code == 302
    return client


def _copy_of(app, client):
    """Another client holding the same session cookie (a stolen or copied one)."""
    copy = app.server.test_client()
    cookie = client.get_cookie("citywall_session")
    copy.set_cookie(cookie.key, cookie.value, path=cookie.path)
    return copy


def test_signing_out_voids_every_copy_of_the_session(wall_on_store):
    staff = _signed_in(wall_on_store, "sam")
    copy = _copy_of(wall_on_store, staff)
    assert copy.get(RECORDS).status_code == 200
    assert staff.get("/logout").status_code == 302
    assert copy.get(RECORDS).status_code == 401
    assert copy.get("/traffic").status_code == 302  # to the login
    # the next sign-in works at once, in this process and in others
    again = _signed_in(wall_on_store, "sam")
    assert again.get(RECORDS).status_code == 200
    assert copy.get(RECORDS).status_code == 401


def test_a_new_password_or_role_ends_every_session(wall_on_store):
    from web import runtime

    engine = runtime.engine()
    staff = _signed_in(wall_on_store, "sam")
    accounts.set_password(engine, "sam", "a-brand-new-password")
    who.remembered.clear()  # another process (the shell) changed it: within seconds
    assert staff.get(RECORDS).status_code == 401
    accounts.set_password(engine, "sam", PASSWORD)
    staff = _signed_in(wall_on_store, "sam")
    accounts.set_role(engine, "sam", Role.VIEWER)
    who.remembered.clear()
    assert staff.get("/traffic").status_code == 302
    viewer = _signed_in(wall_on_store, "sam")
    assert viewer.get("/traffic").status_code == 200
    assert viewer.get(RECORDS).status_code == 403


def test_an_admin_revokes_an_embed_token_on_the_admin_page(wall_on_store):
    from web import runtime

    token = embed_tokens.issue(
        runtime.engine(),
        signing_key(wall_on_store.server),
        "complaints",
        None,
        timedelta(days=1),
        datetime.now(UTC),
    )
    frame = wall_on_store.server.test_client()
    assert frame.get(f"/embed/complaints?token={token}").status_code == 200
    (issued,) = embed_tokens.list_tokens(runtime.engine())
    admin = _signed_in(wall_on_store, "ada")
    shown = admin.post(
        "/_dash-update-component", json=test_access._router_body("/admin")
    )
    assert "admin-tokens-section" in shown.text and "token-table" in shown.text
    button = {"id": issued.id, "type": "admin-revoke-token"}
    done = _press_row_button(admin, wall_on_store, "revoke_token", button)
    assert done.status_code == 200, done.text[:300]
    assert f"Embed token {issued.id} revoked" in done.text
    who.remembered.clear()  # past the few seconds' memory of lookups
    assert frame.get(f"/embed/complaints?token={token}").status_code == 401
    bearer = {"Authorization": f"Bearer {token}"}
    refused = frame.post(
        "/_dash-update-component",
        json=test_access._router_body("/embed/complaints"),
        headers=bearer,
    )
    assert refused.status_code == 401
    # a staff member cannot press it
    staff = _signed_in(wall_on_store, "sam")
    assert (
        _press_row_button(staff, wall_on_store, "revoke_token", button).status_code
        == 403
    )


# -- the trusted proxy's client address -------------------------------------------------


@pytest.fixture
def behind_proxy(wall, monkeypatch):
    from web import runtime

    monkeypatch.setenv("CITYWALL_TRUSTED_PROXIES", "10.0.0.0/24")
    runtime.settings.cache_clear()
    yield wall
    monkeypatch.undo()
    runtime.settings.cache_clear()


def _from(app, address: str, forwarded_for: str | None = None):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded_for:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def test_an_admin_signs_in_through_the_proxy_while_someone_guesses(behind_proxy):
    attacker = _from(behind_proxy, "10.0.0.5", "203.0.113.66")
    statuses = {
        sign_in(attacker, "ada", "guess-guess-guess").status_code for _ in range(12)
    }
    assert statuses == {401, 429}
    # the admin, through the same proxy, from their own desk
    admin = _from(behind_proxy, "10.0.0.5", "198.51.100.7")
    assert sign_in(admin, "ada", PASSWORD).status_code == 302
    # a client putting an address of its choosing in front is still itself
    spoofer = _from(behind_proxy, "10.0.0.5", "198.51.100.7, 203.0.113.66")
    assert sign_in(spoofer, "ada", PASSWORD).status_code == 429


def test_a_forwarded_address_from_anyone_else_is_not_believed(behind_proxy):
    for n in range(accounts.FREE_FAILURES + 1):
        guesser = _from(behind_proxy, "10.9.9.9", f"198.51.100.{n}")
        assert sign_in(guesser, "sam", "guess-guess-guess").status_code == 401
    fresh_face = _from(behind_proxy, "10.9.9.9", "198.51.100.200")
    assert sign_in(fresh_face, "sam", PASSWORD).status_code == 429


# -- the shell -----------------------------------------------------------------------


def test_embed_tokens_are_listed_and_revoked_from_the_shell(small_city):  # noqa: F811
    made = citywall(
        "embed-token", "tile/complaints_open", "--district", "11680", env=small_city
    )
    assert made.returncode == 0, made.stderr
    token = re.search(r"token=(\S+)", made.stdout).group(1)
    listed = citywall("embed-token", "list", env=small_city)
    assert listed.returncode == 0, listed.stderr
    line = listed.stdout.strip().splitlines()[0]
    token_id = line.split("\t")[0]
    assert "tile/complaints_open" in line and "valid until" in line
    assert token not in listed.stdout
    revoked = citywall("embed-token", "revoke", token_id, env=small_city)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "revoked" in citywall("embed-token", "list", env=small_city).stdout
    unknown = citywall("embed-token", "revoke", "999", env=small_city)
    assert unknown.returncode == 2 and "no embed token with id 999" in unknown.stderr


def test_an_embed_token_for_nothing_a_token_can_show_is_refused(small_city):  # noqa: F811
    for asked, wrong, choice in (
        (["tile/nope"], "'nope'", "tile/complaints_open"),
        (["nope"], "'nope'", "complaints"),
        (["district/11680"], "'district/11680'", "overview"),  # staff only
        (["tile/complaints_open", "--district", "99999"], "'99999'", "11680"),
    ):
        refused = citywall("embed-token", *asked, env=small_city)
        assert refused.returncode == 2, (asked, refused.stdout)
        assert refused.stdout == ""  # no address printed
        (line,) = refused.stderr.strip().splitlines()  # one line, no traceback
        assert line.startswith("citywall embed-token: ") and wrong in line, line
        assert choice in line, line  # the valid choices listed
    # nothing was issued
    assert citywall("embed-token", "list", env=small_city).stdout.strip() == ""
    made = citywall("embed-token", "/embed/complaints", env=small_city)
    assert made.returncode == 0 and "/embed/complaints?token=" in made.stdout
