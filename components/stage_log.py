"""The disaster stage's log: every change, when, from what to what, and why (the
rules' records or an operator's reason)."""

from __future__ import annotations

from datetime import tzinfo

from dash import html

from city.i18n import t
from components.plain_table import plain_table, when


def stage_log(rows: list, zone: tzinfo, lang: str) -> html.Div:
    """``rows``: ``KpiService.stage_history``, newest first."""
    body = [
        html.Tr(
            [
                html.Td(when(r.at, zone, lang), className="admin-when"),
                html.Td(f"{'—' if r.previous is None else r.previous} → {r.level}"),
                html.Td(t(lang, "stage.log_manual" if r.manual else "stage.log_rules")),
                html.Td(r.cause, className="admin-cause"),
            ]
        )
        for r in rows
    ]
    headers = [
        t(lang, "stage.log_at"),
        t(lang, "stage.log_stage"),
        t(lang, "admin.column.by"),
        t(lang, "stage.log_cause"),
    ]
    return html.Div(
        [
            html.H4(t(lang, "stage.log"), className="section-title"),
            plain_table(headers, body, "stage-log"),
        ]
    )
