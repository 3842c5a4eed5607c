"""What a page may ask of the app it runs in: the city's profile, the KPI layer,
the render cache, the account book, and the few settings a page shows. The web
floor's factory hands them over on the Flask app (``install``); pages never
import the web floor and never hold an engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


def install(server: Flask, services: Services) -> None:
    server.extensions[KEY] = services


def services() -> Services:
    """The services of the app serving this request (render threads run in a
    copy of its context)."""
    return current_app.extensions[KEY]
