"""The configuration a wall runs on, for its admin: each setting's value and
whether the environment set it; secrets arrive here already hidden
(``web.effective_settings``)."""

from __future__ import annotations

from dataclasses import dataclass

from dash import html

from city.i18n import t
from components.plain_table import plain_table


@dataclass(frozen=True)
class ShownSetting:
    """One setting as the admin sees it (``web.effective_settings`` makes them)."""

    name: str
    env: str
    value: str
    from_env: bool  # False: the default
    help: str


def settings_table(shown: list[ShownSetting], lang: str) -> html.Div:
    rows = [
        html.Tr(
            [
                html.Td(
                    [html.Div(s.name, className="admin-name"), html.Small(s.env)],
                    title=s.help,
                ),
                html.Td(
                    html.Code(s.value) if s.value else t(lang, "admin.empty"),
                    className="admin-value",
                ),
                html.Td(
                    t(lang, "admin.from_env" if s.from_env else "admin.from_default"),
                    className="admin-from-env" if s.from_env else "",
                ),
            ],
            id={"type": "admin-setting", "name": s.name},
        )
        for s in shown
    ]
    headers = ["setting", "value", "origin"]
    return plain_table(
        [t(lang, f"admin.column.{h}") for h in headers], rows, "settings-table"
    )
