"""An address that shows no page answers 404, not 200.

Dash answers every path with the same page shell and draws "not found" in the
browser afterwards, so a link checker, a proxy's cache or a wall's monitor saw a
200 for ``/nope`` or ``/district/99999``. After Dash answered, the path is looked
up the way its router will (``access.policy.page_arguments``): no page, Dash's
not-found page, or a page whose ``exists`` refuses the path's variables (a district
code the city does not have, an embed of an unknown tile) turn the status into
404. The body stays as it is: the browser still draws the not-found page.
"""

from __future__ import annotations

from typing import Any

import dash
from flask import Response, request

from access.policy import page_arguments

NOT_FOUND_MODULE = "not_found_404"


def add_not_found_status(app: dash.Dash, routes: str) -> None:
    """404 for the page shells Dash serves (its index and its catch-all route
    under ``routes``) at addresses that show no page."""
    shells = {routes, f"{routes}<path:path>"}

    @app.server.after_request
    def _not_found(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule else None
        if request.method not in ("GET", "HEAD") or rule not in shells:
            return response
        if response.status_code == 200 and not shows_a_page(request.path, routes):
            response.status_code = 404
        return response


def shows_a_page(path: str, routes: str) -> bool:
    """Whether Dash's router draws a page (not "not found") at ``path``."""
    inner = path[len(routes) :] if path.startswith(routes) else path.lstrip("/")
    query = request.query_string.decode("latin-1")
    page, arguments = page_arguments("/" + inner, f"?{query}" if query else "")
    if arguments is None:  # refused by the guard before Dash saw it
        return True
    if not page or page["module"].rsplit(".", 1)[-1] == NOT_FOUND_MODULE:
        return False
    exists: Any = page.get("exists")
    return bool(exists(**arguments)) if callable(exists) else True
