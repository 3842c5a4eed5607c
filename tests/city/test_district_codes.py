import pytest

from city.district_codes import MAX_LENGTH, is_wall_code, slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comité del Pueblo", "comite-del-pueblo"),
        ("Iñaquito", "inaquito"),
        ("CARCELÉN", "carcelen"),
        ("  San Juan / Centro ", "san-juan-centro"),
        ("11680", "11680"),
        ("千代田区", ""),  # no Latin letters: the caller numbers it
    ],
)
def test_slug_makes_a_wall_code_from_a_name(text: str, expected: str) -> None:
    assert slug(text) == expected
    assert expected == "" or is_wall_code(expected)


def test_long_names_are_cut_without_a_trailing_dash() -> None:
    code = slug("Parroquia urbana San Antonio de Pichincha del Norte")
    assert len(code) <= MAX_LENGTH and not code.endswith("-") and is_wall_code(code)


@pytest.mark.parametrize(
    "code", ["San Juan", "Nayón", "a" * (MAX_LENGTH + 1), "-x", "../x", "", "13 101"]
)
def test_codes_that_cannot_serve_as_they_are(code: str) -> None:
    assert not is_wall_code(code)
