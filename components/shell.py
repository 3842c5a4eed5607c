"""The page shell: the city's header, the pages, the language switch and the clock.

The header is drawn from the address (path and ``?lang=``) by a callback, so the
same shell serves every language; embed routes (``/embed/...``) and the kiosk
(``/wall``) get none of it: an intranet iframe shows only the page or the tile, and
the wall screen its own strip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from components.links import href, with_query

EMBED_PREFIX = "/embed/"
KIOSK = "/wall"


def refresh_id(page: str) -> dict[str, str]:
    """The id of a page's refresh timer: one pattern for all, so the watchdog
    below can reach every timer on the screen."""
    return {"type": "refresh", "page": page}


def refresh_timer(page: str, seconds: float, live: bool = True) -> dcc.Interval:
    """A page's refresh timer (see ``timer``)."""
    return timer(refresh_id(page), seconds, live)


def timer(id_: str | dict, seconds: float, live: bool = True) -> dcc.Interval:
    """A refresh timer; stopped for good on a page shown at a past moment
    (``max_intervals=0``: the watchdog below turns ``disabled`` off again)."""
    return dcc.Interval(
        id=id_,
        interval=seconds * 1000,
        disabled=not live,
        max_intervals=-1 if live else 0,
    )


def page_shell(
    build: str = "", check_seconds: float = 30, health_seconds: float = 10
) -> html.Div:
    return html.Div(
        [
            dcc.Location(id="nav", refresh="callback-nav"),
            # the database answering or not: a banner while the wall shows its last
            # good view (app.py's data_health), gone when data flows again
            dcc.Interval(id="health-tick", interval=health_seconds * 1000),
            dcc.Store(id="delay-since"),
            html.Div(id="delay-banner", role="status"),
            # the deploy this page came from; a wall reloads itself after a new one
            dcc.Store(id="build-id", data=build),
            dcc.Interval(id="build-check", interval=check_seconds * 1000),
            html.Div(id="shell-header"),
            dcc.Interval(id="clock-tick", interval=1000),
            dbc.Container(dash.page_container, fluid=True, className="wall-body"),
        ],
        **{"data-bs-theme": "dark"},
        className="wall-root",
        id="wall-root",
    )


def chromeless(pathname: str | None) -> str | None:
    """ "embed" or "kiosk" for the routes shown without the header, else None."""
    path = "/" + (dash.strip_relative_path(pathname or "/") or "")
    if (path + "/").startswith(EMBED_PREFIX):
        return "embed"
    if path == KIOSK:
        return "kiosk"
    return None


def language_names(profile: CityProfile) -> list[tuple[str, str]]:
    """The switch's languages, the profile's, each with its own name."""
    return [(code, i18n.display_name(code)) for code in profile.languages]


