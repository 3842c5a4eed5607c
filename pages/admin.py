"""Admin: the wall's health, its configuration, its screens and accounts, and the
disaster stage set by hand. Every callback here changes or shows what only an
admin may, so each one is marked admin-only on top of the page's own access
(``access.policy.callback_need``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from access.accounts import AccountError, enrol_link
from access.embed_tokens import EmbedTokenError
from access.policy import needs
from access.roles import Role
from city.i18n import t
from components.links import href
from kpis.stages import StageChangeError
from pages import _admin as part
from pages._services import services
from pages._titles import titled

dash.register_page(
    __name__,
    path="/admin",
    title=titled("nav.admin"),
    name="Admin",
    access="admin",
    nav="nav.admin",
    order=12,
)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    lang = services().profile().language(lang)
    return html.Div(
        [
            html.H2(t(lang, "admin.title"), className="page-title"),
            html.P(t(lang, "admin.lead"), className="page-lead"),
            dbc.Row(
                [
                    dbc.Col(_health_section(lang), lg=5),
                    dbc.Col(_stage_section(lang), lg=7),
                ],
                className="g-3",
            ),
            _screens_section(lang),
            _section(
                "accounts",
                lang,
                html.Div(id="admin-account-message", role="status"),
                html.Div(part.account_list(lang), id="admin-accounts"),
            ),
            _section(
                "tokens",
                lang,
                html.Div(id="admin-token-message", role="status"),
                html.Div(part.tokens(lang), id="admin-tokens"),
            ),
            _section("config", lang, part.configuration(lang)),
            dcc.Interval(id="admin-refresh", interval=10_000),
        ],
        className="admin-page",
    )


def _section(name: str, lang: str, *children) -> html.Section:
    return html.Section(
        [
            html.H3(t(lang, f"admin.{name}"), className="admin-heading"),
            html.P(t(lang, f"admin.{name}_lead"), className="admin-lead"),
            *children,
        ],
        className="admin-section",
        id=f"admin-{name}-section",
    )


def _health_section(lang: str) -> html.Section:
    return _section(
        "health",
        lang,
        html.Div(part.health(lang), id="admin-health"),
        dcc.Link(
            t(lang, "admin.sources_more"), href=href("/sources", lang), id="admin-more"
        ),
    )


def _stage_section(lang: str) -> html.Section:
    ladder = services().profile().ladder
    levels = [
        {"label": f"{s.level} · {s.name(lang)}", "value": s.level}
        for s in ladder.stages
    ]
    form = html.Div(
        [
            _field(
                "admin-stage-level",
                t(lang, "admin.stage_level"),
                dcc.Dropdown(
                    levels, id="admin-stage-level", clearable=False, searchable=False
                ),
            ),
            _field(
                "admin-stage-reason",
                t(lang, "admin.stage_reason"),
                dbc.Input(id="admin-stage-reason", type="text", maxLength=500),
            ),
            _field(
                "admin-stage-hours",
                t(lang, "admin.stage_hours"),
                dbc.Input(id="admin-stage-hours", type="number", min=0, step=0.5),
            ),
            _buttons(
                lang,
                ("admin-stage-set", "stage_set"),
                ("admin-stage-auto", "stage_auto"),
            ),
        ],
        className="admin-form stage-form",
    )
    return _section(
        "stage",
        lang,
        html.Div(part.stage_now(lang), id="admin-stage-now"),
        form,
        html.Div(id="admin-stage-message", role="status"),
        html.Div(part.stage_changes(lang), id="admin-stage-log"),
    )


def _screens_section(lang: str) -> html.Section:
    form = html.Div(
        [
            _field(
                "admin-screen-label",
                t(lang, "admin.screen_label"),
                dbc.Input(
                    id="admin-screen-label",
                    type="text",
                    maxLength=100,
                    placeholder=t(lang, "admin.screen_placeholder"),
                ),
            ),
            _buttons(lang, ("admin-screen-add", "screen_add")),
        ],
        className="admin-form screen-form",
    )
    return _section(
        "screens",
        lang,
        form,
        html.Div(id="admin-screen-message", role="status"),
        html.Div(part.screens(lang), id="admin-screens"),
    )


def _buttons(lang: str, *buttons: tuple[str, str]) -> html.Div:
    """A form's buttons: (id, the key of its words under ``admin.``)."""
    return html.Div(
        [
            html.Button(t(lang, f"admin.{key}"), id=id_, className="admin-button")
            for id_, key in buttons
        ],
        className="admin-actions",
    )


def _field(for_id: str, label: str, control) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=for_id, className="admin-label"), control],
        className="admin-field",
    )


def _lang(search: str | None) -> str:
    return services().profile().language_of(search)


def _clicked() -> bool:
    """A button pressed, not one drawn anew (a redrawn table's buttons have no
    clicks yet, and Dash may still call a callback of ``ALL`` buttons for them)."""
    return bool(ctx.triggered and ctx.triggered[0]["value"])


# -- health: redrawn on a timer ---------------------------------------------------


