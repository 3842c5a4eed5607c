"""The health of each source: what a city's operator checks when a tile goes stale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from components.format import local_time
from kpis.service import SourceHealth


def state_of(source: SourceHealth) -> tuple[str, str]:
    """(word, css class): failing beats stale beats ok."""
    if source.last_success_at is None and source.last_error_at is None:
        return "waiting", "source-waiting"
    if source.failing:
        return "failing", "source-stale"
    if source.stale:
        return "stale", "source-stale"
    return "ok", "source-ok"


def source_table(
    health: list[SourceHealth], zone: ZoneInfo, now: datetime
) -> dbc.Table:
    header = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Source",
                    "State",
                    "Last success",
                    "Last run (fetched / stored / rejected)",
                    "Quarantined 24 h",
                    "Last error",
                    "Delivers",
                )
            ]
        )
    )
    rows = []
    for s in health:
        word, css = state_of(s)
        run = (
            f"{local_time(s.last_run_at, zone)} · {s.last_run_fetched} / "
            f"{s.last_run_stored} / {s.last_run_rejected}"
            if s.last_run_at
            else "—"
        )
        error = (
            f"{local_time(s.last_error_at, zone, with_date=True)} — {s.last_error}"
            if s.last_error
            else "—"
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Div(s.name, className="source-name"),
                            html.Small(
                                f"{s.connector}, every {s.interval_seconds:g} s"
                            ),
                        ]
                    ),
                    html.Td(html.Span(word, className=f"source-badge {css}")),
                    html.Td(local_time(s.last_success_at, zone, with_date=True)),
                    html.Td(run),
                    html.Td(str(s.quarantined_24h)),
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
