"""The guard on the Flask server: every request is matched to what it needs
(``policy``) and to who sent it (``identity``), and refused when they do not meet.

A page asked for without a sign-in goes to the login page; a callback, a download
or a data route gets 401 (no identity) or 403 (a role too low), never data.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import dash
from flask import (
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface

from access import callbacks, current, embed_tokens, policy
from access import identity as who
from access.accounts import ENROL_ROUTE
from access.current import WallAccess
from access.identity import Identity
from access.policy import ANY_IDENTITY, OPEN, Need
from access.roles import Role
from web import runtime, sign_in, transport
from web.operations import METRICS_PATH, OPEN_PATHS
from web.settings import Settings
from web.signing import signing_key

log = logging.getLogger("citywall.access")

# Routes that hold no data: Dash's scripts and styles, the assets, the sign-in
# routes, the deploy check walls poll, the liveness probes.
OPEN_ROUTES = (
    "_dash-component-suites/",
    "assets/",
    "_favicon.ico",
    "_reload-hash",
    "_citywall/build",
    ENROL_ROUTE,
    "login",
    "logout",
    *OPEN_PATHS,
)
_CHECKED = "citywall.checked"  # every layout and callback wrapped, on this app
_EMBEDDING = "citywall_embedding"  # the scope of the embed being drawn, on flask.g


class Refused(PermissionError):
    """A layout or callback called for a caller it is not for."""


def cookie_secure(settings: Settings) -> bool:
    """Secure cookies, but over plain HTTP to this machine (the demo): decided
    from the settings and a trusted proxy's word (``web.transport``)."""
    return transport.cookie_secure(settings)


