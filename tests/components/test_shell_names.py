"""The header names the city once, and twice only when its own language says it
differently (서울특별시 beside Seoul), never "Guayaquil Guayaquil"."""

from __future__ import annotations

import dash
import pytest

from city.profile import load_profile
from components.shell import header
from tests.conftest import PROJECT_ROOT

GUAYAQUIL = load_profile(PROJECT_ROOT / "cities" / "guayaquil.toml")


@pytest.fixture(autouse=True)
def app() -> dash.Dash:
    """Links are drawn under an app's path prefix: the header needs one."""
    return dash.Dash(__name__)


def brand(profile, lang: str) -> list[str]:
    """The texts of the header's brand link: the mark, then the city's names."""
    bar = header(profile, lang, "/", "", pages=[])
    link = bar.children.children[0]
    return [span.children for span in link.children]


def test_a_city_with_one_name_is_named_once_in_every_language():
    assert brand(GUAYAQUIL, "es") == ["CityWall", "Guayaquil"]
    assert brand(GUAYAQUIL, "en") == ["CityWall", "Guayaquil"]
    assert brand(GUAYAQUIL, "ko") == ["CityWall", "Guayaquil"]


def test_a_citys_own_name_stands_beside_another_languages(seoul):
    assert brand(seoul, "en") == ["CityWall", "Seoul", "서울특별시"]
    assert brand(seoul, "ko") == ["CityWall", "서울특별시"]


def test_a_district_with_one_name_is_titled_once():
    from components.shell import second_name

    tarqui = GUAYAQUIL.districts_by_code["tarqui"]
    assert second_name(tarqui.name("en"), tarqui.name("es"), "district-local") == []
    [local] = second_name("Gangnam-gu", "강남구", "district-local")
    assert local.children == "강남구" and local.className == "district-local"
