"""The sign-in page in the wall's three languages: from the address, the page the
visitor is sent on to, or the browser; with a switch that keeps where to go after,
and a sign-in that goes on in the language picked."""

from __future__ import annotations

import html
import re

import pytest

from access.roles import Role
from city import i18n
from tests.web import test_access
from tests.web.test_access import PASSWORD, USERS

wall = test_access.wall  # the same app fixture, made again for this module


def _page(wall, address: str, **headers: str) -> str:
    answer = wall.server.test_client().get(address, headers=headers)
    assert answer.status_code == 200
    return answer.text


def _language(page: str) -> str:
    return re.search(r"<html lang='(\w+)'", page).group(1)


@pytest.mark.parametrize(
    ("address", "accept", "lang"),
    [
        ("/login?lang=es", "ko-KR,ko;q=0.9", "es"),  # the address wins
        ("/login", "ko-KR,ko;q=0.9,en;q=0.5", "ko"),
        ("/login", "es-EC,es;q=0.9", "es"),
        ("/login", "fr-FR", "en"),  # none of ours: the city's default
        ("/login?next=/traffic%3Flang%3Dko", "es", "ko"),  # the page asked for
    ],
)
def test_the_sign_in_page_speaks_the_asked_language(wall, address, accept, lang):
    page = _page(wall, address, **{"Accept-Language": accept})
    assert _language(page) == lang
    for key in ("sign_in.username", "sign_in.password", "sign_in.submit"):
        assert f">{html.escape(i18n.t(lang, key))}<" in page, key
    city = {"ko": "서울특별시", "en": "Seoul", "es": "Seúl"}[lang]
    title = i18n.t(lang, "title.page", page=i18n.t(lang, "sign_in.heading"), city=city)
    assert f"<title>{html.escape(title)}</title>" in page


def test_the_switch_offers_every_language_and_keeps_where_to_go(wall):
    page = _page(wall, "/login?lang=ko&next=/district/11680%3Fperiod%3D7d")
    links = re.findall(r"class='lang-link( active)?' href='([^']+)'", page)
    assert [active for active, _ in links] == [" active", "", ""]
    assert [html.unescape(href) for _, href in links] == [
        f"/login?lang={code}&next=%2Fdistrict%2F11680%3Fperiod%3D7d"
        for code in ("ko", "en", "es")
    ]


def _sign_in(wall, address: str, password: str = PASSWORD, next_: str = "/traffic"):
    client = wall.server.test_client()
    form = client.get(address).text
    token = re.search(r"name='csrf' value='([^']+)'", form).group(1)
    chosen = re.search(r"name='lang' value='(\w*)'", form).group(1)
    data = {"csrf": token, "username": USERS[Role.STAFF], "password": password}
    return client.post("/login", data=data | {"next": next_, "lang": chosen})


def test_a_language_picked_on_the_sign_in_page_goes_on_with_the_visitor(wall):
    done = _sign_in(wall, "/login?lang=es&next=/traffic")
    assert done.status_code == 302 and done.headers["Location"] == "/traffic?lang=es"
    # the browser's language alone changes nothing of the address
    done = _sign_in(wall, "/login?next=/traffic")
    assert done.headers["Location"] == "/traffic"
    # nor does a pick when the address names its language already
    done = _sign_in(wall, "/login?lang=es", next_="/traffic?lang=ko")
    assert done.headers["Location"] == "/traffic?lang=ko"


def test_a_wrong_password_is_told_in_the_pages_language(wall):
    refused = _sign_in(wall, "/login?lang=es", password="not-the-password")
    assert refused.status_code == 401
    assert html.escape(i18n.t("es", "sign_in.wrong")) in refused.text
    assert _language(refused.text) == "es"


@pytest.fixture
def portuguese_city(wall, tmp_path, monkeypatch):
    """The same wall for a city that offers Portuguese and English only."""
    from city.profile import load_profile
    from tests.city.test_i18n import city_speaking
    from web import runtime

    lines = 'default_language = "pt"\nlocal_language = "pt"\nlanguages = ["pt", "en"]\n'
    city = load_profile(city_speaking(tmp_path, lines))
    monkeypatch.setattr(runtime, "profile", lambda: city)
    return wall


@pytest.mark.parametrize(
    ("address", "accept", "lang"),
    [
        ("/login", "pt-BR,pt;q=0.9", "pt"),
        ("/login?lang=en", "pt-BR", "en"),
        ("/login?lang=ko", "ko-KR,ko;q=0.9", "pt"),  # not offered: the default
        ("/login?lang=ja", "ja", "pt"),  # shipped, but not this city's
    ],
)
def test_a_city_signs_in_in_its_own_languages_only(
    portuguese_city, address, accept, lang
):
    page = _page(portuguese_city, address, **{"Accept-Language": accept})
    assert _language(page) == lang
    assert f">{html.escape(i18n.t(lang, 'sign_in.submit'))}<" in page
    links = re.findall(r"hreflang='(\w+)' lang='\w+' title='([^']+)'>(\w+)<", page)
    assert links == [("pt", "Português", "PT"), ("en", "English", "EN")]