@callback(
    Output("admin-health", "children"),
    Output("admin-stage-now", "children"),
    Output("admin-stage-log", "children"),
    Input("admin-refresh", "n_intervals"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def refresh(_n: int | None, search: str | None):
    lang = _lang(search)
    return part.health(lang), part.stage_now(lang), part.stage_changes(lang)


# -- wall screens ------------------------------------------------------------------


@callback(
    Output("admin-screen-message", "children"),
    Output("admin-screens", "children"),
    Output("admin-screen-label", "value"),
    Input("admin-screen-add", "n_clicks"),
    State("admin-screen-label", "value"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def add_screen(n_clicks: int | None, label: str | None, search: str | None):
    """A new screen; its one-time enrolment link is shown here once, never kept."""
    if not n_clicks:
        raise dash.exceptions.PreventUpdate
    lang, now = _lang(search), datetime.now(UTC)
    try:
        code = services().accounts().add_screen(label or "", now)
    except AccountError as exc:
        return _refused(lang, exc), dash.no_update, dash.no_update
    link = enrol_link(services().url_prefix(), code)
    said = part.message(
        "ok",
        t(lang, "admin.enrol_once", label=label.strip()),
        html.Code(link, id="admin-enrol-link", className="admin-link"),
    )
    return said, part.screens(lang), ""


@callback(
    Output("admin-screen-message", "children", allow_duplicate=True),
    Output("admin-screens", "children", allow_duplicate=True),
    Input({"type": "admin-revoke", "label": ALL}, "n_clicks"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def revoke_screen(_clicks: list, search: str | None):
    def revoke(label: str, _lang: str) -> None:
        services().accounts().revoke_screen(label, datetime.now(UTC))

    return _act_on_row(search, "label", revoke, "admin.screen_revoked", part.screens)


# -- accounts ----------------------------------------------------------------------


@callback(
    Output("admin-account-message", "children"),
    Output("admin-accounts", "children"),
    Input({"type": "admin-disable", "username": ALL}, "n_clicks"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def disable_account(_clicks: list, search: str | None):
    def disable(username: str, lang: str) -> None:
        if username == part.me():  # an admin never locks themselves out from here
            raise AccountError(t(lang, "admin.not_yourself"))
        services().accounts().disable_account(username, datetime.now(UTC))

    return _act_on_row(
        search, "username", disable, "admin.account_disabled", part.account_list
    )


# -- embed tokens ------------------------------------------------------------------


@callback(
    Output("admin-token-message", "children"),
    Output("admin-tokens", "children"),
    Input({"type": "admin-revoke-token", "id": ALL}, "n_clicks"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def revoke_token(_clicks: list, search: str | None):
    def revoke(token_id: str, _lang: str) -> None:
        if not token_id.isdigit():
            raise EmbedTokenError(f"no embed token with id {token_id!r}")
        services().accounts().revoke_token(int(token_id), datetime.now(UTC))

    return _act_on_row(search, "id", revoke, "admin.token_revoked", part.tokens)


def _act_on_row(
    search: str | None,
    field: str,
    act: Callable[[str, str], None],
    done: str,
    redraw: Callable[[str], html.Div],
):
    """A row's button pressed: ``act`` on the row its id names, then what was done
    and the table drawn again (or why not, the table as it was)."""
    if not _clicked() or not isinstance(ctx.triggered_id, dict):
        raise dash.exceptions.PreventUpdate
    lang, name = _lang(search), str(ctx.triggered_id[field])
    try:
        act(name, lang)
    except (AccountError, EmbedTokenError) as exc:
        return _refused(lang, exc), dash.no_update
    return part.message("ok", t(lang, done, **{field: name})), redraw(lang)


def _refused(lang: str, exc: Exception) -> html.Div:
    return part.message("error", t(lang, "admin.error", error=str(exc)))


# -- the disaster stage by hand ----------------------------------------------------


@callback(
    Output("admin-stage-message", "children"),
    Output("admin-stage-now", "children", allow_duplicate=True),
    Output("admin-stage-log", "children", allow_duplicate=True),
    Input("admin-stage-set", "n_clicks"),
    State("admin-stage-level", "value"),
    State("admin-stage-reason", "value"),
    State("admin-stage-hours", "value"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def set_stage(
    n_clicks: int | None,
    level: int | None,
    reason: str | None,
    hours: float | None,
    search: str | None,
):
    """The same as ``citywall stage set``: one function, ``KpiService.set_stage``."""
    if not n_clicks:
        raise dash.exceptions.PreventUpdate
    lang = _lang(search)
    try:
        view = (
            services()
            .kpis()
            .set_stage(_number(level, int), reason or "", _number(hours, float))
        )
    except StageChangeError as exc:
        said = part.message("error", t(lang, exc.key, **exc.values))
        return said, dash.no_update, dash.no_update
    said = part.message("ok", t(lang, "admin.stage_done", level=view.state.level))
    return said, part.stage_now(lang), part.stage_changes(lang)


@callback(
    Output("admin-stage-message", "children", allow_duplicate=True),
    Output("admin-stage-now", "children", allow_duplicate=True),
    Output("admin-stage-log", "children", allow_duplicate=True),
    Input("admin-stage-auto", "n_clicks"),
    State("nav", "search"),
    prevent_initial_call=True,
)
@needs(Role.ADMIN)
def hand_back(n_clicks: int | None, search: str | None):
    """The same as ``citywall stage auto``."""
    if not n_clicks:
        raise dash.exceptions.PreventUpdate
    lang = _lang(search)
    services().kpis().hand_back_stage()
    said = part.message("ok", t(lang, "admin.stage_back"))
    return said, part.stage_now(lang), part.stage_changes(lang)


def _number(value, kind: type) -> int | float | None:
    """A form's number, or None when left empty; what is not a number becomes -1,
    which the ladder refuses with its own words."""
    if value in (None, ""):
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return kind(-1)
