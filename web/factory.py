"""The web app: Dash under the configured path prefix and the CSV downloads; the
security headers (the framing policy for the intranet among them) and the error
pages come from web.headers.

Behind a proxy that keeps the prefix (``/intranet/citywall/...`` reaches us as is)
Dash serves and links under it; behind one that strips it, Dash serves at ``/`` and
still links under the prefix the browser sees. Both are configuration only.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from datetime import UTC, datetime

import dash
from flask import Response, abort, current_app, request

from access import embed_tokens
from access.current import role as current_role
from access.roles import CAMERA_LEVEL_FOR
from kpis.records import PERIODS, RecordFilter
from kpis.service import KpiService
from pages import _services as page_services
from pages._domain import add_domain_callbacks, register_domain_pages
from pages._moment import asked_moment
from web import guard as access_guard
from web import runtime
from web.csv_export import records_csv, tile_csv
from web.headers import secure_web_surface
from web.not_found import add_not_found_status
from web.operations import add_operations_routes
from web.plotly_bundle import serve_partial_plotly
from web.settings import Settings
from web.shell import add_wall_shell
from web.signing import signing_key

# The largest request body read: a callback's or a sign-in's are a few kilobytes;
# more is refused with 413 before it is read into memory.
MAX_REQUEST_BYTES = 1024 * 1024


@functools.cache  # worked out on first use (a first request), not at import
def build_id() -> str:
    """What this deploy is: CITYWALL_BUILD when the deploy names itself (a release
    tag, a commit), else a digest of the code and assets. Every worker of a deploy
    gets the same id; a server restarted on the same code too, so only a new deploy
    makes the walls reload."""
    named = os.environ.get("CITYWALL_BUILD")
    if named:
        return named
    digest = hashlib.sha256()
    root = _project_root()
    for folder in ("city", "web", "access", "components", "pages", "kpis", "assets"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".css", ".js", ".toml"):
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def create_app(settings: Settings) -> dash.Dash:
    routes = "/" if settings.proxy_strips_prefix else settings.url_prefix
    app = dash.Dash(
        "app",
        use_pages=True,
        pages_folder=str(_project_root() / "pages"),
        assets_folder=str(_project_root() / "assets"),
        title="CityWall",
        update_title=None,  # no "Updating..." flicker in the tab on every refresh
        suppress_callback_exceptions=True,
        requests_pathname_prefix=settings.url_prefix,
        routes_pathname_prefix=routes,
    )
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    register_domain_pages(runtime.profile())
    access_guard.install(app, settings, routes)
    page_services.install(app.server, _page_services())
    add_operations_routes(app.server, routes)
    add_not_found_status(app, routes)
    _add_downloads(app, routes)
    _add_camera_frames(app, routes)
    serve_partial_plotly(app, routes)

    @app.server.route(f"{routes}_citywall/build")
    def current_build() -> Response:
        response = Response(f'{{"build": "{build_id()}"}}', mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response

    # on this app, not on the first one of the process (see add_domain_callbacks)
    add_wall_shell(app, build_id)
    add_domain_callbacks(app)
    secure_web_surface(app, settings)
    # The pages' own ``dash.callback``s wait on Dash's global list, which the first
    # app of the process to set itself up takes whole: this app takes the ones
    # its pages just registered now, not at its first request (by then a later
    # app may have taken them). Dash's own setup, run early; it runs once.
    app._setup_server()
    app.server.wsgi_app = FirstRequestAlone(app.server.wsgi_app)
    return app


class FirstRequestAlone:
    """Dash finishes setting itself up in its first request (the pages' callbacks
    copied into the app, the router's callback registered) after marking that done:
    on a threaded worker a second request meanwhile finds no callbacks. So a
    process's first request runs alone; the rest run side by side."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.lock = threading.Lock()
        self.ready = False

    def __call__(self, environ, start_response):
        if self.ready:
            return self.wsgi_app(environ, start_response)
        with self.lock:  # Flask runs the before-request hooks inside this call
            answer = self.wsgi_app(environ, start_response)
            self.ready = True
            return answer


def _page_services() -> page_services.Services:
    """What pages may ask for, from this process's runtime handles."""
    from access.book import AccountBook
    from ingest.supervisor import read_state
    from web import operations
    from web.effective_settings import shown_settings

    return page_services.Services(
        profile=runtime.profile,
        kpis=runtime.kpi_service,
        rendered=lambda name, build: runtime.render_cache().rendered(name, build),
        accounts=lambda: AccountBook(runtime.engine()),
        url_prefix=lambda: runtime.settings().url_prefix,
        public_kpis=lambda: runtime.settings().public_kpis,
        readiness=operations.readiness_here,
        configuration=lambda: (
            runtime.settings().profile_path,
            shown_settings(runtime.settings()),
        ),
        ingest=lambda: read_state(runtime.settings().data_dir),
        embed_scope=lambda token: embed_tokens.read(
            signing_key(current_app), token, datetime.now(UTC)
        ),
        download_credential=lambda scope, kpi, district: (
            embed_tokens.download_credential(
                signing_key(current_app), scope, kpi, district
            )
        ),
        kpis_at=runtime.kpi_service_at,
        rendered_at=lambda at, name, build: runtime.render_cache_at(at).rendered(
            name, build
        ),
    )


def _project_root():
    from web.settings import PROJECT_ROOT

    return PROJECT_ROOT


def _add_downloads(app: dash.Dash, routes: str) -> None:
    @app.server.route(f"{routes}csv/tile/<kpi_id>")
    def tile_download(kpi_id: str) -> Response:
        profile = runtime.profile()
        if kpi_id not in profile.indicators_by_id:
            abort(404)
        district = _district_arg(profile)
        lang = profile.language(request.args.get("lang"))
        service, at = _moment_arg()
        body = tile_csv(service, profile, kpi_id, district, lang)
        return _csv(body, f"{kpi_id}{'-' + district if district else ''}{at}.csv")

    @app.server.route(f"{routes}csv/records/<domain>")
    def records_download(domain: str) -> Response:
        profile = runtime.profile()
        if domain not in profile.domains_by_id:
            abort(404)
        period = request.args.get("period") or "24h"
        if period not in PERIODS:
            abort(400, f"period must be one of {', '.join(PERIODS)}")
        district = _district_arg(profile)
        f = RecordFilter(
            domain=domain,
            district=district,
            category=request.args.get("category") or None,
            period=period,
        )
        lang = profile.language(request.args.get("lang"))
        service, at = _moment_arg()
        body = records_csv(service, profile, f, lang)
        # a wall code is safe in a file name as it is (city.district_codes)
        name = f"{domain}{'-' + district if district else ''}-{period}{at}.csv"
        return _csv(body, name)


def _add_camera_frames(app: dash.Dash, routes: str) -> None:
    """A camera's latest picture, fetched by the server (never by the browser);
    cameras above the wall's access level are refused."""
    from kpis.cameras import allowed

    @app.server.route(f"{routes}_citywall/camera/<int:camera_id>.jpg")
    def camera_frame(camera_id: int) -> Response:
        camera = runtime.kpi_service().camera(camera_id)
        if camera is None:
            abort(404)
        # the wall's widest level, narrowed to what the caller's role may see
        widest = runtime.settings().camera_access
        if not allowed(camera.access, widest) or not allowed(
            camera.access, CAMERA_LEVEL_FOR[current_role()]
        ):
            abort(403)
        frame = runtime.camera_frames().frame(
            str(camera.id), camera.name, camera.snapshot_url, camera.stream_url
        )
        response = Response(frame.jpeg, mimetype="image/jpeg")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Camera-State"] = frame.state
        if frame.taken_at is not None:
            response.headers["X-Camera-Taken-At"] = frame.taken_at.isoformat()
        return response


def _moment_arg() -> tuple[KpiService, str]:
    """The KPI layer a download reads (a past moment's for ``?at=``, checked as
    a page checks it: ``pages._moment``) and what its file's name says of it."""
    asked = asked_moment(request.args.get("at"))
    if asked.problem:
        abort(400, f"at must be a past moment the store holds ({asked.problem})")
    if asked.at is None:
        return runtime.kpi_service(), ""
    return runtime.kpi_service_at(asked.at), "-at-" + asked.text.replace(":", "")


def _district_arg(profile) -> str | None:
    district = request.args.get("district") or None
    if district is not None and district not in profile.districts_by_code:
        abort(404, f"no district {district!r}")
    return district


def _csv(body: str, filename: str) -> Response:
    # a byte-order mark so that spreadsheet programs read Korean as UTF-8
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
