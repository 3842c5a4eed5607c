"""What a page may ask of the app it runs in: the city's profile, the KPI layer,
the render cache, the account book, and the few settings a page shows. The web
floor's factory hands them over on the Flask app (``install``); pages never
import the web floor and never hold an engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from access.book import AccountBook
from access.embed_tokens import EmbedScope
from city.profile import CityProfile
from components.settings_table import ShownSetting
from ingest.supervisor import IngestState
from kpis.service import KpiService

KEY = "citywall.pages"


@dataclass(frozen=True)
class Services:
    profile: Callable[[], CityProfile]
    kpis: Callable[[], KpiService]
    # (name, build) → build(), made once per moment for every screen (the web
    # floor's render cache, see ``web.render_cache``)
    rendered: Callable[[str, Callable[[], Any]], Any]
    accounts: Callable[[], AccountBook]
    url_prefix: Callable[[], str]
    public_kpis: Callable[[], tuple[str, ...]]
    readiness: Callable[[], tuple[dict, bool]]  # what /readyz says, for the admin
    configuration: Callable[[], tuple[Path, list[ShownSetting]]]  # profile, settings
    ingest: Callable[[], IngestState | None]  # the live ingest `serve` supervises
    # an embed token's scope if it is genuine and unexpired (not whether revoked)
    embed_scope: Callable[[str], EmbedScope | None]
    # a CSV link's credential for (token's scope, kpi, district), see embed_tokens
    download_credential: Callable[[EmbedScope, str, str | None], str]
    # the KPI layer and the render cache at a past moment (``kpis.past``)
    kpis_at: Callable[[datetime], KpiService]
    rendered_at: Callable[[datetime, str, Callable[[], Any]], Any]


def install(server: Flask, services: Services) -> None:
    server.extensions[KEY] = services


# the past moment the page being drawn shows (None: live), see ``reading_at``
_MOMENT: ContextVar[datetime | None] = ContextVar("citywall_page_moment", default=None)


def services() -> Services:
    """The services of the app serving this request (render threads run in a
    copy of its context); inside ``reading_at`` a past moment's KPI layer and
    render cache in place of the live ones."""
    found = live_services()
    at = _MOMENT.get()
    if at is None:
        return found
    return replace(
        found,
        kpis=lambda: found.kpis_at(at),
        rendered=lambda name, build: found.rendered_at(at, name, build),
    )


def live_services() -> Services:
    """The live services, whatever moment the page shows."""
    return current_app.extensions[KEY]


@contextmanager
def reading_at(at: datetime | None) -> Iterator[None]:
    """Everything asked of ``services()`` inside is asked at ``at`` (None: live)."""
    token = _MOMENT.set(at)
    try:
        yield
    finally:
        _MOMENT.reset(token)
