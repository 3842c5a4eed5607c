"""The sign-in routes: the built-in login (a fallback to the intranet's proxy), sign
out, a wall screen's enrolment link, and the page shown when a role is too low.

Plain server-rendered HTML with the wall's own stylesheet: the login must work
before any Dash script may load.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from flask import Flask, Response, abort, current_app, redirect, request, session
from markupsafe import Markup

from access import accounts
from access import identity as who
from access.accounts import ENROL_ROUTE, SignInLocked
from web import runtime, transport
from web.settings import Settings
from web.signing import signing_key

CSRF_KEY = "csrf"
SCREEN_COOKIE_YEARS = 10  # a wall screen never signs itself out


def quote_next(path: str) -> str:
    return quote(path, safe="/")


def _safe_next(raw: str | None, prefix: str) -> str:
    """Only a path of this wall: never another site (``//evil``, ``https://…``)."""
    if not raw:
        return prefix
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//"):
        return prefix
    return raw


def add_views(server: Flask, settings: Settings, routes: str) -> None:
    prefix = settings.url_prefix

    @server.route(f"{routes}login", methods=["GET", "POST"])
    def login() -> Response | str:
        wanted = _safe_next(request.values.get("next"), prefix)
        if request.method == "GET":
            return _login_page(prefix, wanted, error=None)
        expected = str(session.get(CSRF_KEY) or "")
        if not expected or not secrets.compare_digest(
            expected, request.form.get(CSRF_KEY, "")
        ):
            return _login_page(
                prefix, wanted, "The form expired: please try again."
            ), 400
        username = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:1024]
        try:
            signed_in = accounts.sign_in(
                runtime.engine(),
                username,
                password,
                transport.client_address(runtime.settings()),
                datetime.now(UTC),
                salt=signing_key(current_app),
            )
        except SignInLocked as locked:
            page = _login_page(prefix, wanted, str(locked))
            return page, 429, {"Retry-After": str(locked.seconds)}
        if signed_in is None:
            return _login_page(prefix, wanted, "Wrong username or password."), 401
        session.clear()  # a fresh session: nothing carried over from before sign-in
        session[who.SESSION_USER] = username
        session[who.SESSION_VERSION] = signed_in.session_version
        session.permanent = True
        who.remembered.forget(who.session_key(username))
        return redirect(wanted)

    @server.route(f"{routes}logout", methods=["GET", "POST"])
    def logout() -> Response:
        """Signs the account out everywhere: a copy of this cookie (or of the
        account's other sessions) is refused from now on."""
        signed_in = who.from_session(runtime.engine(), session)
        if signed_in is not None:
            accounts.sign_out_everywhere(runtime.engine(), signed_in.name)
            who.remembered.forget(who.session_key(signed_in.name))
        session.clear()
        return redirect(f"{prefix}login")

    @server.route(f"{routes}{ENROL_ROUTE}<code>")
    def enrol(code: str) -> Response:
        """An admin opens the screen's enrolment link once; the screen keeps a
        secret in a cookie for years and never signs itself out."""
        secret = accounts.enrol(runtime.engine(), code[:200], datetime.now(UTC))
        if secret is None:
            abort(
                403,
                "This enrolment link was used already or has expired: ask an admin "
                "for a new one (citywall screen renew <label>).",
            )
        response = redirect(f"{prefix}wall")
        response.set_cookie(
            who.SCREEN_COOKIE,
            secret,
            max_age=SCREEN_COOKIE_YEARS * 365 * 86400,
            path=prefix,
            httponly=True,
            secure=transport.cookie_secure(runtime.settings()),
            samesite="Lax",
        )
        return response


def _page(prefix: str, title: str, body: Markup) -> str:
    return Markup(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>{title}</title>"
        "<link rel='stylesheet' href='{prefix}assets/00-bootstrap.min.css'>"
        "<link rel='stylesheet' href='{prefix}assets/10-wall.css'>"
        "</head><body class='sign-in-body'><main class='sign-in'>"
        "<h1>CityWall</h1>{body}</main></body></html>"
    ).format(title=title, prefix=prefix, body=body)


def _login_page(prefix: str, wanted: str, error: str | None) -> str:
    token = session.get(CSRF_KEY) or secrets.token_urlsafe(24)
    session[CSRF_KEY] = token
    message = (
        Markup("<p class='sign-in-error' role='alert'>{}</p>").format(error)
        if error
        else Markup("")
    )
    if runtime.settings().public_kpis:  # the city's open data needs no sign-in
        message += Markup("<p><a href='{}public'>{}</a></p>").format(
            prefix, "Open data: the KPIs anyone may see"
        )
    form = Markup(
        "<form method='post' action='{prefix}login'>"
        "<input type='hidden' name='csrf' value='{token}'>"
        "<input type='hidden' name='next' value='{wanted}'>"
        "<label for='username'>Username</label>"
        "<input id='username' name='username' autocomplete='username' required autofocus>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit' id='sign-in'>Sign in</button></form>"
    ).format(prefix=prefix, token=token, wanted=wanted)
    return _page(prefix, "CityWall — sign in", message + form)


def refusal_page(status: int, caller, settings: Settings) -> Response:
    prefix = settings.url_prefix
    if caller is None:
        text = "This embedded view needs a valid embed token; ask the wall's admin for a new link."
    else:
        text = (
            f"Signed in as {caller.name} ({caller.role.label}): this page needs "
            "another role. Ask an admin if you need it."
        )
    body = Markup(
        "<p class='sign-in-error' role='alert'>{}</p><p><a href='{}'>{}</a></p>"
    ).format(text, prefix, "Back to the wall")
    return Response(_page(prefix, "CityWall — not allowed", body), status=status)
