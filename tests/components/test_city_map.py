"""The district map's labels: their colour follows the district's fill."""

from __future__ import annotations

from plotly.colors import unlabel_rgb

from components.city_map import (
    DARK_TEXT,
    LIGHT_TEXT,
    contrast,
    fill_colours,
    label_colours,
    z_range,
)


def _rgb(colour: str) -> tuple[float, float, float]:
    if colour.startswith("#"):
        return tuple(float(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return tuple(float(c) for c in unlabel_rgb(colour))


def test_every_label_stands_out_from_its_district():
    z = [float(v) for v in range(0, 101, 5)]
    for reverse in (False, True):
        fills = fill_colours(z, reverse)
        for fill, text in zip(fills, label_colours(z, reverse), strict=True):
            assert contrast(_rgb(fill), _rgb(text)) >= 4.5, (fill, text)


def test_dark_text_on_the_bright_end_and_light_text_on_the_dark_end():
    z = [0.0, 50.0, 100.0]
    assert label_colours(z, reverse=False)[0] == LIGHT_TEXT  # Cividis starts dark blue
    assert label_colours(z, reverse=False)[-1] == DARK_TEXT  # and ends bright yellow
    assert label_colours(z, reverse=True)[0] == DARK_TEXT


def test_a_district_without_a_value_gets_light_text_on_the_dark_page():
    assert label_colours([None, 3.0, 7.0], reverse=False)[0] == LIGHT_TEXT
    assert fill_colours([None, 3.0], reverse=False)[0] is None


def test_the_scale_ends_are_plotlys_own():
    assert z_range([3.0, None, 9.0]) == (3.0, 9.0)
    assert z_range([4.0, 4.0]) == (3.5, 4.5)  # one value: plotly widens by ±0.5
    assert z_range([None]) == (0.0, 1.0)
