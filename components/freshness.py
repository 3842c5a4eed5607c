"""How fresh the wall is: the newest data's time and each source's health.

A wall must never show old numbers as live: when the feeds go quiet the strip says
STALE and since when, per source, with the source's last error on hover.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import dcc, html

from citywall.profile import CityProfile
from components.format import local_time
from kpis.service import SourceHealth


def freshness_strip(
    newest: datetime | None,
    health: list[SourceHealth],
    profile: CityProfile,
    now: datetime,
    sources_href: str = "/sources",  # under a path prefix: dash.get_relative_path
) -> list:
    if newest is None:
        items = [html.Span("No data yet", className="stale")]
    else:
        interval = max((s.interval_seconds for s in profile.sources), default=60)
        late = now - newest > timedelta(seconds=max(3 * interval, 120))
        text = f"Data as of {local_time(newest, profile.timezone, with_date=True)}"
        items = [
            html.Span(
                f"STALE — {text}" if late else text, className="stale" if late else ""
            )
        ]
    for source in health:
        since = local_time(source.last_success_at, profile.timezone)[:5]
        if source.stale:
            label = (
                f"◆ {source.name} stale since {since}"
                if source.last_success_at
                else f"◆ {source.name} never loaded"
            )
        else:
            label = f"● {source.name}"
        items.append(
            dcc.Link(
                label,
                href=sources_href,
                title=f"last error: {source.last_error}" if source.last_error else "",
                className=f"source-badge {'source-stale' if source.stale else 'source-ok'}",
                id={"type": "source-badge", "source": source.name},
            )
        )
    return items
