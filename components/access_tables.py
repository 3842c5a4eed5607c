"""Who may see the wall, as its admin manages it: the wall screens with their
credentials' state, and the built-in login's accounts. Each row has its button;
the page's callbacks act on the button's id."""

from __future__ import annotations

from datetime import tzinfo

from dash import html

from access.accounts import Account, Device
from citywall.i18n import t
from components.plain_table import plain_table, when


def screen_table(devices: list[Device], zone: tzinfo, lang: str) -> html.Div:
    if not devices:
        return html.P(t(lang, "admin.no_screens"), className="admin-note")
    rows = [
        html.Tr(
            [
                html.Td(d.label, className="admin-name"),
                html.Td(when(d.enrolled_at, zone, lang, t(lang, "admin.not_enrolled"))),
                html.Td(when(d.last_seen_at, zone, lang)),
                html.Td(when(d.revoked_at, zone, lang)),
                html.Td(
                    html.Button(
                        t(lang, "admin.screen_revoke"),
                        id={"type": "admin-revoke", "label": d.label},
                        className="admin-button admin-danger",
                        disabled=d.revoked_at is not None,
                    )
                ),
            ],
            className="admin-revoked" if d.revoked_at else "",
        )
        for d in devices
    ]
    headers = ["label", "enrolled", "last_seen", "revoked", "action"]
    return plain_table(
        [t(lang, f"admin.column.{h}") for h in headers], rows, "screen-table"
    )


def account_table(
    accounts: list[Account], me: str | None, zone: tzinfo, lang: str
) -> html.Div:
    """``me``: the signed-in admin, who may not disable their own account here."""
    if not accounts:
        return html.P(t(lang, "admin.no_accounts"), className="admin-note")
    rows = [
        html.Tr(
            [
                html.Td(a.username, className="admin-name"),
                html.Td(a.role.label),
                html.Td(when(a.disabled_at, zone, lang, t(lang, "admin.active"))),
                html.Td(
                    html.Button(
                        t(lang, "admin.account_disable"),
                        id={"type": "admin-disable", "username": a.username},
                        className="admin-button admin-danger",
                        disabled=a.disabled_at is not None or a.username == me,
                    )
                ),
            ],
            className="admin-revoked" if a.disabled_at else "",
        )
        for a in accounts
    ]
    headers = ["username", "role", "disabled", "action"]
    return plain_table(
        [t(lang, f"admin.column.{h}") for h in headers], rows, "account-table"
    )
