"""Every page's browser tab title in the page's language, with the city's name, as
Dash's page router answers it (and as the first load's meta tags carry it)."""

from __future__ import annotations

import html
import re

import pytest

from access.roles import Role
from tests.conftest import router_body
from tests.web import test_access
from tests.web.test_access import client_as

wall = test_access.wall  # the same app fixture, made again for this module


@pytest.fixture(scope="module")
def admin(wall):
    return client_as(wall, Role.ADMIN)


def _title(client, path: str, search: str = "") -> str:
    answer = client.post("/_dash-update-component", json=router_body(path, search))
    assert answer.status_code == 200, answer.text
    return answer.get_json()["response"]["_pages_store"]["data"]["title"]


@pytest.mark.parametrize(
    ("path", "lang", "title"),
    [
        ("/", "ko", "개요 — 서울특별시 · CityWall"),
        ("/", "es", "Resumen — Seúl · CityWall"),
        ("/", "en", "Overview — Seoul · CityWall"),
        ("/traffic", "ko", "교통 — 서울특별시 · CityWall"),
        ("/complaints", "es", "Reclamos — Seúl · CityWall"),
        ("/district/11680", "ko", "강남구 — 서울특별시 · CityWall"),
        ("/district/11680", "es", "Gangnam-gu — Seúl · CityWall"),
        ("/sources", "es", "Fuentes — Seúl · CityWall"),
        ("/admin", "ko", "관리 — 서울특별시 · CityWall"),
        ("/wall", "ko", "서울특별시 · CityWall"),
        ("/no/such/page", "es", "No encontrado — Seúl · CityWall"),
    ],
)
def test_a_pages_tab_title_is_in_its_language_with_the_citys_name(
    admin, path, lang, title
):
    assert _title(admin, path, f"?lang={lang}") == title


def test_without_a_language_the_title_is_in_the_citys_default(admin):
    assert _title(admin, "/cameras") == "Cameras — Seoul · CityWall"


def test_the_first_loads_meta_title_follows_the_address_too(admin):
    page = admin.get("/safety?lang=es").text
    shown = re.search(r'property="og:title" content="([^"]*)"', page)
    assert shown and html.unescape(shown.group(1)) == "Seguridad — Seúl · CityWall"
