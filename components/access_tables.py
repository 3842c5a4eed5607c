"""Who may see the wall, as its admin manages it: the wall screens with their
credentials' state, the built-in login's accounts and the embed tokens issued.
Each row has its button; the page's callbacks act on the button's id."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dash import html

from access.accounts import Account, Device
from access.embed_tokens import IssuedToken
from city.i18n import t
from components.plain_table import plain_table, when


def _row_button(label: str, id_: dict, disabled: bool) -> html.Button:
    """A row's button; the page's callback reads which row from its id."""
    return html.Button(
        label, id=id_, className="admin-button admin-danger", disabled=disabled
    )


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
                    _row_button(
                        t(lang, "admin.screen_revoke"),
                        {"type": "admin-revoke", "label": d.label},
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
                    _row_button(
                        t(lang, "admin.account_disable"),
                        {"type": "admin-disable", "username": a.username},
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


def token_table(
    tokens: list[IssuedToken], now: datetime, zone: tzinfo, lang: str
) -> html.Div:
    """The embed tokens issued (never the tokens themselves: only their scope)."""
    if not tokens:
        return html.P(t(lang, "admin.no_tokens"), className="admin-note")
    rows = [
        html.Tr(
            [
                html.Td(str(k.id)),
                html.Td(k.target, className="admin-name"),
                html.Td(k.district or t(lang, "filters.all_districts")),
                html.Td(when(k.issued_at, zone, lang)),
                html.Td(
                    when(k.expires_at, zone, lang)
                    if k.expires_at > now
                    else t(lang, "admin.token_expired")
                ),
                html.Td(when(k.revoked_at, zone, lang)),
                html.Td(
                    _row_button(
                        t(lang, "admin.token_revoke"),
                        {"type": "admin-revoke-token", "id": k.id},
                        disabled=k.revoked_at is not None or k.expires_at <= now,
                    )
                ),
            ],
            className="admin-revoked" if k.revoked_at else "",
        )
        for k in tokens
    ]
    headers = ["id", "target", "district", "issued", "expires", "revoked", "action"]
    return plain_table(
        [t(lang, f"admin.column.{h}") for h in headers], rows, "token-table"
    )