class _SessionCookies(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return cookie_secure(runtime.settings())

    def get_signing_serializer(self, app):
        signing_key(app)  # on the first request, not when the app is built
        return super().get_signing_serializer(app)


def install(app: dash.Dash, settings: Settings, routes: str) -> None:
    server = app.server
    server.config.update(
        SESSION_COOKIE_NAME="citywall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH=settings.url_prefix,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    server.session_interface = _SessionCookies()
    sign_in.add_views(server, settings, routes)

    @server.before_request
    def _guard() -> Response | None:
        _check_every_call(app)
        rel = _relative(request.path, routes)
        live = runtime.settings()  # read per request: tests and reloads change it
        caller = resolve(live, rel)
        current.serve(caller, WallAccess(live.public_kpis, live.camera_access))
        need = route_need(app, rel, caller)
        if policy.allows(caller, need, live.public_kpis):
            return None
        if rel == METRICS_PATH and transport.metrics_allowed(live):
            return None
        return _refuse(caller, need, rel, live)

    @server.errorhandler(Refused)
    def _refused_inside(refused: Refused) -> Response:
        # a layout or callback refused what the guard let through: a routing mistake
        # the second line caught, logged loudly so it gets fixed
        log.warning("refused inside %s: %s", request.path, refused)
        return _json_refusal(403, "your role may not see this")


def _relative(path: str, routes: str) -> str:
    return path[len(routes) :] if path.startswith(routes) else path.lstrip("/")


def route_need(app: dash.Dash, rel: str, caller: Identity | None = None) -> Need:
    if rel.startswith(OPEN_ROUTES):
        return OPEN
    if rel in ("_dash-layout", "_dash-dependencies"):
        # the same empty shell and callback graph for everyone, no data; open, as
        # Dash's renderer can only add an embed's token to later requests
        return OPEN
    if rel == "_dash-update-component":
        if caller is None:  # nobody: refused before a byte of the body is read
            return ANY_IDENTITY
        return _callback_need(app)
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
    query = request.query_string.decode("latin-1")
    return policy.page_need("/" + rel, f"?{query}" if query else "")


def _callback_need(app: dash.Dash) -> Need:
    """What the callback a body asks for needs, judged on the values Dash will pass
    it (by position); a body that is not JSON, or not what the callback declared,
    is refused with 400."""
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except (ValueError, RecursionError):  # not JSON, or nested past the parser
        abort(400, "the body of a callback request is not JSON")
    output = body.get("output") if isinstance(body, dict) else None
    entry = app.callback_map.get(output) if isinstance(output, str) else None
    if entry is None:
        abort(400, "no such callback")
    try:
        values = callbacks.declared_values(entry, body)
    except callbacks.BodyMismatch as mismatch:
        abort(400, f"the callback's arguments do not match it: {mismatch}")
    return policy.callback_need(entry, values, app.strip_relative_path)


def _check_every_call(app: dash.Dash) -> None:
    """The second line: every page layout and every callback checks the caller
    itself, on the arguments it is actually called with, so that a routing mistake
    cannot turn into a leak. Done once, when Dash has gathered both (the first
    request); later requests find it done."""
    if app.server.extensions.get(_CHECKED):
        return
    for page in dash.page_registry.values():
        layout = page.get("layout")
        if callable(layout) and not getattr(layout, "citywall_checked", False):
            page["layout"] = _checked_layout(page, layout)
    for entry in app.callback_map.values():
        func = entry.get("callback")
        if func is not None and not getattr(func, "citywall_checked", False):
            entry["callback"] = _checked_callback(app, entry, func)
    app.server.extensions[_CHECKED] = True


def _checked_layout(page: dict, layout: Callable) -> Callable:
    @functools.wraps(layout)
    def draw(**arguments):
        if not has_request_context():  # the CLI, a test drawing a layout
            return layout(**arguments)
        need = policy.layout_need(page, arguments)
        outer = g.get(_EMBEDDING)  # an embed drawing this page: its scope applies
        if need.embed is None and outer is not None:
            need = replace(need, embed=outer)
        _require(need, f"page {page['module']} with {sorted(arguments)}")
        g.setdefault(_EMBEDDING, need.embed)
        try:
            return layout(**arguments)
        finally:
            if need.embed is not None and outer is None:
                g.pop(_EMBEDDING, None)

    draw.citywall_checked = True  # type: ignore[attr-defined]
    return draw


def _checked_callback(app: dash.Dash, entry: dict, func: Callable) -> Callable:
    declared = {**entry, "callback": func}

    @functools.wraps(func)
    def call(*args, **kwargs):
        try:
            values = callbacks.values_of_call(declared, args)
        except callbacks.BodyMismatch as mismatch:
            raise Refused(str(mismatch)) from None
        need = policy.callback_need(declared, values, app.strip_relative_path)
        _require(need, f"callback {func.__module__}.{func.__name__}")
        return func(*args, **kwargs)

    call.citywall_checked = True  # type: ignore[attr-defined]
    return call


def _require(need: Need, what: str) -> None:
    if not policy.allows(g.get("identity"), need, runtime.settings().public_kpis):
        raise Refused(what)


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
    scopes = who.embed_scopes(
        engine,
        signing_key(current_app),
        _embed_token(rel),
        request.args.get(embed_tokens.DOWNLOAD_ARG) if rel.startswith("csv/") else None,
    )
    if scopes:
        return Identity(Role.VIEWER, "embed", "embed", scopes)
    if settings.public_kpis:
        return Identity(Role.PUBLIC, "public", "public")
    return None


def _embed_token(rel: str) -> str | None:
    """An embed page carries its token in its address; its requests for layout and
    refreshes send it back as a bearer token, from the first one on (the frame's
    script ``assets/15-embed-token.js``)."""
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ").strip()
    return request.args.get("token") if rel.startswith("embed/") else None


def _refuse(
    caller: Identity | None, need: Need, rel: str, settings: Settings
) -> Response:
    page_view = request.method == "GET" and not rel.startswith(("_", "csv/"))
    anonymous = caller is None or caller.role == Role.PUBLIC
    if anonymous and page_view and not rel.startswith("embed/"):
        # the address as the browser sees it, prefix included (a proxy may strip it)
        query = request.query_string.decode("latin-1")
        target = settings.url_prefix + rel + (f"?{query}" if query else "")
        return redirect(f"{settings.url_prefix}login?next={sign_in.quote_next(target)}")
    status = 401 if caller is None else 403
    log.info(
        "refused %s %s: %s",
        request.method,
        rel,
        "no sign-in" if caller is None else f"{caller.via} {caller.role.label}",
    )
    if page_view:
        return sign_in.refusal_page(status, caller, settings)
    return _json_refusal(
        status, "sign in" if status == 401 else "your role may not see this"
    )


def _json_refusal(status: int, error: str) -> Response:
    return Response(
        json.dumps({"error": error}), status=status, mimetype="application/json"
    )
