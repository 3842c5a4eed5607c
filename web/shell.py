"""The wall's shell around every page: its layout (header, clock, refresh timers,
the data-delay banner) and the server callbacks that draw the header in the
caller's language and say when the database stops answering."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import dash
from dash import Input, Output, State, html
from sqlalchemy.exc import SQLAlchemyError

from access import current
from city.profile import CityProfile
from components.freshness import delay_banner
from components.moment_bar import add_moment_bar_callbacks, moment_bar, slider_moments
from components.shell import add_shell_callbacks, chromeless, header, page_shell
from pages._moment import (
    AskedMoment,
    asked_moment,
    at_in,
    at_moment,
    draws_moments,
    moment_clock,
)
from pages._routes import page_exists
from web import runtime


def add_wall_shell(app: dash.Dash, build_id: Callable[[], str]) -> None:
    """The shell's layout and callbacks, on ``app`` (by its factory)."""
    # Bootstrap's dark theme on the whole document, not only on the shell: panels,
    # menus and pop-ups (offcanvas, modals, dropdown menus) are drawn at the end of
    # <body>, outside the shell, and were white on the dark wall.
    app.index_string = re.sub(
        r"<html\b", '<html data-bs-theme="dark"', app.index_string, count=1
    )
    app.layout = lambda: page_shell(
        build_id(),
        # a few refreshes: a wall picks up a new deploy within a minute
        check_seconds=max(10.0, 3 * runtime.profile().refresh_seconds),
        health_seconds=runtime.profile().refresh_seconds,
    )
    app.callback(
        Output("shell-header", "children"),
        Output("wall-root", "className"),
        Input("nav", "pathname"),
        Input("nav", "search"),
    )(draw_header)
    app.callback(
        Output("delay-banner", "children"),
        Output("delay-since", "data"),
        Input("health-tick", "n_intervals"),
        State("delay-since", "data"),
        State("nav", "search"),
        prevent_initial_call=True,
    )(data_health)
    add_shell_callbacks(app)
    add_moment_bar_callbacks(app)


def draw_header(pathname: str | None, search: str | None):
    """The header in the address's language; embeds and the kiosk get none."""
    mode = chromeless(pathname)
    if mode:
        return None, f"wall-root {mode}"
    profile = runtime.profile()
    lang = profile.language_of(search)
    caller = current.identity()
    asked = asked_moment(at_in(search))
    with at_moment(asked):  # its links keep a past moment
        return _header(profile, lang, pathname, search, caller, asked)


def _header(
    profile,
    lang: str,
    pathname: str | None,
    search: str | None,
    caller,
    asked: AskedMoment,
):
    # a page drawn at a past moment shows that moment's time, stopped
    path = "/" + (dash.strip_relative_path(pathname or "/") or "")
    moments = draws_moments(path)
    stopped = moment_clock(asked, lang) if asked.past and moments else None
    navbar = header(
        profile,
        lang,
        pathname or "/",
        search or "",
        # every page that registered a place in the header, in its order
        pages=[
            (page["path"], page["nav"])
            for page in sorted(
                (p for p in dash.page_registry.values() if p.get("nav")),
                key=lambda p: p["order"],
            )
        ],
        may_open=current.may_open,
        sign_out=f"{runtime.settings().url_prefix}logout"
        if caller is not None and caller.via == "login"
        else None,
        stopped_at=stopped,
    )
    bar = _moment_bar(profile, lang, path, pathname, search, asked) if moments else None
    return [navbar, bar] if bar else navbar, "wall-root"


def _moment_bar(
    profile: CityProfile,
    lang: str,
    path: str,
    pathname: str | None,
    search: str | None,
    asked: AskedMoment,
) -> html.Div | None:
    """The time bar of a page that draws past moments, for whoever may open it
    (the kiosk and the embeds have no header, so none)."""
    if not page_exists(path) or not current.may_open(path):
        return None
    now = runtime.kpi_service().clock()
    found = slider_moments(now, profile.timezone, asked.at)
    return moment_bar(
        found, profile.timezone, lang, pathname or "/", search or "", asked.at
    )


def data_health(_n: int | None, since: str | None, search: str | None):
    """While the database does not answer, the page's refreshes fail and it keeps
    its last good view; this says so, and since when, until data flows again."""
    try:
        runtime.kpi_service().data_version()
    except SQLAlchemyError:
        since = since or datetime.now(UTC).isoformat()
        profile = runtime.profile()
        lang = profile.language_of(search)
        return delay_banner(datetime.fromisoformat(since), profile, lang), since
    return None, None
