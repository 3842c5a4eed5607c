"""What the admin page shows, read fresh for each drawing: each part asks the KPI
layer, the access module or the operations checks, never the store itself."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from access import current
from city.i18n import t
from components.access_tables import account_table, screen_table, token_table
from components.health_panel import health_panel
from components.settings_table import settings_table
from components.stage_banner import stage_banner
from components.stage_log import stage_log
from pages._services import services

STAGE_LOG_ROWS = 20


def health(lang: str) -> html.Div:
    ready, _ = services().readiness()
    profile = services().profile()
    names = [s.name for s in profile.sources]
    return health_panel(ready, names, profile.timezone, lang)


def stage_now(lang: str) -> html.Div:
    profile = services().profile()
    return stage_banner(services().kpis().disaster(), profile, lang)


def stage_changes(lang: str) -> html.Div:
    rows = services().kpis().stage_history(STAGE_LOG_ROWS)
    return stage_log(rows, services().profile().timezone, lang)


def screens(lang: str) -> html.Div:
    devices = services().accounts().screens()
    return screen_table(devices, services().profile().timezone, lang)


def tokens(lang: str) -> html.Div:
    issued = services().accounts().tokens()
    return token_table(issued, datetime.now(UTC), services().profile().timezone, lang)


def me() -> str | None:
    """The signed-in admin's account name (a proxy's or the login's)."""
    caller = current.identity()
    return (
        caller.name if caller is not None and caller.via in ("login", "proxy") else None
    )


def account_list(lang: str) -> html.Div:
    found = services().accounts().accounts()
    return account_table(found, me(), services().profile().timezone, lang)


def configuration(lang: str) -> html.Div:
    (profile_path, shown), profile = services().configuration(), services().profile()
    return html.Div(
        [
            html.P(
                t(
                    lang,
                    "admin.profile",
                    city=profile.name(lang),
                    id=profile.id,
                    path=str(profile_path),
                ),
                id="admin-profile",
            ),
            settings_table(shown, lang),
        ]
    )


def message(kind: str, text: str, *extra) -> html.Div:
    """A line saying what a button did: ``ok`` or ``error``."""
    return html.Div([text, *extra], className=f"admin-message admin-{kind}")
