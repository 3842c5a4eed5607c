"""Populations as national files write them."""

from __future__ import annotations

import pytest

from citywall.city_files import OnboardingError
from citywall.city_files.populations import (
    PopulationError,
    parse_population,
    read_population_file,
)


@pytest.mark.parametrize(
    ("value", "count"),
    [
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("1 234 567", 1234567),
        ("1\u202f234\u202f567", 1234567),
        ("48.112", 48112),  # Spanish thousands, not 48.1 people
        ("57812", 57812),
        (94813, 94813),
        (94813.0, 94813),
        ("1234,6", 1235),
        ({"total": 55269, "año": 2010}, 55269),
        ({"Valor": "1.234"}, 1234),
        ({"Población": 12}, 12),
        (None, None),
        ("", None),
        (float("nan"), None),
    ],
)
def test_reads_a_count_however_written(value, count):
    assert parse_population(value) == count


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"año": 2010}, "an object without a count member"),
        ("about 5000", "is not a number"),
        (True, "is not a number"),
        (-5, "is not a head count"),
        ([1, 2], "is not a number"),
    ],
)
def test_refuses_what_is_not_a_count(value, says):
    with pytest.raises(PopulationError, match=says):
        parse_population(value)


def test_reads_a_semicolon_csv_and_names_a_misspelt_column(tmp_path):
    path = tmp_path / "poblacion.csv"
    path.write_text("codigo;poblacion\n01;571.106\n2;172457\n", encoding="utf-8")
    rows = read_population_file(path, "codigo", "poblacion")
    assert rows == {"1": "571.106", "2": "172457"}  # "01" meets "1"
    with pytest.raises(OnboardingError) as refused:
        read_population_file(path, "codigo", "poblacoin")
    message = str(refused.value)
    assert "no column 'poblacoin' (did you mean 'poblacion'?)" in message
    assert "--population-column" in message
