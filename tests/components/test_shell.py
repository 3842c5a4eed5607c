"""The header's language switch lists the city's languages, each named in itself."""

from __future__ import annotations

import dash
import pytest

from city import i18n
from city.profile import load_profile
from components.shell import header
from tests.city.test_i18n import PROJECT_ROOT, city_speaking

PAGES = [("/", "nav.overview"), ("/traffic", "domain.traffic")]


@pytest.fixture(autouse=True)
def app():
    """Links are drawn relative to the app's address: an app to draw them in."""
    return dash.Dash(__name__)


def _switch(navbar) -> list[tuple[str, str, str, bool]]:
    """(label, address, title, active) of each language link, in order."""
    found = []

    def walk(component) -> None:
        if getattr(component, "id", None) and isinstance(component.id, dict):
            if component.id.get("type") == "lang-link":
                active = "active" in component.className
                found.append(
                    (component.children, component.href, component.title, active)
                )
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(navbar)
    return found


def test_a_city_offering_portuguese_and_english_shows_pt_and_en_only(tmp_path):
    lines = 'default_language = "pt"\nlocal_language = "es"\nlanguages = ["pt", "en"]\n'
    city = load_profile(city_speaking(tmp_path, lines))
    navbar = header(city, "pt", "/traffic", "?period=7d", PAGES)
    assert _switch(navbar) == [
        ("PT", "/traffic?period=7d&lang=pt", "Português", True),
        ("EN", "/traffic?period=7d&lang=en", "English", False),
    ]


def test_seoul_keeps_its_three_languages_in_its_order():
    seoul = load_profile(PROJECT_ROOT / "cities" / "seoul.toml")
    navbar = header(seoul, "es", "/", "", PAGES)
    assert [(label, active) for label, _, _, active in _switch(navbar)] == [
        ("KO", False),
        ("EN", False),
        ("ES", True),
    ]
    assert i18n.display_name("ko") in [title for _, _, title, _ in _switch(navbar)]