def header(
    profile: CityProfile,
    lang: str,
    pathname: str,
    search: str,
    pages: Sequence[tuple[str, str | Callable[[str], str]]],
    may_open: Callable[[str], bool] = lambda _path: True,
    sign_out: str | None = None,
    stopped_at: str | None = None,
) -> dbc.Navbar:
    """The navigation bar: ``pages`` as (path, label key or the label in a
    language), only those the caller's
    role may open, and a sign out link (``sign_out``: its address) for a built-in
    login. ``stopped_at``: the time a page at a past moment shows, in place of
    the ticking clock."""
    local = second_name(
        profile.name(lang), profile.name(profile.local_language), "brand-local"
    )
    here = "/" + (dash.strip_relative_path(pathname or "/") or "")
    links = [
        dbc.NavItem(
            dcc.Link(
                key(lang) if callable(key) else t(lang, key),
                href=href(path, lang),
                className="nav-link" + (" active" if here == path else ""),
                id={"type": "nav-link", "path": path},
            )
        )
        for path, key in pages
        if may_open(path)
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dcc.Link(
                    [
                        html.Span("CityWall", className="brand-mark"),
                        html.Span(profile.name(lang), className="brand-city"),
                        *local,
                    ],
                    href=href("/", lang),
                    className="navbar-brand",
                ),
                dbc.Nav(links, className="me-auto", navbar=True),
                html.Div(
                    [
                        dcc.Link(
                            code.upper(),
                            href=with_query(pathname, search, lang=code),
                            title=name,
                            className="lang-link" + (" active" if code == lang else ""),
                            id={"type": "lang-link", "lang": code},
                        )
                        for code, name in language_names(profile)
                    ],
                    className="lang-switch",
                    **{"aria-label": t(lang, "nav.language")},
                ),
                html.Div(
                    [
                        html.Span(stopped_at, id="clock", className="clock"),
                        html.Span(str(profile.timezone), className="clock-zone"),
                    ],
                    className="clock-box",
                    # no zone: the browser's clock leaves a stopped one alone
                    **{
                        "data-timezone": "" if stopped_at else str(profile.timezone),
                        "data-lang": lang,
                    },
                    id="clock-box",
                ),
                *(
                    [
                        html.A(
                            t(lang, "nav.sign_out"), href=sign_out, className="sign-out"
                        )
                    ]
                    if sign_out
                    else []
                ),
            ],
            fluid=True,
        ),
        className="wall-navbar",
        dark=True,
    )


def second_name(shown: str, local: str, class_name: str) -> list[html.Span]:
    """The name in the city's own language beside the one shown, when it says
    something more: not for a name given in one language only."""
    return [] if local == shown else [html.Span(local, className=class_name)]


def add_shell_callbacks(app: dash.Dash) -> None:
    """The shell's own callbacks, all in the browser, registered on ``app`` by its
    factory (not on Dash's global list when this module is imported, which only
    the first app of a process would get)."""
    # The clock ticks in the browser, in the city's zone and the viewer's language.
    app.clientside_callback(
        """
        function(_n, zone, lang) {
            if (!zone) { return window.dash_clientside.no_update; }
            return new Intl.DateTimeFormat(lang || 'en', {
                timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit',
                weekday: 'short', day: 'numeric', month: 'short', hourCycle: 'h23'
            }).format(new Date());
        }
        """,
        dash.Output("clock", "children"),
        dash.Input("clock-tick", "n_intervals"),
        dash.State("clock-box", "data-timezone"),
        dash.State("clock-box", "data-lang"),
    )

    # A wall runs for days: when the server comes back from a restart the callbacks
    # resume by themselves, but a new deploy's layout needs a reload. Every half-minute the
    # page asks which deploy is serving; a different one reloads it. An unreachable
    # server is not a new deploy: the page waits.
    app.clientside_callback(
        """
        function(_n, build) {
            const url = (document.getElementById('_dash-config')
                ? JSON.parse(document.getElementById('_dash-config').textContent)
                    .requests_pathname_prefix
                : '/') + '_citywall/build';
            fetch(url, {cache: 'no-store'})
                .then(r => r.ok ? r.json() : null)
                .then(j => { if (j && build && j.build !== build) { window.location.reload(); } })
                .catch(() => null);
            return window.dash_clientside.no_update;
        }
        """,
        dash.Output("build-check", "disabled"),
        dash.Input("build-check", "n_intervals"),
        dash.State("build-id", "data"),
        prevent_initial_call=True,
    )

    # Dash's `running=` disables a refresh timer while its callback runs, so refreshes
    # never pile up; but when the server does not answer (a restart, a network cut)
    # Dash 4.4 never turns the timer back on, and the wall would freeze for good. The
    # watchdog turns every refresh timer on again at each build check; at worst a
    # refresh slower than the check overlaps once.
    app.clientside_callback(
        """
        function(_n) {
            const outputs = window.dash_clientside.callback_context.outputs_list || [];
            return outputs.map(() => false);
        }
        """,
        dash.Output(
            {"type": "refresh", "page": dash.ALL}, "disabled", allow_duplicate=True
        ),
        dash.Input("build-check", "n_intervals"),
        prevent_initial_call=True,
    )
