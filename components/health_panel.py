"""The wall's health as its admin reads it: what ``/readyz`` answers (the database,
each source fresh or stale since when), told in the admin's language."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dash import html

from city import i18n
from city.i18n import t


def health_panel(
    ready: dict, source_names: list[str], zone: tzinfo, lang: str
) -> html.Div:
    """``ready``: the body of ``web.operations.readiness``."""
    database = ready["checks"]["database"]
    if database["ok"]:
        ms = i18n.number(database["seconds"] * 1000, lang, 1)
        top = _line("ok", t(lang, "admin.database_ok", ms=ms))
    else:
        top = _line("bad", t(lang, "admin.database_down", error=database["error"]))
    parts = [top]
    sources = ready["checks"].get("sources")
    if sources is not None:
        parts += _sources(sources, source_names, zone, lang)
    return html.Div(parts, className="health-panel", id="admin-health-body")


def _sources(sources: dict, names: list[str], zone: tzinfo, lang: str) -> list:
    if "error" in sources:
        return [_line("bad", t(lang, "admin.sources_unknown", error=sources["error"]))]
    stale = {s["source"]: s for s in sources["stale"]}
    every = sorted(set(names) | set(stale))
    fresh = len(every) - len(stale)
    summary = t(lang, "admin.sources_fresh", fresh=fresh, count=len(every))
    items = [
        html.Li(
            [
                html.Span(name, className="admin-name"),
                " ",
                _source_state(stale.get(name), zone, lang),
            ],
            id={"type": "admin-source", "source": name},
        )
        for name in every
    ]
    return [
        _line("ok" if not stale else "bad", summary),
        html.Ul(items, className="health-sources"),
    ]


def _source_state(stale: dict | None, zone: tzinfo, lang: str) -> html.Span:
    if stale is None:
        return html.Span(t(lang, "admin.source_fresh"), className="health-ok")
    since = stale["since"]
    text = (
        t(
            lang,
            "admin.source_stale",
            time=i18n.day_and_clock(datetime.fromisoformat(since), zone, lang),
        )
        if since
        else t(lang, "admin.source_never")
    )
    if stale["failing"]:
        text += " · " + t(lang, "admin.source_failing")
    return html.Span(text, className="health-bad")


def _line(state: str, text: str) -> html.Div:
    return html.Div(text, className=f"health-line health-{state}")
