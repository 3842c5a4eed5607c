"""The guard on the Flask server: every request is matched to what it needs
(``policy``) and to who sent it (``identity``), and refused when they do not meet.

A page asked for without a sign-in goes to the login page; a callback, a download
or a data route gets 401 (no identity) or 403 (a role too low), never data.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import dash
from flask import Response, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from access import identity as who
from access import policy, views
from access.identity import Identity
from access.policy import OPEN, Need
from access.roles import Role
from citywall import runtime
from citywall.operations import METRICS_PATH, OPEN_PATHS
from citywall.settings import Settings

log = logging.getLogger("citywall.access")

# Routes that hold no data: Dash's scripts and styles, the assets, the sign-in
# routes, the deploy check walls poll, the liveness probes.
OPEN_ROUTES = (
    "_dash-component-suites/",
    "assets/",
    "_favicon.ico",
    "_reload-hash",
    "_citywall/build",
    "_citywall/enrol/",
    "login",
    "logout",
    *OPEN_PATHS,
)
SCREEN_COOKIE_YEARS = 10


def cookie_secure(settings: Settings) -> bool:
    """Secure cookies, but over plain HTTP to this machine (the demo), where a
    browser would otherwise drop them."""
    if settings.secure_cookies != "auto":
        return settings.secure_cookies == "true"
    host = request.host.rsplit(":", 1)[0].strip("[]")
    loopback = host in ("127.0.0.1", "localhost", "::1")
    return request.is_secure or not loopback


class _SessionCookies(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return cookie_secure(runtime.settings())


def install(app: dash.Dash, settings: Settings, routes: str) -> None:
    server = app.server
    server.secret_key = settings.signing_key()
    server.config.update(
        SESSION_COOKIE_NAME="citywall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH=settings.url_prefix,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    server.session_interface = _SessionCookies()
    views.add_views(server, settings, routes)

    @server.before_request
    def _guard() -> Response | None:
        rel = _relative(request.path, routes)
        need = route_need(app, rel)
        live = runtime.settings()  # read per request: tests and reloads change it
        caller = resolve(live, rel)
        g.identity = caller
        if policy.allows(caller, need, live.public_kpis):
            return None
        if rel == METRICS_PATH and who.trusted(request.remote_addr, live.metrics_from):
            return None
        return _refuse(caller, need, rel, live)


def _relative(path: str, routes: str) -> str:
    return path[len(routes) :] if path.startswith(routes) else path.lstrip("/")


def route_need(app: dash.Dash, rel: str) -> Need:
    if rel.startswith(OPEN_ROUTES):
        return OPEN
    if rel in ("_dash-layout", "_dash-dependencies"):
        # the same empty shell and callback graph for everyone, no data; open, as
        # Dash's renderer can only add an embed's token to later requests
        return OPEN
    if rel == "_dash-update-component":
        try:
            body = json.loads(request.get_data(cache=True) or b"{}")
        except ValueError:
            return policy.DENY
        return policy.callback_need(
            app.callback_map, body if isinstance(body, dict) else {}
        )
    if rel.startswith("csv/tile/"):
        kpi = rel.removeprefix("csv/tile/")
        return Need(
            Role.VIEWER, embed=(f"tile/{kpi}", request.args.get("district")), kpi=kpi
        )
    if rel.startswith("csv/records/"):
        return Need(Role.STAFF)
    if rel.startswith("_citywall/camera/"):
        return Need(Role.VIEWER)  # and only the cameras the role may see
    if rel == METRICS_PATH:
        return Need(Role.ADMIN)
    if rel.startswith("_"):  # any other route of Dash's or ours: closed until listed
        return policy.DENY
    return policy.page_need("/" + rel, request.query_string.decode("latin-1"))


def resolve(settings: Settings, rel: str) -> Identity | None:
    """The request's identity, the first that holds (see ``access.identity``)."""
    engine = runtime.engine()
    if settings.proxy_user_header and who.trusted(
        request.remote_addr, settings.trusted_proxies
    ):
        found = who.from_proxy(
            engine,
            request.headers,
            settings.proxy_user_header,
            settings.proxy_role_header,
        )
        if found:
            return found
    found = who.from_session(engine, session) or who.from_screen(
        engine, request.cookies
    )
    if found:
        return found
    scopes = who.embed_scopes(current_app.secret_key, _embed_token(rel))
    if scopes:
        return Identity(Role.VIEWER, "embed", "embed", scopes)
    if settings.public_kpis:
        return Identity(Role.PUBLIC, "public", "public")
    return None


def _embed_token(rel: str) -> str | None:
    """An embed page carries its token in its address; its requests for layout and
    refreshes send it back as a bearer token (see ``EMBED_HOOKS``)."""
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ").strip()
    return request.args.get("token") if rel.startswith("embed/") else None


# Dash's renderer, refused with "JWT Expired", asks this hook for a token and sends
# it as "Authorization: Bearer …" from then on: an embed's token goes with every
# request of its frame, without a cookie (which a browser may block in a frame of
# another site).
EMBED_HOOKS = {
    "request_refresh_jwt": (
        "function (old) { var t = new URLSearchParams(window.location.search)"
        ".get('token'); return t && t !== old ? t : null; }"
    )
}
DASH_RETRY_WORDS = "JWT Expired"


def _refuse(
    caller: Identity | None, need: Need, rel: str, settings: Settings
) -> Response:
    page_view = request.method == "GET" and not rel.startswith(("_", "csv/"))
    anonymous = caller is None or caller.role == Role.PUBLIC
    if anonymous and page_view and not rel.startswith("embed/"):
        # the address as the browser sees it, prefix included (a proxy may strip it)
        query = request.query_string.decode("latin-1")
        target = settings.url_prefix + rel + (f"?{query}" if query else "")
        return redirect(f"{settings.url_prefix}login?next={views.quote_next(target)}")
    status = 401 if caller is None else 403
    log.info(
        "refused %s %s: %s",
        request.method,
        rel,
        "no sign-in" if caller is None else f"{caller.via} {caller.role.label}",
    )
    if page_view:
        return views.refusal_page(status, caller, settings)
    body = {"error": "sign in" if status == 401 else "your role may not see this"}
    if status == 401:
        body["dash"] = DASH_RETRY_WORDS  # the renderer retries with an embed's token
    return Response(json.dumps(body), status=status, mimetype="application/json")
