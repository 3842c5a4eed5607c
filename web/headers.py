"""The web surface: security headers on every response, error pages that give
nothing away, and the address's arguments checked before any page sees them.

A city's intranet only lets a wall in if the browser is told exactly what may run:
the Content-Security-Policy allows our own files and Dash's own inline scripts (by
hash: the renderer and the clientside callbacks), never inline scripts or ``eval``
in general. The rest of the policy was checked in chromium against Dash 4, plotly 7
(d3 geo maps and MapLibre tile maps) and dash-ag-grid (tests/browser/
test_inert_text.py loads every page and fails on any CSP report):

- ``style-src 'unsafe-inline'``: plotly, MapLibre, AG Grid and dcc write ``<style>``
  elements and ``style=`` attributes at run time; styles cannot run code.
- ``img-src data: blob:``, ``font-src data:`` and ``worker-src blob:``: inline
  icons and images that plotly, AG Grid and MapLibre build in the page, and the
  blob workers MapLibre's own CSP notes ask for (kept, not each proven needed).
- the profile's tile and glyph servers in ``connect-src``/``img-src``: MapLibre
  fetches them from the browser.

Error pages are plain text: a 500 (a page, a download or a Dash callback that
raised) says only that something went wrong and logs the traceback here.

Arguments: Dash hands a page a repeated query argument (``?district=a&district=b``)
as a list, and pages look values up in dicts; every page gets one printable string
per argument instead, as ``request.args.get`` gives the Flask routes, which refuse
control characters and very long values with a 400.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from urllib.parse import urlsplit

import dash
from dash.exceptions import DependencyException, InvalidResourceError
from flask import Response, abort, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from store import errors as store_errors
from web.settings import Settings

log = logging.getLogger(__name__)

PAGE_ARG_LIMIT = 256  # ids, codes, words: a page acts on nothing longer
QUERY_ARG_LIMIT = 4096  # a Flask route's argument (an embed token is ~200)
ORIGIN = re.compile(r"^(https?://[A-Za-z0-9.-]+(:\d+)?|'self'|'none')$")

# Same-origin requests keep the full address; another origin (a link out of the
# intranet, a tile server) gets no Referer, so filters and record ids in our
# addresses (?district=…&record=…) never leave the wall.
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # a page the wall opens cannot reach back into it (top-level only: iframes
    # of the intranet are unaffected)
    "Cross-Origin-Opener-Policy": "same-origin",
    # nothing on the wall uses these; a script that got in could not either.
    # Only features the browsers know: chromium warns on every page about one it
    # does not (``bluetooth`` is its own permission, not a policy feature there).
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "serial=(), hid=()"
    ),
}


def frame_ancestors(allowed: Iterable[str]) -> str:
    """The ``frame-ancestors`` sources: the wall itself and the configured intranet
    origins, each checked (a typo would silently block every iframe)."""
    allowed = tuple(allowed)
    bad = [o for o in allowed if not ORIGIN.match(o)]
    if bad:
        raise ValueError(
            f"CITYWALL_FRAME_ANCESTORS: {bad} are not origins like "
            "https://intranet.city.example"
        )
    return " ".join(("'self'", *allowed))


def origin_of(url: str) -> str | None:
    """``https://tiles.city.example`` of a URL template; None if it has none."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def map_origins(profile) -> tuple[str, ...]:
    """The tile and glyph servers MapLibre fetches from, by the profile's [map]."""
    tiles = getattr(profile, "tiles", None)
    if tiles is None:
        return ()
    found = {origin_of(u) for u in (tiles.url, tiles.glyphs_url) if u}
    return tuple(sorted(o for o in found if o))


def content_security_policy(
    script_hashes: Iterable[str],
    ancestors: str,
    map_servers: Iterable[str] = (),
) -> str:
    servers = " ".join(map_servers)
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(("'self'", *script_hashes)),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob: {servers}".strip(),
        "font-src": "'self' data:",
        "connect-src": f"'self' {servers}".strip(),
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


