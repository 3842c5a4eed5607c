"""plotly.js for the wall's graphs: a partial bundle with only the trace types the
pages draw, answered where Dash serves plotly's full one.

dcc.Graph loads plotly.js from ``<prefix>_dash-component-suites/plotly/package_data/
plotly.min.js`` when the first graph mounts. The full bundle is 4.8 MB of script the
browser compiles before it draws the overview's map; this one, 3.1 MB (over half of it
MapLibre, for the tile maps), holds the traces of components/city_map.py and
components/charts.py, built by tools/build-plotly.sh from the same plotly.js version.
The route is Dash's own address, so it stays open like the rest of
``_dash-component-suites`` and is served from 'self' for the CSP, with the caching
Dash gives it: a fingerprinted name is kept a year, the plain one revalidated by its
ETag.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import dash
from dash.fingerprint import check_fingerprint
from flask import Response, abort, request

BUNDLE = Path(__file__).resolve().parent / "static" / "plotly-citywall.min.js"
FULL_BUNDLE = "package_data/plotly.min.js"  # in the plotly package, as Dash names it
YEAR = 31536000


@lru_cache(maxsize=1)
def bundle() -> tuple[bytes, str]:
    """The partial bundle and its ETag, read once per worker."""
    body = BUNDLE.read_bytes()
    return body, hashlib.sha1(body).hexdigest()


def serve_partial_plotly(app: dash.Dash, routes: str) -> None:
    """Answer the full bundle's address (plain or fingerprinted) with the partial
    one; Dash's route still serves every other file."""

    @app.server.route(f"{routes}_dash-component-suites/plotly/package_data/<name>")
    def partial_plotly(name: str) -> Response:
        path, fingerprinted = check_fingerprint(f"package_data/{name}")
        if path != FULL_BUNDLE:
            abort(404)  # Dash registers nothing else in this folder
        body, etag = bundle()
        response = Response(body, mimetype="text/javascript")
        if fingerprinted:
            response.cache_control.max_age = YEAR
        else:
            response.set_etag(etag)
        return response.make_conditional(request)
