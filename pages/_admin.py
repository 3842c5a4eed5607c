"""What the admin page shows, read fresh for each drawing: each part asks the KPI
layer, the access module or the operations checks, never the store itself."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from access import accounts, current, embed_tokens
from city.i18n import t
from components.access_tables import account_table, screen_table, token_table
from components.health_panel import health_panel
from components.settings_table import settings_table
from components.stage_banner import stage_banner
from components.stage_log import stage_log
from web import operations, runtime
from web.effective_settings import shown_settings

STAGE_LOG_ROWS = 20


def health(lang: str) -> html.Div:
    ready, _ = operations.readiness_here()
    profile = runtime.profile()
    names = [s.name for s in profile.sources]
    return health_panel(ready, names, profile.timezone, lang)


def stage_now(lang: str) -> html.Div:
    profile = runtime.profile()
    return stage_banner(runtime.kpi_service().disaster(), profile, lang)


def stage_changes(lang: str) -> html.Div:
    rows = runtime.kpi_service().stage_history(STAGE_LOG_ROWS)
    return stage_log(rows, runtime.profile().timezone, lang)


def screens(lang: str) -> html.Div:
    devices = accounts.list_devices(runtime.engine())
    return screen_table(devices, runtime.profile().timezone, lang)


def tokens(lang: str) -> html.Div:
    issued = embed_tokens.list_tokens(runtime.engine())
    return token_table(issued, datetime.now(UTC), runtime.profile().timezone, lang)


def me() -> str | None:
    """The signed-in admin's account name (a proxy's or the login's)."""
    caller = current.identity()
    return (
        caller.name if caller is not None and caller.via in ("login", "proxy") else None
    )


def account_list(lang: str) -> html.Div:
    found = accounts.list_accounts(runtime.engine())
    return account_table(found, me(), runtime.profile().timezone, lang)


def configuration(lang: str) -> html.Div:
    settings, profile = runtime.settings(), runtime.profile()
    return html.Div(
        [
            html.P(
                t(
                    lang,
                    "admin.profile",
                    city=profile.name(lang),
                    id=profile.id,
                    path=str(settings.profile_path),
                ),
                id="admin-profile",
            ),
            settings_table(shown_settings(settings), lang),
        ]
    )


def message(kind: str, text: str, *extra) -> html.Div:
    """A line saying what a button did: ``ok`` or ``error``."""
    return html.Div([text, *extra], className=f"admin-message admin-{kind}")
