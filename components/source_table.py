"""The health of each source: what a city's operator checks when a tile goes stale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from city import i18n
from city.i18n import t
from kpis.values import SourceHealth


def state_of(source: SourceHealth) -> tuple[str, str]:
    """(word, css class): failing beats stale beats ok."""
    if source.off_until:
        return "off", "source-off"
    if source.last_success_at is None and source.last_error_at is None:
        return "waiting", "source-waiting"
    if source.failing:
        return "failing", "source-stale"
    if source.stale:
        return "stale", "source-stale"
    return "ok", "source-ok"


COLUMNS = (
    "source",
    "state",
    "last_success",
    "last_run",
    "quarantined",
    "last_error",
    "delivers",
)


def source_table(
    health: list[SourceHealth], zone: ZoneInfo, now: datetime, lang: str
) -> dbc.Table:
    header = html.Thead(
        html.Tr([html.Th(t(lang, f"sources.column.{c}")) for c in COLUMNS])
    )
    rows = []
    for s in health:
        word, css = state_of(s)
        run = (
            f"{i18n.clock(s.last_run_at, zone, lang, seconds=True)} · "
            f"{i18n.number(s.last_run_fetched, lang)} / "
            f"{i18n.number(s.last_run_stored, lang)} / "
            f"{i18n.number(s.last_run_rejected, lang)}"
            if s.last_run_at
            else "—"
        )
        error = (
            f"{i18n.day_and_clock(s.last_error_at, zone, lang)} — {s.last_error}"
            if s.last_error
            else t(lang, "sources.off_until", names=", ".join(s.off_until))
            if s.off_until
            else "—"
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Div(s.name, className="source-name"),
                            html.Small(
                                t(
                                    lang,
                                    "sources.every",
                                    connector=s.connector,
                                    seconds=i18n.number(s.interval_seconds, lang),
                                )
                            ),
                        ]
                    ),
                    html.Td(
                        html.Span(
                            t(lang, f"sources.state.{word}"),
                            className=f"source-badge {css}",
                        )
                    ),
                    html.Td(i18n.day_and_clock(s.last_success_at, zone, lang)),
                    html.Td(run),
                    html.Td(
                        [
                            html.Div(i18n.number(s.quarantined_24h, lang)),
                            html.Small(
                                t(
                                    lang,
                                    "sources.quarantine_size",
                                    rows=i18n.number(s.quarantine_size, lang),
                                ),
                                className="source-quarantine-size",
                            ),
                        ]
                    ),
                    html.Td(
                        error[:300], className="source-error", title=s.last_error or ""
                    ),
                    html.Td(", ".join(f.split(":", 1)[1] for f in s.feeds) or "—"),
                ],
                id={"type": "source-row", "source": s.name},
            )
        )
    return dbc.Table(
        [header, html.Tbody(rows)],
        className="source-table",
        bordered=False,
        hover=True,
        responsive=True,
        color="dark",
    )