@lru_cache(maxsize=8)
def _policy(hashes: tuple[str, ...], ancestors: str, servers: tuple[str, ...]) -> str:
    return content_security_policy(hashes, ancestors, servers)


def add_security_headers(app: dash.Dash, settings: Settings) -> None:
    """The headers above on every response: pages, callbacks, downloads, assets,
    errors and whatever another layer (a sign-in redirect) answers."""
    ancestors = frame_ancestors(settings.frame_ancestors)  # fails at start-up

    @app.server.after_request
    def _security_headers(response: Response) -> Response:
        # Hashed per response: Dash adds its own clientside callback (the page
        # title) at the first request, after this function was registered.
        policy = _policy(tuple(app.csp_hashes()), ancestors, _map_servers())
        response.headers.setdefault("Content-Security-Policy", policy)
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _map_servers() -> tuple[str, ...]:
    from web import runtime

    return map_origins(runtime.profile())


def add_error_pages(app: dash.Dash) -> None:
    """Plain-text errors: the status and a sentence, never a traceback, and never
    markup (a reason may quote the address, which the visitor typed)."""
    server = app.server

    @server.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        if error.response is not None:  # abort(Response(...)): already an answer
            return error.response
        response = _plain(error.code or 500, _reason(error))
        for name, value in error.get_headers():  # Allow, WWW-Authenticate, ...
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @server.errorhandler(InvalidResourceError)
    @server.errorhandler(DependencyException)
    def _unknown_resource(_error: Exception) -> Response:
        # Dash's own handler echoes the asked path back as HTML
        return _plain(404, "Not found.")

    @server.errorhandler(SQLAlchemyError)
    def _store_down(error: SQLAlchemyError) -> Response:
        # the database is down or full: the page keeps its last good view and its
        # banner says so (app.data_health); one line per failure, no traceback
        log.warning("store unavailable: %s", store_errors.describe(error))
        response = _plain(503, "Data delayed: the database is not answering.")
        response.headers["Retry-After"] = "10"
        return response

    @server.errorhandler(Exception)
    def _server_error(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return _plain(500, "Something went wrong on the server; it has been logged.")


def _reason(error: HTTPException) -> str:
    # our abort(404, "no district …") reasons are meant for the reader; werkzeug's
    # defaults are fine too. Both are sentences, never code.
    return f"{error.name}. {error.description or ''}".strip()


def _plain(status: int, text: str) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def secure_web_surface(app: dash.Dash, settings: Settings) -> None:
    """Everything above, for ``create_app``: call it once the pages are loaded."""
    add_security_headers(app, settings)
    add_error_pages(app)
    add_argument_checks(app)


def page_argument(value: object) -> str | None:
    """One query argument as a page may use it: the first of a repeated one;
    None for one too long or with control characters."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    if len(value) > PAGE_ARG_LIMIT or not value.isprintable():
        return None
    return value


def checked_page(func: Callable, path_variables: Iterable[str] = ()) -> Callable:
    """A page's ``layout`` or ``title`` that gets its query arguments through
    ``page_argument`` (path variables as they are: the page validates them)."""
    if getattr(func, "_arguments_checked", False):
        return func
    keep = frozenset(path_variables)

    @wraps(func)
    def page(**kwargs):
        return func(
            **{k: v if k in keep else page_argument(v) for k, v in kwargs.items()}
        )

    page._arguments_checked = True
    return page


def add_argument_checks(app: dash.Dash) -> None:
    for page in dash.page_registry.values():
        names = re.findall(r"<(.*?)>", page.get("path_template") or "")
        for key in ("layout", "title"):
            if callable(page.get(key)):
                page[key] = checked_page(page[key], names)

    @app.server.before_request
    def _plain_arguments() -> None:
        for _name, value in request.args.items(multi=True):
            if len(value) > QUERY_ARG_LIMIT or not value.isprintable():
                abort(400, "An argument of the address is too long or not text.")
